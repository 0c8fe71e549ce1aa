"""``task.revoke()`` before and during a run: the action never runs (or is stopped), ``ready()``
is True and ``result().error_type`` is ``TaskRevoked``."""
from __future__ import annotations

from .api import fields_of
from .gates import open_gate, running_pids, wait_until_dead, wait_until_running


def start(api, gate, label):
    session = api.start("gated.yml")
    session.answer(gate=str(gate), label=label)
    return session


def test_revoking_a_running_action_stops_its_process(embedded_api, gate):
    session = start(embedded_api, gate, "running")
    pid = wait_until_running(gate, "running")
    session.act("cancel")
    done = fields_of(session.wait_for("Done"))
    assert done == {"state": "revoked", "ready": "True", "failed": "True", "value": "None", "error": "TaskRevoked"}
    wait_until_dead(pid)                                     # terminated, not left to finish
    open_gate(gate)
    assert fields_of(session.question())["state"] == "revoked"


def test_revoking_a_queued_action_means_it_never_runs(embedded_api, gate):
    # Both worker processes are kept busy, so the third action waits in the queue.
    busy = [start(embedded_api, gate, label) for label in ("first", "second")]
    for label in ("first", "second"):
        wait_until_running(gate, label)
    queued = start(embedded_api, gate, "third")
    assert fields_of(queued.question())["state"] == "queued"
    queued.act("cancel")
    assert fields_of(queued.wait_for("Done"))["error"] == "TaskRevoked"
    open_gate(gate)
    for session in busy:
        assert fields_of(session.wait_for("Done"))["state"] == "succeeded"
    assert running_pids(gate, "third") == []
    assert fields_of(queued.question())["state"] == "revoked"
