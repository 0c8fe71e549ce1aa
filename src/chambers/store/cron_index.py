"""Keeps ``session_events`` in step with each session: rows only for sessions cron may run."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from .models import CronEventRow


def event_text(events: Iterable[str]) -> str:
    """The ``interview_sessions.events`` column: the names, sorted, separated by spaces."""
    return " ".join(sorted(set(events)))


_CURRENT = select(CronEventRow.event).where(CronEventRow.session_id == bindparam("session_id"))


def sync(session: Session | Connection, session_id: str, events: frozenset[str]) -> None:
    """Make the session's rows exactly ``events`` (pass an empty set when cron may not run it)."""
    current = set(session.scalars(_CURRENT, {"session_id": session_id}))
    stale = current - events
    missing = events - current
    if stale:
        session.execute(delete(CronEventRow).where(CronEventRow.session_id == session_id,
                                                   CronEventRow.event.in_(stale)))
    if missing:
        session.execute(insert(CronEventRow), [{"event": e, "session_id": session_id} for e in sorted(missing)])
