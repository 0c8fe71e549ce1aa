"""How every SQLite connection is set up so that several threads and processes can write safely.

* WAL journal: readers never block the writer and the writer never blocks readers.
* ``busy_timeout``: a writer waits for the lock instead of failing with "database is locked".
* ``BEGIN IMMEDIATE`` for write transactions: the write lock is taken at the start.  A deferred
  transaction that reads and then writes cannot wait for the lock (its snapshot may be stale, so
  SQLite fails it at once with SQLITE_BUSY); taking the lock first makes writers queue instead.
* ``synchronous=FULL``: a committed answer survives a power cut, not only a crash of the process.
* ``foreign_keys=ON``: deleting a session cascades to its steps, files and tasks.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import StaticPool

#: Execution option set on the engine that write transactions use.
WRITE_OPTION = "chambers_write"


def is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url.query)


def engine_arguments(url: URL, busy_timeout: float) -> dict[str, Any]:
    arguments: dict[str, Any] = {"connect_args": {"timeout": busy_timeout, "check_same_thread": False}}
    if is_memory(url):
        arguments["poolclass"] = StaticPool  # one shared connection, or every connection sees a new empty DB
    return arguments


def configure(engine: Engine, busy_timeout: float) -> None:
    wal = not is_memory(engine.url)
    busy_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver emits no BEGIN; _on_begin does
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
