"""What the benchmark scripts share: a real ``chambers serve`` to measure, browser sessions, figures.

Not a benchmark itself (``run_all.py`` skips ``_*.py``).
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
OWN_EXAMPLES = REPO / "examples"
DOCASSEMBLE_EXAMPLES = (REPO.parent / "shared" / "examples" / "docassemble").resolve()
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def rerun_line(script: str, argv: list[str]) -> None:
    """First line of every benchmark's output: the command that reproduces it."""
    print(f"$ .venv/bin/python bench/{script} {shlex.join(argv)}".rstrip(), flush=True)


def interview_dirs() -> list[Path]:
    dirs = [OWN_EXAMPLES]
    if DOCASSEMBLE_EXAMPLES.is_dir():
        dirs.append(DOCASSEMBLE_EXAMPLES)
    return dirs


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    """``median / p90`` of durations in seconds, shown in milliseconds."""
    return f"median {1000 * statistics.median(values):7.2f} ms   p90 {1000 * percentile(values, 0.9):7.2f} ms"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``chambers serve`` on the embedded default (SQLite, private Redis, Celery workers) in a
    temporary data directory; the same process tests/live_server.py's ``LiveServer`` runs, with
    ``--web-workers`` passed through when asked for."""

    def __init__(self, *, web_workers: int | None = None, workers: int = 1, env: dict[str, str] | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="chambers-bench-")
        self.data_dir = Path(self._tmp.name) / "data"
        self.data_dir.mkdir()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "chambers.cli", "serve", *map(str, interview_dirs()),
                   "--port", str(self.port), "--data", str(self.data_dir), "--workers", str(workers)]
        if web_workers is not None:
            command += ["--web-workers", str(web_workers)]
        full_env = {**os.environ, "CHAMBERS_SECRET_KEY": "bench-key", "CHAMBERS_CRON": "0", **(env or {})}
        full_env.pop("REDIS_URL", None)
        full_env.pop("DATABASE_URL", None)
        self.log_path = Path(self._tmp.name) / "server.log"
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
                if httpx.get(self.url + "/", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"chambers serve did not start in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def api_key(self) -> str:
        output = subprocess.run([sys.executable, "-m", "chambers.cli", "apikey", "bench", "--data",
                                 str(self.data_dir)], check=True, capture_output=True, text=True,
                                env={**os.environ, "CHAMBERS_SECRET_KEY": "bench-key"})
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
        self._tmp.cleanup()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def browser_session(client: httpx.Client, interview: str) -> str:
    """Start a session the way a browser does; the page's CSRF token (the cookie stays in ``client``)."""
    page = client.get(f"/interview?i={interview}&new=1", follow_redirects=True)
    page.raise_for_status()
    match = CSRF_META.search(page.text)
    if match is None:
        raise RuntimeError(f"no CSRF token on the page of {interview}")
    return match.group(1)


def cpu_note() -> str:
    return (f"{os.cpu_count()} CPU core(s) shared by the server, its embedded Redis and workers, "
            "and the load generator")
