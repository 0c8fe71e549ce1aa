"""``CronPassRepository``: the ledger of cron passes, one row per (event, period).

A pass first *claims* its row.  Only one process can hold it: a second pass for the same event
and period finds it running (and gives up) or finished (nothing to do).  A holder that stops
sending heartbeats is presumed dead, and a later pass takes the row over and resumes from the
holder's cursor.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .db import Database, affected_rows
from .models import CronPassRow
from .timestamps import as_utc, utcnow

PLAIN = {"synchronize_session": False}


@dataclass(frozen=True)
class CronPass:
    event: str
    period: str
    owner: str
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    cursor: str | None
    sessions_run: int
    errors: int

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True)
class Claim:
    """The outcome of :meth:`CronPassRepository.claim`: ``granted``, else why not (``existing``)."""
    granted: bool
    existing: CronPass | None = None
    resumed_from: str | None = None     # the cursor of a dead holder this claim took over


def _pass(row: CronPassRow) -> CronPass:
    return CronPass(event=row.event, period=row.period, owner=row.owner, started_at=row.started_at,
                    heartbeat_at=row.heartbeat_at, finished_at=row.finished_at, cursor=row.cursor,
                    sessions_run=row.sessions_run, errors=row.errors)


class CronPassRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, event: str, period: str) -> CronPass | None:
        with self.db.reading() as session:
            row = session.get(CronPassRow, (event, period))
            return None if row is None else _pass(row)

    def claim(self, event: str, period: str, owner: str, *, stale_after: timedelta) -> Claim:
        """Take the (event, period) row for ``owner``, unless a live holder has it or it is finished."""
        now = utcnow()
        try:
            with self.db.transaction() as session:
                query = select(CronPassRow).where(CronPassRow.event == event, CronPassRow.period == period)
                if self.db.is_postgresql:
                    query = query.with_for_update()
                row = session.scalars(query).one_or_none()
                if row is None:
                    session.execute(insert(CronPassRow).values(
                        event=event, period=period, owner=owner, started_at=now, heartbeat_at=now,
                        finished_at=None, cursor=None, sessions_run=0, errors=0))
                    return Claim(True)
                existing = _pass(row)
                if existing.finished or existing.heartbeat_at >= now - stale_after:
                    return Claim(False, existing)
                session.execute(update(CronPassRow)
                                .where(CronPassRow.event == event, CronPassRow.period == period,
                                       CronPassRow.owner == existing.owner)
                                .values(owner=owner, heartbeat_at=now), execution_options=PLAIN)
                return Claim(True, existing, resumed_from=existing.cursor)
        except IntegrityError:  # another process inserted the row first
            return Claim(False, self.get(event, period))

    def heartbeat(self, event: str, period: str, owner: str, *, cursor: str | None = None,
                  sessions_run: int = 0, errors: int = 0) -> bool:
        """Record progress; False if ``owner`` no longer holds the row (it was taken over)."""
        values: dict[str, object] = {"heartbeat_at": utcnow(),
                                     "sessions_run": CronPassRow.sessions_run + sessions_run,
                                     "errors": CronPassRow.errors + errors}
        if cursor is not None:
            values["cursor"] = cursor
        with self.db.transaction() as session:
            result = session.execute(update(CronPassRow)
                                     .where(CronPassRow.event == event, CronPassRow.period == period,
                                            CronPassRow.owner == owner, CronPassRow.finished_at.is_(None))
                                     .values(**values), execution_options=PLAIN)
            return affected_rows(result) == 1

    def finish(self, event: str, period: str, owner: str) -> bool:
        now = utcnow()
        with self.db.transaction() as session:
            result = session.execute(update(CronPassRow)
                                     .where(CronPassRow.event == event, CronPassRow.period == period,
                                            CronPassRow.owner == owner, CronPassRow.finished_at.is_(None))
                                     .values(finished_at=now, heartbeat_at=now), execution_options=PLAIN)
            return affected_rows(result) == 1

    def recent(self, limit: int = 20) -> list[CronPass]:
        query = select(CronPassRow).order_by(CronPassRow.started_at.desc()).limit(limit)
        with self.db.reading() as session:
            return [_pass(row) for row in session.scalars(query)]

    def prune(self, older_than: datetime) -> int:
        """Forget finished passes that started before ``older_than``."""
        with self.db.transaction() as session:
            return affected_rows(session.execute(
                delete(CronPassRow).where(CronPassRow.started_at < as_utc(older_than),
                                          CronPassRow.finished_at.is_not(None)), execution_options=PLAIN))
