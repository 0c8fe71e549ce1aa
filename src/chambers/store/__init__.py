"""Durable storage: interview sessions and their steps, files, API keys and background tasks.

SQLAlchemy 2 over SQLite (WAL, ``BEGIN IMMEDIATE`` writes) or PostgreSQL (psycopg 3); Alembic
migrations ship in ``migrations/`` and run with :meth:`Database.upgrade`.
"""
from .db import Database
from .errors import (
                     CannotGoBack,
                     SessionExists,
                     StoreError,
                     TaskExists,
                     UnknownFile,
                     UnknownSession,
                     UnknownTask,
                     VersionConflict,
)
from .sessions import SessionIndex, SessionRepository, StoredSession

__all__ = ["CannotGoBack", "Database", "SessionExists", "SessionIndex", "SessionRepository", "StoreError",
           "StoredSession", "TaskExists", "UnknownFile", "UnknownSession", "UnknownTask", "VersionConflict"]
