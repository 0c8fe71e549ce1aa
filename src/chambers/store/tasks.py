"""``TaskRepository``: background actions' jobs, states and results.

Every state change is a conditional UPDATE, so a revoked task cannot later be marked finished,
a finished one cannot be restarted, and each result is claimed for delivery exactly once.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import Row, bindparam, insert, literal_column, select, text, update
from sqlalchemy.exc import IntegrityError

from .db import Database, affected_rows
from .errors import TaskExists, UnknownSession
from .models import InterviewSessionRow, TaskRow
from .timestamps import as_utc, utcnow

QUEUED, STARTED = "queued", "started"
SUCCEEDED, FAILED, REVOKED, LOST = "succeeded", "failed", "revoked", "lost"
UNFINISHED = frozenset({QUEUED, STARTED})
FINISHED = frozenset({SUCCEEDED, FAILED, REVOKED, LOST})
PLAIN = {"synchronize_session": False}


def awaiting_delivery(session_id):
    """The conditions of a task of ``session_id`` (a value or a column) whose finish the open
    screen asked to hear of and has not been told: finished, notifying, not yet delivered."""
    # the states as SQL literals: a list of bound values is re-rendered on every run
    return (TaskRow.session_id == session_id,
            TaskRow.state.in_([literal_column(f"'{state}'") for state in sorted(FINISHED)]),
            TaskRow.notified.is_(False), TaskRow.ui_notification.is_not(None))


_PENDING = (select(*TaskRow.__table__.columns)
            .where(*awaiting_delivery(bindparam("b_session_id")))
            .order_by(TaskRow.finished_at, TaskRow.id))


@dataclass(frozen=True)
class TaskRecord:
    id: str
    session_id: str
    event: str
    ui_notification: str | None
    state: str
    job: bytes | None
    result: bytes | None
    progress: float | None
    progress_message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    notified: bool
    attempts: int

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def _record(row: TaskRow | Row[Unpack[tuple[Any, ...]]]) -> TaskRecord:
    return TaskRecord(id=row.id, session_id=row.session_id, event=row.event, ui_notification=row.ui_notification,
                      state=row.state, job=None if row.job is None else bytes(row.job),
                      result=None if row.result is None else bytes(row.result), progress=row.progress,
                      progress_message=row.progress_message, created_at=row.created_at,
                      started_at=row.started_at, finished_at=row.finished_at, notified=row.notified,
                      attempts=row.attempts)


# The statements of the hot paths (launch, poll, start, finish), built once; run on Core
# connections, which cost a fraction of an ORM session.
_CREATE = insert(TaskRow.__table__)
_GET = select(*TaskRow.__table__.columns).where(TaskRow.id == bindparam("b_id"))
_UNFINISHED_SQL = [literal_column(f"'{state}'") for state in sorted(UNFINISHED)]
_START = (update(TaskRow.__table__)
          .where(TaskRow.id == bindparam("b_id"), TaskRow.state.in_(_UNFINISHED_SQL))
          .values(state=STARTED, started_at=bindparam("b_now"), attempts=TaskRow.attempts + 1)
          .returning(*TaskRow.__table__.columns))
_FINISH = (update(TaskRow.__table__)
           .where(TaskRow.id == bindparam("b_id"), TaskRow.state.in_(_UNFINISHED_SQL))
           .values(state=bindparam("b_state"), result=bindparam("b_result"), finished_at=bindparam("b_now")))


class TaskRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, task_id: str, session_id: str, event: str, ui_notification: str | None = None, *,
               job: bytes | None = None) -> TaskRecord:
        """Queue a task of an existing session (one INSERT: the foreign key proves the session exists)."""
        values = dict(id=task_id, session_id=session_id, event=event, ui_notification=ui_notification,
                      state=QUEUED, job=job, created_at=utcnow(), notified=False, attempts=0)
        try:
            with self.db.writing_connection() as connection:
                connection.execute(_CREATE, values)
        except IntegrityError as exc:
            if self.get(task_id) is not None:
                raise TaskExists(task_id) from exc
            raise UnknownSession(session_id) from exc
        return TaskRecord(**values, result=None, progress=None, progress_message=None, started_at=None,
                          finished_at=None)

    def get(self, task_id: str) -> TaskRecord | None:
        with self.db.reading_connection() as connection:
            row = connection.execute(_GET, {"b_id": task_id}).one_or_none()
            return None if row is None else _record(row)

    def _change(self, task_id: str, allowed_from: Iterable[str], *, _attempts: int | None = None,
                _relaxed: bool = False, **values: Any) -> bool:
        """Set ``values`` if the task is in one of the ``allowed_from`` states (and, given
        ``_attempts``, has been started that many times); whether it was."""
        query = update(TaskRow).where(TaskRow.id == task_id, TaskRow.state.in_(allowed_from))
        if _attempts is not None:
            query = query.where(TaskRow.attempts == _attempts)
        with self.db.writing_connection() as connection:
            if _relaxed:
                self._relax(connection)
            return affected_rows(connection.execute(query.values(**values))) == 1

    def _relax(self, session) -> None:
        """On PostgreSQL, don't wait for this commit to reach the disk: for changes a crash of the
        database server may lose without harm (a task seen as queued again; older progress)."""
        if self.db.is_postgresql:
            session.execute(text("SET LOCAL synchronous_commit = off"))

    def mark_started(self, task_id: str) -> bool:
        """A worker takes the task (again, if the one before it died); False if it is finished."""
        return self._change(task_id, UNFINISHED, state=STARTED, started_at=utcnow(),
                            attempts=TaskRow.attempts + 1)

    def start(self, task_id: str) -> TaskRecord | None:
        """Take the task for a run: ``mark_started`` and the record after it in one statement;
        None if it is finished (or unknown)."""
        with self.db.writing_connection() as connection:
            self._relax(connection)
            row = connection.execute(_START, {"b_id": task_id, "b_now": utcnow()}).one_or_none()
            return None if row is None else _record(row)

    def requeue(self, task_id: str, attempts: int) -> bool:
        """Put a started task back in the queue, if it is still the run that made ``attempts``."""
        return self._change(task_id, {STARTED}, _attempts=attempts, state=QUEUED)

    def finish(self, task_id: str, state: str, result: bytes | None = None) -> bool:
        """Record the outcome; False (nothing written) if the task had already finished or been revoked."""
        if state not in FINISHED:
            raise ValueError(f"{state!r} is not a finished state; use one of {sorted(FINISHED)}")
        with self.db.writing_connection() as connection:
            return affected_rows(connection.execute(_FINISH, {"b_id": task_id, "b_state": state, "b_result": result,
                                                              "b_now": utcnow()})) == 1

    def revoke(self, task_id: str) -> bool:
        return self.finish(task_id, REVOKED)

    def set_progress(self, task_id: str, fraction: float | None, message: str | None = None) -> bool:
        return self._change(task_id, UNFINISHED, _relaxed=True, progress=fraction, progress_message=message)

    def stale_started(self, older_than: datetime) -> list[TaskRecord]:
        """Tasks started before ``older_than`` and still running: their worker may be gone."""
        query = (select(TaskRow).where(TaskRow.state == STARTED, TaskRow.started_at < as_utc(older_than))
                 .order_by(TaskRow.started_at))
        with self.db.reading() as session:
            return [_record(row) for row in session.scalars(query)]

    def unfinished(self) -> list[TaskRecord]:
        """Every task still queued or running (after a restart of the embedded Redis their
        messages are gone)."""
        with self.db.reading() as session:
            return [_record(row) for row in session.scalars(select(TaskRow).where(TaskRow.state.in_(UNFINISHED)))]

    def finished_since(self, session_id: str, since: datetime) -> list[TaskRecord]:
        """The session's tasks that finished at or after ``since``."""
        query = (select(TaskRow).where(TaskRow.session_id == session_id, TaskRow.state.in_(FINISHED),
                                       TaskRow.finished_at >= as_utc(since)).order_by(TaskRow.finished_at))
        with self.db.reading() as session:
            return [_record(row) for row in session.scalars(query)]

    def session_saved_at(self, session_id: str) -> datetime | None:
        """When the session's answers were last saved (None: no such session)."""
        with self.db.reading() as session:
            saved = session.scalar(select(InterviewSessionRow.modified_at).where(InterviewSessionRow.id == session_id))
            return None if saved is None else as_utc(saved)

    def reporting_progress(self, session_id: str) -> list[TaskRecord]:
        """The session's running tasks that have reported progress."""
        query = select(TaskRow).where(TaskRow.session_id == session_id, TaskRow.state == STARTED,
                                      TaskRow.progress.is_not(None)).order_by(TaskRow.started_at)
        with self.db.reading() as session:
            return [_record(row) for row in session.scalars(query)]

    def pending_notifications(self, session_id: str) -> list[TaskRecord]:
        """Finished tasks of the session whose result the browser asked for and has not been sent.
        (Every check-in asks: one prepared statement on a Core connection.)"""
        with self.db.reading_connection() as connection:
            return [_record(row) for row in connection.execute(_PENDING, {"b_session_id": session_id})]

    def mark_notified(self, task_ids: Iterable[str]) -> set[str]:
        """Mark these tasks delivered; returns the ids this call marked (not ones another caller did first)."""
        ids = sorted(set(task_ids))
        if not ids:
            return set()
        with self.db.transaction() as session:
            marked = session.scalars(update(TaskRow).where(TaskRow.id.in_(ids), TaskRow.notified.is_(False))
                                     .values(notified=True).returning(TaskRow.id), execution_options=PLAIN)
            return set(marked)

    def claim_notifications(self, session_id: str) -> list[TaskRecord]:
        """The pending notifications that this caller, and no other, now delivers."""
        pending = self.pending_notifications(session_id)
        claimed = self.mark_notified(task.id for task in pending)
        return [task for task in pending if task.id in claimed]
