"""The Celery task a cluster's workers run: one batch of a cron pass."""
from __future__ import annotations

import logging

from ..background.celery_app import app

CRON_BATCH_TASK = "chambers.run_cron_batch"

log = logging.getLogger("chambers.cron.output")


@app.task(name=CRON_BATCH_TASK)
def run_cron_batch_task(event: str, period: str, session_ids: list[str]) -> dict[str, int]:
    from ..background.worker import runtime
    from .build import runner_for_runtime
    runner = runner_for_runtime(runtime(), fan_out=False, output=log.info)
    return runner.run_batch(event, period, list(session_ids)).counts


def celery_dispatch(celery):
    """A ``dispatch`` for :class:`~.runner.CronRunner` that sends each batch to the workers."""
    def dispatch(event: str, period: str, session_ids: list[str]) -> None:
        celery.send_task(CRON_BATCH_TASK, args=[event, period, list(session_ids)])
    return dispatch
