"""The Celery task that runs a background action, and the state the worker process keeps."""
from __future__ import annotations

import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from .celery_app import TASK_NAME, app

log = logging.getLogger(__name__)

MAX_ATTEMPTS = int(os.environ.get("CHAMBERS_TASK_ATTEMPTS", "3"))
_runtime = None
_runtime_lock = threading.Lock()


def runtime():
    """The worker process's own Chambers (built once, from the environment ``chambers serve`` set)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            from ..config import Settings
            from .runtime import build_runtime
            settings = Settings()
            settings.interview_dirs = [Path(p) for p in os.environ.get("CHAMBERS_INTERVIEWS", "").split(os.pathsep) if p]
            _runtime = build_runtime(settings, role="worker")
        return _runtime


@app.task(name=TASK_NAME, bind=True)
def run_background_action_task(self, task_id: str) -> None:
    execute(runtime(), task_id)


def execute(rt, task_id: str) -> None:
    """Run one queued action.  Safe to call again for the same id (a redelivered message)."""
    from ..sessions.background import ActionResult, run_background_action
    from ..interview.tasks import FINISHED

    repository = rt.task_repository
    record = repository.get(task_id)
    if record is None:
        log.warning("task %s is unknown (its session was deleted?); dropping it", task_id[:8])
        return
    if record.state in FINISHED:
        return
    if record.attempts >= MAX_ATTEMPTS:
        result = ActionResult(error_type="WorkerLost", error_message=(
            f"the worker running background action {record.event!r} stopped {record.attempts} times"),
            variables=[record.event], notify=False)
        _finish(rt, record, result)
        return
    if not repository.mark_started(task_id):
        return
    job = pickle.loads(record.job)  # noqa: S301 - written by our own launcher
    try:
        result = run_background_action(rt.chambers.service, job)
    except Exception as exc:  # noqa: BLE001 - the session may be gone, the lock may time out
        log.exception("background action %r could not run", record.event)
        result = ActionResult(error_type=type(exc).__name__, error_message=str(exc), variables=[record.event],
                              notify=False)
    _finish(rt, record, result)


def _finish(rt, record, result) -> None:
    state = "failed" if result.failed else "succeeded"
    if not rt.task_repository.finish(record.id, state, pickle.dumps(result.as_state())):
        return  # revoked meanwhile: the revocation stands
    message: dict[str, Any] = {"task": record.id, "state": state}
    rt.notifier.publish(record.session_id, message)
