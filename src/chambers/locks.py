"""Per-session locks: one writer at a time, whoever holds it.

``LocalLocks`` serves a single process (tests, an in-memory database).  ``FileLocks`` serves the
processes of one machine that share a SQLite database (web processes, workers, cron, mail): a
byte-range lock in a file beside the database, taken without a network round trip and freed by
the kernel if its holder dies.  ``RedisLocks`` serves a cluster: an owner-token lock
(``SET NX PX`` + compare-and-delete) that only its owner can release, renewed while it is held
so long work never loses it silently.  Either way the store's version check is the second line
of defence: a write based on stale answers is refused, never applied.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Protocol

try:
    import fcntl
except ImportError:  # not on Windows: FileLocks is for POSIX systems
    fcntl = None  # type: ignore[assignment]


class LockTimeout(Exception):
    def __init__(self, key: str, waited: float):
        super().__init__(f"the session is busy (waited {waited:.1f}s for its lock)")
        self.key = key
        self.waited = waited


class Locks(Protocol):
    def hold(self, key: str, *, timeout: float = 30.0) -> "contextmanager[None]": ...


class LocalLocks:
    """Locks between the threads of this process; a key's lock is forgotten when nobody holds or
    waits for it (a server sees millions of sessions over its life)."""

    def __init__(self) -> None:
        self._locks: dict[object, list] = {}   # key -> [lock, holders and waiters]
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, key: object, *, timeout: float = 30.0) -> Iterator[None]:
        with self._guard:
            entry = self._locks.get(key)
            if entry is None:
                entry = self._locks[key] = [threading.Lock(), 0]
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=max(timeout, 0)):
                raise LockTimeout(str(key), max(timeout, 0))
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class FileLocks:
    """Locks between the processes (and threads) of one machine, in the file ``path``.

    A key's lock is a one-byte POSIX record lock (``fcntl.lockf``) at an offset drawn from the
    key's SHA-256, so every process that opens the same file agrees on it, and the kernel frees
    it when its holder exits or dies.  Record locks belong to a process, not a thread (nor an
    object), so the threads of a process first take turns on a lock for the same offset, shared
    by every ``FileLocks`` of the process on that file.  A waiter polls, sleeping ``poll_first``
    doubling to ``poll_most`` seconds: sessions rarely have two writers at once, and when they
    do, the holder is usually done within milliseconds.
    """

    OFFSETS = 1 << 62

    def __init__(self, path: str | os.PathLike, *, poll_first: float = 0.0001, poll_most: float = 0.002):
        if fcntl is None:
            raise RuntimeError("FileLocks needs POSIX record locks (fcntl)")
        self.path = os.path.realpath(path)
        self.poll_first, self.poll_most = poll_first, poll_most

    @contextmanager
    def hold(self, key: str, *, timeout: float = 30.0) -> Iterator[None]:
        deadline = time.monotonic() + max(timeout, 0)
        offset = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % self.OFFSETS
        fd, threads = _lock_file(self.path)
        with threads.hold(offset, timeout=timeout):
            self._acquire(fd, offset, key, deadline, timeout)
            try:
                yield
            finally:
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)

    def _acquire(self, fd: int, offset: int, key: str, deadline: float, timeout: float) -> None:
        delay = self.poll_first
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
                return
            except OSError:        # EACCES or EAGAIN: another process holds it
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LockTimeout(key, max(timeout, 0)) from None
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, self.poll_most)


_LOCK_FILES: dict[str, tuple[int, LocalLocks]] = {}
_LOCK_FILES_PID = -1
_LOCK_FILES_GUARD = threading.Lock()


def _lock_file(path: str) -> tuple[int, LocalLocks]:
    """This process's descriptor of the lock file ``path`` and its threads' turns.  The
    descriptor is never closed: closing any descriptor of the file would free every record lock
    the process holds in it.  A forked child holds none of its parent's record locks, so it
    starts afresh: its own descriptors, and no turns copied from threads that do not exist in it."""
    global _LOCK_FILES_PID
    with _LOCK_FILES_GUARD:
        if _LOCK_FILES_PID != os.getpid():
            _LOCK_FILES.clear()
            _LOCK_FILES_PID = os.getpid()
        found = _LOCK_FILES.get(path)
        if found is None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            found = _LOCK_FILES[path] = (fd, LocalLocks())
        return found


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
