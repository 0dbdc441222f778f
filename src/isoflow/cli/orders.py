"""``isoflow orders``: the supplier's contracts' orders (issue #11). Placeholder: the commands
land with the slice."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
