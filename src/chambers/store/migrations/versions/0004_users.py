"""Accounts: the users table, with the built-in cron user (which cannot log in).

Revision ID: 0004
Revises: 0003
Create Date: 2024-12-05
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    users = op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("key_salt", sa.String(64), nullable=True),
        sa.Column("key_epoch", sa.Integer(), server_default="0", nullable=False),
        sa.Column("privileges", sa.Text(), server_default="user", nullable=False),
        sa.Column("first_name", sa.String(255), server_default="", nullable=False),
        sa.Column("last_name", sa.String(255), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_login_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.bulk_insert(users, [{"email": "cron@admin.com", "password_hash": None, "key_salt": None, "key_epoch": 0,
                            "privileges": "cron", "first_name": "Cron", "last_name": "User", "active": False,
                            "created_at": datetime.now(timezone.utc)}])


def downgrade() -> None:
    op.drop_table("users")
