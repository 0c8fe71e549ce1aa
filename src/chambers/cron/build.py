"""Putting a cron runner together for ``chambers serve``, a cluster worker, or ``chambers cron``."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..store.cron_passes import CronPassRepository
from .runner import CronRunner

if TYPE_CHECKING:
    from ..background.runtime import Runtime
    from ..config import Settings
    from ..sessions.service import SessionService
    from .scheduler import CronScheduler

#: Where ``response(text)`` output of scheduled events goes (and ``$CHAMBERS_DATA/cron.log`` under serve).
OUTPUT_LOG = "chambers.cron.output"


def runner_for(service: "SessionService", settings: "Settings", **options) -> CronRunner:
    return CronRunner(service, CronPassRepository(service.sessions.db),
                      delete_days=settings.interview_delete_days, **options)


def runner_for_runtime(runtime: "Runtime", *, fan_out: bool, output: Callable[[str], None] | None = None) -> CronRunner:
    """A runner using a server's or worker's runtime; ``fan_out`` sends batches to Celery workers."""
    dispatch = None
    if fan_out:
        from .tasks import celery_dispatch
        dispatch = celery_dispatch(runtime.celery)
    return runner_for(runtime.chambers.service, runtime.settings, dispatch=dispatch, output=output)


def cron_log(data_dir: Path) -> logging.Logger:
    """The cron output logger, also appending to ``data_dir/cron.log``."""
    logger = logging.getLogger(OUTPUT_LOG)
    path = (data_dir / "cron.log").resolve()
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path for h in logger.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def start_scheduler(runtime: "Runtime") -> "CronScheduler | None":
    """Start firing the standard events from this server (None if ``CHAMBERS_CRON=0``).

    Embedded: passes run in this process.  Cluster: the pass fans out to the workers in batches.
    """
    from .scheduler import CronScheduler, RedisLeader
    settings = runtime.settings
    if not settings.cron_enabled:
        return None
    output = cron_log(settings.data_dir)
    runner = runner_for_runtime(runtime, fan_out=settings.cluster, output=output.info)

    def fire(event: str, period: str) -> None:
        output.info("%s", runner.run_pass(event, period).summary())

    leader = RedisLeader(runtime.redis) if runtime.redis is not None else None
    scheduler = CronScheduler(fire, catch_up=settings.cron_catch_up, leader=leader)
    scheduler.start()
    return scheduler
