"""Everything a server or worker process runs with: Chambers plus its queue, locks and notifier."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from .policy import TaskPolicy

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    chambers: Any
    settings: Settings
    redis: Any = None
    redis_url: str | None = None
    celery: Any = None
    notifier: Any = None
    task_repository: Any = None
    embedded: Any = None
    workers: Any = None
    leases: Any = None
    policy: Any = None
    closers: list = field(default_factory=list)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        if self.embedded is not None:
            self.embedded.close()


def worker_environment(settings: Settings, broker_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CHAMBERS_BROKER_URL=broker_url, CHAMBERS_DATA=str(settings.data_dir.resolve()),
               DATABASE_URL=settings.sqlalchemy_url,
               CHAMBERS_INTERVIEWS=os.pathsep.join(str(p.resolve()) for p in settings.interview_dirs))
    if settings.secret_key:
        env["CHAMBERS_SECRET_KEY"] = settings.secret_key
    return env


def build_runtime(settings: Settings, *, role: str = "web", start_workers: bool = True) -> Runtime:
    """``role`` is ``web`` (may start the embedded Redis and workers) or ``worker``."""
    import redis

    from ..locks import RedisLocks
    from ..store.tasks import TaskRepository
    from ..wiring import build
    from .celery_app import make_celery
    from .notify import RedisNotifier
    from .queue import TaskQueue

    embedded = None
    broker_url = os.environ.get("CHAMBERS_BROKER_URL") or settings.redis_url
    if broker_url is None:
        if role != "web":
            raise RuntimeError("a worker needs REDIS_URL (or runs under `chambers serve`)")
        from .embedded import EmbeddedRedis
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        broker_url = embedded.url
        client = embedded.client
    else:
        client = redis.Redis.from_url(broker_url.replace("redis+socket://", "unix://"))
    client_url = broker_url.replace("redis+socket://", "unix://")
    celery = make_celery(broker_url)
    notifier = RedisNotifier(client)
    policy = TaskPolicy.from_env()
    chambers = build(settings, redis_client=client)
    tasks = TaskRepository(chambers.db)
    chambers.service.tasks = TaskQueue(tasks, celery, notifier, redis=client, time_limit_grace=policy.time_limit_grace)
    runtime = Runtime(chambers=chambers, settings=settings, redis=client, redis_url=client_url, celery=celery,
                      notifier=notifier, task_repository=tasks, embedded=embedded, policy=policy,
                      leases=RedisLocks(client, prefix="chambers:task-lease:", ttl_ms=policy.lease_ms))
    if role == "web" and embedded is not None and start_workers:
        from .embedded import WorkerProcesses
        from .reaper import Reaper
        resent = Reaper(runtime).resend_unfinished()   # the new embedded Redis has an empty queue
        if resent:
            log.info("sent %d unfinished background action(s) to the workers again", resent)
        runtime.workers = WorkerProcesses(worker_environment(settings, broker_url), count=1,
                                          concurrency=max(1, settings.workers))
        runtime.workers.start()
    return runtime
