"""Background actions for a cron pass run by ``chambers cron`` without a cluster's workers.

Launching records the task as usual; the action runs in this process right after the session's
cron run has saved and released its lock (:meth:`InlineTaskQueue.drain`), with the same
semantics as a worker: a private copy, then callbacks that save.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace

from ..background.notify import LocalNotifier
from ..background.queue import TaskQueue

log = logging.getLogger(__name__)


class _DeferredCelery:
    """Stands in for Celery: remembers the task ids it was asked to send."""

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.control = SimpleNamespace(revoke=lambda *args, **kwargs: None)

    def send_task(self, name: str, args: list, task_id: str | None = None, **_: object) -> None:
        self.pending.append(args[0])


class InlineTaskQueue(TaskQueue):
    def __init__(self, repository, service):
        self._celery = _DeferredCelery()
        super().__init__(repository, self._celery, LocalNotifier())
        self._runtime = SimpleNamespace(task_repository=repository, chambers=SimpleNamespace(service=service),
                                        notifier=self.notifier)

    def drain(self) -> int:
        """Run every background action launched so far; how many ran."""
        from ..background.worker import execute
        ran = 0
        while self._celery.pending:
            task_id = self._celery.pending.pop(0)
            execute(self._runtime, task_id)
            ran += 1
        return ran
