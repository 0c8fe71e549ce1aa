"""``TaskQueue``: what the session service uses to launch background actions and ask about them.

A launch writes the job to SQL (state ``queued``) and then sends a Celery message holding only
the task id.  Everything a task handle asks (``ready()``, ``result()``) is answered from SQL, so a
result never expires and any process of a cluster can answer.
"""
from __future__ import annotations

import logging
import pickle
import secrets
import time
from typing import TYPE_CHECKING, Any

from ..interview.context import Run
from ..interview.tasks import FINISHED
from .celery_app import QUEUE, TASK_NAME
from ..sessions import crypto
from ..sessions.background import BackgroundJob

if TYPE_CHECKING:
    from celery import Celery

    from ..store.tasks import TaskRepository
    from .notify import Notifier

log = logging.getLogger(__name__)


ERROR_ACTION_KEY = "chambers:task-error-action:"
ERROR_ACTION_TTL = 7 * 86400


def event_options(interview, event: str) -> tuple[int | None, float | None]:
    """The ``retries`` and ``time limit`` of the block that handles ``event`` (latest in the file)."""
    for block in interview.candidates(event):
        if getattr(block, "event", None) == event:
            return getattr(block, "retries", None), getattr(block, "time_limit", None)
    return None, None


def _opened_result(record, key: str | None) -> dict[str, Any]:
    """The stored result's fields.  A sealed result without its key shows that it is sealed, and
    nothing of what it holds (``TamperedAnswers`` if it does not open with the key given)."""
    if crypto.is_sealed(record.result) and not key:
        return {"sealed": True}
    return pickle.loads(crypto.unseal(record.result, key, record.session_id))  # noqa: S301 - our worker's


class TaskQueue:
    def __init__(self, repository: "TaskRepository", celery: "Celery", notifier: "Notifier", *,
                 redis=None, time_limit_grace: float = 10.0):
        self.repository = repository
        self.celery = celery
        self.notifier = notifier
        self.redis = redis
        self.time_limit_grace = time_limit_grace

    def launch(self, run: Run, event: str, ui_notification: str | None, arguments: dict[str, Any], *,
               key: str | None = None) -> str:
        """Queue the action.  ``key``: the session's key when its answers are encrypted; the job's
        arguments and, later, its result are then sealed under it."""
        if ui_notification not in (None, "flash", "refresh", "javascript", "fields"):
            raise ValueError(f"background_action(): unknown ui_notification {ui_notification!r}; "
                             "use 'flash', 'refresh', 'javascript', 'fields' or None")
        if not isinstance(event, str) or not event.isidentifier():
            raise ValueError(f"background_action(): {event!r} is not an event name")
        task_id = secrets.token_hex(16)
        retries, time_limit = event_options(run.interview, event)
        try:
            sealed = crypto.seal(pickle.dumps(dict(arguments)), key, run.session_id) if key else None
            job = BackgroundJob(session_id=run.session_id, event=event, arguments={} if key else dict(arguments),
                                sealed_arguments=sealed, identity=run.identity,
                                secret=self._sealed_secret(run, task_id), task_id=task_id,
                                interview=run.interview.name, retries=retries, time_limit=time_limit)
            blob = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"background_action({event!r}): its arguments cannot be stored ({exc})") from exc
        self.repository.create(task_id, run.session_id, event, ui_notification, job=blob)
        self.send(task_id, time_limit)
        return task_id

    # The session's secret, sealed for the life of the task ------------------------------------------
    @property
    def job_keys(self) -> crypto.JobKeys:
        """Per-task keys: in Redis (expiring) when there is one, else in this process's memory."""
        if getattr(self, "_job_keys", None) is None:
            self._job_keys = (crypto.RedisJobKeys(self.redis) if self.redis is not None
                              else crypto.job_keys_for(self.notifier))
        return self._job_keys

    def _sealed_secret(self, run: Run, task_id: str) -> str | None:
        """What the job row keeps instead of the secret: a token that opens only with a key kept in
        Redis (never in SQL) until the task finishes or the key expires.  None stays None (cron)."""
        secret = run.secret
        if crypto.is_job_token(secret):      # launched from inside a background action
            secret = crypto.open_job_secret(secret, self.job_keys)
        return crypto.seal_job_secret(secret, task_id, self.job_keys) if secret else None

    def _forget_key(self, task_id: str) -> None:
        try:
            self.job_keys.drop(task_id)
        except Exception:  # noqa: BLE001 - it expires anyway
            log.warning("the key of finished task %s could not be dropped now; it expires by itself", task_id[:8])

    def send(self, task_id: str, time_limit: float | None = None, *, countdown: float | None = None) -> None:
        """Hand the task to the workers (again).  The message is only the id: the job is in SQL."""
        options: dict[str, Any] = {}
        if time_limit:
            # The soft limit raises TimeLimitExceeded in the action; the hard one kills its process.
            options.update(soft_time_limit=time_limit, time_limit=time_limit + self.time_limit_grace)
        if countdown:
            options["countdown"] = countdown
        # Straight onto the queue (the anonymous exchange): one Redis round trip instead of two, as
        # routing through the "chambers" exchange first reads its bindings.  Redelivery reads the
        # same exchange and routing key from the message, so it finds the same queue.
        self.celery.send_task(TASK_NAME, args=[task_id], task_id=task_id, exchange="", routing_key=QUEUE, **options)

    def note_error_action(self, run: Run, name: str, arguments: dict[str, Any], *, key: str | None = None) -> None:
        """Remember the running action's ``background_error_action`` where a reaper can find it if
        the worker dies (kept a week; the run itself keeps its own copy)."""
        task_id = getattr(run, "task_id", None)
        if not task_id or self.redis is None:
            return
        try:
            blob = pickle.dumps((name, dict(arguments)), protocol=pickle.HIGHEST_PROTOCOL)
            blob = crypto.seal(blob, key, run.session_id) if key else blob
        except Exception:  # noqa: BLE001 - unpicklable arguments: the run itself still has them
            log.warning("the error action of task %s cannot be kept for recovery", task_id[:8])
            return
        self.redis.set(ERROR_ACTION_KEY + task_id, blob, ex=ERROR_ACTION_TTL)

    def noted_error_action(self, task_id: str, session_id: str, key: str | None) -> tuple[str, dict[str, Any]] | None:
        if self.redis is None:
            return None
        blob = self.redis.get(ERROR_ACTION_KEY + task_id)
        if blob is None:
            return None
        return pickle.loads(crypto.unseal(blob, key, session_id))  # noqa: S301 - written by note_error_action

    def state(self, task_id: str, key: str | None = None) -> dict[str, Any] | None:
        """The task's state and, once finished, its result (opened with ``key`` if sealed)."""
        record = self.repository.get(task_id)
        if record is None:
            return None
        state: dict[str, Any] = {"state": record.state, "progress": record.progress,
                                 "progress_message": record.progress_message}
        if record.state in FINISHED:
            self._forget_key(task_id)
        if record.result is not None:
            state.update(_opened_result(record, key))
        elif record.state in {"revoked", "lost"}:
            state.update(error_type="TaskRevoked" if record.state == "revoked" else "WorkerLost",
                         error_message=f"the background action was {record.state}", variables=[record.event])
        return state

    def wait(self, task_id: str, timeout: float | None, key: str | None = None) -> dict[str, Any] | None:
        """The task's state once it has finished (or ``timeout`` seconds have passed).  Woken by the
        worker's message on the session's channel; SQL is asked again at least every second."""
        deadline = None if timeout is None else time.monotonic() + timeout
        state = self.state(task_id, key)
        if state is None or state["state"] in FINISHED or timeout == 0:
            return state
        record = self.repository.get(task_id)
        listening = self.notifier.subscribe(record.session_id) if hasattr(self.notifier, "subscribe") else None
        try:
            while True:
                state = self.state(task_id, key)   # after subscribing: a finish from now on is heard
                if state is None or state["state"] in FINISHED:
                    return state
                remaining = 1.0 if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    return state
                self._sleep_until_news(listening, min(remaining, 1.0))
        finally:
            self._stop_listening(listening, record.session_id)

    @staticmethod
    def _sleep_until_news(listening, seconds: float) -> None:
        if listening is None:
            time.sleep(min(seconds, 0.05))
        elif hasattr(listening, "get_message"):          # Redis pub/sub
            listening.get_message(timeout=seconds)
        else:                                           # LocalNotifier's queue
            try:
                listening.get(timeout=seconds)
            except Exception:  # noqa: BLE001 - queue.Empty: look again
                pass

    def _stop_listening(self, listening, session_id: str) -> None:
        if listening is None:
            return
        if hasattr(listening, "close"):
            listening.close()
        elif hasattr(self.notifier, "unsubscribe"):
            self.notifier.unsubscribe(session_id, listening)

    def revoke(self, task_id: str, terminate: bool) -> None:
        record = self.repository.get(task_id)
        if record is None or record.state in FINISHED:
            return
        self.repository.revoke(task_id)
        self._forget_key(task_id)
        self.celery.control.revoke(task_id, terminate=terminate, signal="SIGTERM")
        self.notifier.publish(record.session_id, {"task": task_id, "state": "revoked"})

    def progress(self, run: Run, fraction: float, message: str | None) -> None:
        task_id = getattr(run, "task_id", None)
        if not task_id:
            return
        self.repository.set_progress(task_id, fraction, message)
        self.notifier.publish(run.session_id, {"task": task_id, "progress": fraction, "message": message})

    def notifications(self, session_id: str, *, claim: bool, key: str | None = None) -> list[dict[str, Any]]:
        """Finished tasks of the session that asked to notify the screen and were not delivered.

        ``claim=True`` marks them delivered now (API clients); otherwise they stay pending until the
        page that applied them acknowledges them, so a page that navigated away loses nothing.
        """
        records = (self.repository.claim_notifications(session_id) if claim
                   else self.repository.pending_notifications(session_id))
        notes = []
        for record in records:
            state = _opened_result(record, key) if record.result is not None else {}
            notes.append({"task": record.id, "mode": record.ui_notification, "value": state.get("value"),
                          "notify": bool(state.get("notify", True))})
        return notes

    def acknowledge(self, session_id: str, task_ids: list[str]) -> None:
        """The page applied these notifications: never deliver them again (only this session's)."""
        mine = {r.id for r in self.repository.pending_notifications(session_id)}
        self.repository.mark_notified([t for t in task_ids if t in mine])
