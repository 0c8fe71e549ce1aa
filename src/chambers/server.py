"""``chambers serve``: the web app on uvicorn, with the embedded Redis and workers unless
``REDIS_URL`` names a cluster's Redis (then ``chambers worker`` processes run the actions)."""
from __future__ import annotations

import logging

from .config import Settings


def serve(settings: Settings, *, host: str, port: int, workers: int | None = None) -> int:
    import uvicorn

    from .background.runtime import build_runtime
    from .web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers is not None:
        settings.workers = workers
    runtime = build_runtime(settings, role="web")
    from .cron.build import start_scheduler
    scheduler = start_scheduler(runtime)  # fires cron_hourly ... cron_monthly (CHAMBERS_CRON=0: off)
    try:
        app = create_app(runtime.chambers, runtime=runtime)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        if scheduler is not None:
            scheduler.stop()
        runtime.close()
    return 0


def work(settings: Settings, *, concurrency: int, loglevel: str = "INFO") -> int:
    """``chambers worker``: a Celery worker for a cluster (needs REDIS_URL and DATABASE_URL)."""
    import os

    from .background.runtime import worker_environment
    if not settings.redis_url and not os.environ.get("CHAMBERS_BROKER_URL"):
        raise SystemExit("chambers worker needs REDIS_URL (and DATABASE_URL) naming the cluster's services")
    os.environ.update(worker_environment(settings, os.environ.get("CHAMBERS_BROKER_URL") or settings.redis_url))
    from .background.celery_app import app  # reads the broker from the environment just set
    from .background import worker  # noqa: F401 - registers the task
    app.worker_main(["worker", "--pool", "prefork", "--concurrency", str(concurrency), "-Q", "chambers",
                                "--without-gossip", "--without-mingle", "--loglevel", loglevel])
    return 0
