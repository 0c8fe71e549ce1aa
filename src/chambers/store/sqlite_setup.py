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

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: there the threads of a process still queue
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import StaticPool

#: Execution option set on the engine that write transactions use.
WRITE_OPTION = "chambers_write"
#: Execution option set on the engine that runs lone read statements (no BEGIN ... COMMIT).
SINGLE_READ_OPTION = "chambers_single_read"


def is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url.query)


def file_path(url: URL) -> str | None:
    """The database file of a SQLite URL, or None (in memory, or a ``file:`` URI)."""
    if is_memory(url) or not url.database or url.database.startswith("file:"):
        return None
    return url.database


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
        options = connection.get_execution_options()
        if options.get(SINGLE_READ_OPTION, False):
            return      # one statement: SQLite reads it from one snapshot without a transaction
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION, False) else "BEGIN")


class WriterQueue:
    """Where this database's writers wait for their turn, before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler makes a waiting writer sleep 1, 2, 5, 10, 15, 20, 25 … ms between
    attempts, so under load writers mostly sleep while the lock is free, and one can starve.
    Here the threads of a process queue on a lock (woken the moment it is released), and one
    thread per process at a time takes an ``flock`` on ``<database>.writers`` that the processes
    sharing the file (web processes, workers, tools) poll every fraction of a millisecond.  It only
    orders writers that would otherwise wait inside SQLite: SQLite's lock still guards the file,
    and a writer that waited ``timeout`` here goes on to wait in SQLite as before.
    """

    def __init__(self, url: URL, timeout: float):
        self.timeout = timeout
        database = file_path(url)
        self.path = f"{database}.writers" if database else None
        self._threads = threading.RLock()
        self._depth = 0
        self._pid = -1
        self._fd = -1

    @contextmanager
    def turn(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            yield                                   # SQLite's busy_timeout takes over
            return
        self._depth += 1
        locked = False
        try:
            if self._depth == 1:                      # a nested transaction of this thread holds it already
                locked = self._lock_file(deadline)
            yield
        finally:
            if locked:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._depth -= 1
            self._threads.release()

    def _lock_file(self, deadline: float) -> bool:
        if self.path is None or fcntl is None:
            return False
        if self._pid != os.getpid():                 # first use here (or in a forked child)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        delay = 0.00005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(delay)
                delay = min(delay * 2, 0.0005)
