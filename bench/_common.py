"""What the benchmark scripts share: a real ``chambers serve`` to measure, browser sessions, figures.

Not a benchmark itself (``run_all.py`` skips ``_*.py``).
"""
from __future__ import annotations

import os
import re
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live_server import LiveServer  # noqa: E402 - the repository on the path first

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


class Server(LiveServer):
    """``chambers serve`` on the embedded default (SQLite, private Redis, Celery workers), the process
    the tests run (tests/live_server.py), in a temporary data directory removed when it stops."""

    def __init__(self, *, web_workers: int | None = None, workers: int = 1, env: dict[str, str] | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="chambers-bench-")
        try:
            super().__init__(interview_dirs(), Path(self._tmp.name) / "data", workers=workers, web_workers=web_workers,
                             env={"CHAMBERS_SECRET_KEY": "bench-key", "CHAMBERS_CRON": "0", **(env or {})})
        except BaseException:
            self._tmp.cleanup()
            raise

    def stop(self) -> None:
        super().stop()
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
