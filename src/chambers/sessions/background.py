"""Running a background action for a session: the main run, then its callbacks.

What the seed promises, step by step:
1. Read the latest saved answers (waiting for the session's lock, so the request that launched
   the action has saved first).
2. Run the action on that private copy with ``interface='worker'``; its changes are thrown away.
3. ``background_response(v)`` → the result value is ``v``.
   ``background_response_action(name, **kw)`` → under the lock, re-read the answers, run event
   ``name`` with ``kw`` and save; the value is what it passes to ``background_response``.
4. Any exception → an error result; a registered ``background_error_action`` runs like a callback
   with ``error_type``, ``error_message``, ``error_trace`` and ``variables`` added, and saves even if
   it raises.  When the event may be tried again (its ``retries``), the exception is raised as
   :class:`RetryLater` instead, and the error action waits for the last attempt.
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import pickle
import traceback
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..interview.context import Identity, Run
from ..interview.engine import assemble, format_exception
from ..interview.errors import InterviewCodeError, UndefinedVariable
from ..interview.outcomes import (BackgroundResponse, BackgroundResponseAction, Command, Outcome,
                                  Response)
from ..interview.screen import Screen
from . import crypto
from .service import SessionRef

if TYPE_CHECKING:
    from .service import SessionService

log = logging.getLogger(__name__)


@dataclass
class ActionResult:
    """What a background action ended with; stored with the task and read by ``task.result()``."""
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    error_trace: str | None = None
    variables: list[str] | None = None
    notify: bool = True                 # False: the browser is not told (an untrapped error)
    saved: bool = False                 # a callback saved the answers

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    def as_state(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BackgroundJob:
    """What a queued background action needs to run: kept pickled in SQL, never in the broker."""
    session_id: str
    event: str
    arguments: dict[str, Any] = field(default_factory=dict)
    identity: Identity = field(default_factory=Identity)
    secret: str | None = None
    task_id: str = ""
    interview: str = ""
    retries: int | None = None          # the event block's ``retries`` (None: not set)
    time_limit: float | None = None     # the event block's ``time limit`` in seconds
    # An encrypted session's job keeps its arguments sealed under the session's key (``arguments``
    # is then empty), and its result is sealed the same way.
    sealed_arguments: bytes | None = None

    @property
    def sealed(self) -> bool:
        return self.sealed_arguments is not None


class RetryLater(Exception):
    """The action raised and may be run again; ``result`` is what it would have ended with."""

    def __init__(self, result: ActionResult):
        super().__init__(f"{result.error_type}: {result.error_message}")
        self.result = result


def _ref(job: BackgroundJob) -> SessionRef:
    """A job launched without a secret (by cron) opens the session as the server's own front end,
    which only works for an unencrypted ``multi_user`` session."""
    return SessionRef(job.session_id, job.secret, system=job.secret is None)


def opened(service: "SessionService", job: BackgroundJob) -> BackgroundJob:
    """The job with its sealed secret opened once for this run, so that what follows (loading the
    answers, opening the arguments, sealing the result, callbacks) asks Redis for its key no more.
    Unchanged if the key is gone: the run then fails to open the session, and says why."""
    if not crypto.is_job_token(job.secret):
        return job
    secret = service.key_of(_ref(job))
    return job if secret is None else dataclasses.replace(job, secret=secret)


def job_key(service: "SessionService", job: BackgroundJob) -> str | None:
    """The key the job's sealed parts open with (None for a job of an unencrypted session)."""
    if not job.sealed:
        return None
    key = service.key_of(_ref(job))
    if key is None:
        raise crypto.MissingKey("the key of this background action has expired or was dropped")
    return key


def job_arguments(service: "SessionService", job: BackgroundJob) -> dict[str, Any]:
    if not job.sealed:
        return dict(job.arguments)
    return pickle.loads(crypto.unseal(job.sealed_arguments, job_key(service, job), job.session_id))  # noqa: S301


def stored_result(service: "SessionService", job: BackgroundJob, result: ActionResult) -> bytes:
    """The result as the task row keeps it: sealed when the job is (if its key is still at hand)."""
    plain = pickle.dumps(result.as_state())
    try:
        key = job_key(service, job)
    except crypto.MissingKey:      # a task whose key is gone: keep only what cannot hold an answer
        return pickle.dumps(ActionResult(error_type=result.error_type or "MissingKey", variables=result.variables,
                                         error_message="the result was dropped: the key to seal it with is gone",
                                         notify=False).as_state())
    return crypto.seal(plain, key, job.session_id) if key else plain


def run_background_action(service: "SessionService", job: BackgroundJob, *, may_retry: bool = False) -> ActionResult:
    """Run the job's action to its result.  ``may_retry``: an exception in the action's own code
    raises :class:`RetryLater` (nothing was saved) instead of running the error action."""
    ref = _ref(job)
    with service.locks.hold(job.session_id, timeout=120):
        record, interview, answers = service._load(ref)
    run = service._make_run(interview, record.id, answers, job.identity, interface="worker", secret=job.secret,
                            action=job.event, arguments=job_arguments(service, job), checkin=True)
    run.task_id = job.task_id  # type: ignore[attr-defined]
    try:
        outcome = assemble(run)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a result, never a crash
        result = _error_result(job, exc)
        if may_retry:
            raise RetryLater(result) from exc
        return with_error_action(service, job, run.error_action, result)
    return _from_outcome(service, job, run, outcome)


def _from_outcome(service: "SessionService", job: BackgroundJob, run: Run, outcome: Outcome | Screen) -> ActionResult:
    if isinstance(outcome, BackgroundResponse):
        return ActionResult(value=outcome.payload)
    if isinstance(outcome, BackgroundResponseAction):
        return run_callback(service, job, outcome.action, outcome.arguments)
    if isinstance(outcome, Screen):
        result = ActionResult(error_type="QuestionError", error_message=outcome.question,
                              variables=[job.event])
        return with_error_action(service, job, run.error_action, result)
    if isinstance(outcome, Response):
        log.warning("background action %r ended with response(); its text is the result", job.event)
        body = outcome.body.decode("utf-8", "replace") if isinstance(outcome.body, bytes) else outcome.body
        return ActionResult(value=body)
    if isinstance(outcome, Command):
        log.warning("background action %r ended with command(%r); nothing to return", job.event, outcome.name)
        return ActionResult(value=None)
    log.warning("background action %r ended without background_response(); its result is None", job.event)
    return ActionResult(value=None)


TIME_LIMIT_ERRORS = {"SoftTimeLimitExceeded", "TimeLimitExceeded"}


def _error_result(job: BackgroundJob, exc: BaseException) -> ActionResult:
    original = exc.original if isinstance(exc, InterviewCodeError) and exc.original is not None else exc
    if isinstance(exc, UndefinedVariable):
        variables = [exc.name, *[v for v in exc.stack if v != exc.name]] or [job.event]
        message = str(exc)
    else:
        variables = [job.event]
        message = str(original)
    if type(original).__name__ in TIME_LIMIT_ERRORS:
        return ActionResult(error_type="TimeLimitExceeded", error_trace=format_exception(original),
                            error_message=f"the background action {job.event!r} ran longer than its time limit "
                                          f"of {job.time_limit:g} seconds", variables=[job.event])
    return ActionResult(error_type=type(original).__name__, error_message=message,
                        error_trace=format_exception(original), variables=variables)


def with_error_action(service: "SessionService", job: BackgroundJob, error_action: tuple[str, dict] | None,
                      result: ActionResult) -> ActionResult:
    """The failed ``result``, after running the registered error action (if any) like a callback."""
    if error_action is None:
        result.notify = False
        log.info("background action %r failed: %s: %s", job.event, result.error_type, result.error_message)
        return result
    name, arguments = error_action
    arguments = {**arguments, "error_type": result.error_type, "error_message": result.error_message,
                 "error_trace": result.error_trace, "variables": result.variables}
    handled = run_callback(service, job, name, arguments, save_on_error=True)
    result.value = handled.value
    result.saved = handled.saved
    return result


def run_callback(service: "SessionService", job: BackgroundJob, action: str, arguments: dict[str, Any], *,
                 save_on_error: bool = False) -> ActionResult:
    """Run event ``action`` against the current saved answers, under the lock, and save them."""
    captured: dict[str, Any] = {}

    def prepare(run: Run):
        try:
            outcome = assemble(run)
        except Exception as exc:  # noqa: BLE001
            captured["error"] = exc
            if not save_on_error:
                run.save_status = "ignore"
            return Command(name="callback-error")
        captured["outcome"] = outcome
        run.save_status = "overwrite"
        return outcome

    service.execute(_ref(job), job.identity, interface="callback",
                    prepare=prepare, action=action, arguments=copy.copy(arguments), checkin=True)
    if "error" in captured:
        exc = captured["error"]
        original = exc.original if isinstance(exc, InterviewCodeError) and exc.original is not None else exc
        log.warning("background callback %r failed: %s", action, original)
        return ActionResult(error_type=type(original).__name__, error_message=str(original),
                            error_trace="".join(traceback.format_exception(original)), variables=[action],
                            saved=save_on_error)
    outcome = captured.get("outcome")
    if isinstance(outcome, BackgroundResponse):
        return ActionResult(value=outcome.payload, saved=True)
    return ActionResult(value={"action": action, "arguments": arguments}, saved=True)
