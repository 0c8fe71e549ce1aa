"""Create, load, answer, act on, go back in and delete interview sessions.

Every change to a session happens here, under the session's lock, with the store's version
check behind it: two writers can never silently overwrite each other.  Front ends (pages, the
JSON API, workers, cron, mail) call these methods and only translate their results.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .. import clock
from ..interview.context import Identity, Run, activate
from ..interview.datatypes import FieldValueError, convert
from ..interview.engine import assemble
from ..interview.errors import InputError, UndefinedVariable
from ..interview.loader import InterviewLibrary
from ..interview.model import Interview
from ..interview.namespace import answers_of, namespace_for, new_answers
from ..interview.outcomes import Command, Outcome, Response
from ..interview.screen import Screen
from ..interview.targets import assign, delete, is_target
from ..locks import LocalLocks, Locks
from ..store.errors import UnknownFile, UnknownSession, VersionConflict
from ..store.files import StoredFile
from ..store import session_keys
from ..store.sessions import SessionAccess, SessionIndex, SessionRepository, StoredSession
from . import codec, crypto
from .run_services import RunServices

log = logging.getLogger(__name__)

ID_ALPHABET = string.ascii_letters + string.digits
SAVE_RETRIES = 5
LOCK_TIMEOUT = 30.0   # seconds a run waits for its session's lock
EMPTY_IS_NONE = {"integer", "number", "float", "currency", "range", "date", "time", "datetime"}


class AccessDenied(Exception):
    """No such session, or the caller may not open it (deliberately the same to the caller)."""

    def __init__(self, message: str = "Unable to obtain interview dictionary"):
        super().__init__(message)


class StaleScreen(Exception):
    """A form was answered that is no longer the current screen; ``result`` is the current one."""

    def __init__(self, result: "RunResult"):
        super().__init__("That screen is no longer current.")
        self.result = result


class InvalidInput(Exception):
    """Submitted values failed validation; nothing was saved.  ``result`` re-shows the screen."""

    def __init__(self, problems: dict[str, str], result: "RunResult"):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems
        self.result = result


@dataclass(frozen=True)
class SessionRef:
    """Which session, and the proof of access: its secret, or ``system`` for the server's own
    front ends (cron, incoming mail), which may open only unencrypted ``multi_user`` sessions."""
    session_id: str
    secret: str | None = None
    system: bool = False
    owner_id: int | None = None   # the logged-in user (or an API key's owner) asking: opens own unencrypted sessions


@dataclass
class RunResult:
    session_id: str
    interview: Interview
    outcome: Screen | Outcome | UndefinedVariable  # the last only from start()
    steps: int = 1
    deleted: bool = False
    secret: str | None = None
    log: list[dict[str, str]] = field(default_factory=list)
    encrypted: bool = False
    notices: bool = False   # when the session was loaded, a finished background action waited to tell the screen

    @property
    def screen(self) -> Screen | None:
        return self.outcome if isinstance(self.outcome, Screen) else None


def new_session_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(32))


def new_secret() -> str:
    return "".join(secrets.choice(string.ascii_letters) for _ in range(16))


class SessionService:
    def __init__(self, library: InterviewLibrary, sessions: SessionRepository, *, files=None, tasks=None,
                 locks: Locks | None = None, server_key: bytes = b"", url_root: str = "", mail=None,
                 mailer=None):
        self.library = library
        self.sessions = sessions
        self.files = files
        self.tasks = tasks
        self.mail = mail
        self.mailer = mailer  # outbound e-mail (chambers.mail.outbound); None: send_email() is unavailable
        self.locks = locks or LocalLocks()
        self.server_key = server_key or secrets.token_bytes(32)
        self.url_root = url_root

    # Access -------------------------------------------------------------------------------------
    def secret_check(self, session_id: str, secret: str) -> str:
        return hmac.new(self.server_key, f"{session_id}:{secret}".encode(), hashlib.sha256).hexdigest()

    def _verify(self, record: StoredSession | SessionAccess, ref: SessionRef) -> str | None:
        """May ``ref`` open ``record``?  The key material (the verified secret) if it holds one.

        The secret opens any session.  Without it: an unencrypted session opens for its owner, and
        an unencrypted ``multi_user`` one for the server's own front ends (cron, incoming mail).
        An encrypted session opens only with its secret: nobody else has its key."""
        secret = self._real_secret(ref)
        if secret and record.secret_check and hmac.compare_digest(record.secret_check,
                                                                  self.secret_check(record.id, secret)):
            return secret
        if record.encrypted:
            if ref.system:
                log.info("session %s is encrypted at rest, so it is skipped: without its user's key it cannot "
                         "be opened by cron or incoming e-mail (the interview must set multi_user = True)",
                         record.id[:6])
            raise AccessDenied()
        multi_user = record.multi_user if hasattr(record, "multi_user") else record.index.multi_user
        if record.secret_check is None or (ref.system and multi_user):
            return None
        if ref.owner_id is not None and record.owner_id == ref.owner_id:
            return None
        raise AccessDenied()

    def key_of(self, ref: SessionRef) -> str | None:
        """The secret ``ref`` carries, opened if it is a background task's sealed one: the key that
        the session's sealed answers, files and task payloads open with."""
        return self._real_secret(ref)

    def _real_secret(self, ref: SessionRef) -> str | None:
        """A background task carries its secret sealed; it opens only while the task's key lives."""
        if not crypto.is_job_token(ref.secret):
            return ref.secret
        secret = crypto.open_job_secret(ref.secret, getattr(self.tasks, "job_keys", None))
        if secret is None:
            log.warning("background task %s: its key has expired or was dropped, so it cannot open "
                        "session %s", crypto.job_task_id(ref.secret)[:8], ref.session_id[:6])
        return secret

    def _open(self, ref: SessionRef) -> tuple[StoredSession, Interview, dict[str, Any], str | None]:
        try:
            record = self.sessions.load(ref.session_id)
        except UnknownSession:
            raise AccessDenied() from None
        key = self._verify(record, ref)
        interview = self.library.get(record.interview)
        plain = crypto.unseal(record.data, key, record.id)
        return record, interview, codec.decode(plain), key

    def _load(self, ref: SessionRef) -> tuple[StoredSession, Interview, dict[str, Any]]:
        record, interview, answers, _ = self._open(ref)
        return record, interview, answers

    def check_access(self, ref: SessionRef) -> SessionAccess:
        """The session's bookkeeping, if ``ref`` may open it (else :class:`AccessDenied`): checked
        without reading or decoding its answers (every check-in heartbeat asks this)."""
        try:
            record = self.sessions.access(ref.session_id)
        except UnknownSession:
            raise AccessDenied() from None
        self._verify(record, ref)
        return record

    def interview_of(self, ref: SessionRef) -> Interview:
        """The session's interview, if ``ref`` may open it (every API call asks this)."""
        return self.library.get(self.check_access(ref).interview)

    # Files ----------------------------------------------------------------------------------------
    # A session's files are sealed under its key exactly when its answers are: a document made from
    # the answers says what they say.  Re-keying and (un)encrypting a session recode its files too.
    def run_key(self, run: Run) -> str | None:
        """The key the running session's sealed things open with (None: the run holds none)."""
        return self._real_secret(SessionRef(run.session_id, run.secret)) if run.secret else None

    def sealing_key(self, run: Run) -> str | None:
        """The key to seal what the run stores (files, task payloads) with; None: store it plain."""
        return None if run.ns.get("multi_user") else self.run_key(run)

    def save_file(self, run: Run, filename: str, mimetype: str, data: bytes) -> int:
        key = self.sealing_key(run)
        stored = crypto.seal(bytes(data), key, run.session_id) if key else bytes(data)
        return self.files.add(run.session_id, filename, mimetype, stored).id

    def read_file(self, run: Run, file_id: int) -> bytes:
        """A file of the running session (another session's files are not there for it)."""
        stored = self.files.get(file_id)
        if stored.session_id != run.session_id:
            raise UnknownFile(file_id)
        return crypto.unseal(stored.data, self.run_key(run), run.session_id)

    def file_for(self, ref: SessionRef, file_id: int) -> StoredFile:
        """A file of ``ref``'s session, opened, if ``ref`` may open the session (else AccessDenied)."""
        try:
            stored = self.files.get(file_id)
        except UnknownFile:
            raise AccessDenied() from None
        if stored.session_id != ref.session_id:
            raise AccessDenied()
        try:
            record = self.sessions.access(ref.session_id)
        except UnknownSession:
            raise AccessDenied() from None
        key = self._verify(record, ref)
        return dataclasses.replace(stored, data=crypto.unseal(stored.data, key, ref.session_id))

    # Running ------------------------------------------------------------------------------------
    def _make_run(self, interview: Interview, session_id: str, answers: dict[str, Any], identity: Identity,
                  *, interface: str, secret: str | None, action: str | None = None,
                  arguments: dict[str, Any] | None = None, checkin: bool = False) -> Run:
        run = Run(interview=interview, session_id=session_id, ns=namespace_for(answers, interview),
                  services=None, identity=identity, interface=interface, action=action,
                  arguments=dict(arguments or {}), checkin=checkin, secret=secret)
        run.services = RunServices(self, run)
        return run

    def start(self, interview_name: str, identity: Identity, *, url_args: dict[str, Any] | None = None,
              secret: str | None = None, interface: str = "web", checkin: bool = False) -> RunResult:
        interview = self.library.get(interview_name)
        session_id = new_session_id()
        secret = secret or new_secret()
        run = self._make_run(interview, session_id, new_answers(url_args), identity, interface=interface,
                             secret=secret, checkin=checkin)
        try:
            outcome = assemble(run)
        except UndefinedVariable as missing:
            # The session is created all the same (as docassemble does); showing it reports the gap.
            outcome = missing
        encrypted = not run.ns.get("multi_user")
        index = self._index(run)
        record = self.sessions.create(session_id, interview.name, self._encode(run, secret if encrypted else None),
                                      encrypted=encrypted, owner_id=identity.user_id,
                                      secret_check=self.secret_check(session_id, secret), index=index)
        _note_cron_blocked(session_id, index, encrypted, was=None)
        return RunResult(session_id, interview, outcome, steps=record.steps, secret=secret, log=run.log,
                         encrypted=encrypted)

    def _encode(self, run: Run, key: str | None = None) -> bytes:
        """The answers to store: sealed under ``key`` (the session's secret), or plain without one."""
        internal = run.internal
        now = clock.now()
        internal["modtime"] = now
        if run.identity.session_uid != "cron":
            user = run.identity.user_id if run.identity.user_id is not None else -1
            internal.setdefault("accesstime", {})[user] = now
        plain = codec.encode(answers_of(run.ns))
        return crypto.seal(plain, key, run.session_id) if key else plain

    def _index(self, run: Run) -> SessionIndex:
        return SessionIndex(allow_cron=bool(run.ns.get("allow_cron")), multi_user=bool(run.ns.get("multi_user")),
                            events=run.interview.events)

    def execute(self, ref: SessionRef, identity: Identity, *, interface: str = "web",
                prepare: Callable[[Run], Outcome | Screen | None] | None = None, action: str | None = None,
                arguments: dict[str, Any] | None = None, checkin: bool = False, new_step: bool = False,
                read_only: bool = False, lock_timeout: float = LOCK_TIMEOUT) -> RunResult:
        """Load the session, let ``prepare`` change the answers, run the interview, save.

        ``prepare`` may return an outcome to end the run without assembling (a special button).
        The whole thing is retried if another writer saved in between (it only reads inputs).
        ``lock_timeout``: how long to wait for the session's lock (0: not at all) before
        :class:`~chambers.locks.LockTimeout`.
        """
        for attempt in range(SAVE_RETRIES):
            lock = self.locks.hold(ref.session_id, timeout=lock_timeout) if not read_only else _null_lock()
            with lock:
                record, interview, answers, key = self._open(ref)
                run = self._make_run(interview, record.id, answers, identity, interface=interface,
                                     secret=ref.secret, action=action, arguments=arguments, checkin=checkin)
                outcome = None
                if prepare is not None:
                    with activate(run):
                        outcome = prepare(run)
                if outcome is None:
                    outcome = assemble(run)
                try:
                    return self._finish(run, record, outcome, new_step=new_step, read_only=read_only, key=key)
                except VersionConflict:
                    log.info("session %s changed while a run was in progress; running again", record.id[:6])
                    continue
        raise VersionConflict(ref.session_id, -1, -1)

    def _finish(self, run: Run, record: StoredSession, outcome: Screen | Outcome, *, new_step: bool,
                read_only: bool, key: str | None = None) -> RunResult:
        result = RunResult(record.id, run.interview, outcome, steps=record.steps, log=run.log, notices=record.notices)
        if isinstance(outcome, Command) and outcome.name in {"exit", "exit_logout"}:
            if not read_only:
                self.delete(record.id)
            result.deleted = True
            return result
        if isinstance(outcome, Command) and outcome.name == "restart":
            run.ns.clear()
            run.ns.update(namespace_for(new_answers(), run.interview))
            new_step = True
        if read_only or run.save_status == "ignore" or (isinstance(outcome, Response) and outcome.null):
            return result
        encrypted = self._encrypt_next(run, record, key)
        index = self._index(run)
        stored = self.sessions.save(record.id, self._encode(run, key if encrypted else None),
                                    expected_version=record.version,
                                    new_step=new_step and run.save_status != "overwrite", encrypted=encrypted,
                                    index=index, was=record)
        if encrypted != record.encrypted:
            self._recode_steps(record.id, stored.version, key, encrypted)
        _note_cron_blocked(record.id, index, encrypted, was=record)
        result.steps = stored.steps
        result.encrypted = encrypted
        return result

    def _encrypt_next(self, run: Run, record: StoredSession, key: str | None) -> bool:
        """Encrypted unless the answers say ``multi_user``; a run without the key cannot encrypt."""
        if run.ns.get("multi_user"):
            return False
        if key is None:
            if not record.encrypted and record.secret_check is not None:
                log.warning("session %s: multi_user is off, but this run (%s) has no key; the session stays "
                            "unencrypted until a run with its secret saves it", record.id[:6], run.interface)
            return False
        return True

    def _recode_steps(self, session_id: str, version: int, key: str | None, encrypted: bool) -> None:
        """``multi_user`` changed: every earlier step follows the latest (all decrypted, or all encrypted)."""
        try:
            session_keys.rewrite_now(self.sessions.db, session_id, version,
                                     crypto.recoder(session_id, key, key, encrypt=encrypted), encrypted=encrypted)
        except VersionConflict:  # saved meanwhile by a writer without the lock: steps stay readable, mixed
            log.warning("session %s was saved while its steps were being %s", session_id[:6],
                        "encrypted" if encrypted else "decrypted")

    # What front ends call -------------------------------------------------------------------------
    def view(self, ref: SessionRef, identity: Identity, *, interface: str = "web") -> RunResult:
        """Show the current screen (runs the logic; saves into the current step)."""
        return self.execute(ref, identity, interface=interface)

    def run_action(self, ref: SessionRef, identity: Identity, action: str, arguments: dict[str, Any] | None = None,
                   *, interface: str = "web", persistent: bool = True, new_step: bool = False,
                   read_only: bool = False) -> RunResult:
        if not is_target(action):
            raise ValueError(f"{action!r} is not an action name")
        return self.execute(ref, identity, interface=interface, action=action, arguments=arguments,
                            checkin=not persistent, new_step=new_step, read_only=read_only)

    def answer(self, ref: SessionRef, identity: Identity, question_name: str, form: dict[str, str],
               *, button: int | None = None, interface: str = "web") -> RunResult:
        """Apply a submitted form to the screen it was shown on and move on (a new step)."""
        state: dict[str, Any] = {}

        def prepare(run: Run):
            current = assemble(run)
            if not isinstance(current, Screen) or current.block_name != question_name:
                state["stale"] = RunResult(run.session_id, run.interview, current, log=run.log)
                run.save_status = "ignore"          # nothing was answered: save nothing
                return current
            special = _special_button(current, button)
            if special == "refresh":
                run.save_status = "ignore"  # a refresh records nothing
                return current
            if special in {"exit", "leave", "restart", "logout", "exit_logout", "new_session", "signin", "register"}:
                target = current.buttons[button].url if button is not None else None
                return Command(name=special, url=target)
            try:
                values = form_values(current, form, button)
            except InputError as exc:
                state["invalid"] = (exc.problems, RunResult(run.session_id, run.interview, current, log=run.log))
                run.save_status = "ignore"          # invalid input changes nothing saved
                return current
            apply_values(run, current, values)
            return None

        result = self.execute(ref, identity, interface=interface, prepare=prepare, new_step=True)
        if "stale" in state:
            raise StaleScreen(state["stale"])
        if "invalid" in state:
            problems, shown = state["invalid"]
            raise InvalidInput(problems, shown)
        return result

    def set_variables(self, ref: SessionRef, identity: Identity, variables: dict[str, Any], *,
                      delete_variables: list[str] = (), event_list: list[str] = (), question_name: str | None = None,
                      overwrite: bool = False, interface: str = "api") -> RunResult:
        """The JSON API's way to answer: assign target expressions directly (no datatype conversion)."""
        for name in list(variables) + list(delete_variables):
            if not is_target(name):
                raise ValueError(f"Illegal value as variable name: {name!r}")
        for name in event_list:
            if not isinstance(name, str) or not is_target(name):
                raise ValueError(f"Illegal value as event name: {name!r}")

        def prepare(run: Run):
            for target, value in variables.items():
                assign(run.ns, target, value)
            if question_name:
                block = run.interview.by_name.get(question_name)
                if block is None:
                    raise LookupError("Problem marking question as completed")
                if block.mandatory:
                    run.internal["answered"].add(question_name)
            for target in delete_variables:
                delete(run.ns, target)
            for name in list(event_list) + list(variables):
                _pop_event(run, name)
            return _pressed_button(run)

        return self.execute(ref, identity, interface=interface, prepare=prepare, new_step=not overwrite)

    def back(self, ref: SessionRef, identity: Identity, *, interface: str = "web") -> RunResult:
        with self.locks.hold(ref.session_id):
            record, interview, undone = self._load(ref)
            if record.steps <= 1:
                raise CannotGoBackError()
            self.sessions.back(record.id, expected_version=record.version)
        prior = {k: v for k, v in answers_of(undone).items() if k != "_internal"}

        def prepare(run: Run):
            run.internal["prior"] = prior
            return None

        return self.execute(ref, identity, interface=interface, prepare=prepare)

    def delete(self, session_id: str) -> bool:
        return self.sessions.delete(session_id)

    def record_for(self, ref: SessionRef) -> StoredSession:
        """The session's record if ``ref`` may open it (its answers are not decrypted)."""
        try:
            record = self.sessions.load(ref.session_id)
        except UnknownSession:
            raise AccessDenied() from None
        self._verify(record, ref)
        return record

    def delete_for(self, ref: SessionRef, identity: Identity, *, any_session: bool = False) -> bool:
        """Delete if ``ref`` may open the session or its owner asks (``any_session``: an administrator)."""
        try:
            record = self.sessions.access(ref.session_id)
        except UnknownSession:
            return False
        owner_asks = ref.owner_id is not None and record.owner_id == ref.owner_id
        if not (any_session or owner_asks):
            try:
                self._verify(record, ref)
            except AccessDenied:
                return False
        return self.delete(record.id)

    def list_sessions(self, owner_id: int) -> list[StoredSession]:
        """The user's sessions, newest first (their answers are not opened)."""
        return self.sessions.list_for_owner(owner_id)

    def delete_all(self, owner_id: int | None, also: Iterable[str] = ()) -> int:
        """Delete every session of ``owner_id`` and those in ``also`` (with their steps, files, tasks)."""
        ids = {s.id for s in self.sessions.list_for_owner(owner_id)} if owner_id is not None else set()
        return self.sessions.delete_many(ids | set(also))

    def variables(self, ref: SessionRef) -> dict[str, Any]:
        record, interview, answers = self._load(ref)
        return answers

    def steps(self, ref: SessionRef) -> int:
        record, _, _ = self._load(ref)
        return record.steps


def _note_cron_blocked(session_id: str, index: SessionIndex, encrypted: bool, was: StoredSession | None) -> None:
    """Say once why cron will not run a session that asks for it (it is encrypted)."""
    if not (index.allow_cron and encrypted and index.events):
        return
    if was is not None and was.encrypted and was.index.allow_cron:
        return
    log.info("session %s sets allow_cron but is encrypted at rest (multi_user is not True): scheduled tasks "
             "and incoming e-mail will skip it", session_id[:6])


class CannotGoBackError(Exception):
    def __init__(self) -> None:
        super().__init__("Cannot go back.")


class _null_lock:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _special_button(screen: Screen, button: int | None) -> str | None:
    if button is None or not (0 <= button < len(screen.buttons)):
        return None
    return screen.buttons[button].special


def _pressed_button(run: Run) -> Command | None:
    """An API client answers a screen of buttons by setting ``_internal["answers"][<question>]`` to
    the button's index.  The answer is not kept: a special button acts (exit, leave, restart),
    ``continue`` marks the question answered, ``refresh`` just shows the screen again."""
    answers = run.internal.get("answers") or {}
    for block_name in list(answers):
        index = answers.pop(block_name)
        block = run.interview.question(block_name)
        if block is None or not isinstance(index, int) or not 0 <= index < len(block.buttons):
            continue
        special = block.buttons[index].special
        if special == "continue":
            run.internal["answered"].add(block_name)
        elif special and special != "refresh":
            return Command(name=special, url=block.buttons[index].url)
    return None


def _pop_event(run: Run, name: str) -> None:
    stack = run.internal.get("event_stack", {}).get(run.identity.session_uid, [])
    for i in range(len(stack) - 1, -1, -1):
        if stack[i]["action"] == name:
            del stack[i]


def form_values(screen: Screen, form: dict[str, str], button: int | None) -> dict[str, Any]:
    """Validate a submitted form against the screen; the values to store, or :class:`InputError`."""
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for fld in screen.fields:
        if fld.variable is None:
            continue
        if fld.variable not in form:
            if fld.js_enable_if or fld.js_show_if or not fld.required:
                continue
            problems[fld.variable] = "This field is required."
            continue
        raw = form[fld.variable]
        if not isinstance(raw, str):
            problems[fld.variable] = "This value was not sent as text."
            continue
        if raw.strip() == "":
            if fld.required:
                problems[fld.variable] = "This field is required."
            else:
                values[fld.variable] = None if fld.datatype in EMPTY_IS_NONE else ""
            continue
        try:
            values[fld.variable] = convert(fld, raw, choices_may_change=bool(screen.check_in))
        except FieldValueError as exc:
            problems[fld.variable] = str(exc)
    if screen.continue_field:
        values[screen.continue_field] = True
    if screen.yesno_field:
        word = str(form.get(screen.yesno_field, "")).strip().lower()
        if word not in {"true", "false"}:
            problems[screen.yesno_field] = "Please answer yes or no."
        else:
            values[screen.yesno_field] = (word == "true") == (screen.kind == "yesno")
    if screen.kind == "multiple_choice" and screen.choice_field:
        if button is None or not (0 <= button < len(screen.buttons)):
            problems[screen.choice_field] = "Please choose one of the options."
        else:
            values[screen.choice_field] = screen.buttons[button].value
    if problems:
        raise InputError(problems)
    return values


def apply_values(run: Run, screen: Screen, values: dict[str, Any]) -> None:
    for target, value in values.items():
        assign(run.ns, target, value)
    run.internal["answered"].add(screen.block_name)
    for name in list(screen.event_list) + list(values):
        _pop_event(run, name)
