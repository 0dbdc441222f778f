"""``isoflow demo load``: the demo world of issue #9 (isoflow.services.demo) and its sign-ins.

Prints each demo user with a generated password (a table, or ``--json``:
``{"users": [{"username", "password", "org", "role"}, ...]}``; ``org`` is null for the
platform administrator). Loading again adds nothing and prints new passwords.
``isoflow serve --demo`` loads the world on a new database (``load_on_new_database``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from isoflow.config import get_settings

if TYPE_CHECKING:
    from isoflow.services.demo import DemoLoad
    from isoflow.store.db import Database

demo_app = typer.Typer(no_args_is_help=True,
                       help="The demo world: an isotope exporter and a hospital in Bishkek.")


def login_url(host: str | None = None, port: int | None = None) -> str:
    s = get_settings()
    return f"http://{host or s.host}:{port or s.port}/login"


def _loaded_database() -> Database:
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    db = default_database()
    migrate.upgrade(db)
    return db


def print_sign_ins(result: DemoLoad, url: str) -> None:
    """The sign-ins of a ``DemoLoad`` as a table, with the address to sign in at."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped or captured: never crop a password
        console = Console(width=200)
    title = ("The demo world was created" if result.created else
             "The demo world was already loaded: its users have new passwords")
    table = Table(title=title, title_justify="left")
    table.add_column("username", no_wrap=True, style="bold")
    table.add_column("password", no_wrap=True)
    table.add_column("organisation")
    table.add_column("role", no_wrap=True)
    for u in result.sign_ins:
        table.add_row(u.username, u.password, u.org or "(platform administrator)", u.role)
    console.print(table)
    console.print(f"Sign in at {url}", highlight=False)
    console.print("Demo accounts need no password change at first sign-in. The demo world is "
                  "for trying isoflow: keep no real records in it. Run 'isoflow demo load' "
                  "again for new passwords.", highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)


def as_json(result: DemoLoad) -> str:
    return json.dumps({"users": [{"username": u.username, "password": u.password,
                                  "org": u.org, "role": u.role} for u in result.sign_ins]},
                      indent=2)


@demo_app.command("load")
def load(
    json_out: bool = typer.Option(False, "--json", help='print {"users": [{"username", '
                                                        '"password", "org", "role"}, ...]}'),
) -> None:
    """Create the demo world (or find it) and print its sign-ins with new passwords."""
    from isoflow.services import demo

    result = demo.load(_loaded_database())
    if json_out:
        print(as_json(result))
    else:
        print_sign_ins(result, login_url())


def load_on_new_database(host: str, port: int) -> bool:
    """For ``isoflow serve --demo``: on a database nobody can sign in to yet, load the demo
    world and print its sign-ins (True); otherwise leave it as it is (False)."""
    from isoflow.services import demo

    db = _loaded_database()
    if demo.has_users(db):
        print("isoflow serve --demo: the database has users already, so the demo world is not "
              "loaded; 'isoflow demo load' loads it (or prints new passwords for it).",
              flush=True)
        return False
    print_sign_ins(demo.load(db), login_url(host, port))
    return True


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
