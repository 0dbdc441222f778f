"""The ``isoflow`` command line: thin Typer commands over the services and the pure core.

Bad input exits with code 2 and a one-line message (no traceback).
"""

from __future__ import annotations

import sys

import typer

from isoflow.errors import IsoflowError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="isoflow — radioisotopes from reactor to patient.")


@app.callback()
def _root() -> None:
    """isoflow — radioisotopes from reactor to patient."""
    # A root callback keeps `isoflow` a command group even when _register() loads a single
    # command (`isoflow serve`): Typer would otherwise run that command as the whole program
    # and refuse the word "serve" as an extra argument.


#: top-level command -> the module that registers it (each defines ``register(app)``)
COMMAND_MODULES: dict[str, str] = {
    "nuclide": "physics", "decay": "physics", "serve": "serve", "generator": "generator",
    "db": "db", "admin": "admin", "audit": "audit", "demo": "demo",
    "mwl": "mwl", "journal": "journal", "plan": "plan", "transport": "transport",
    "orders": "orders", "production": "production", "analytics": "analytics",
}


def _register(argv: list[str] | None = None) -> None:
    """Register the command groups. When the command is known from ``argv``, only its module
    is imported: a decay calculation must not pay for SQLAlchemy and the web stack."""
    import importlib

    command = next((a for a in (argv or [])[1:] if not a.startswith("-")), None)
    wanted = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else \
        list(dict.fromkeys(COMMAND_MODULES.values()))
    for name in wanted:
        importlib.import_module(f"isoflow.cli.{name}").register(app)


def main() -> None:
    _register(sys.argv)
    try:
        app(standalone_mode=False)
    except IsoflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        raise
