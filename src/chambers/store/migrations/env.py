"""Alembic environment.

``Database.upgrade()`` hands over an open connection in ``config.attributes["connection"]``.
Run by hand (``alembic -c src/chambers/store/alembic.ini upgrade head``) it connects to
``$DATABASE_URL`` or else the ``sqlalchemy.url`` of the ini file.
"""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from chambers.store.models import Base

config = context.config
if config.config_file_name is not None:  # run by hand: log as alembic.ini says
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def _url() -> str:
    return os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url") or ""


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    from chambers.store.db import (
        Database,  # the same engine setup (WAL, BEGIN IMMEDIATE) as the app
    )
    database = Database(_url())
    try:
        with database.write_engine.begin() as own_connection:
            _migrate(own_connection)
    finally:
        database.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
