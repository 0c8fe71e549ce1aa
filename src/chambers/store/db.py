"""``Database``: the engine, its sessions, transactions and migrations."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, CursorResult, Result, make_url
from sqlalchemy.orm import Session, sessionmaker

from . import sqlite_setup

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Key of the PostgreSQL advisory lock that keeps two processes from migrating at once.
MIGRATION_LOCK_KEY = 0x43_68_61_6D_62_65_72  # "Chamber"


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; a bare ``postgresql://`` URL is given the psycopg (3) driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched."""
    return cast(CursorResult[Any], result).rowcount


class Database:
    """Owns the engine.  ``transaction()`` to write, ``reading()`` for a consistent read."""

    def __init__(self, url: str | URL, *, busy_timeout: float = 30.0, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgresql = self.url.get_backend_name() == "postgresql"
        if self.is_sqlite:
            _make_parent_directory(self.url)
            self.engine: Engine = create_engine(self.url, echo=echo,
                                                **sqlite_setup.engine_arguments(self.url, busy_timeout))
            sqlite_setup.configure(self.engine, busy_timeout)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        self.write_engine = self.engine.execution_options(**{sqlite_setup.WRITE_OPTION: True})
        self._single_read_engine = self.engine.execution_options(**{sqlite_setup.SINGLE_READ_OPTION: True})
        self.busy_timeout = busy_timeout
        self._writers = sqlite_setup.WriterQueue(self.url, busy_timeout) if self.is_sqlite else None
        self.sessions = sessionmaker(bind=self.write_engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def sqlite_file(self) -> str | None:
        """The SQLite database's file (None: not SQLite, or in memory): every process using it
        runs on this machine."""
        return sqlite_setup.file_path(self.url) if self.is_sqlite else None

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self._writer(), self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (on SQLite it takes no write lock)."""
        with self._read_sessions.begin() as session:
            yield session

    # The same without the ORM, for hot paths that run a few prepared Core statements: the ORM
    # session costs several times the statements themselves.
    @contextmanager
    def writing_connection(self) -> Iterator[Connection]:
        """A write transaction on a Core connection (as :meth:`transaction`)."""
        with self._writer(), self.write_engine.begin() as connection:
            yield connection

    @contextmanager
    def reading_connection(self) -> Iterator[Connection]:
        """A read-only transaction on a Core connection (as :meth:`reading`)."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A Core connection for one read statement.  On SQLite it runs without BEGIN and COMMIT
        around it (a statement reads one consistent snapshot by itself): the hottest read, every
        check-in heartbeat's, costs a third less.  Elsewhere it is a read transaction."""
        with self._single_read_engine.begin() as connection:
            yield connection

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """On SQLite, writers take turns in :class:`~.sqlite_setup.WriterQueue` rather than in
        SQLite's busy handler, which sleeps in steps of milliseconds and lets a writer starve."""
        if self._writers is None:
            yield
            return
        with self._writers.turn():
            yield

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
        config.set_main_option("sqlalchemy.url",
                               self.url.render_as_string(hide_password=False).replace("%", "%%"))
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Migrate to ``revision``; safe to run at once from several processes, and to run again."""
        config = self.alembic_config()
        with self.write_engine.begin() as connection:  # one transaction; BEGIN IMMEDIATE on SQLite
            if self.is_postgresql:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def _make_parent_directory(url: URL) -> None:
    if sqlite_setup.is_memory(url) or not url.database or url.database.startswith("file:"):
        return
    Path(url.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
