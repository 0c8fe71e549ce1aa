"""Helpers for the gated test action (interviews/gated.yml): find the processes running it, open it."""
from __future__ import annotations

import os
import time
from pathlib import Path


def running_pids(gate: Path, label: str) -> list[int]:
    """Processes that have started the action labelled ``label`` (one per attempt)."""
    return sorted(int(path.name.rsplit(".", 1)[1]) for path in gate.glob(f"{label}.pid.*"))


def wait_until_running(gate: Path, label: str, *, runs: int = 1, timeout: float = 30.0) -> int:
    """Wait for the ``runs``-th start of the action; the process running it."""
    deadline = time.monotonic() + timeout
    while len(running_pids(gate, label)) < runs:
        if time.monotonic() > deadline:
            raise AssertionError(f"the action {label!r} did not start {runs} time(s) in {timeout}s")
        time.sleep(0.02)
    newest = max(gate.glob(f"{label}.pid.*"), key=lambda p: p.stat().st_mtime_ns)
    return int(newest.name.rsplit(".", 1)[1])


def open_gate(gate: Path, label: str | None = None, *, half: bool = False) -> None:
    name = "go" if label is None else (f"half-{label}" if half else f"go-{label}")
    (gate / name).touch()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):   # gone before, or while, its stat was read
        return False


def wait_until_dead(pid: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} is still running")
        time.sleep(0.05)


def process_group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
