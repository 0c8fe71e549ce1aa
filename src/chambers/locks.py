"""Per-session locks: one writer at a time, whoever holds it.

``LocalLocks`` serves a single process (tests, tools).  ``RedisLocks`` serves a cluster: an
owner-token lock (``SET NX PX`` + compare-and-delete) that only its owner can release, renewed
while it is held so long work never loses it silently.  Either way the store's version check is
the second line of defence: a write based on stale answers is refused, never applied.
"""
from __future__ import annotations

import os
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
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', KEYS[2], 'free')
  return 1
end
return 0
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
"""


class RedisLocks:
    """Owner-token locks in Redis.

    Taking a lock is ``SET key token NX PX ttl``; a holder renews it every ``ttl/3`` from a thread,
    so a live holder keeps it however long it works, and a holder that dies loses it after at most
    ``ttl``.  Releasing deletes the key only if it still holds the holder's token and publishes on
    the lock's channel: a waiter sleeps on that channel (no polling interval) and tries again the
    moment the lock is freed, or when the key would expire if its holder died.
    """

    def __init__(self, client, *, prefix: str = "chambers:lock:", ttl_ms: int = 15000):
        self.client = client
        self.prefix = prefix
        self.ttl_ms = ttl_ms
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._renewer = _Renewer(self._renew_one, ttl_ms / 3000)

    def _renew_one(self, name: str, token: str) -> bool:
        return bool(self._renew(keys=[name], args=[token, self.ttl_ms]))

    def _names(self, key: str) -> tuple[str, str]:
        return self.prefix + key, self.prefix + "freed:" + key

    @contextmanager
    def hold(self, key: str, *, timeout: float = 30.0) -> Iterator[None]:
        """Hold the lock for the block; wait up to ``timeout`` seconds for it (0: don't wait)."""
        name, channel = self._names(key)
        token = secrets.token_hex(16)
        self._acquire(key, name, channel, token, timeout)
        self._renewer.add(name, token)
        try:
            yield
        finally:
            self._renewer.discard(name, token)
            self._release(keys=[name, channel], args=[token])

    def held(self, key: str) -> bool:
        """Whether anyone holds the lock now."""
        return bool(self.client.exists(self.prefix + key))

    def _acquire(self, key: str, name: str, channel: str, token: str, timeout: float) -> None:
        if self.client.set(name, token, nx=True, px=self.ttl_ms):
            return
        started = time.monotonic()
        if timeout <= 0:
            raise LockTimeout(key, 0.0)
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel)   # before trying again: a release from now on wakes us
            while not self.client.set(name, token, nx=True, px=self.ttl_ms):
                remaining = started + timeout - time.monotonic()
                if remaining <= 0:
                    raise LockTimeout(key, time.monotonic() - started)
                expires = self.client.pttl(name)   # -2: freed just now; -1: no expiry (not ours)
                if expires == -2:
                    continue
                wait = min(remaining, 0.1 if expires < 0 else expires / 1000 + 0.001)
                pubsub.get_message(timeout=max(wait, 0.001))
        finally:
            pubsub.close()



class _Renewer:
    """One thread renews every lock this process holds, every ``interval`` seconds (a third of the
    locks' time to live), so a lock taken at any moment is renewed within ``ttl/3``.  Starting a
    thread for each lock taken cost more than the rest of taking it."""

    def __init__(self, renew, interval: float):
        self._renew = renew
        self._interval = interval
        self._reset()
        # A forked child has none of its parent's threads: it starts afresh (before any of its
        # threads can take a lock, so two first uses never race to reset).
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._held: dict[tuple[str, str], None] = {}
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, name: str, token: str) -> None:
        with self._guard:
            self._held[(name, token)] = None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name="renew locks")
                self._thread.start()

    def discard(self, name: str, token: str) -> None:
        with self._guard:
            self._held.pop((name, token), None)

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            with self._guard:
                held = list(self._held)
            for name, token in held:
                try:
                    kept = self._renew(name, token)
                except Exception:  # noqa: BLE001 - Redis unreachable for a moment: try again next round
                    continue
                if not kept:       # lost (expired and taken by another): stop renewing it
                    self.discard(name, token)
