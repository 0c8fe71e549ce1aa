import threading
from datetime import datetime, timedelta, timezone

import pytest

from chambers.store.errors import TaskExists, UnknownSession
from chambers.store.sessions import SessionRepository
from chambers.store.tasks import TaskRepository


@pytest.fixture
def tasks(db, make_session) -> TaskRepository:
    make_session()
    return TaskRepository(db)


def test_life_of_a_task(tasks):
    created = tasks.create("t1", "s1", "send_letter", "flash", job=b"pickled job")
    assert (created.state, created.attempts, created.job, created.notified) == ("queued", 0, b"pickled job", False)
    assert tasks.mark_started("t1") is True
    assert tasks.set_progress("t1", 0.5, "half way") is True
    running = tasks.get("t1")
    assert (running.state, running.attempts, running.progress, running.progress_message) == (
        "started", 1, 0.5, "half way")
    assert running.started_at is not None and running.started_at.tzinfo is not None
    assert tasks.finish("t1", "succeeded", b"result") is True
    done = tasks.get("t1")
    assert (done.state, done.result, done.finished) == ("succeeded", b"result", True)
    assert tasks.finish("t1", "failed", b"again") is False
    assert tasks.mark_started("t1") is False and tasks.set_progress("t1", 1.0) is False
    assert tasks.get("t1").result == b"result"
    assert tasks.get("missing") is None


def test_revoked_task_stays_revoked(tasks):
    tasks.create("t1", "s1", "e")
    assert tasks.revoke("t1") is True
    assert tasks.mark_started("t1") is False
    assert tasks.finish("t1", "succeeded", b"late") is False
    assert (tasks.get("t1").state, tasks.get("t1").result) == ("revoked", None)
    with pytest.raises(ValueError):
        tasks.finish("t1", "started", None)


def test_create_checks(tasks):
    tasks.create("t1", "s1", "e")
    with pytest.raises(TaskExists):
        tasks.create("t1", "s1", "e")
    with pytest.raises(UnknownSession):
        tasks.create("t2", "nope", "e")


def test_a_restarted_task_counts_attempts_and_stale_ones_are_found(tasks):
    tasks.create("t1", "s1", "e")
    tasks.create("t2", "s1", "e")
    tasks.mark_started("t1")
    tasks.mark_started("t1")
    assert tasks.get("t1").attempts == 2
    later = datetime.now(timezone.utc) + timedelta(seconds=5)
    assert [t.id for t in tasks.stale_started(later)] == ["t1"]
    assert tasks.stale_started(later - timedelta(hours=1)) == []
    tasks.finish("t1", "lost")
    assert tasks.stale_started(later) == []


def test_pending_notifications(tasks):
    sessions = SessionRepository(tasks.db)
    tasks.create("quiet", "s1", "e", None)
    tasks.create("loud", "s1", "e", "flash")
    tasks.create("running", "s1", "e", "refresh")
    assert sessions.access("s1").notices is False           # what a heartbeat reads: nothing to tell yet
    for task_id in ("quiet", "loud"):
        tasks.finish(task_id, "succeeded", b"r")
    assert [t.id for t in tasks.pending_notifications("s1")] == ["loud"]
    assert sessions.access("s1").notices is True
    assert tasks.mark_notified(["loud"]) == {"loud"}
    assert sessions.access("s1").notices is False
    assert tasks.mark_notified(["loud"]) == set()
    assert tasks.pending_notifications("s1") == []
    assert tasks.mark_notified([]) == set()


def test_each_notification_is_delivered_once_under_concurrency(tasks):
    ids = [f"t{n:02d}" for n in range(30)]
    for task_id in ids:
        tasks.create(task_id, "s1", "e", "flash")
    delivered: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            for _ in range(20):
                got = [t.id for t in tasks.claim_notifications("s1")]
                with lock:
                    delivered.extend(got)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def finish_all() -> None:
        for task_id in ids:
            tasks.finish(task_id, "succeeded", task_id.encode())

    threads = [threading.Thread(target=deliver) for _ in range(7)] + [threading.Thread(target=finish_all)]
    barrier = threading.Barrier(7)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    delivered.extend(t.id for t in tasks.claim_notifications("s1"))
    assert sorted(delivered) == ids  # every one, none twice
