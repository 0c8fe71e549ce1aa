"""The Celery application.  Messages carry only a task id: the job itself is kept in SQL."""
from __future__ import annotations

import os

from celery import Celery

TASK_NAME = "chambers.run_background_action"
QUEUE = "chambers"


def make_celery(broker_url: str) -> Celery:
    app = Celery("chambers", broker=broker_url, include=["chambers.background.worker", "chambers.cron.tasks",
                                                          "chambers.mail.tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,            # results live in SQL for the life of the session
        task_acks_late=True,                # a task whose worker dies is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": int(os.environ.get("CHAMBERS_VISIBILITY_TIMEOUT", "900"))},
        worker_hijack_root_logger=False,
        # Each pool process builds its runtime (database, interviews, Redis) before taking tasks;
        # on a busy machine that may take longer than billiard's default 4 s.
        worker_proc_alive_timeout=float(os.environ.get("CHAMBERS_WORKER_START_TIMEOUT", "60")),
        task_default_queue=QUEUE,
    )
    return app


def broker_url_from_env() -> str:
    url = os.environ.get("CHAMBERS_BROKER_URL") or os.environ.get("REDIS_URL")
    if not url:
        raise RuntimeError("no broker: set REDIS_URL (cluster) or run under `chambers serve` (embedded)")
    return url


app = make_celery(os.environ.get("CHAMBERS_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://")
