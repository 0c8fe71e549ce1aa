from datetime import datetime, timedelta, timezone

import pytest

from chambers.store.errors import (
    CannotGoBack,
    SessionExists,
    UnknownSession,
    VersionConflict,
)
from chambers.store.files import FileRepository
from chambers.store.sessions import SessionIndex
from chambers.store.tasks import TaskRepository

from .conftest import INTERVIEW


def test_create_then_load(sessions, make_session):
    created = make_session(owner_id=7, secret_check="abc123")
    loaded = sessions.load("s1")
    assert loaded == created
    assert (loaded.interview, loaded.version, loaded.steps, loaded.data) == (INTERVIEW, 1, 1, b"step1")
    assert loaded.owner_id == 7 and loaded.secret_check == "abc123" and loaded.encrypted is False
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)


def test_create_twice_is_refused(make_session):
    make_session()
    with pytest.raises(SessionExists):
        make_session()


def test_unknown_session(sessions):
    with pytest.raises(UnknownSession):
        sessions.load("nope")
    with pytest.raises(UnknownSession):
        sessions.save("nope", b"x", expected_version=1, new_step=True, encrypted=False)
    with pytest.raises(UnknownSession):
        sessions.back("nope", expected_version=1)


def test_save_new_step_and_overwrite(sessions, make_session):
    make_session()
    second = sessions.save("s1", b"step2", expected_version=1, new_step=True, encrypted=False)
    assert (second.version, second.steps, second.data) == (2, 2, b"step2")
    third = sessions.save("s1", b"step2-again", expected_version=2, new_step=False, encrypted=True)
    assert (third.version, third.steps, third.data, third.encrypted) == (3, 2, b"step2-again", True)
    assert sessions.load("s1") == third
    assert third.modified_at >= second.modified_at >= third.created_at


def test_save_keeps_binary_data_exactly(sessions, make_session):
    blob = bytes(range(256)) * 1000
    make_session(data=blob)
    assert sessions.load("s1").data == blob
    sessions.save("s1", blob[::-1], expected_version=1, new_step=True, encrypted=False)
    assert sessions.load("s1").data == blob[::-1]


def test_stale_version_is_a_conflict_and_writes_nothing(sessions, make_session):
    make_session()
    sessions.save("s1", b"mine", expected_version=1, new_step=True, encrypted=False)
    with pytest.raises(VersionConflict) as caught:
        sessions.save("s1", b"theirs", expected_version=1, new_step=True, encrypted=False)
    assert (caught.value.session_id, caught.value.expected, caught.value.actual) == ("s1", 1, 2)
    assert sessions.load("s1").data == b"mine"
    assert sessions.load("s1").steps == 2


def test_back_returns_to_the_step_before(sessions, make_session):
    make_session()
    sessions.save("s1", b"step2", expected_version=1, new_step=True, encrypted=False)
    sessions.save("s1", b"step3", expected_version=2, new_step=True, encrypted=False)
    back = sessions.back("s1", expected_version=3)
    assert (back.version, back.steps, back.data) == (4, 2, b"step2")
    again = sessions.save("s1", b"step3b", expected_version=4, new_step=True, encrypted=False)
    assert (again.steps, again.data) == (3, b"step3b")
    assert sessions.back("s1", expected_version=5).data == b"step2"
    assert sessions.back("s1", expected_version=6).data == b"step1"
    with pytest.raises(CannotGoBack):
        sessions.back("s1", expected_version=7)
    assert sessions.load("s1").version == 7


def test_back_checks_the_version(sessions, make_session):
    make_session()
    sessions.save("s1", b"step2", expected_version=1, new_step=True, encrypted=False)
    with pytest.raises(VersionConflict):
        sessions.back("s1", expected_version=1)
    assert sessions.load("s1").steps == 2


def test_delete_removes_everything_of_the_session(db, sessions, make_session):
    make_session(index=SessionIndex(allow_cron=True, events=frozenset({"cron_daily"})))
    make_session("s2")
    sessions.save("s1", b"step2", expected_version=1, new_step=True, encrypted=False,
                  index=SessionIndex(allow_cron=True, events=frozenset({"cron_daily"})))
    files, tasks = FileRepository(db), TaskRepository(db)
    file_id = files.add("s1", "a.txt", "text/plain", b"hello").id
    tasks.create("t1", "s1", "do_it", None)
    kept_file = files.add("s2", "b.txt", "text/plain", b"kept").id
    assert sessions.delete("s1") is True
    assert sessions.delete("s1") is False
    with pytest.raises(UnknownSession):
        sessions.load("s1")
    assert files.list_for_session("s1") == [] and tasks.get("t1") is None
    assert sessions.cron_candidates("cron_daily") == []
    assert files.get(kept_file).data == b"kept"
    with pytest.raises(LookupError):
        files.get(file_id)
    make_session("s1", b"fresh")  # the id can be used again, with nothing left over
    assert (sessions.load("s1").steps, sessions.load("s1").data) == (1, b"fresh")


def test_delete_many(sessions, make_session):
    for n in range(7):
        make_session(f"s{n}")
    assert sessions.delete_many(["s1", "s3", "s3", "missing"]) == 2
    assert sessions.delete_many([]) == 0
    assert sessions.count() == 5


def test_list_for_owner_newest_first(sessions, make_session):
    make_session("a", owner_id=1)
    make_session("b", owner_id=1)
    make_session("c", owner_id=2)
    make_session("d")
    sessions.save("a", b"a2", expected_version=1, new_step=True, encrypted=False)
    assert [s.id for s in sessions.list_for_owner(1)] == ["a", "b"]
    assert sessions.list_for_owner(1)[0].data == b"a2"
    assert sessions.list_for_owner(3) == []


def test_stale_sessions(sessions, make_session):
    make_session("old")
    cutoff = datetime.now(timezone.utc) + timedelta(seconds=1)
    assert sessions.stale_sessions(cutoff) == ["old"]
    assert sessions.stale_sessions(cutoff - timedelta(days=1)) == []
    with pytest.raises(ValueError):
        sessions.stale_sessions(datetime.now())  # naive: refused rather than guessed


def test_session_index_is_stored(sessions, make_session):
    index = SessionIndex(allow_cron=True, multi_user=True, events=frozenset({"b", "a"}))
    make_session(index=index)
    assert sessions.load("s1").index == index
    with pytest.raises(ValueError):
        SessionIndex(events=frozenset({"two words"}))
