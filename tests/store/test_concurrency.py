"""Several writers at once: none is lost, none silently overwrites another."""
import multiprocessing
import threading

import pytest
from sqlalchemy import event

from chambers.store.db import Database
from chambers.store.errors import VersionConflict
from chambers.store.sessions import SessionRepository

THREADS = 8
INCREMENTS = 25


def _increment(sessions: SessionRepository, session_id: str, times: int) -> int:
    """Add one to the counter stored in the session ``times`` times, retrying on conflict."""
    conflicts = 0
    for _ in range(times):
        while True:
            current = sessions.load(session_id)
            try:
                sessions.save(session_id, str(int(current.data) + 1).encode(), expected_version=current.version,
                              new_step=current.steps < 5, encrypted=False)
                break
            except VersionConflict:
                conflicts += 1
    return conflicts


def _run_threads(target, count: int) -> list:
    results: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body(n: int) -> None:
        try:
            barrier.wait()
            results.append(target(n))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_writers_with_the_same_version_exactly_one_wins(sessions, make_session):
    for round_number in range(10):
        session_id = f"race{round_number}"
        make_session(session_id, b"start")

        def write(n: int, session_id: str = session_id) -> str:
            try:
                sessions.save(session_id, f"writer{n}".encode(), expected_version=1, new_step=True, encrypted=False)
                return f"writer{n}"
            except VersionConflict:
                return "lost"

        outcomes = _run_threads(write, 2)
        winners = [o for o in outcomes if o != "lost"]
        assert len(winners) == 1
        stored = sessions.load(session_id)
        assert (stored.data.decode(), stored.version, stored.steps) == (winners[0], 2, 2)


def test_threads_retrying_on_conflict_lose_no_increment(sessions, make_session):
    make_session("counter", b"0")
    conflicts = _run_threads(lambda n: _increment(sessions, "counter", INCREMENTS), THREADS)
    stored = sessions.load("counter")
    assert int(stored.data) == THREADS * INCREMENTS
    assert stored.version == 1 + THREADS * INCREMENTS
    assert stored.steps == 5
    print(f"{sum(conflicts)} conflicts retried")


def _process_worker(url: str, times: int) -> None:
    database = Database(url)
    try:
        _increment(SessionRepository(database), "counter", times)
    finally:
        database.dispose()


def test_processes_writing_one_sqlite_file_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    database = Database(url)
    database.upgrade()
    sessions = SessionRepository(database)
    sessions.create("counter", "x", b"0", encrypted=False)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_worker, args=(url, 20)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert int(sessions.load("counter").data) == 80
    database.dispose()


def test_sqlite_writes_take_the_lock_up_front_and_reads_do_not(sqlite_db):
    statements: list[str] = []
    event.listen(sqlite_db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    with sqlite_db.transaction() as session:
        session.connection().exec_driver_sql("SELECT 1")
    with sqlite_db.reading() as session:
        session.connection().exec_driver_sql("SELECT 1")
    assert "BEGIN IMMEDIATE" in statements
    assert statements.count("BEGIN") == 1


@pytest.mark.parametrize("pragma, expected", [("journal_mode", "wal"), ("foreign_keys", 1),
                                              ("synchronous", 2), ("busy_timeout", 30000)])
def test_sqlite_connection_settings(sqlite_db, pragma, expected):
    with sqlite_db.reading() as session:
        assert session.connection().exec_driver_sql(f"PRAGMA {pragma}").scalar_one() == expected


def test_delete_while_others_save_leaves_nothing_behind(db, sessions, make_session):
    from sqlalchemy import func, select

    from chambers.store.errors import UnknownSession
    from chambers.store.models import SessionStepRow

    for round_number in range(5):
        session_id = f"doomed{round_number}"
        make_session(session_id, b"0")

        def work(n: int, session_id: str = session_id) -> str:
            if n == 0:
                return "deleted" if sessions.delete(session_id) else "absent"
            try:
                while True:
                    _increment(sessions, session_id, 1)
            except UnknownSession:
                return "saw it go"

        outcomes = _run_threads(work, 4)
        assert sorted(outcomes) == ["deleted", "saw it go", "saw it go", "saw it go"]
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(SessionStepRow)
                                  .where(SessionStepRow.session_id == session_id)) == 0
