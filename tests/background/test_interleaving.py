"""Three kinds of writer to one session at once lose no write: the user submitting answers, the
page checking in, and background actions' ``background_response_action`` callbacks.

Each writer appends its own label to its own list in the answers (interviews/counters.yml);
hypothesis draws the schedule (which writes, spread over three threads).  At the end every
label is in its list exactly once.  On SQLite with the embedded Redis's locks and, marked
``cluster``, on PostgreSQL with the machine's Redis."""
from __future__ import annotations

import secrets
import threading
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chambers.config import Settings
from chambers.interview.context import Identity
from chambers.locks import RedisLocks
from chambers.sessions.background import BackgroundJob, run_background_action
from chambers.sessions.checkin import check_in
from chambers.sessions.service import SessionRef
from chambers.wiring import build

from .conftest import INTERVIEWS

USER = Identity(session_uid="browser-1")
KINDS = ("submit", "checkin", "callback")
LIST_OF = {"submit": "submitted", "checkin": "checked", "callback": "called_back"}


class Writers:
    """A Chambers over the test interviews whose session lock is a RedisLocks."""

    def __init__(self, settings: Settings, redis_client):
        self.prefix = f"chambers-test-{secrets.token_hex(4)}:"
        self.redis = redis_client
        self.chambers = build(settings, locks=RedisLocks(redis_client, prefix=self.prefix))
        self.service = self.chambers.service

    def start(self) -> tuple[SessionRef, str]:
        result = self.service.start("counters.yml", USER)
        ref = SessionRef(result.session_id, result.secret)
        return ref, self.service.view(ref, USER).screen.block_name

    def write(self, ref: SessionRef, question: str, kind: str, label: str) -> None:
        if kind == "submit":
            self.service.answer(ref, USER, question, {"entry": label})
        elif kind == "checkin":
            check_in(self.service, ref, USER, "bump_checkin", {"n": label})
        else:
            job = BackgroundJob(session_id=ref.session_id, event="bg", arguments={"n": label}, identity=USER,
                                secret=ref.secret, task_id=f"task-{label}")
            assert not run_background_action(self.service, job).failed

    def close(self) -> None:
        for key in self.redis.scan_iter(self.prefix + "*"):
            self.redis.delete(key)
        self.chambers.db.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.cluster)])
def writers(request, tmp_path_factory):
    import redis
    data = tmp_path_factory.mktemp("interleaving")
    settings = Settings(interview_dirs=[INTERVIEWS], data_dir=data, database_url=None, redis_url=None,
                        secret_key="test-key")
    if request.param == "sqlite":
        from chambers.background.embedded import EmbeddedRedis
        server = EmbeddedRedis(data / "redis")
        made = Writers(settings, server.client)
        yield made
        made.close()
        server.close()
        return
    import psycopg
    from sqlalchemy.engine import make_url

    from .cluster import POSTGRES_ADMIN, REDIS_HOST
    name = f"chambers_bg_{secrets.token_hex(5)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    settings.database_url = make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)
    made = Writers(settings, redis.Redis.from_url(REDIS_HOST + "/0"))
    try:
        yield made
    finally:
        made.close()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


schedules = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(min_value=0, max_value=2)),
                     min_size=3, max_size=30)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(schedule=schedules)
def test_no_write_is_lost(writers, schedule):
    ref, question = writers.start()
    work: dict[int, list[tuple[str, str]]] = {0: [], 1: [], 2: []}
    for number, (kind, thread) in enumerate(schedule):
        work[thread].append((kind, f"{kind}-{number}"))
    go = threading.Barrier(3)
    failures: list[BaseException] = []

    def writer(items: list[tuple[str, str]]) -> None:
        go.wait()
        try:
            for kind, label in items:
                writers.write(ref, question, kind, label)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(items,)) for items in work.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    answers = writers.service.variables(ref)
    for kind in KINDS:
        expected = [f"{kind}-{number}" for number, (k, _) in enumerate(schedule) if k == kind]
        written = answers.get(LIST_OF[kind], [])
        assert Counter(written) == Counter(expected), kind
