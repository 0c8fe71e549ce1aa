"""Fixtures: a migrated database on SQLite (a file under tmp_path) and, marked ``cluster``, PostgreSQL.

PostgreSQL tests make a throwaway database ``chambers_test_<random>`` on the local server and drop
it afterwards; they skip when no server answers.  Set ``CHAMBERS_TEST_POSTGRES_URL`` to an admin URL
(any existing database) to use another server.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest

from chambers.store.db import Database
from chambers.store.sessions import NO_INDEX, SessionIndex, SessionRepository, StoredSession

ADMIN_URLS = [os.environ["CHAMBERS_TEST_POSTGRES_URL"]] if os.environ.get("CHAMBERS_TEST_POSTGRES_URL") else [
    "postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test"]


def _admin_url() -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    for url in ADMIN_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3, autocommit=True) as connection:
                connection.execute("SELECT 1")
            return url
        except psycopg.Error:
            continue
    return None


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = _admin_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    return url


@pytest.fixture(scope="session")
def make_postgres_database(postgres_admin_url: str) -> Iterator[Callable[[], str]]:
    """Makes empty throwaway databases (URLs for them); drops them all at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    made: list[str] = []

    def make() -> str:
        name = f"chambers_test_{secrets.token_hex(6)}"
        with psycopg.connect(postgres_admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(postgres_admin_url).set(drivername="postgresql+psycopg", database=name) \
            .render_as_string(hide_password=False)

    yield make
    with psycopg.connect(postgres_admin_url, autocommit=True) as connection:
        for name in made:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.cluster)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database's URL, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chambers.db'}"
    return request.getfixturevalue("make_postgres_database")()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'chambers.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def sessions(db: Database) -> SessionRepository:
    return SessionRepository(db)


INTERVIEW = "docassemble.demo:data/questions/demo.yml"


@pytest.fixture
def make_session(sessions: SessionRepository) -> Callable[..., StoredSession]:
    """Creates a session (id ``s1`` and data ``step1`` unless told otherwise)."""

    def make(session_id: str = "s1", data: bytes = b"step1", *, index: SessionIndex = NO_INDEX,
             encrypted: bool = False, owner_id: int | None = None, secret_check: str | None = None) -> StoredSession:
        return sessions.create(session_id, INTERVIEW, data, encrypted=encrypted, owner_id=owner_id,
                               secret_check=secret_check, index=index)

    return make
