"""``MailRepository``: interview e-mail addresses, and received messages with their delivery state.

A message, its raw source and its parts (as session files) are written in one transaction, so a
message is either wholly stored or not at all.  Every delivery state change is a conditional
UPDATE: two workers (or a worker and the sweeper) can never both take the same message.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from .db import Database, affected_rows
from .errors import StoreError
from .mail_models import MailAddressRow, MailMessageRow
from .models import InterviewSessionRow, StoredFileRow
from .timestamps import as_utc, utcnow

QUEUED, RUNNING, RETRY, DONE, KEPT, DEAD = "queued", "running", "retry", "done", "kept", "dead"
CLAIMABLE = (QUEUED, RETRY)


class CodeTaken(StoreError):
    """Another address already has this code (pick another)."""


class UnknownMessage(StoreError, LookupError):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"no received e-mail has the id {message_id}")
        self.message_id = message_id


@dataclass(frozen=True)
class MailAddress:
    id: int
    code: str
    session_id: str
    interview: str
    owner_key: str
    key: str | None
    index: int | None
    owner: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class MailTarget:
    """An address as the mail server sees it: with what it needs to know about the session."""
    address: MailAddress
    session_exists: bool
    multi_user: bool = False
    encrypted: bool = False
    events: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FileToStore:
    filename: str
    mimetype: str
    data: bytes
    role: str


@dataclass(frozen=True)
class IncomingCopy:
    """One recipient's copy of a received message, ready to store."""
    code: str
    envelope_from: str
    envelope_to: str
    raw: bytes
    fields: dict[str, Any]
    files: Sequence[FileToStore]
    received_at: datetime


@dataclass(frozen=True)
class StoredCopy:
    """What became of an :class:`IncomingCopy`: stored (id and state), or refused (why)."""
    message_id: int | None = None
    state: str | None = None
    note: str | None = None
    session_id: str | None = None
    refusal: str | None = None


#: Decides on arrival what happens to a message for a target: (state, note).
Plan = Callable[[MailTarget], tuple[str, "str | None"]]


@dataclass(frozen=True)
class MailMessage:
    id: int
    session_id: str
    address_id: int
    envelope_from: str
    envelope_to: str
    size: int
    summary: dict[str, Any]
    received_at: datetime
    state: str
    attempts: int
    due_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    note: str | None


def _address(row: Any) -> MailAddress:
    return MailAddress(id=row.id, code=row.code, session_id=row.session_id, interview=row.interview,
                       owner_key=row.owner_key, key=row.address_key, index=row.address_index,
                       owner=json.loads(row.owner), created_at=row.created_at)


_MESSAGE_COLUMNS = (MailMessageRow.id, MailMessageRow.session_id, MailMessageRow.address_id,
                    MailMessageRow.envelope_from, MailMessageRow.envelope_to, MailMessageRow.size,
                    MailMessageRow.summary, MailMessageRow.received_at, MailMessageRow.state,
                    MailMessageRow.attempts, MailMessageRow.due_at, MailMessageRow.heartbeat_at,
                    MailMessageRow.finished_at, MailMessageRow.note)


def _message(row: Any) -> MailMessage:
    return MailMessage(id=row.id, session_id=row.session_id, address_id=row.address_id,
                       envelope_from=row.envelope_from, envelope_to=row.envelope_to, size=row.size,
                       summary=json.loads(row.summary), received_at=row.received_at, state=row.state,
                       attempts=row.attempts, due_at=row.due_at, heartbeat_at=row.heartbeat_at,
                       finished_at=row.finished_at, note=row.note)


# Statements on the hot paths (storing, claiming, finishing), built once: building a statement
# and its cache key costs more than running it.
_TARGET = (select(MailAddressRow.__table__, InterviewSessionRow.multi_user, InterviewSessionRow.encrypted,
                  InterviewSessionRow.events, InterviewSessionRow.id.label("found"))
           .outerjoin(InterviewSessionRow, InterviewSessionRow.id == MailAddressRow.session_id)
           .where(MailAddressRow.code == bindparam("code")))
_INSERT_FILES = insert(StoredFileRow).returning(StoredFileRow.id, sort_by_parameter_order=True)
_INSERT_MESSAGE = insert(MailMessageRow).returning(MailMessageRow.id)
_CLAIM = (update(MailMessageRow)
          .where(MailMessageRow.id == bindparam("message_id"), MailMessageRow.state.in_(CLAIMABLE))
          .values(state=RUNNING, attempts=MailMessageRow.attempts + 1, heartbeat_at=bindparam("now"), due_at=None)
          .returning(*_MESSAGE_COLUMNS))
_FINISH = (update(MailMessageRow)
           .where(MailMessageRow.id == bindparam("message_id"), MailMessageRow.state == RUNNING)
           .values(state=bindparam("new_state"), note=bindparam("new_note"), due_at=bindparam("new_due_at"),
                   finished_at=bindparam("new_finished_at")))
_HEARTBEAT = (update(MailMessageRow)
              .where(MailMessageRow.id == bindparam("message_id"), MailMessageRow.state == RUNNING)
              .values(heartbeat_at=bindparam("now")))
_MESSAGE = select(*_MESSAGE_COLUMNS).where(MailMessageRow.id == bindparam("message_id"))
_ADDRESS = select(MailAddressRow.__table__).where(MailAddressRow.id == bindparam("address_id"))


class MailRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # Addresses ----------------------------------------------------------------------------------
    def address_in_slot(self, session_id: str, owner_key: str, slot: str) -> MailAddress | None:
        with self._reading() as connection:
            row = connection.execute(select(MailAddressRow.__table__).where(
                MailAddressRow.session_id == session_id, MailAddressRow.owner_key == owner_key,
                MailAddressRow.slot == slot)).one_or_none()
            return None if row is None else _address(row)

    def add_address(self, *, code: str, session_id: str, interview: str, owner_key: str, slot: str,
                    key: str | None, index: int | None, owner: dict[str, Any]) -> MailAddress:
        """The new address; the existing one if the slot was filled meanwhile; :class:`CodeTaken`."""
        try:
            with self._writing() as connection:
                connection.execute(insert(MailAddressRow).values(
                    code=code, session_id=session_id, interview=interview, owner_key=owner_key, slot=slot,
                    address_key=key, address_index=index, owner=json.dumps(owner), created_at=utcnow()))
        except IntegrityError as exc:
            existing = self.address_in_slot(session_id, owner_key, slot)
            if existing is not None:
                return existing
            raise CodeTaken(code) from exc
        found = self.address_in_slot(session_id, owner_key, slot)
        assert found is not None
        return found

    def addresses(self, session_id: str, owner_key: str, *, key: str | None = None,
                  index: int | None = None) -> list[MailAddress]:
        """The owner's addresses in the session, oldest first, filtered by ``key`` and ``index``."""
        query = select(MailAddressRow.__table__).where(MailAddressRow.session_id == session_id,
                                             MailAddressRow.owner_key == owner_key)
        if key is not None:
            query = query.where(MailAddressRow.address_key == key)
        if index is not None:
            query = query.where(MailAddressRow.address_index == index)
        with self._reading() as connection:
            return [_address(row) for row in connection.execute(query.order_by(MailAddressRow.id))]

    def address(self, address_id: int) -> MailAddress | None:
        with self._reading() as connection:
            row = connection.execute(_ADDRESS, {"address_id": address_id}).one_or_none()
            return None if row is None else _address(row)

    def target(self, code: str) -> MailTarget | None:
        """The address with this code and the state of its session; None for an unknown code."""
        with self._reading() as connection:
            return _target(connection, code)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        opener = getattr(self.db, "reading_connection", None)
        if opener is not None:
            with opener() as connection:
                yield connection
        else:
            with self.db.engine.begin() as connection:
                yield connection

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        opener = getattr(self.db, "writing_connection", None)
        if opener is not None:
            with opener() as connection:
                yield connection
        else:
            with self.db.write_engine.begin() as connection:
                yield connection

    # Storing ------------------------------------------------------------------------------------
    def store_batch(self, copies: Sequence[IncomingCopy], plan: Plan, *,
                    queued_due_at: datetime | None) -> list[StoredCopy]:
        """Store several messages in one transaction (one durable commit); what became of each.

        A copy whose code is unknown, or whose session is gone, is refused; the others are stored
        with their parts as files of the session.  ``plan`` picks each stored message's state.
        """
        results = []
        try:
            with self._writing() as connection:
                for copy in copies:
                    results.append(_store_copy(connection, copy, plan, queued_due_at))
        except IntegrityError as exc:  # a session deleted meanwhile (PostgreSQL): refuse it alone
            if len(copies) == 1:
                return [StoredCopy(refusal=f"the session no longer exists ({type(exc).__name__})")]
            return [self.store_batch([copy], plan, queued_due_at=queued_due_at)[0] for copy in copies]
        return results

    # Reading ------------------------------------------------------------------------------------
    def get(self, message_id: int) -> MailMessage:
        with self._reading() as connection:
            row = connection.execute(_MESSAGE, {"message_id": message_id}).one_or_none()
        if row is None:
            raise UnknownMessage(message_id)
        return _message(row)

    def raw(self, message_id: int) -> bytes:
        with self._reading() as connection:
            data = connection.scalar(select(MailMessageRow.raw).where(MailMessageRow.id == message_id))
        if data is None:
            raise UnknownMessage(message_id)
        return bytes(data)

    def for_addresses(self, address_ids: Iterable[int]) -> list[MailMessage]:
        """Messages received for these addresses, in the order received."""
        ids = sorted(set(address_ids))
        if not ids:
            return []
        query = (select(*_MESSAGE_COLUMNS).where(MailMessageRow.address_id.in_(ids))
                 .order_by(MailMessageRow.received_at, MailMessageRow.id))
        with self._reading() as connection:
            return [_message(row) for row in connection.execute(query)]

    def in_state(self, state: str, *, limit: int | None = None) -> list[MailMessage]:
        query = select(*_MESSAGE_COLUMNS).where(MailMessageRow.state == state).order_by(MailMessageRow.id)
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as connection:
            return [_message(row) for row in connection.execute(query)]

    def counts(self) -> dict[str, int]:
        with self._reading() as connection:
            rows = connection.execute(select(MailMessageRow.state, func.count()).group_by(MailMessageRow.state))
            return {state: count for state, count in rows}

    # Delivery -----------------------------------------------------------------------------------
    def claim(self, message_id: int) -> MailMessage | None:
        """Take a queued (or due) message to run it; None if it is not waiting (taken, finished)."""
        with self._writing() as connection:
            row = connection.execute(_CLAIM, {"message_id": message_id, "now": utcnow()}).one_or_none()
        return None if row is None else _message(row)

    def heartbeat(self, message_id: int) -> bool:
        with self._writing() as connection:
            return affected_rows(connection.execute(_HEARTBEAT, {"message_id": message_id, "now": utcnow()})) == 1

    def finish(self, message_id: int, state: str, *, note: str | None = None,
               due_at: datetime | None = None) -> bool:
        """Record how a run ended (``done``, ``kept``, ``retry`` with ``due_at``, ``dead``)."""
        finished = utcnow() if state in (DONE, KEPT, DEAD) else None
        with self._writing() as connection:
            result = connection.execute(_FINISH, {"message_id": message_id, "new_state": state, "new_note": note,
                                                  "new_due_at": due_at, "new_finished_at": finished})
            return affected_rows(result) == 1

    def due(self, now: datetime, *, limit: int = 500) -> list[int]:
        """Messages to (re)send to the workers: retries that are due, and queued ones not taken in time."""
        query = (select(MailMessageRow.id)
                 .where(MailMessageRow.state.in_(CLAIMABLE), MailMessageRow.due_at <= as_utc(now))
                 .order_by(MailMessageRow.due_at).limit(limit))
        with self._reading() as connection:
            return list(connection.scalars(query))

    def mark_sent(self, message_ids: Sequence[int], now: datetime, resend_at: datetime) -> list[int]:
        """Mark due messages as queued until ``resend_at``; the ids this caller marked."""
        if not message_ids:
            return []
        with self._writing() as connection:
            marked = connection.scalars(
                update(MailMessageRow)
                .where(MailMessageRow.id.in_(list(message_ids)), MailMessageRow.state.in_(CLAIMABLE),
                       or_(MailMessageRow.due_at.is_(None), MailMessageRow.due_at <= as_utc(now)))
                .values(state=QUEUED, due_at=as_utc(resend_at)).returning(MailMessageRow.id))
            return list(marked)

    def stalled(self, heartbeat_before: datetime, *, limit: int = 500) -> list[MailMessage]:
        """Running messages whose worker has not been heard from since ``heartbeat_before``."""
        query = (select(*_MESSAGE_COLUMNS)
                 .where(MailMessageRow.state == RUNNING, MailMessageRow.heartbeat_at < as_utc(heartbeat_before))
                 .order_by(MailMessageRow.id).limit(limit))
        with self._reading() as connection:
            return [_message(row) for row in connection.execute(query)]

    def release_stalled(self, message_id: int, heartbeat_before: datetime, state: str, *, note: str,
                        due_at: datetime | None) -> bool:
        """Take a stalled message back from its (dead) worker, if it is still stalled."""
        values: dict[str, Any] = {"state": state, "note": note, "due_at": due_at}
        if state == DEAD:
            values["finished_at"] = utcnow()
        with self._writing() as connection:
            result = connection.execute(
                update(MailMessageRow)
                .where(MailMessageRow.id == message_id, MailMessageRow.state == RUNNING,
                       MailMessageRow.heartbeat_at < as_utc(heartbeat_before))
                .values(**values))
            return affected_rows(result) == 1

    def requeue(self, message_id: int, due_at: datetime) -> bool:
        """A dead (or kept) message goes back to the queue with a fresh count of attempts."""
        with self._writing() as connection:
            result = connection.execute(
                update(MailMessageRow)
                .where(MailMessageRow.id == message_id, MailMessageRow.state.in_((DEAD, KEPT)))
                .values(state=RETRY, attempts=0, due_at=as_utc(due_at), finished_at=None))
            if affected_rows(result) == 1:
                return True
        self.get(message_id)  # raises UnknownMessage for a wrong id
        return False

    def _change(self, message_id: int, allowed_from: Sequence[str], **values: Any) -> bool:
        with self._writing() as connection:
            result = connection.execute(update(MailMessageRow)
                                     .where(MailMessageRow.id == message_id, MailMessageRow.state.in_(allowed_from))
                                     .values(**values))
            return affected_rows(result) == 1


def _target(connection: Connection, code: str) -> MailTarget | None:
    row = connection.execute(_TARGET, {"code": code}).one_or_none()
    if row is None:
        return None
    address = _address(row)
    if row.found is None:
        return MailTarget(address, session_exists=False)
    return MailTarget(address, session_exists=True, multi_user=bool(row.multi_user),
                      encrypted=bool(row.encrypted), events=frozenset((row.events or "").split()))


def _store_copy(connection: Connection, copy: IncomingCopy, plan: Plan, queued_due_at: datetime | None) -> StoredCopy:
    target = _target(connection, copy.code)
    if target is None:
        return StoredCopy(refusal="no interview has this address")
    if not target.session_exists:
        return StoredCopy(refusal="the interview session of this address no longer exists")
    state, note = plan(target)
    address = target.address
    roles: dict[str, Any] = {"headers": None, "body_text": None, "body_html": None, "attachment": []}
    described: dict[str, list[str]] = {}
    if copy.files:
        file_ids = connection.execute(
            _INSERT_FILES,
            [{"session_id": address.session_id, "filename": item.filename, "mimetype": item.mimetype,
              "size": len(item.data), "data": item.data, "created_at": copy.received_at} for item in copy.files],
        ).scalars().all()
        for file_id, item in zip(file_ids, copy.files):
            described[str(file_id)] = [item.filename, item.mimetype]
            if item.role == "attachment":
                roles["attachment"].append(file_id)
            else:
                roles[item.role] = file_id
    summary = {**copy.fields, "files": described, **roles}
    message_id = connection.execute(_INSERT_MESSAGE, dict(
        session_id=address.session_id, address_id=address.id, envelope_from=copy.envelope_from,
        envelope_to=copy.envelope_to, raw=copy.raw, size=len(copy.raw), summary=json.dumps(summary),
        received_at=copy.received_at, state=state, attempts=0, due_at=queued_due_at if state == QUEUED else None,
        heartbeat_at=None, note=note, finished_at=copy.received_at if state == KEPT else None)).scalar_one()
    return StoredCopy(message_id=message_id, state=state, note=note, session_id=address.session_id)
