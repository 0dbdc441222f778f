"""Times and time zones as people write them: one syntax for the API, the CLI and the pages.

A time is text in one of two forms, always with its zone::

    2026-11-22T12:00+03:00            an offset (or Z for UTC)
    2026-11-22T12:00 Europe/Moscow    an IANA time zone name, after one space

* the date is ``YYYY-MM-DD``, a real calendar date in the years 1900-2199 as written;
* the time of day is ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.ffffff`` (1-6 decimals), after
  ``T`` or one space;
* an offset is ``Z``, ``+HH:MM`` or ``+HHMM`` (``-`` west of Greenwich), below 24 h;
* a zone name is resolved with that zone's rules at that date; a local time the clocks skip
  (a daylight-saving gap) or pass twice (a fold) is refused: give the offset instead;
* a time without a zone is refused, never guessed (the server's zone is nobody's zone).

A time zone is an IANA name from the tz database (``Europe/Moscow``, ``Asia/Bishkek``,
``UTC``, ``Etc/GMT+5``...): the names the ``tzdata`` package lists, less ``Factory``. Host
aliases (``localtime``, ``posixrules``) and the ``posix/`` and ``right/`` trees are refused:
they name the server's set-up, not a place, and ``right/`` zones count leap seconds.

:data:`TIME_PATTERN` is this syntax as a regular expression (ECMA 262 and Python ``re`` read
it alike) for the OpenAPI document; :func:`parse_datetime` accepts exactly the strings it
matches, less the daylight-saving gaps and folds (tests/physics/test_times.py checks both).
Results are aware datetimes in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from isoflow.errors import InvalidInput

EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
#: The two forms, as shown in every message and in the OpenAPI document.
TIME_EXAMPLES = ("2026-11-22T12:00+03:00", "2026-11-22T12:00 Europe/Moscow")
TIME_SYNTAX = (f"a date and time with its zone: an offset ('{TIME_EXAMPLES[0]}', 'Z' for "
               f"UTC) or an IANA zone name after a space ('{TIME_EXAMPLES[1]}'); years "
               f"{EARLIEST_YEAR}-{LATEST_YEAR}")
_BOTH = f"'{TIME_EXAMPLES[0]}' or '{TIME_EXAMPLES[1]}'"

_REFUSED_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """Every accepted time zone name: the IANA tz database's names as the ``tzdata`` package
    lists them (zones and their backward-compatible links), less ``Factory``."""
    try:
        from importlib.resources import files

        listed = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    except (ImportError, FileNotFoundError, OSError):  # pragma: no cover - tzdata is required
        from zoneinfo import available_timezones

        listed = sorted(available_timezones())
    return frozenset(n for n in listed if n not in _REFUSED_ZONES
                     and not n.startswith(("posix/", "right/")))


@lru_cache(maxsize=1)
def _names_by_lower_case() -> dict[str, str]:
    return {n.lower(): n for n in time_zone_names()}


def timezone_problem(name: object) -> str | None:
    """Why ``name`` is not an accepted time zone name, or None."""
    if not isinstance(name, str):
        return f"a time zone is a name such as 'Europe/Moscow', not {type(name).__name__}"
    if name in time_zone_names():
        return None
    shown = name if len(name) <= 64 else name[:61] + "..."
    if name in _REFUSED_ZONES or name.startswith(("posix/", "right/")):
        return (f"{shown!r} is not the time zone of a place (it names a part of the server's "
                "set-up); use an IANA name such as 'Europe/Moscow', 'UTC' or 'Etc/GMT+5'")
    same = _names_by_lower_case().get(name.lower())
    hint = f" (names are case-sensitive: did you mean {same!r}?)" if same else ""
    return (f"unknown time zone {shown!r}{hint}; use an IANA name such as 'Europe/Moscow', "
            "'America/Havana', 'UTC' or 'Etc/GMT+5'")


def parse_timezone(name: str, *, field: str | None = "timezone") -> ZoneInfo:
    """An IANA time zone by name (``Asia/Bishkek``); InvalidInput if it is not one."""
    problem = timezone_problem(name)
    if problem is not None:
        raise InvalidInput(problem, field=field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but not installed
        raise InvalidInput(f"time zone {name!r} has no rules on this server",
                           field=field) from None


# ---------------------------------------------------------------- the syntax
def _alternatives(names: frozenset[str]) -> str:
    # '+' is the only character of a zone name a regular expression reads as syntax ('-'
    # outside a class is literal, and escaping it is an error in ECMA 262's unicode mode).
    return "|".join(n.replace("+", r"\+") for n in sorted(names, key=lambda n: (-len(n), n)))


_YEAR = r"(?:19[0-9]{2}|2[01][0-9]{2})"
_LEAP_YEAR = (r"(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26])"
              r"|21(?:0[48]|[2468][048]|[13579][26]))")
_DATE = (rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
         r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
         rf"|{_LEAP_YEAR}-02-29)")
_CLOCK = r"[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])"
_DIGITS_OFFSET = re.compile(r"[0-9]{2}:?[0-9]{2}")


#: The syntax as one regular expression (about 10 kB: it names every accepted zone).
TIME_PATTERN = f"^{_DATE}{_CLOCK}(?:{_OFFSET}| (?:{_alternatives(time_zone_names())}))$"


# The shape, loosely: each part is then checked with a message that says what is wrong.
_SHAPE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})(?:[T ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]+))?)?)?"
    r"(?P<off>Z|[+-][0-9]{2}:?[0-9]{2})?(?: (?P<zone>\S+))?")


def parse_datetime(value: str | datetime, *, field: str | None = "datetime") -> datetime:
    """An aware datetime in UTC from a time in the one syntax (module docstring), or from an
    aware datetime. A time without a zone, outside 1900-2199, in a daylight-saving gap or fold,
    or anything else is an InvalidInput naming ``field``."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(f"time {value.isoformat()!r} has no time zone; write it with "
                               f"an offset or a zone name: {_BOTH}", field=field)
        _check_year(value.year, value.isoformat(), field)
        return value.astimezone(UTC)
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, int | float) else type(value).__name__
        raise InvalidInput(f"a time is text such as {_BOTH}, not {kind}", field=field)
    shown = value if len(value) <= 80 else value[:77] + "..."
    m = _SHAPE.fullmatch(value)
    if m is None:
        raise InvalidInput(f"time {shown!r} is not understood: write an ISO 8601 date and "
                           f"time with its zone, an offset or an IANA zone name: {_BOTH}",
                           field=field)
    if m.group("h") is None:
        raise InvalidInput(f"time {shown!r} has no time of day: write e.g. {_BOTH}",
                           field=field)
    if m.group("off") is not None and m.group("zone") is not None:
        raise InvalidInput(f"time {shown!r} has both an offset and a zone name; give one: "
                           f"{_BOTH}", field=field)
    if m.group("off") is None and m.group("zone") is None:
        raise InvalidInput(f"time {shown!r} has no time zone; write it with an offset or a "
                           f"zone name: {_BOTH}", field=field)
    year = int(m.group("y"))
    _check_year(year, shown, field)
    fraction = m.group("f") or ""
    if len(fraction) > 6:
        raise InvalidInput(f"time {shown!r} has more than 6 decimals of a second "
                           "(microseconds are the finest)", field=field)
    try:
        local = datetime(year, int(m.group("mo")), int(m.group("d")), int(m.group("h")),
                         int(m.group("mi")), int(m.group("s") or 0),
                         int(fraction.ljust(6, "0")) if fraction else 0)
    except ValueError as exc:
        raise InvalidInput(f"time {shown!r} is not a calendar date and time ({exc})",
                           field=field) from None
    if m.group("off") is not None:
        return local.replace(tzinfo=_offset(m.group("off"), shown, field)).astimezone(UTC)
    return _in_zone(local, m.group("zone"), shown, field)


def _check_year(year: int, shown: str, field: str | None) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidInput(f"time {shown!r} is outside the years {EARLIEST_YEAR}-"
                           f"{LATEST_YEAR}", field=field)


def _offset(text: str, shown: str, field: str | None) -> tzinfo:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise InvalidInput(f"time {shown!r}: the offset {text!r} is not one (hours 00-23, "
                           "minutes 00-59)", field=field)
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _in_zone(local: datetime, name: str, shown: str, field: str | None) -> datetime:
    """``local`` wall-clock time in zone ``name``, in UTC; refused in a gap or a fold."""
    if _DIGITS_OFFSET.fullmatch(name):
        # '2026-11-22T12:00+03:00' sent in a URL query unescaped: the '+' arrives as a space
        raise InvalidInput(f"time {shown!r} has a space where its offset's sign should be; in "
                           "a URL, write '+' as %2B ('2026-11-22T12:00%2B03:00')", field=field)
    zone = parse_timezone(name, field=field)
    early, late = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    early_utc, late_utc = early.astimezone(UTC), late.astimezone(UTC)
    if early_utc == late_utc:
        return early_utc
    if early_utc.astimezone(zone).replace(tzinfo=None) != local:
        raise InvalidInput(
            f"time {shown!r} does not exist: the clocks in {name} skip it (a daylight-saving "
            f"change); give the offset, e.g. '{_iso_minutes(early)}' or "
            f"'{_iso_minutes(late)}'", field=field)
    raise InvalidInput(
        f"time {shown!r} is ambiguous: the clocks in {name} pass it twice (a daylight-saving "
        f"change); give the offset: '{_iso_minutes(early)}' (the first) or "
        f"'{_iso_minutes(late)}' (the second)", field=field)


def _iso_minutes(t: datetime) -> str:
    off = t.utcoffset() or timedelta(0)
    sign = "-" if off < timedelta(0) else "+"
    minutes = int(abs(off).total_seconds()) // 60
    return f"{t.replace(tzinfo=None).isoformat(timespec='minutes')}{sign}" \
           f"{minutes // 60:02d}:{minutes % 60:02d}"

