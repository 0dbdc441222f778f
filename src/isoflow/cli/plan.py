"""Placeholder registered by the command line; its commands come with its slice of issue #10."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
