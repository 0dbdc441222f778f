"""``isoflow db``: schema migrations of the database named by ISOFLOW_DATABASE_URL."""

from __future__ import annotations

import sys

import typer

db_app = typer.Typer(no_args_is_help=True, help="Database schema: upgrade, current, check.")


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Migrate the database to the newest schema (creates an SQLite file if missing)."""
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    db = default_database()
    before = migrate.current_revision(db)
    migrate.upgrade(db, revision)
    after = migrate.current_revision(db)
    print(f"database {db.url.render_as_string(hide_password=True)}: "
          f"{before or 'empty'} -> {after}")


@db_app.command("current")
def current() -> None:
    """Print the database's schema revision and the newest one."""
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    db = default_database()
    print(f"current: {migrate.current_revision(db) or 'empty'}; "
          f"newest: {migrate.head_revision()}")


@db_app.command("check")
def check() -> None:
    """Exit 1 if the database schema differs from the models (autogenerate comparison)."""
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    diffs = migrate.schema_differences(default_database())
    if diffs:
        for d in diffs:
            print(d, file=sys.stderr)
        sys.exit(1)  # not typer.Exit: the CLI runs click with standalone_mode=False
    print("the schema matches the models")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
