"""The Celery task that runs a background action, and the state a worker process keeps.

One run of a task, :func:`execute`:

1. Take the task's *lease* (a Redis lock, renewed while the run lasts).  Whoever holds it runs
   the task; a second delivery of the same message (Redis redelivers unacknowledged messages
   after the visibility timeout, or when a worker process died) finds it held and is dropped.
2. Mark it started in SQL (``attempts`` + 1).  Revoked or finished tasks stop here.
3. Run it (:func:`~chambers.sessions.background.run_background_action`).  If the action raised
   and its event allows ``retries``, put it back in the queue after a delay; else record the
   result, running the error action on the last attempt.

A worker that dies mid-run stops renewing the lease; the reaper (``reaper.py``) then finds the
task started with no lease and runs it again or, out of attempts, marks it ``lost``.
"""
from __future__ import annotations

import logging
import os
import pickle
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from celery import signals

from ..locks import LockTimeout
from .celery_app import TASK_NAME, app
from .policy import TaskPolicy

log = logging.getLogger(__name__)

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


@signals.worker_init.connect
def _preload(**_: Any) -> None:
    """In the worker's main process, before it forks its pool: import what every run needs once."""
    from ..interview import engine  # noqa: F401
    from ..sessions import background  # noqa: F401
    from ..store import tasks  # noqa: F401
    from . import runtime as _  # noqa: F401


@signals.worker_process_init.connect
def _warm_up(**_: Any) -> None:
    """In each pool process: build the runtime and start the reaper now, not on the first task."""
    try:
        rt = runtime()
    except Exception:  # noqa: BLE001 - the first task will try again and report it
        log.exception("the background worker could not start its runtime")
        return
    from .reaper import Reaper
    Reaper(rt).start()


@app.task(name=TASK_NAME, bind=True)
def run_background_action_task(self, task_id: str) -> None:
    execute(runtime(), task_id)


def policy_of(rt) -> TaskPolicy:
    return getattr(rt, "policy", None) or TaskPolicy.from_env()


@contextmanager
def leased(rt, task_id: str) -> Iterator[bool]:
    """Hold the task's lease for the block (True), or don't (False: someone else has it)."""
    leases = getattr(rt, "leases", None)
    if leases is None:          # a single process running tasks inline: nobody to compete with
        yield True
        return
    holding = leases.hold(task_id, timeout=0)
    try:
        holding.__enter__()
    except LockTimeout:
        yield False
        return
    try:
        yield True
    finally:
        holding.__exit__(None, None, None)


def execute(rt, task_id: str) -> None:
    """Run one queued action.  Safe to call again for the same id (a redelivered message)."""
    follow_up: Callable[[], None] | None = None
    with leased(rt, task_id) as mine:
        if not mine:
            log.info("task %s is being run elsewhere; this delivery is dropped", task_id[:8])
            return
        follow_up = _run(rt, task_id)
    if follow_up is not None:
        follow_up()  # after the lease is free, so the next delivery can take it


def _run(rt, task_id: str) -> Callable[[], None] | None:
    from ..sessions.background import ActionResult, RetryLater, opened, run_background_action
    from ..sessions.service import AccessDenied

    policy = policy_of(rt)
    record = rt.task_repository.start(task_id)
    if record is None:
        return None             # finished, revoked, or its session was deleted
    job = opened(rt.chambers.service, pickle.loads(record.job))  # noqa: S301 - written by our own launcher
    log.info("running background action %r (task %s, attempt %d, process %d)", record.event, task_id[:8],
             record.attempts, os.getpid())
    if record.attempts > policy.attempts_for(job.retries):
        give_up(rt, record, job, lost_result(record, job))   # every run so far lost its worker
        return None
    may_retry = record.attempts < 1 + (job.retries or 0)     # errors are retried only if the event says so
    try:
        result = run_background_action(rt.chambers.service, job, may_retry=may_retry)
    except RetryLater as retry:
        log.info("background action %r failed (%s); trying again", record.event, retry)
        return retry_later(rt, record, job, policy)
    except AccessDenied:
        result = ActionResult(error_type="SessionGone", error_message="the session of this background action "
                              "was deleted", variables=[record.event], notify=False)
    except Exception as exc:  # noqa: BLE001 - the lock may time out, the database may be away
        log.exception("background action %r could not run", record.event)
        if may_retry:
            return retry_later(rt, record, job, policy)
        result = ActionResult(error_type=type(exc).__name__, error_message=str(exc), variables=[record.event],
                              notify=False)
    finish(rt, record, result, job)
    return None


def retry_later(rt, record, job, policy: TaskPolicy) -> Callable[[], None] | None:
    """Put the task back in the queue; the message goes once the caller has let go of the lease."""
    if not rt.task_repository.requeue(record.id, record.attempts):
        return None             # revoked meanwhile
    countdown = policy.retry_countdown(record.attempts)
    return lambda: rt.chambers.service.tasks.send(record.id, job.time_limit, countdown=countdown)


def lost_result(record, job, *, timed_out: bool = False):
    from ..sessions.background import ActionResult
    if timed_out:
        return ActionResult(error_type="TimeLimitExceeded", variables=[record.event], error_message=(
            f"the background action {record.event!r} ran longer than its time limit of {job.time_limit:g} "
            "seconds and its process was stopped"))
    return ActionResult(error_type="WorkerLost", variables=[record.event], error_message=(
        f"the worker running background action {record.event!r} stopped {record.attempts} time(s) "
        "before it finished"))


def give_up(rt, record, job, result, *, state: str = "lost") -> None:
    """Record a failure no run will follow, after running the action's noted error action."""
    from ..sessions.background import job_key, with_error_action
    service = rt.chambers.service
    try:
        noted = service.tasks.noted_error_action(record.id, record.session_id, job_key(service, job))
        result = with_error_action(service, job, noted, result)
    except Exception:  # noqa: BLE001 - the failure is recorded all the same (its key may be gone)
        log.exception("the error action of background action %r failed", record.event)
    finish(rt, record, result, job, state=state)


def finish(rt, record, result, job, *, state: str | None = None) -> None:
    from ..sessions.background import stored_result
    state = state or ("failed" if result.failed else "succeeded")
    if not rt.task_repository.finish(record.id, state, stored_result(rt.chambers.service, job, result)):
        return  # revoked meanwhile: the revocation stands
    message: dict[str, Any] = {"task": record.id, "state": state}
    rt.notifier.publish(record.session_id, message)
