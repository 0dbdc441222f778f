"""Alembic environment: the isoflow models, batch mode on SQLite (ALTER TABLE by copy).

Run through ``isoflow db upgrade`` (which passes its connection in ``config.attributes``) or
plain ``alembic upgrade head`` with the repository's alembic.ini; the URL is then the
``sqlalchemy.url`` option, else ISOFLOW_DATABASE_URL, else the default SQLite file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from isoflow.store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from isoflow.config import get_settings

    return get_settings().database_url


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, **kwargs)  # type: ignore[arg-type]


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from isoflow.store.db import Database

    db = Database(_url())
    try:
        with db.engine.begin() as conn:
            _run(conn)
    finally:
        db.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
