"""E-mail to interviews: the addresses handed out and the messages received.

Revision ID: 0003
Revises: 0002
Create Date: 2024-12-04
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("interview", sa.String(500), nullable=False),
        sa.Column("owner_key", sa.String(255), nullable=False),
        sa.Column("slot", sa.String(600), nullable=False),
        sa.Column("address_key", sa.String(255), nullable=True),
        sa.Column("address_index", sa.Integer(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_addresses"),
        sa.UniqueConstraint("code", name="uq_mail_addresses_code"),
        sa.UniqueConstraint("session_id", "owner_key", "slot", name="uq_mail_addresses_slot"),
    )
    op.create_index("ix_mail_addresses_session_id", "mail_addresses", ["session_id"])

    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("envelope_from", sa.Text(), nullable=False),
        sa.Column("envelope_to", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=True),
        sa.Column("heartbeat_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"], ondelete="CASCADE",
                                name="fk_mail_messages_session_id_interview_sessions"),
        sa.ForeignKeyConstraint(["address_id"], ["mail_addresses.id"], ondelete="CASCADE",
                                name="fk_mail_messages_address_id_mail_addresses"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_messages"),
    )
    op.create_index("ix_mail_messages_session_id", "mail_messages", ["session_id"])
    op.create_index("ix_mail_messages_address_id", "mail_messages", ["address_id"])
    op.create_index("ix_mail_messages_state_due_at", "mail_messages", ["state", "due_at"])


def downgrade() -> None:
    op.drop_table("mail_messages")
    op.drop_table("mail_addresses")
