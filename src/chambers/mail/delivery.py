"""From a stored message to the interview's ``incoming_email`` action, with retries and dead letters.

The database is the source of truth; a Celery message only wakes a worker up.

* On arrival a message is ``queued`` (and a worker is told) when the session can run
  ``incoming_email``; otherwise it is ``kept`` (stored for ``get_emails()``) with the reason.
* A worker *claims* the message (``running``, one more attempt), keeps a heartbeat while it
  runs the action as the address's owner, then marks it ``done``, ``retry`` (after a back-off) or,
  after ``attempts`` failures, ``dead``.
* The sweeper (in the process that runs the mail server) re-sends retries that are due and
  queued messages no worker took in time, and takes back messages whose worker stopped
  heartbeating (it died): they run again.
* Exactly once: the action's saving callback also records the message id in the answers
  (``_internal['emails']['processed']``), in the same save.  A message that is run again after
  a worker died is skipped if that record is there, so its changes are never applied twice.
"""
from __future__ import annotations

import functools
import inspect
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable

from ..interview.context import Identity, Run
from ..interview.outcomes import Command
from ..store.errors import UnknownSession
from ..store.mail import DEAD, DONE, KEPT, QUEUED, RETRY, MailMessage, MailRepository, MailTarget
from ..store.timestamps import utcnow
from .mailboxes import email_of

if TYPE_CHECKING:
    from ..config import Settings
    from ..sessions.background import ActionResult
    from ..sessions.service import SessionService

log = logging.getLogger(__name__)

EVENT = "incoming_email"
NOT_OPENABLE = ("incoming_email was not run: the session is not multi_user (or is encrypted), so it cannot "
                "be opened without its user; the message is kept for get_emails()")
NO_EVENT = "the interview has no incoming_email event; the message is kept for get_emails()"


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts: int = 5             # runs before a message becomes a dead letter
    retry_seconds: float = 30.0   # back-off after the first failure; doubles each time (at most 1 h)
    lease_seconds: float = 60.0   # a running message whose worker is silent this long is taken back
    resend_seconds: float = 120.0  # a queued message no worker took in this time is sent again

    @classmethod
    def from_settings(cls, settings: "Settings") -> "DeliveryPolicy":
        return cls(attempts=max(1, settings.mail_attempts), retry_seconds=max(0.0, settings.mail_retry_seconds),
                   lease_seconds=max(1.0, settings.mail_lease_seconds))

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.retry_seconds * 2 ** max(0, attempts - 1), 3600.0))

    @property
    def heartbeat_seconds(self) -> float:
        return max(0.2, self.lease_seconds / 4)


def plan_for(target: MailTarget) -> tuple[str, str | None]:
    """What to do with a message for ``target`` on arrival: (state, why it is only kept)."""
    if EVENT not in target.events:
        return KEPT, NO_EVENT
    if target.encrypted or not target.multi_user:
        log.warning("mail for session %s: %s", target.address.session_id[:6], NOT_OPENABLE)
        return KEPT, NOT_OPENABLE
    return QUEUED, None


class MailDispatcher:
    """The sending side: tells workers about queued messages and runs the sweeper."""

    def __init__(self, repository: MailRepository, send: Callable[[int], None], policy: DeliveryPolicy):
        self.repository = repository
        self.send = send
        self.policy = policy

    def resend_at(self):
        return utcnow() + timedelta(seconds=self.policy.resend_seconds)

    def dispatch(self, message_id: int) -> None:
        try:
            self.send(message_id)
        except Exception:  # noqa: BLE001 - the message is stored; the sweeper sends it again
            log.exception("could not hand e-mail %d to the workers; it will be sent again", message_id)

    def sweep(self) -> dict[str, int]:
        """One pass: take back stalled messages, (re)send due ones.  Counts of what it did."""
        now = utcnow()
        released = 0
        cutoff = now - timedelta(seconds=self.policy.lease_seconds)
        for message in self.repository.stalled(cutoff):
            if message.attempts >= self.policy.attempts:
                state, due, note = DEAD, None, (f"the worker stopped while running it, {message.attempts} times")
            else:
                state, due, note = RETRY, now, "the worker stopped while running it; running it again"
            if self.repository.release_stalled(message.id, cutoff, state, note=note, due_at=due):
                released += 1
                log.warning("e-mail %d: %s", message.id, note)
        due_ids = self.repository.due(now)
        sent = self.repository.mark_sent(due_ids, now, self.resend_at())
        for message_id in sent:
            self.dispatch(message_id)
        return {"released": released, "sent": len(sent)}

    def resend_waiting(self) -> int:
        """Send every waiting message now (a restarted embedded Redis has lost its queue)."""
        everything = utcnow() + timedelta(days=365 * 100)
        sent = self.repository.mark_sent(self.repository.due(everything, limit=100_000), everything,
                                         self.resend_at())
        for message_id in sent:
            self.dispatch(message_id)
        return len(sent)

    def retry(self, message_id: int) -> bool:
        """Put a dead letter (or a kept message) back on the queue; False if it was neither."""
        if not self.repository.requeue(message_id, utcnow()):
            return False
        for sent in self.repository.mark_sent([message_id], utcnow(), self.resend_at()):
            self.dispatch(sent)
        return True


class Sweeper:
    """Runs :meth:`MailDispatcher.sweep` every ``interval`` seconds in a daemon thread."""

    def __init__(self, dispatcher: MailDispatcher, interval: float):
        self.dispatcher = dispatcher
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="chambers-mail-sweeper", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.dispatcher.sweep()
            except Exception:  # noqa: BLE001 - a database hiccup: try again next time
                log.exception("the mail sweeper failed; trying again in %.1fs", self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


class MailProcessor:
    """The worker side: run ``incoming_email`` for one message."""

    def __init__(self, repository: MailRepository, service: "SessionService", policy: DeliveryPolicy):
        self.repository = repository
        self.service = service
        self.policy = policy

    def process(self, message_id: int) -> str:
        """Run the message if it is waiting; the state it ended in ('skipped' if not ours)."""
        message = self.repository.claim(message_id)
        if message is None:
            return "skipped"
        with _Heartbeat(self.repository, message_id, self.policy.heartbeat_seconds):
            try:
                state, note, due = self._run(message)
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then kept as a dead letter
                log.exception("e-mail %d: incoming_email could not run", message_id)
                state, note, due = self._failure(message, f"{type(exc).__name__}: {exc}")
        self.repository.finish(message_id, state, note=note, due_at=due)
        return state

    def _run(self, message: MailMessage):
        from ..sessions.background import BackgroundJob
        from ..sessions.service import AccessDenied

        address = self.repository.address(message.address_id)
        if address is None:
            return KEPT, "its address no longer exists", None
        try:
            interview = self.service.library.get(address.interview)
        except Exception as exc:  # noqa: BLE001 - the interview file is gone or broken now
            return self._failure(message, f"the interview {address.interview!r} cannot be loaded: {exc}")
        if EVENT not in interview.events:
            return KEPT, NO_EVENT, None
        if message.attempts > 1 and self._already_processed(message):
            return DONE, "its changes had been saved before the worker stopped", None
        identity = Identity.from_dict(address.owner)
        job = BackgroundJob(session_id=message.session_id, event=EVENT,
                            arguments={"email": email_of(message, address)}, identity=identity, secret=None,
                            task_id=f"mail-{message.id}", interview=address.interview)
        try:
            result = _run_action(_RecordingService(self.service, message.id), job,
                                 may_retry=message.attempts < self.policy.attempts)
        except AccessDenied:
            log.warning("e-mail %d: %s", message.id, NOT_OPENABLE)
            return KEPT, NOT_OPENABLE, None
        except UnknownSession:
            return KEPT, "the session no longer exists", None
        if result.failed:
            return self._failure(message, _describe(result))
        return DONE, None, None

    def _failure(self, message: MailMessage, error: str):
        if message.attempts >= self.policy.attempts:
            log.error("e-mail %d is a dead letter after %d attempts: %s", message.id, message.attempts, error)
            return DEAD, error, None
        delay = self.policy.backoff(message.attempts)
        log.warning("e-mail %d failed (attempt %d of %d), retrying in %.1fs: %s", message.id, message.attempts,
                    self.policy.attempts, delay.total_seconds(), error)
        return RETRY, error, utcnow() + delay

    def _already_processed(self, message: MailMessage) -> bool:
        from ..sessions.service import SessionRef
        try:
            answers = self.service.variables(SessionRef(message.session_id, None, system=True))
        except Exception:  # noqa: BLE001 - the run itself will say what is wrong
            return False
        return message.id in processed_ids(answers.get("_internal", {}))


@functools.lru_cache(maxsize=1)
def _takes_may_retry() -> bool:
    from ..sessions import background
    return "may_retry" in inspect.signature(background.run_background_action).parameters


def _run_action(service: Any, job: Any, *, may_retry: bool) -> "ActionResult":
    """Run the action; while attempts remain, a failure is retried without its error action."""
    from ..sessions import background
    run = background.run_background_action
    if not _takes_may_retry():
        return run(service, job)
    try:
        return run(service, job, may_retry=may_retry)
    except getattr(background, "RetryLater", ()) as retry:
        return retry.result


def processed_ids(internal: dict[str, Any]) -> set[int]:
    emails = internal.get("emails")
    if not isinstance(emails, dict):
        return set()
    return set(emails.get("processed") or ())


def _describe(result: "ActionResult") -> str:
    return f"{result.error_type}: {result.error_message}"


class _RecordingService:
    """The session service, except that a saving callback also records the message as processed,
    in the same save; a callback for a message already recorded saves nothing."""

    def __init__(self, service: "SessionService", message_id: int):
        self._service = service
        self._message_id = message_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    def execute(self, ref, identity, *, prepare=None, **options):
        message_id = self._message_id

        def recording(run: Run):
            emails = run.internal.setdefault("emails", {})
            if not isinstance(emails, dict):
                emails = run.internal["emails"] = {}
            done = emails.setdefault("processed", set())
            if message_id in done:
                run.save_status = "ignore"
                return Command(name="mail-already-processed")
            outcome = prepare(run) if prepare is not None else None
            if run.save_status != "ignore":
                done.add(message_id)
            return outcome

        return self._service.execute(ref, identity, prepare=recording, **options)


class _Heartbeat:
    def __init__(self, repository: MailRepository, message_id: int, interval: float):
        self.repository = repository
        self.message_id = message_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"mail-heartbeat-{message_id}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.repository.heartbeat(self.message_id)
            except Exception:  # noqa: BLE001
                log.warning("could not record the heartbeat of e-mail %d", self.message_id)

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
