"""The first tables: sessions and their steps, cron events, files, API keys, tasks.

Revision ID: 0001
Revises:
Create Date: 2024-11-29
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_session_id_interview_sessions")


def upgrade() -> None:
    op.create_table(
        "interview_sessions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("interview", sa.String(500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("modified_at", TIMESTAMP, nullable=False),
        sa.Column("allow_cron", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("multi_user", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("events", sa.Text(), server_default="", nullable=False),
        sa.Column("secret_check", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_interview_sessions"),
    )
    op.create_index("ix_interview_sessions_owner_id", "interview_sessions", ["owner_id"])
    op.create_index("ix_interview_sessions_modified_at", "interview_sessions", ["modified_at"])
    op.create_index("ix_interview_sessions_allow_cron", "interview_sessions", ["allow_cron"])

    op.create_table(
        "session_steps",
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _session_fk("session_steps"),
        sa.PrimaryKeyConstraint("session_id", "step", name="pk_session_steps"),
    )

    op.create_table(
        "session_events",
        sa.Column("event", sa.String(255), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        _session_fk("session_events"),
        sa.PrimaryKeyConstraint("event", "session_id", name="pk_session_events"),
    )
    op.create_index("ix_session_events_session_id", "session_events", ["session_id"])

    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("mimetype", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _session_fk("stored_files"),
        sa.PrimaryKeyConstraint("id", name="pk_stored_files"),
    )
    op.create_index("ix_stored_files_session_id", "stored_files", ["session_id"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(255), nullable=False),
        sa.Column("ui_notification", sa.String(32), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("job", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("progress_message", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("notified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _session_fk("tasks"),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_session_id", "tasks", ["session_id"])
    op.create_index("ix_tasks_state_started_at", "tasks", ["state", "started_at"])


def downgrade() -> None:
    op.drop_table("tasks")
    op.drop_table("api_keys")
    op.drop_table("stored_files")
    op.drop_table("session_events")
    op.drop_table("session_steps")
    op.drop_table("interview_sessions")
