"""The embedded default's own processes (its Redis and Celery workers) never outlive ``chambers
serve``: not when it stops, and not when it is killed outright."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from ..conftest import OWN_EXAMPLES
from ..live_server import LiveServer
from .gates import alive


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_until_all_dead(pids: set[int], timeout: float = 20.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {pid for pid in pids if alive(pid)}
        if not left:
            return left
        time.sleep(0.1)
    return {pid for pid in pids if alive(pid)}


def own_processes(server: LiveServer) -> set[int]:
    pids = descendants(server.process.pid)
    commands = " | ".join(command_of(pid) for pid in pids)
    assert "redis-server" in commands and "celery" in commands, commands
    return pids


@pytest.fixture
def server(tmp_path):
    running = LiveServer([OWN_EXAMPLES], tmp_path / "data")
    yield running
    running.stop()       # whatever the test did (its process group, if anything is left of it)


def test_stopping_the_server_stops_its_redis_and_workers(server):
    pids = own_processes(server)
    server.process.send_signal(signal.SIGTERM)       # the server alone, as an operator's kill would
    server.process.wait(timeout=30)
    left = wait_until_all_dead(pids)
    assert not left, [command_of(pid) for pid in left]


def test_a_server_killed_outright_takes_its_redis_and_workers_with_it(server):
    pids = own_processes(server)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)
    left = wait_until_all_dead(pids)
    assert not left, [command_of(pid) for pid in left]
