"""Tables for e-mail sent to interviews: the addresses handed out and the messages received.

Imported by :mod:`chambers.store.models` so that they share its metadata (and its migrations).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base
from .timestamps import UtcDateTime, utcnow


class MailAddressRow(Base):
    """One ``interview_email()`` address: its code, whose it is and which (key, index) slot.

    No foreign key to the session: an address can be made while the session's first screen is
    built, before the session row exists.  Mail for a code whose session is gone is refused.
    """

    __tablename__ = "mail_addresses"
    __table_args__ = (UniqueConstraint("session_id", "owner_key", "slot", name="uq_mail_addresses_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    session_id: Mapped[str] = mapped_column(String(32), index=True)
    interview: Mapped[str] = mapped_column(String(500))
    owner_key: Mapped[str] = mapped_column(String(255))      # "user:<id>" or "anon:<session uid>"
    slot: Mapped[str] = mapped_column(String(600))           # JSON [key, index]
    address_key: Mapped[str | None] = mapped_column(String(255))
    address_index: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(Text)                 # JSON of the owner's Identity
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MailMessageRow(Base):
    """A message received for an address: its raw source, what was parsed, and its delivery state.

    States: ``queued`` (waiting for a worker), ``running``, ``retry`` (failed; due again at
    ``due_at``), ``done``, ``kept`` (stored only: no ``incoming_email`` to run, or the session
    cannot be opened without its user) and ``dead`` (failed too often; ``chambers mail retry``).
    """

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(32), ForeignKey("interview_sessions.id", ondelete="CASCADE"),
                                            index=True)
    address_id: Mapped[int] = mapped_column(Integer, ForeignKey("mail_addresses.id", ondelete="CASCADE"),
                                            index=True)
    envelope_from: Mapped[str] = mapped_column(Text)
    envelope_to: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)              # JSON: headers parsed, part file ids, problems
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)            # why it was kept, or the last error
