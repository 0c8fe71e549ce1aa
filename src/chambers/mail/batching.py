"""Group commit: one thread stores the messages that arrive together in one transaction.

Every SMTP connection waits for its own message's commit before answering 250, but messages
arriving at the same time share one durable commit (one fsync) instead of queueing for one each.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Sequence

from ..store.mail import IncomingCopy, MailRepository, Plan, StoredCopy

log = logging.getLogger(__name__)

MAX_COPIES_PER_COMMIT = 64


@dataclass
class _Job:
    copies: Sequence[IncomingCopy]
    queued_due_at: datetime | None
    future: Future = field(default_factory=Future)


class StoreWriter:
    def __init__(self, repository: MailRepository, plan: Plan, *, max_copies: int = MAX_COPIES_PER_COMMIT):
        self.repository = repository
        self.plan = plan
        self.max_copies = max_copies
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="chambers-mail-writer", daemon=True)
        self._thread.start()

    def store(self, copies: Sequence[IncomingCopy], queued_due_at: datetime | None,
              timeout: float = 120.0) -> list[StoredCopy]:
        """Store these copies (with whatever else is waiting); what became of each."""
        job = _Job(list(copies), queued_due_at)
        self._queue.put(job)
        return job.future.result(timeout=timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs = [job]
            count = len(job.copies)
            stopping = False
            while count < self.max_copies:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                jobs.append(more)
                count += len(more.copies)
            self._write(jobs)
            if stopping:
                return

    def _write(self, jobs: list[_Job]) -> None:
        try:
            results = self._store([c for j in jobs for c in j.copies], jobs)
        except Exception as exc:  # noqa: BLE001 - one bad message must not fail the others with it
            if len(jobs) == 1:
                jobs[0].future.set_exception(exc)
                return
            for job in jobs:
                self._write([job])
            return
        start = 0
        for job in jobs:
            job.future.set_result(results[start:start + len(job.copies)])
            start += len(job.copies)

    def _store(self, copies: list[IncomingCopy], jobs: list[_Job]) -> list[StoredCopy]:
        # All jobs of a batch share the due time of the latest (they differ by microseconds).
        due = max((j.queued_due_at for j in jobs if j.queued_due_at is not None), default=None)
        return self.repository.store_batch(copies, self.plan, queued_due_at=due)


def direct_store(repository: MailRepository, plan: Plan) -> Callable[[Sequence[IncomingCopy], datetime | None],
                                                                          list[StoredCopy]]:
    """Storing without a writer thread (one transaction per message): for tests and tools."""
    def store(copies: Sequence[IncomingCopy], queued_due_at: datetime | None) -> list[StoredCopy]:
        return repository.store_batch(copies, plan, queued_due_at=queued_due_at)
    return store
