"""The one clock of the services (aware UTC), so tests can freeze it with time-machine.

``as_of`` sets the clock of the current context to a past moment, for the one writer that
records a history after the fact: the demo world (isoflow.services.demo), whose week of
elutions, signatures and administrations must carry the times they stand for. Nothing that
serves a user calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_as_of: ContextVar[datetime | None] = ContextVar("isoflow_clock_as_of", default=None)


def now() -> datetime:
    fixed = _as_of.get()
    return datetime.now(UTC) if fixed is None else fixed


@contextmanager
def as_of(t: datetime) -> Iterator[None]:
    """Within the block, ``now()`` is ``t`` (aware) in this context (thread, task)."""
    if t.tzinfo is None:
        raise ValueError("as_of needs an aware time")
    token = _as_of.set(t.astimezone(UTC))
    try:
        yield
    finally:
        _as_of.reset(token)


def aware_utc(value: datetime, field: str) -> datetime:
    """``value`` in UTC; InvalidInput if it has no time zone (DESIGN.md invariant 4)."""
    from isoflow.errors import InvalidInput

    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{field} needs a time zone (an offset such as '+06:00' or 'Z')",
                           field=field)
    return value.astimezone(UTC)
