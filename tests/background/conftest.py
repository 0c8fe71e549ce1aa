"""Fixtures: a real ``chambers serve`` on the embedded default and, marked ``cluster``, a cluster of
``chambers serve`` + two ``chambers worker`` processes on the machine's PostgreSQL and Redis.

Both use short recovery settings so that lost workers are noticed in seconds, not minutes.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import OWN_EXAMPLES
from ..live_server import LiveServer
from .api import Api

INTERVIEWS = Path(__file__).resolve().parent / "interviews"
QUICK_RECOVERY = {"CHAMBERS_TASK_STALE_SECONDS": "2", "CHAMBERS_TASK_ATTEMPTS": "2",
                  "CHAMBERS_TASK_TIME_LIMIT_GRACE": "1", "CHAMBERS_TASK_RETRY_DELAY": "0.1",
                  "CHAMBERS_CRON": "0", "CHAMBERS_SMTP_PORT": "0"}


@pytest.fixture(scope="session")
def embedded(tmp_path_factory, docassemble_examples):
    """``chambers serve`` with its own Redis and two worker processes, on SQLite."""
    server = LiveServer([OWN_EXAMPLES, docassemble_examples, INTERVIEWS], tmp_path_factory.mktemp("embedded"),
                        env=QUICK_RECOVERY, workers=2)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embedded_api(embedded):
    api = Api(embedded.url, embedded.api_key())
    yield api
    api.close()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, docassemble_examples):
    from .cluster import Cluster, unavailable
    reason = unavailable()
    if reason:
        pytest.fail(f"cluster tests need the machine's services (.ci/run starts them): {reason}")
    running = Cluster([OWN_EXAMPLES, docassemble_examples, INTERVIEWS], tmp_path_factory.mktemp("cluster"),
                      env=QUICK_RECOVERY)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def cluster_api(cluster):
    api = Api(cluster.url, cluster.server.api_key())
    yield api
    api.close()


@pytest.fixture(params=["embedded", pytest.param("cluster", marks=pytest.mark.cluster)])
def api(request):
    """The JSON API of the embedded server and, marked ``cluster``, of the cluster."""
    return request.getfixturevalue(f"{request.param}_api")


@pytest.fixture
def gate(tmp_path):
    """A directory the gated test actions wait on; opened at the end so nothing stays blocked."""
    directory = tmp_path / "gate"
    directory.mkdir()
    yield directory
    (directory / "go").touch()
