"""Finding background actions whose worker died, so none stays ``started`` forever.

A running task's worker renews the task's lease in Redis (``worker.leased``).  The reaper looks
for tasks started longer ago than the stale timeout whose lease is gone: their worker was killed
(SIGKILL, out of memory, the machine went away) or its hard time limit stopped it.  Each one is
put back in the queue while it has attempts left, and otherwise finished as ``lost`` (or as failed
with ``TimeLimitExceeded``) after running the error action it registered.

Every worker process runs a reaper thread; any number may run at once, since a reaper takes the
task's lease before touching it and changes its state with a compare-and-set.
"""
from __future__ import annotations

import logging
import pickle
import threading
from datetime import timedelta

from ..store.timestamps import utcnow
from .worker import give_up, leased, lost_result, policy_of

log = logging.getLogger(__name__)


class Reaper:
    def __init__(self, rt):
        self.rt = rt
        self.policy = policy_of(rt)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Reaper":
        self._thread = threading.Thread(target=self._loop, name="chambers-reaper", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.policy.sweep_seconds):
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - the database or Redis may be away for a moment
                log.warning("the background-task reaper could not look for stale tasks", exc_info=True)

    def sweep(self) -> int:
        """Recover every stale task; how many were recovered."""
        cutoff = utcnow() - timedelta(seconds=self.policy.stale_seconds)
        recovered = 0
        for record in self.rt.task_repository.stale_started(cutoff):
            if self.rt.leases.held(record.id):
                continue        # its worker is alive and renewing
            recovered += self.recover(record.id)
        return recovered

    def recover(self, task_id: str) -> bool:
        follow_up = None
        with leased(self.rt, task_id) as mine:
            if not mine:
                return False
            record = self.rt.task_repository.get(task_id)
            if record is None or record.state != "started":
                return False
            follow_up = self._decide(record)
        if follow_up is not None:
            follow_up()
        return True

    def _decide(self, record):
        job = pickle.loads(record.job)  # noqa: S301 - written by our own launcher
        timed_out = bool(job.time_limit) and record.started_at is not None and (
            utcnow() - record.started_at).total_seconds() >= job.time_limit
        # Killed at its hard time limit counts like an error (its ``retries``); a lost worker may
        # have been anything, so it gets the configured attempts unless the event says otherwise.
        allowed = 1 + (job.retries or 0) if timed_out else self.policy.attempts_for(job.retries)
        if record.attempts < allowed:
            if not self.rt.task_repository.requeue(record.id, record.attempts):
                return None
            log.warning("background action %r (task %s) lost its worker; running it again (attempt %d of %d)",
                        record.event, record.id[:8], record.attempts + 1, allowed)
            return lambda: self.rt.chambers.service.tasks.send(record.id, job.time_limit)
        log.warning("background action %r (task %s) lost its worker %d time(s); giving up",
                    record.event, record.id[:8], record.attempts)
        give_up(self.rt, record, job, lost_result(record, job, timed_out=timed_out),
                state="failed" if timed_out else "lost")
        return None

    def resend_unfinished(self) -> int:
        """After the embedded Redis started afresh (its queue is gone): send every unfinished task
        again; started ones are recovered as if their worker had died."""
        count = 0
        for record in self.rt.task_repository.unfinished():
            if record.state == "queued":
                job = pickle.loads(record.job)  # noqa: S301
                self.rt.chambers.service.tasks.send(record.id, job.time_limit)
                count += 1
            else:
                count += self.recover(record.id)
        return count
