"""``isoflow audit``: verify the hash chain of the audit trail."""

from __future__ import annotations

import sys

import typer

audit_app = typer.Typer(no_args_is_help=True, help="The audit trail.")


@audit_app.command("verify")
def verify() -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken entry."""
    from isoflow.services import audit
    from isoflow.store.db import default_database

    report = audit.verify(default_database())
    if report.ok:
        print(f"audit trail intact: {report.entries} entries, hash chain verified")
        return
    print(f"audit trail BROKEN at {report.first_break} "
          f"({report.entries} entries verified before it)", file=sys.stderr)
    sys.exit(1)  # not typer.Exit: the CLI runs click with standalone_mode=False


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
