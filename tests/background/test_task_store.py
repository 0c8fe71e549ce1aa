"""The task table operations the worker, the reaper and the push stream rely on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chambers.store.db import Database
from chambers.store.sessions import NO_INDEX, SessionRepository
from chambers.store.tasks import TaskRepository


@pytest.fixture
def tasks(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'chambers.db'}")
    db.upgrade()
    SessionRepository(db).create("s1", "x.yml", b"answers", encrypted=False, owner_id=None, secret_check=None,
                                 index=NO_INDEX)
    yield TaskRepository(db)
    db.dispose()


def test_start_takes_a_task_once_per_run_and_counts_the_runs(tasks):
    tasks.create("t1", "s1", "work", job=b"job")
    first = tasks.start("t1")
    assert (first.state, first.attempts, first.job) == ("started", 1, b"job")
    assert tasks.start("t1").attempts == 2                   # a second delivery after the first run died
    tasks.finish("t1", "succeeded", b"result")
    assert tasks.start("t1") is None
    assert tasks.start("unknown") is None


def test_requeue_only_puts_back_the_run_it_saw(tasks):
    tasks.create("t1", "s1", "work")
    tasks.start("t1")
    assert tasks.requeue("t1", attempts=2) is False          # another run has started since
    assert tasks.requeue("t1", attempts=1) is True
    assert tasks.get("t1").state == "queued"
    assert tasks.requeue("t1", attempts=1) is False          # not started: nothing to put back
    tasks.revoke("t1")
    assert tasks.requeue("t1", attempts=1) is False


def test_what_the_push_stream_replays(tasks):
    tasks.create("done", "s1", "work")
    tasks.create("busy", "s1", "work")
    tasks.start("busy")
    tasks.set_progress("busy", 0.4, "reading")
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    tasks.start("done")
    tasks.finish("done", "succeeded", b"r")
    assert [t.id for t in tasks.finished_since("s1", before)] == ["done"]
    assert tasks.finished_since("s1", datetime.now(timezone.utc) + timedelta(seconds=1)) == []
    assert [(t.id, t.progress, t.progress_message) for t in tasks.reporting_progress("s1")] == [
        ("busy", 0.4, "reading")]
    assert [t.id for t in tasks.unfinished()] == ["busy"]
    assert tasks.session_saved_at("s1") is not None and tasks.session_saved_at("nope") is None
