"""Per-session locks: one writer at a time, whoever holds it.

``LocalLocks`` serves a single process (tests, tools).  ``RedisLocks`` serves a cluster: an
owner-token lock (``SET NX PX`` + compare-and-delete) that only its owner can release, renewed
while it is held so long work never loses it silently.  Either way the store's version check is
the second line of defence: a write based on stale answers is refused, never applied.
"""
from __future__ import annotations

import secrets
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Protocol


class LockTimeout(Exception):
    def __init__(self, key: str, waited: float):
        super().__init__(f"the session is busy (waited {waited:.1f}s for its lock)")
        self.key = key


class Locks(Protocol):
    def hold(self, key: str, *, timeout: float = 30.0) -> "contextmanager[None]": ...


class LocalLocks:
    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    @contextmanager
    def hold(self, key: str, *, timeout: float = 30.0) -> Iterator[None]:
        lock = self._lock_for(key)
        if not lock.acquire(timeout=timeout):
            raise LockTimeout(key, timeout)
        try:
            yield
        finally:
            lock.release()


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
"""


class RedisLocks:
    """Owner-token locks in Redis.  Waiters are woken by a pub/sub message when a lock is freed."""

    def __init__(self, client, *, prefix: str = "chambers:lock:", ttl_ms: int = 15000):
        self.client = client
        self.prefix = prefix
        self.ttl_ms = ttl_ms
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)

    @contextmanager
    def hold(self, key: str, *, timeout: float = 30.0) -> Iterator[None]:
        name = self.prefix + key
        token = secrets.token_hex(16)
        deadline = time.monotonic() + timeout
        delay = 0.002
        while not self.client.set(name, token, nx=True, px=self.ttl_ms):
            if time.monotonic() >= deadline:
                raise LockTimeout(key, timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        stop = threading.Event()
        renewer = threading.Thread(target=self._keep_alive, args=(name, token, stop), daemon=True)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            self._release(keys=[name], args=[token])

    def _keep_alive(self, name: str, token: str, stop: threading.Event) -> None:
        while not stop.wait(self.ttl_ms / 3000):
            if not self._renew(keys=[name], args=[token, self.ttl_ms]):
                return
