import multiprocessing

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from chambers.store.db import Database
from chambers.store.models import Base

TABLES = {"alembic_version", "interview_sessions", "session_steps", "session_events", "stored_files",
          "api_keys", "tasks", "outbox_messages", "cron_passes", "mail_addresses", "mail_messages",
          "users"}


def _revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_of_an_empty_database_matches_the_models(db_url):
    database = Database(db_url)
    assert _revision(database) is None
    database.upgrade()
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert _revision(database) == head
    assert set(inspect(database.engine).get_table_names()) == TABLES
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.dispose()


def test_upgrade_is_idempotent_and_keeps_data(db_url):
    from chambers.store.sessions import SessionRepository
    database = Database(db_url)
    database.upgrade()
    SessionRepository(database).create("s1", "x", b"kept", encrypted=False)
    database.upgrade()
    Database(db_url).upgrade()
    assert SessionRepository(database).load("s1").data == b"kept"
    database.dispose()


def test_downgrade_then_upgrade(db_url):
    database = Database(db_url)
    database.upgrade()
    with database.write_engine.begin() as connection:
        config = database.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
    database.upgrade()
    assert set(inspect(database.engine).get_table_names()) == TABLES
    database.dispose()


def _upgrade(url: str) -> None:
    database = Database(url)
    database.upgrade()
    database.dispose()


def test_processes_upgrading_at_once(db_url):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_upgrade, args=(db_url,)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert set(inspect(Database(db_url).engine).get_table_names()) == TABLES


def test_sqlite_parent_directory_is_made(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'var' / 'deeper' / 'chambers.db'}")
    database.upgrade()
    assert (tmp_path / "var" / "deeper" / "chambers.db").exists()
    database.dispose()


def test_in_memory_sqlite_works(tmp_path):
    from chambers.store.sessions import SessionRepository
    database = Database("sqlite://")
    database.upgrade()
    SessionRepository(database).create("s1", "x", b"data", encrypted=False)
    assert SessionRepository(database).load("s1").data == b"data"
