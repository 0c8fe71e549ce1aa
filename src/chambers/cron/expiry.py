"""Deleting sessions nobody has saved for a while (``interview delete days``), before ``cron_daily``."""
from __future__ import annotations

import datetime

from sqlalchemy import delete, select

from ..store.db import Database
from ..store.models import CronEventRow, InterviewSessionRow, SessionStepRow, StoredFileRow, TaskRow
from ..store.timestamps import as_utc

CHUNK = 500


def delete_inactive(db: Database, older_than: datetime.datetime, *, chunk: int = CHUNK) -> int:
    """Delete every session last modified before ``older_than``, encrypted or not; how many.

    Each DELETE repeats the age test, so a session saved after it was listed (by a user or a
    cron event that is running right now) is kept: no lock is needed and none is waited for.
    """
    cutoff = as_utc(older_than)
    stale = InterviewSessionRow.modified_at < cutoff
    total = 0
    while True:
        with db.reading() as session:
            ids = list(session.scalars(select(InterviewSessionRow.id).where(stale)
                                       .order_by(InterviewSessionRow.modified_at).limit(chunk)))
        if not ids:
            return total
        with db.transaction() as session:
            gone = list(session.scalars(delete(InterviewSessionRow)
                                        .where(InterviewSessionRow.id.in_(ids), stale)
                                        .returning(InterviewSessionRow.id),
                                        execution_options={"synchronize_session": False}))
            if gone:  # the foreign keys cascade; this is for a connection opened without them
                for child in (SessionStepRow, StoredFileRow, TaskRow, CronEventRow):
                    session.execute(delete(child).where(child.session_id.in_(gone)),
                                    execution_options={"synchronize_session": False})
        total += len(gone)
        if len(ids) < chunk:
            return total
