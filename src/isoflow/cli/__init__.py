"""The ``isoflow`` command line: thin Typer commands over the services and the pure core.

Bad input exits with code 2 and a one-line message (no traceback).
"""

from __future__ import annotations

import sys

import typer

from isoflow.errors import IsoflowError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="isoflow — radioisotopes from reactor to patient.")


def _register() -> None:
    # One module per command group; each defines `register(app)`.
    from isoflow.cli import generator, physics, serve

    for module in (physics, serve, generator):
        module.register(app)

    from isoflow.cli import admin, audit, db

    for module in (db, admin, audit):
        module.register(app)


def main() -> None:
    _register()
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
