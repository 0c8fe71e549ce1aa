"""A worker killed with SIGKILL in the middle of an action leaves nothing pending forever: the
reaper sees the action's lease lapse and runs it again (then it finishes)."""
from __future__ import annotations

import json
import os
import signal
import socket

import pytest

from .api import fields_of
from .gates import open_gate, process_group, running_pids, wait_until_running


def test_a_killed_worker_process_is_replaced_and_the_action_runs_again(embedded_api, gate):
    session = embedded_api.start("gated.yml")
    session.answer(gate=str(gate), label="victim")
    os.kill(wait_until_running(gate, "victim"), signal.SIGKILL)
    open_gate(gate)
    done = fields_of(session.wait_for("Done", timeout=30))
    assert (done["state"], done["value"]) == ("succeeded", "finished victim")
    assert len(running_pids(gate, "victim")) == 2           # a second process ran it


@pytest.mark.cluster
def test_a_whole_cluster_worker_killed_outright_leaves_the_action_to_the_other(cluster, cluster_api, gate):
    session = cluster_api.start("gated.yml")
    session.answer(gate=str(gate), label="orphan")
    pid = wait_until_running(gate, "orphan")
    victims = [worker for worker in cluster.workers if worker.pid == process_group(pid)]
    assert len(victims) == 1, f"process {pid} is not one of the workers'; {running_pids(gate, 'orphan')}\n{cluster.logs()}"
    [victim] = victims
    cluster.kill(victim)                                      # its main process and its pool, at once
    open_gate(gate)
    done = fields_of(session.wait_for("Done", timeout=30))
    assert (done["state"], done["value"]) == ("succeeded", "finished orphan")
    [rerun] = [other for other in running_pids(gate, "orphan") if other != pid]   # pids are not in start order
    assert process_group(rerun) in {worker.pid for worker in cluster.workers}     # the surviving worker ran it
    cluster.start_worker()
    cluster.wait_for_workers(2)


@pytest.mark.cluster
def test_celery_inspect_active_lists_a_running_action(cluster, cluster_api, gate):
    session = cluster_api.start("gated.yml")
    session.answer(gate=str(gate), label="inspected")
    wait_until_running(gate, "inspected")
    # Named destinations: the command returns once both have answered (a busy machine may take a while).
    names = ",".join(f"chambers-{worker.pid}@{socket.gethostname()}" for worker in cluster.workers)
    shown = cluster.celery("inspect", "active", "--json", "--timeout", "20", "--destination", names)
    assert shown.returncode == 0, shown.stderr
    replies = json.loads(shown.stdout.strip().splitlines()[-1])
    assert len(replies) == 2, replies                         # both workers answered
    active = [task for tasks in replies.values() for task in tasks]
    assert [task["name"] for task in active] == ["chambers.run_background_action"]
    open_gate(gate)
    assert fields_of(session.wait_for("Done"))["value"] == "finished inspected"
