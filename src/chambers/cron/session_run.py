"""Running one cron event in one session, as the cron user, and what each ending means.

Under the session's lock (through :meth:`SessionService.execute`):

* the session is skipped if it already ran this event for this period (``_internal['cron_done']``,
  saved with the answers, so a repeated or concurrent pass cannot run it twice), if ``allow_cron``
  is no longer set, or if its interview no longer defines the event;
* ``NAME_background`` is launched as a background action (no secret, no notification);
* otherwise the event runs as the action ``NAME`` with ``interface='cron'``, and:
  ``command('exit')``/``restart``/``exit_logout`` delete the session; ``response(null=True)`` saves
  nothing; ``background_response_action(cb)`` runs ``cb`` at once on the same answers, then saves;
  anything else saves, and ``response(text)`` sends ``text`` to the cron log.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..interview.context import Run
from ..interview.engine import assemble
from ..interview.errors import InterviewSourceError
from ..interview.outcomes import BackgroundResponseAction, Command, Outcome, Response
from ..interview.screen import Screen
from ..sessions.service import AccessDenied, SessionRef
from .identity import CRON_USER
from .periods import BACKGROUND_SUFFIX

if TYPE_CHECKING:
    from ..sessions.service import SessionService

log = logging.getLogger(__name__)

DONE_KEY = "cron_done"
EMPTY = "Empty Response"

RAN, SKIPPED, DELETED, NOT_SAVED, GONE, ERROR = "ran", "skipped", "deleted", "not saved", "gone", "error"


@dataclass
class SessionResult:
    session_id: str
    status: str
    output: str | None = None      # response text for the cron log
    detail: str | None = None      # why it was skipped, what failed, the question it reached


def run_event(service: "SessionService", session_id: str, event: str, period: str) -> SessionResult:
    """Run ``event`` for ``period`` in one session; never raises for a problem in the session."""
    state: dict[str, object] = {}

    def prepare(run: Run) -> Outcome | Screen | None:
        state.clear()
        done = run.internal.setdefault(DONE_KEY, {})
        reason = _skip_reason(run, event, period, done)
        if reason is not None:
            state["status"], state["detail"] = SKIPPED, reason
            run.save_status = "ignore"
            return Response(body="null", null=True)
        done[event] = period
        if event.endswith(BACKGROUND_SUFFIX):
            task_id = run.services.launch_task(run, event, None, {})
            state["detail"] = f"background task {task_id}"
            return Response(body=EMPTY)
        return _settle(run, assemble(run), state)

    try:
        result = service.execute(SessionRef(session_id, system=True), CRON_USER, interface="cron", prepare=prepare,
                                 action=None if event.endswith(BACKGROUND_SUFFIX) else event, checkin=True)
    except AccessDenied:  # deleted meanwhile, or not an unencrypted multi-user session
        return SessionResult(session_id, GONE, detail="not open to cron (deleted, or multi_user is not set)")
    except InterviewSourceError as exc:  # its interview file is gone or cannot be loaded
        return SessionResult(session_id, GONE, detail=f"its interview cannot be loaded: {exc}")
    except Exception as exc:  # noqa: BLE001 - one broken session must not stop the pass
        log.warning("cron event %s failed in session %s", event, session_id, exc_info=True)
        return SessionResult(session_id, ERROR, detail=f"{type(exc).__name__}: {exc}")
    if result.deleted:
        return SessionResult(session_id, DELETED, output=state.get("output"))  # type: ignore[arg-type]
    status = state.get("status")
    if status is None:
        status = NOT_SAVED if isinstance(result.outcome, Response) and result.outcome.null else RAN
    return SessionResult(session_id, str(status), output=state.get("output"),  # type: ignore[arg-type]
                         detail=state.get("detail"))  # type: ignore[arg-type]


def _skip_reason(run: Run, event: str, period: str, done: dict[str, str]) -> str | None:
    if done.get(event) == period:
        return f"already ran {event} for {period}"
    if not run.ns.get("allow_cron"):
        return "allow_cron is not set"
    if not run.interview.definers.get(event):
        return f"the interview no longer defines {event}"
    return None


def _settle(run: Run, outcome: Outcome | Screen, state: dict[str, object]) -> Outcome | Screen:
    """Turn the event's ending into what ``execute`` should do with the session."""
    if isinstance(outcome, Command) and outcome.name in {"exit", "restart", "exit_logout"}:
        return Command(name="exit")
    if isinstance(outcome, BackgroundResponseAction):
        _run_callback_now(run, outcome, state)
        return Response(body=EMPTY)
    if isinstance(outcome, Response) and not outcome.null:
        _note_output(outcome, state)
    if isinstance(outcome, Screen):
        state["detail"] = f"reached the question {outcome.block_name!r}"
    return outcome


def _run_callback_now(run: Run, outcome: BackgroundResponseAction, state: dict[str, object]) -> None:
    """A callback in cron runs at once, on the same answers (so it sees the event's changes)."""
    callback = dataclasses.replace(run, action=outcome.action, arguments=dict(outcome.arguments), seeking=[],
                                   forgiven=set(), action_taken=False, error_action=None)
    try:
        ending = assemble(callback)
    except Exception as exc:  # noqa: BLE001 - errors in the callback are logged, the answers saved
        log.warning("cron callback %s failed in session %s: %s", outcome.action, run.session_id, exc)
        state["detail"] = f"callback {outcome.action} failed: {type(exc).__name__}: {exc}"
        return
    if isinstance(ending, Response) and not ending.null:
        _note_output(ending, state)


def _note_output(response: Response, state: dict[str, object]) -> None:
    body = response.body.decode("utf-8", "replace") if isinstance(response.body, bytes) else str(response.body)
    if body != EMPTY:
        state["output"] = body
