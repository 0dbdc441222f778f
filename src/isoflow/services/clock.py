"""The one clock of the services (aware UTC), so tests can freeze it with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware_utc(value: datetime, field: str) -> datetime:
    """``value`` in UTC; InvalidInput if it has no time zone (DESIGN.md invariant 4)."""
    from isoflow.errors import InvalidInput

    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{field} needs a time zone (an offset such as '+06:00' or 'Z')",
                           field=field)
    return value.astimezone(UTC)
