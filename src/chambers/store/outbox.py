"""``OutboxRepository``: e-mail kept in SQL instead of being sent, for a developer to read."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from .db import Database, affected_rows
from .models import OutboxMessageRow
from .timestamps import utcnow


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    session_id: str | None
    sender: str
    recipients: tuple[str, ...]
    subject: str
    message: bytes
    created_at: datetime


def _message(row: OutboxMessageRow) -> OutboxMessage:
    return OutboxMessage(id=row.id, session_id=row.session_id, sender=row.sender,
                         recipients=tuple(r for r in row.recipients.split("\n") if r), subject=row.subject,
                         message=bytes(row.message), created_at=row.created_at)


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, *, sender: str, recipients: Sequence[str], subject: str, message: bytes,
            session_id: str | None = None) -> int:
        # A plain Core insert on its own connection: a cron pass may keep thousands of messages,
        # and this is several times cheaper than going through an ORM session.
        with self.db.write_engine.begin() as connection:
            return connection.execute(insert(OutboxMessageRow.__table__).values(
                session_id=session_id, sender=sender, recipients="\n".join(recipients), subject=subject,
                message=message, created_at=utcnow()).returning(OutboxMessageRow.__table__.c.id)).scalar_one()

    def messages(self, *, limit: int | None = None, session_id: str | None = None) -> list[OutboxMessage]:
        """The newest ``limit`` messages (all if None), oldest first."""
        query = select(OutboxMessageRow).order_by(OutboxMessageRow.id.desc())
        if session_id is not None:
            query = query.where(OutboxMessageRow.session_id == session_id)
        if limit is not None:
            query = query.limit(limit)
        with self.db.reading() as session:
            return [_message(row) for row in reversed(list(session.scalars(query)))]

    def count(self) -> int:
        with self.db.reading() as session:
            return session.scalar(select(func.count()).select_from(OutboxMessageRow)) or 0

    def clear(self) -> int:
        with self.db.transaction() as session:
            return affected_rows(session.execute(delete(OutboxMessageRow)))
