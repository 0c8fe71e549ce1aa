"""Run ``chambers serve`` as a real process for browser and end-to-end tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

STARTED = "Application startup complete."   # what uvicorn logs once a web process serves


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, interview_dirs: list[Path], data_dir: Path, *, env: dict[str, str] | None = None,
                 workers: int = 2, smtp_port: int | None = None, web_workers: int | None = None):
        self.port = free_port()
        self.smtp_port = free_port() if smtp_port is None else smtp_port  # CHAMBERS_SMTP_PORT; 0 = no mail
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.web_workers = web_workers
        command = [sys.executable, "-m", "chambers.cli", "serve", *map(str, interview_dirs), "--port", str(self.port),
                   "--data", str(data_dir), "--workers", str(workers)]
        if web_workers is not None:
            command += ["--web-workers", str(web_workers)]
        full_env = {**os.environ, "CHAMBERS_SECRET_KEY": "live-test-key", "CHAMBERS_SMTP_PORT": str(self.smtp_port),
                    **(env or {})}
        for cluster_setting in ("REDIS_URL", "DATABASE_URL"):   # the embedded default, unless asked otherwise
            if not (env and cluster_setting in env):
                full_env.pop(cluster_setting, None)
        self.env = full_env
        self.log_path = data_dir / "server.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chambers serve exited early:\n{self.log()}")
            try:
                if httpx.get(self.url + "/", timeout=1.0).status_code == 200 and self._all_web_processes_up():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"chambers serve did not start in {timeout}s:\n{self.log()}")

    def _all_web_processes_up(self) -> bool:
        """With ``--web-workers N``, every one of them has started (each listens on its own socket,
        and a connection made before one is up goes to the others, for its whole life)."""
        return self.log_path.read_text(errors="replace").count(STARTED) >= (self.web_workers or 1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def api_key(self) -> str:
        output = subprocess.run([sys.executable, "-m", "chambers.cli", "apikey", "tests", "--data", str(self.data_dir)],
                                check=True, capture_output=True, text=True, env=self.env)
        return output.stdout.strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
