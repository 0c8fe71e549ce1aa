"""Flower, Celery's monitor, works against a cluster: it lists both workers and, once they send
task events, the background actions they ran."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from ..live_server import free_port
pytestmark = pytest.mark.cluster


@pytest.fixture
def flower(cluster, tmp_path):
    port = free_port()
    log = open(tmp_path / "flower.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "chambers.background.celery_app", "flower", f"--port={port}",
         "--address=127.0.0.1"],
        env={**os.environ, **cluster.env, "FLOWER_UNAUTHENTICATED_API": "true"}, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=20)


def poll(url: str, ready, timeout: float = 30.0):
    """GET ``url`` until ``ready(json)`` holds; that JSON."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            reply = httpx.get(url, timeout=10)
            if reply.status_code == 200:
                last = reply.json()
                if ready(last):
                    return last
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not show what was expected in {timeout}s: {last!r}")


def test_flower_lists_the_workers_and_the_actions_they_ran(cluster, cluster_api, flower):
    names = {f"chambers-{worker.pid}@{socket.gethostname()}" for worker in cluster.workers}
    poll(f"{flower}/api/workers?refresh=1", lambda workers: names <= set(workers))
    enabled = cluster.celery("control", "enable_events")
    assert enabled.returncode == 0, enabled.stderr
    session = cluster_api.start("background_action.yml")
    session.answer(value_to_add=3)
    assert session.wait_for("The answer is 556.")["questionText"] == "The answer is 556."
    tasks = poll(f"{flower}/api/tasks", lambda found: any(
        t.get("name") == "chambers.run_background_action" and t.get("state") == "SUCCESS" for t in found.values()))
    # Only task ids (a task's one argument is its own id, which may itself hold the digits 556 by chance).
    assert all(t.get("args") is None or "556" not in str(t.get("args")).replace(task_id, "")
               for task_id, t in tasks.items())
