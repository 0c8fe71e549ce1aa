"""``chambers serve``: the web app on uvicorn, with the embedded Redis and workers unless
``REDIS_URL`` names a cluster's Redis (then ``chambers worker`` processes run the actions)."""
from __future__ import annotations

import logging

from . import listening
from .config import Settings


def serve(settings: Settings, *, host: str, port: int, workers: int | None = None, web_workers: int = 1) -> int:
    import uvicorn

    from .background.runtime import build_runtime
    from .web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers is not None:
        settings.workers = workers
    runtime = build_runtime(settings, role="web")
    from .cron.build import start_scheduler
    scheduler = start_scheduler(runtime)  # fires cron_hourly ... cron_monthly (CHAMBERS_CRON=0: off)
    from .mail.server import start_mail_server
    mail_server = None
    try:
        mail_server = start_mail_server(runtime, host=host)  # CHAMBERS_SMTP_PORT (0: off)
        if web_workers > 1:
            _serve_processes(settings, runtime, host=host, port=port, count=web_workers)
        else:
            app = create_app(runtime.chambers, runtime=runtime)
            uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        if mail_server is not None:
            mail_server.stop()
        if scheduler is not None:
            scheduler.stop()
        runtime.close()
    return 0


def _serve_processes(settings: Settings, runtime, *, host: str, port: int, count: int) -> None:
    """``--web-workers N``: uvicorn runs N web processes.  This process keeps the embedded Redis,
    the background workers, the scheduler and the mail server; each web process connects to them
    (and to the database) the way a cluster node does, through the environment set here."""
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from .background.runtime import worker_environment
    broker = (runtime.embedded.url if runtime.embedded is not None
              else os.environ.get("CHAMBERS_BROKER_URL") or settings.redis_url)
    os.environ.update(worker_environment(settings, broker))
    config = uvicorn.Config("chambers.server:web_process_app", factory=True, host=host, port=port, workers=count,
                            log_level="info", access_log=False)
    if listening.balanced():
        try:
            sock = listening.placeholder(host, port)   # each web process gets a socket of its own
        except OSError as exc:
            raise SystemExit(f"cannot listen on {host}:{port}: {exc}") from None
        logging.getLogger(__name__).info("Chambers running on http://%s:%d with %d web processes "
                                         "(Press CTRL+C to quit)", host, sock.address[1], count)
    else:
        sock = config.bind_socket()                    # one socket shared by every web process
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


def web_process_app():
    """The app of one web process of ``chambers serve --web-workers N`` (settings from the environment)."""
    import os
    from pathlib import Path

    from .background.runtime import build_runtime
    from .web.app import create_app
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    settings.interview_dirs = [Path(p) for p in os.environ.get("CHAMBERS_INTERVIEWS", "").split(os.pathsep) if p]
    runtime = build_runtime(settings, role="web", start_workers=False)
    return create_app(runtime.chambers, runtime=runtime)


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
                     "--hostname", f"chambers-{os.getpid()}@%h",  # unique, so `celery inspect` tells them apart
                     "--without-gossip", "--without-mingle", "--loglevel", loglevel])
    return 0
