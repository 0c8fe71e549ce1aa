"""Rewriting every stored step, file and task result of a session at once: re-keying, encrypting,
decrypting.

The store never sees keys: callers pass ``recode(bytes) -> bytes``.  Each rewrite claims the
session's version (so a writer that loaded before it cannot save over it afterwards) and runs in
one transaction with everything else the caller does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import cron_index
from .db import Database, affected_rows
from .errors import VersionConflict
from .models import InterviewSessionRow, SessionStepRow, StoredFileRow, TaskRow
from .tasks import UNFINISHED

PLAIN = {"synchronize_session": False}
Recode = Callable[[bytes], bytes]


@dataclass(frozen=True)
class KeyedSession:
    id: str
    version: int
    owner_id: int | None
    secret_check: str | None
    encrypted: bool


def owned(session: Session, owner_id: int) -> list[KeyedSession]:
    rows = session.execute(select(InterviewSessionRow.id, InterviewSessionRow.version, InterviewSessionRow.owner_id,
                                  InterviewSessionRow.secret_check, InterviewSessionRow.encrypted)
                           .where(InterviewSessionRow.owner_id == owner_id).order_by(InterviewSessionRow.id))
    return [KeyedSession(*row) for row in rows]


def keyed(session: Session, session_id: str) -> KeyedSession | None:
    row = session.execute(select(InterviewSessionRow.id, InterviewSessionRow.version, InterviewSessionRow.owner_id,
                                 InterviewSessionRow.secret_check, InterviewSessionRow.encrypted)
                          .where(InterviewSessionRow.id == session_id)).one_or_none()
    return None if row is None else KeyedSession(*row)


def has_unfinished_tasks(session: Session, session_id: str) -> bool:
    return session.scalar(select(TaskRow.id).where(TaskRow.session_id == session_id,
                                                   TaskRow.state.in_(UNFINISHED)).limit(1)) is not None


def rewrite(session: Session, session_id: str, expected_version: int, recode: Recode, **changes: Any) -> None:
    """Claim the version, apply ``changes`` to the session row, and recode every step, file and result."""
    claimed = session.execute(update(InterviewSessionRow)
                              .where(InterviewSessionRow.id == session_id,
                                     InterviewSessionRow.version == expected_version)
                              .values(version=InterviewSessionRow.version + 1, **changes), execution_options=PLAIN)
    if affected_rows(claimed) != 1:
        raise VersionConflict(session_id, expected_version, None)
    steps = session.execute(select(SessionStepRow.step, SessionStepRow.data)
                            .where(SessionStepRow.session_id == session_id)).all()
    for step, data in steps:
        new = recode(bytes(data))
        if new != bytes(data):
            session.execute(update(SessionStepRow).where(SessionStepRow.session_id == session_id,
                                                         SessionStepRow.step == step).values(data=new),
                            execution_options=PLAIN)
    files = session.execute(select(StoredFileRow.id, StoredFileRow.data)
                            .where(StoredFileRow.session_id == session_id)).all()
    for file_id, data in files:           # a session's files are sealed as its answers are
        new = recode(bytes(data))
        if new != bytes(data):
            session.execute(update(StoredFileRow).where(StoredFileRow.id == file_id).values(data=new),
                            execution_options=PLAIN)
    results = session.execute(select(TaskRow.id, TaskRow.result)
                              .where(TaskRow.session_id == session_id, TaskRow.result.is_not(None))).all()
    for task_id, data in results:         # and so are its background actions' results
        new = recode(bytes(data))
        if new != bytes(data):
            session.execute(update(TaskRow).where(TaskRow.id == task_id).values(result=new), execution_options=PLAIN)
    if changes.get("encrypted"):
        cron_index.sync(session, session_id, frozenset())  # cron never sees an encrypted session


def rewrite_now(db: Database, session_id: str, expected_version: int, recode: Recode, **changes: Any) -> None:
    with db.transaction() as session:
        rewrite(session, session_id, expected_version, recode, **changes)
