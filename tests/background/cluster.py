"""A Chambers cluster on this machine: ``chambers serve`` and ``chambers worker`` processes sharing a
throwaway PostgreSQL database and a Redis database number of their own (both removed on stop)."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..live_server import LiveServer

REDIS_HOST = os.environ.get("CHAMBERS_TEST_REDIS", "redis://127.0.0.1:6379")
POSTGRES_ADMIN = os.environ.get("CHAMBERS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CLAIM_KEY = "chambers-test:claimed-by"


def unavailable() -> str | None:
    """Why a cluster cannot run here, or None."""
    import psycopg
    import redis
    try:
        redis.Redis.from_url(REDIS_HOST, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {REDIS_HOST}: {exc}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=3, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {POSTGRES_ADMIN}: {exc}"
    return None


def claim_redis_database(token: str) -> int:
    """An empty Redis database number (1-15), marked as ours so parallel runs pick others."""
    import redis
    for number in secrets.SystemRandom().sample(range(1, 16), 15):
        client = redis.Redis.from_url(f"{REDIS_HOST}/{number}")
        if client.dbsize() == 0 and client.set(CLAIM_KEY, token, nx=True, ex=3600):
            if client.dbsize() == 1:
                return number
            client.delete(CLAIM_KEY)
    raise RuntimeError("no empty Redis database number is free for a test cluster")


class Cluster:
    def __init__(self, interview_dirs: list[Path], root: Path, *, workers: int = 2, concurrency: int = 2,
                 env: dict[str, str] | None = None):
        import psycopg
        from sqlalchemy.engine import make_url
        self.root = root
        self.interview_dirs = interview_dirs
        self.concurrency = concurrency
        self.token = secrets.token_hex(5)
        self.database = f"chambers_bg_{self.token}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.redis_db = claim_redis_database(self.token)
        self.redis_url = f"{REDIS_HOST}/{self.redis_db}"
        self.database_url = make_url(POSTGRES_ADMIN).set(database=self.database).render_as_string(hide_password=False)
        self.env = {"REDIS_URL": self.redis_url, "DATABASE_URL": self.database_url,
                    "CHAMBERS_SECRET_KEY": "cluster-test-key", "CHAMBERS_CRON": "0", "CHAMBERS_SMTP_PORT": "0",
                    **(env or {})}
        self.workers: list[subprocess.Popen] = []
        self.started = 0
        self.server: LiveServer | None = None
        try:
            self.server = LiveServer(interview_dirs, root / "web", env=self.env)
            for _ in range(workers):
                self.start_worker()
            self.wait_for_workers(workers)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return self.server.url

    def start_worker(self) -> subprocess.Popen:
        number = self.started
        self.started += 1
        log = open(self.root / f"worker{number}.log", "wb")
        command = [sys.executable, "-m", "chambers.cli", "worker", *map(str, self.interview_dirs),
                   "--concurrency", str(self.concurrency), "--loglevel", "INFO",
                   "--data", str(self.root / f"worker{number}")]
        process = subprocess.Popen(command, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.workers.append(process)
        return process

    def celery(self, *arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """``celery -A chambers.background.celery_app ARGUMENTS`` against this cluster's Redis."""
        return subprocess.run([sys.executable, "-m", "celery", "-A", "chambers.background.celery_app", *arguments],
                              env={**os.environ, **self.env}, capture_output=True, text=True, timeout=timeout)

    def live_workers(self) -> int:
        from chambers.background.celery_app import make_celery
        app = make_celery(self.redis_url)
        try:
            return len(app.control.ping(timeout=1.0))
        finally:
            app.close()

    def wait_for_workers(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.live_workers() < count:
            for process in self.workers:
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{count} workers did not answer in {timeout}s:\n{self.logs()}")
            time.sleep(0.2)

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL a whole worker (its main process and its pool), as a machine going away would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.workers.remove(process)

    def logs(self) -> str:
        parts = [path.read_text(errors="replace")[-3000:] for path in sorted(self.root.glob("worker*.log"))]
        if self.server is not None:
            parts.append(self.server.log())
        return "\n---\n".join(parts)

    def stop(self) -> None:
        import psycopg
        import redis
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.server is not None:
            self.server.stop()
        if getattr(self, "redis_db", None) is not None:
            redis.Redis.from_url(self.redis_url).flushdb()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
