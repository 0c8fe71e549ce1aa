"""A cron pass in cluster mode: PostgreSQL, Redis, `chambers cron` fanning out to a `chambers worker`.

Marked ``cluster``: it needs the machine's PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)
and skips when they do not answer.
"""
import datetime
import os
import random
import secrets
import signal
import subprocess
import sys
import time

import pytest

from .conftest import CronWorld

pytestmark = pytest.mark.cluster

ADMIN_URLS = [os.environ["CHAMBERS_TEST_POSTGRES_URL"]] if os.environ.get("CHAMBERS_TEST_POSTGRES_URL") else [
    "postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test"]


@pytest.fixture
def postgres_url():
    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy.engine import make_url
    for admin in ADMIN_URLS:
        try:
            with psycopg.connect(admin, connect_timeout=3, autocommit=True) as connection:
                name = f"chambers_cron_{secrets.token_hex(5)}"
                connection.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.Error:
            continue
    else:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    yield make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = f"redis://127.0.0.1:6379/{random.randint(5, 15)}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return url


def test_the_pass_fans_out_to_the_workers(tmp_path, postgres_url, redis_url):
    w = CronWorld(tmp_path, database_url=postgres_url, redis_url=redis_url)
    filed = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    for number in range(5):
        ref = w.start("filing_reminder.yml")
        w.fill(ref, {"date_filed": filed, "reminder_address": f"c{number}@example.com"})
    env = {k: v for k, v in os.environ.items() if k != "CHAMBERS_BROKER_URL"}
    env.update(DATABASE_URL=postgres_url, REDIS_URL=redis_url, CHAMBERS_DATA=str(w.settings.data_dir),
               CHAMBERS_SECRET_KEY="test-key")
    worker = subprocess.Popen([sys.executable, "-m", "chambers.cli", "worker", str(w.dir), "--concurrency", "1",
                               "--loglevel", "WARNING"], env=env, start_new_session=True)
    try:
        done = subprocess.run([sys.executable, "-m", "chambers.cli", "cron", "--type", "cron_daily", str(w.dir)],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "batch(es) sent to the workers" in done.stderr
        deadline = time.monotonic() + 90
        while w.outbox.count() < 5 and time.monotonic() < deadline:
            time.sleep(0.25)
        assert w.outbox.count() == 5
        again = subprocess.run([sys.executable, "-m", "chambers.cli", "cron", "--type", "cron_daily", str(w.dir)],
                               env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "already ran" in again.stderr
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        w.close()
