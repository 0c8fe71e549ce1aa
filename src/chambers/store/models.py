"""The tables.  The migrations in ``migrations/versions`` create exactly these; keep them in step."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .timestamps import UtcDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _session_fk() -> ForeignKey:
    return ForeignKey("interview_sessions.id", ondelete="CASCADE")


class InterviewSessionRow(Base):
    """One interview session: its bookkeeping.  The answers live in :class:`SessionStepRow`."""

    __tablename__ = "interview_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    interview: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    encrypted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    allow_cron: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    multi_user: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    events: Mapped[str] = mapped_column(Text, default="", server_default="")
    secret_check: Mapped[str | None] = mapped_column(String(128))


class SessionStepRow(Base):
    """The serialized answers after one step; steps are numbered 1..``interview_sessions.steps``."""

    __tablename__ = "session_steps"

    session_id: Mapped[str] = mapped_column(String(32), _session_fk(), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CronEventRow(Base):
    """(event, session) for each session cron may run: allow_cron set and not encrypted.

    Only eligible sessions have rows, and the primary key is ordered (event, session_id), so
    finding the next batch for an event is one index range scan however many sessions exist.
    """

    __tablename__ = "session_events"

    event: Mapped[str] = mapped_column(String(255), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(32), _session_fk(), primary_key=True, index=True)


class StoredFileRow(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(32), _session_fk(), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    mimetype: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TaskRow(Base):
    """A background action: its job, its state and its result, kept until the session goes."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_state_started_at", "state", "started_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(32), _session_fk(), index=True)
    event: Mapped[str] = mapped_column(String(255))
    ui_notification: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    job: Mapped[bytes | None] = mapped_column(LargeBinary)
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    progress: Mapped[float | None] = mapped_column(Float)
    progress_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OutboxMessageRow(Base):
    """An outgoing e-mail kept instead of being sent (the embedded default): ``chambers outbox``."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str | None] = mapped_column(String(32))  # kept after the session goes
    sender: Mapped[str] = mapped_column(String(500))
    recipients: Mapped[str] = mapped_column(Text)               # envelope recipients, one per line
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[bytes] = mapped_column(LargeBinary)         # the whole RFC 5322 message
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class CronPassRow(Base):
    """One cron pass of an event for one period: the lease that lets only one process run it."""

    __tablename__ = "cron_passes"

    event: Mapped[str] = mapped_column(String(255), primary_key=True)
    period: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cursor: Mapped[str | None] = mapped_column(Text)            # "variant session_id" reached so far
    sessions_run: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# The incoming-mail tables share this metadata (Alembic compares the models against it).
from . import mail_models  # noqa: E402,F401
from . import user_models  # noqa: E402,F401  (accounts)
