"""Schema migrations through Alembic, from the installed package (no alembic.ini needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from isoflow.store.db import Database
from isoflow.store.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if db is not None:
        cfg.set_main_option("sqlalchemy.url",
                            db.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


@contextmanager
def _migration(db: Database) -> Iterator[Connection]:
    """A connection in one transaction for a migration. On SQLite a batch migration rebuilds
    a table (copy, DROP, rename), and the DROP of a table other rows refer to fails while
    foreign keys are enforced (deferring them does not help: the renamed copy never counts as
    the parent again), so — as SQLite's documentation prescribes for schema changes — they
    are switched off around the transaction and every reference is checked before it
    commits (PRAGMA foreign_key_check): a migration that would orphan a row rolls back."""
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection if db.dialect == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or a no-op
        try:
            with connection.begin():
                yield connection
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError("the migration would leave rows referring to "
                                           f"nothing (table, rowid, parent): {broken[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default), in one transaction."""
    cfg = alembic_config(db)
    with _migration(db) as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with _migration(db) as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()


def schema_differences(db: Database) -> list[Any]:
    """What autogenerate would change to make the database match the models ([] if none)."""
    with db.engine.connect() as connection:
        ctx = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))
