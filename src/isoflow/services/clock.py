"""The one clock of the services (aware UTC), so tests can freeze it with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
