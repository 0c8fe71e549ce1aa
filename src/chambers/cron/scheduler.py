"""Firing ``cron_hourly``, ``cron_daily``, ``cron_weekly`` and ``cron_monthly`` on time.

``chambers serve`` runs a :class:`CronScheduler` thread.  Each tick it works out each event's
current period and fires the event when the period has changed since it last looked.  At start
(and when it becomes the leader after another server stopped), a period that has not run yet is
run once, however long the server was down ("catch up"; with it off, the scheduler waits for the
next period).  In a cluster every server runs a scheduler, but only the holder of a Redis lease
fires; firing twice would be harmless anyway, because a pass claims its (event, period) in SQL.
"""
from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable

from .. import clock
from .periods import STANDARD_EVENTS, period_key

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
"""


class RedisLeader:
    """A lease in Redis: the one scheduler that holds it fires the events."""

    def __init__(self, client, *, key: str = "chambers:cron:leader", ttl_ms: int = 120_000):
        self.client = client
        self.key = key
        self.ttl_ms = ttl_ms
        self.token = secrets.token_hex(16)
        self._renew = client.register_script(_RENEW)

    def hold(self) -> bool:
        """Renew the lease if this process has it, else try to take it; whether it is ours."""
        try:
            if self._renew(keys=[self.key], args=[self.token, self.ttl_ms]):
                return True
            return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except Exception:  # noqa: BLE001 - Redis away: do not fire; try again next tick
            log.warning("cron scheduler: cannot reach Redis for the leader lease", exc_info=True)
            return False

    def release(self) -> None:
        try:
            if self.client.get(self.key) in (self.token, self.token.encode()):
                self.client.delete(self.key)
        except Exception:  # noqa: BLE001
            pass


class CronScheduler:
    def __init__(self, fire: Callable[[str, str], object], *, events: Iterable[str] = STANDARD_EVENTS,
                 catch_up: bool = True, leader: RedisLeader | None = None, interval: float = TICK_SECONDS):
        self.fire = fire
        self.events = list(events)
        self.catch_up = catch_up
        self.leader = leader
        self.interval = interval
        self._seen: dict[str, str] = {}
        self._started = False          # fired (or skipped) the periods current at start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> list[tuple[str, str]]:
        """Fire every event whose period is due; the (event, period) pairs fired."""
        if self.leader is not None and not self.leader.hold():
            self._seen.clear()          # if we lead later, look at every period afresh
            return []
        now = clock.now()
        first = not self._started
        self._started = True
        fired: list[tuple[str, str]] = []
        for event in self.events:
            period = period_key(event, now)
            previous = self._seen.get(event)
            self._seen[event] = period
            if previous == period:
                continue
            if previous is None and first and not self.catch_up:
                continue                # started mid-period without catch-up: wait for the next one
            fired.append((event, period))
            try:
                self.fire(event, period)
            except Exception:  # noqa: BLE001 - a failed pass must not stop the scheduler
                log.exception("cron pass %s %s failed", event, period)
        return fired

    # The thread ------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="chambers-cron", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.leader is not None:
            self.leader.release()
