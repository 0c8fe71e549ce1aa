"""``SessionRepository``: interview sessions and their steps, written with a version check."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import Connection, Integer, Row, and_, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import cron_index
from .db import Database, affected_rows
from .errors import CannotGoBack, SessionExists, UnknownSession, VersionConflict
from .models import (
    CronEventRow,
    InterviewSessionRow,
    SessionStepRow,
    StoredFileRow,
    TaskRow,
)
from .tasks import awaiting_delivery
from .timestamps import as_utc, utcnow

#: Bulk UPDATE/DELETE without reconciling objects in the ORM session (there are none).
PLAIN = {"synchronize_session": False}
DELETE_CHUNK = 500  # ids per statement: well under SQLite's limit on bound parameters


@dataclass(frozen=True)
class SessionIndex:
    """What the store indexes about a session, beyond its answers."""

    allow_cron: bool = False
    multi_user: bool = False
    events: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = frozenset(self.events)
        for name in names:
            if not name or any(c.isspace() for c in name):
                raise ValueError(f"event name {name!r} is empty or holds whitespace")
        object.__setattr__(self, "events", names)


NO_INDEX = SessionIndex()


@dataclass(frozen=True)
class SessionAccess:
    """A session's bookkeeping without its answers: enough to check who may open it."""
    id: str
    interview: str
    version: int
    steps: int
    encrypted: bool
    owner_id: int | None
    secret_check: str | None
    index: SessionIndex
    notices: bool = False   # a finished background action waits to tell the open screen


@dataclass(frozen=True)
class StoredSession:
    id: str
    interview: str
    version: int
    steps: int
    data: bytes  # the answers after the latest step, as the caller serialized them
    encrypted: bool
    owner_id: int | None
    secret_check: str | None
    created_at: datetime
    modified_at: datetime
    index: SessionIndex = field(default_factory=SessionIndex)
    notices: bool = False   # as loaded: a finished background action waits to tell the open screen


_SESSION_COLUMNS = (InterviewSessionRow.id, InterviewSessionRow.interview, InterviewSessionRow.version,
                    InterviewSessionRow.steps, SessionStepRow.data, InterviewSessionRow.encrypted,
                    InterviewSessionRow.owner_id, InterviewSessionRow.secret_check,
                    InterviewSessionRow.created_at, InterviewSessionRow.modified_at,
                    InterviewSessionRow.allow_cron, InterviewSessionRow.multi_user, InterviewSessionRow.events)


#: Sessions joined to their latest step.
SESSIONS_WITH_LATEST_STEP = select(*_SESSION_COLUMNS).join(SessionStepRow, and_(
    SessionStepRow.session_id == InterviewSessionRow.id, SessionStepRow.step == InterviewSessionRow.steps))

# The statements of the hot paths (every request loads a session, most save it), built once and
# run on a Core connection with bound values: building, cache-keying and running them through
# the ORM each time cost more than SQLite takes to answer them.
_NOTICES = exists().where(*awaiting_delivery(InterviewSessionRow.id)).label("notices")
_LOAD = SESSIONS_WITH_LATEST_STEP.add_columns(_NOTICES).where(InterviewSessionRow.id == bindparam("session_id"))
_ACCESS = select(InterviewSessionRow.id, InterviewSessionRow.interview, InterviewSessionRow.version,
                 InterviewSessionRow.steps, InterviewSessionRow.encrypted, InterviewSessionRow.owner_id,
                 InterviewSessionRow.secret_check, InterviewSessionRow.allow_cron, InterviewSessionRow.multi_user,
                 InterviewSessionRow.events, _NOTICES).where(
    InterviewSessionRow.id == bindparam("session_id"))
_CLAIM = (update(InterviewSessionRow)
          .where(InterviewSessionRow.id == bindparam("b_id"),
                 InterviewSessionRow.version == bindparam("b_expected_version"))
          .values(version=InterviewSessionRow.version + 1,
                  steps=InterviewSessionRow.steps + bindparam("b_added_steps", type_=Integer),
                  modified_at=bindparam("b_now"), encrypted=bindparam("b_encrypted"),
                  allow_cron=bindparam("b_allow_cron"), multi_user=bindparam("b_multi_user"),
                  events=bindparam("b_events"))
          .returning(InterviewSessionRow.steps, InterviewSessionRow.version, InterviewSessionRow.interview,
                     InterviewSessionRow.owner_id, InterviewSessionRow.secret_check,
                     InterviewSessionRow.created_at, InterviewSessionRow.modified_at))
_NEW_STEP = insert(SessionStepRow).values(session_id=bindparam("b_session_id"), step=bindparam("b_step"),
                                          data=bindparam("b_data"), created_at=bindparam("b_now"))
_OVERWRITE_STEP = (update(SessionStepRow)
                   .where(SessionStepRow.session_id == bindparam("b_session_id"),
                          SessionStepRow.step == bindparam("b_step"))
                   .values(data=bindparam("b_data")))


def _index(row: Row[Unpack[tuple[Any, ...]]]) -> SessionIndex:
    return SessionIndex(allow_cron=row.allow_cron, multi_user=row.multi_user, events=frozenset(row.events.split()))


def _stored(row: Row[Unpack[tuple[Any, ...]]]) -> StoredSession:
    index = _index(row)
    return StoredSession(id=row.id, interview=row.interview, version=row.version, steps=row.steps,
                         data=bytes(row.data), encrypted=row.encrypted, owner_id=row.owner_id,
                         secret_check=row.secret_check, created_at=row.created_at,
                         modified_at=row.modified_at, index=index, notices=bool(row._mapping.get("notices")))


def _cron_events(index: SessionIndex, encrypted: bool) -> frozenset[str]:
    return index.events if index.allow_cron and not encrypted else frozenset()


class SessionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # Reading ------------------------------------------------------------------------------------
    def load(self, session_id: str) -> StoredSession:
        """The session with its latest answers (one statement)."""
        with self.db.single_read() as connection:
            return self._load(connection, session_id)

    def _load(self, session: Session | Connection, session_id: str) -> StoredSession:
        row = session.execute(_LOAD, {"session_id": session_id}).one_or_none()
        if row is None:
            raise UnknownSession(session_id)
        return _stored(row)

    def access(self, session_id: str) -> SessionAccess:
        """The session's bookkeeping without reading (or decoding) its answers, and whether a
        finished background action waits to tell its open screen (one statement: every check-in
        heartbeat asks this)."""
        with self.db.single_read() as connection:
            row = connection.execute(_ACCESS, {"session_id": session_id}).one_or_none()
        if row is None:
            raise UnknownSession(session_id)
        return SessionAccess(id=row.id, interview=row.interview, version=row.version, steps=row.steps,
                             encrypted=row.encrypted, owner_id=row.owner_id, secret_check=row.secret_check,
                             index=_index(row), notices=bool(row.notices))

    def exists(self, session_id: str) -> bool:
        with self.db.reading() as session:
            return session.get(InterviewSessionRow, session_id) is not None

    def list_for_owner(self, owner_id: int) -> list[StoredSession]:
        """The owner's sessions, most recently modified first."""
        query = (SESSIONS_WITH_LATEST_STEP.where(InterviewSessionRow.owner_id == owner_id)
                 .order_by(InterviewSessionRow.modified_at.desc(), InterviewSessionRow.id))
        with self.db.reading() as session:
            return [_stored(row) for row in session.execute(query)]

    def cron_candidates(self, event: str, *, batch_size: int = 200, after_id: str | None = None) -> list[str]:
        """Ids (ascending) of sessions cron may run that define ``event``; page with ``after_id``."""
        query = (select(CronEventRow.session_id).where(CronEventRow.event == event)
                 .order_by(CronEventRow.session_id).limit(batch_size))
        if after_id is not None:
            query = query.where(CronEventRow.session_id > after_id)
        with self.db.reading() as session:
            return list(session.scalars(query))

    def stale_sessions(self, older_than: datetime, *, limit: int | None = None) -> list[str]:
        """Ids of sessions not modified since ``older_than``, oldest first."""
        query = (select(InterviewSessionRow.id).where(InterviewSessionRow.modified_at < as_utc(older_than))
                 .order_by(InterviewSessionRow.modified_at, InterviewSessionRow.id))
        if limit is not None:
            query = query.limit(limit)
        with self.db.reading() as session:
            return list(session.scalars(query))

    # Writing ------------------------------------------------------------------------------------
    def create(self, session_id: str, interview: str, data: bytes, *, encrypted: bool,
               owner_id: int | None = None, secret_check: str | None = None,
               index: SessionIndex = NO_INDEX) -> StoredSession:
        now = utcnow()
        try:
            with self.db.writing_connection() as session:
                session.execute(insert(InterviewSessionRow).values(
                    id=session_id, interview=interview, owner_id=owner_id, encrypted=encrypted, version=1,
                    steps=1, created_at=now, modified_at=now, allow_cron=index.allow_cron,
                    multi_user=index.multi_user, events=cron_index.event_text(index.events),
                    secret_check=secret_check))
                session.execute(insert(SessionStepRow).values(session_id=session_id, step=1, data=data,
                                                              created_at=now))
                cron_index.sync(session, session_id, _cron_events(index, encrypted))
        except IntegrityError as exc:
            if self.exists(session_id):
                raise SessionExists(session_id) from exc
            raise
        return StoredSession(id=session_id, interview=interview, version=1, steps=1, data=bytes(data),
                             encrypted=encrypted, owner_id=owner_id, secret_check=secret_check,
                             created_at=now, modified_at=now, index=index)

    def save(self, session_id: str, data: bytes, *, expected_version: int, new_step: bool, encrypted: bool,
             index: SessionIndex = NO_INDEX, was: StoredSession | None = None) -> StoredSession:
        """Store ``data`` as a new step or over the latest one, if nobody saved since ``expected_version``.

        ``was``: the session as loaded at ``expected_version``; when its cron rows would stay the
        same, they are left alone (the version check proves nobody changed them since)."""
        now = utcnow()
        with self.db.writing_connection() as connection:
            claimed = connection.execute(_CLAIM, {
                "b_id": session_id, "b_expected_version": expected_version, "b_added_steps": 1 if new_step else 0,
                "b_now": now, "b_encrypted": encrypted, "b_allow_cron": index.allow_cron,
                "b_multi_user": index.multi_user, "b_events": cron_index.event_text(index.events)}).one_or_none()
            if claimed is None:
                self._refuse(connection, session_id, expected_version)
                raise VersionConflict(session_id, expected_version, None)  # only if it changed again meanwhile
            step = {"b_session_id": session_id, "b_step": claimed.steps, "b_data": data, "b_now": now}
            connection.execute(_NEW_STEP if new_step else _OVERWRITE_STEP, step)
            events = _cron_events(index, encrypted)
            if was is None or _cron_events(was.index, was.encrypted) != events:
                cron_index.sync(connection, session_id, events)
        return StoredSession(id=session_id, interview=claimed.interview, version=claimed.version,
                             steps=claimed.steps, data=bytes(data), encrypted=encrypted, owner_id=claimed.owner_id,
                             secret_check=claimed.secret_check, created_at=claimed.created_at,
                             modified_at=claimed.modified_at, index=index)

    def back(self, session_id: str, *, expected_version: int) -> StoredSession:
        """Drop the newest step; the session's answers become those of the step before."""
        with self.db.transaction() as session:
            removed = session.execute(
                update(InterviewSessionRow)
                .where(InterviewSessionRow.id == session_id, InterviewSessionRow.version == expected_version,
                       InterviewSessionRow.steps > 1)
                .values(version=InterviewSessionRow.version + 1, steps=InterviewSessionRow.steps - 1,
                        modified_at=utcnow())
                .returning(InterviewSessionRow.steps + 1), execution_options=PLAIN).scalar_one_or_none()
            if removed is None:
                self._refuse(session, session_id, expected_version)
                raise CannotGoBack(session_id)
            session.execute(delete(SessionStepRow).where(SessionStepRow.session_id == session_id,
                                                         SessionStepRow.step >= removed), execution_options=PLAIN)
            return self._load(session, session_id)

    def _refuse(self, session: Session | Connection, session_id: str, expected_version: int) -> None:
        """Raise why a version-checked write matched no row (returns if the version did match)."""
        actual = session.scalar(select(InterviewSessionRow.version).where(InterviewSessionRow.id == session_id))
        if actual is None:
            raise UnknownSession(session_id)
        if actual != expected_version:
            raise VersionConflict(session_id, expected_version, actual)

    def delete(self, session_id: str) -> bool:
        """Delete the session with its steps, files and tasks; False if there was none."""
        return self.delete_many([session_id]) == 1

    def delete_many(self, session_ids: Iterable[str]) -> int:
        """Delete these sessions (and all that belongs to them); how many there were."""
        ids = sorted(set(session_ids))  # one lock order for every deleter
        deleted = 0
        for start in range(0, len(ids), DELETE_CHUNK):
            chunk = ids[start:start + DELETE_CHUNK]
            with self.db.transaction() as session:
                # Parent first: it waits for (and then sees) any save in progress, and its foreign
                # keys cascade.  The child deletes after it are for a SQLite connection opened
                # without the foreign_keys pragma (e.g. by hand); normally they find nothing.
                result = session.execute(delete(InterviewSessionRow).where(InterviewSessionRow.id.in_(chunk)),
                                         execution_options=PLAIN)
                deleted += affected_rows(result)
                for child in (SessionStepRow, StoredFileRow, TaskRow, CronEventRow):
                    session.execute(delete(child).where(child.session_id.in_(chunk)), execution_options=PLAIN)
        return deleted

    def count(self) -> int:
        with self.db.reading() as session:
            return session.scalar(select(func.count()).select_from(InterviewSessionRow)) or 0
