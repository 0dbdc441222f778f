"""Activity and time units, durations and timezone-aware datetimes.

One conversion table for each quantity; every bad input raises :class:`InvalidInput` naming
the value and what is accepted. Rules:

* activity prefixes are case-sensitive (``MBq`` is mega, a typed ``mbq`` is refused rather
  than guessed); ``uCi``, ``µCi`` (micro sign) and ``μCi`` (Greek mu) are the same unit;
* ``m`` alone is refused as a duration unit: minutes are ``min`` (``m`` reads as metres or
  milli); a year ``y`` is 365.2422 days, the year of the ICRP-107 data;
* a datetime without a time zone is an error, never a guess; results are UTC.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from isoflow.errors import InvalidInput

CI_BQ = 3.7e10  # 1 Ci = 3.7e10 Bq exactly (definition)

ACTIVITY_UNITS_BQ: dict[str, float] = {
    "Bq": 1.0, "kBq": 1e3, "MBq": 1e6, "GBq": 1e9, "TBq": 1e12, "PBq": 1e15,
    "Ci": CI_BQ, "kCi": 1e3 * CI_BQ, "mCi": 1e-3 * CI_BQ, "uCi": 1e-6 * CI_BQ,
    "µCi": 1e-6 * CI_BQ, "μCi": 1e-6 * CI_BQ, "nCi": 1e-9 * CI_BQ,
}
_ACTIVITY_LIST = "Bq, kBq, MBq, GBq, TBq, PBq, Ci, kCi, mCi, uCi (µCi), nCi"

YEAR_S = 365.2422 * 86400.0
DURATION_UNITS_S: dict[str, float] = {
    "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6,
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "w": 7 * 86400.0, "wk": 7 * 86400.0, "week": 7 * 86400.0, "weeks": 7 * 86400.0,
    "y": YEAR_S, "yr": YEAR_S, "year": YEAR_S, "years": YEAR_S, "a": YEAR_S,
}
_DURATION_LIST = "s, min, h, d, w, y (or ISO 8601 such as PT6H)"

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([^\d\s].*?)?\s*$")
_DURATION_PART = re.compile(rf"\s*({_NUMBER})\s*([A-Za-zµμ]+)")
_ISO_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def _finite(value: float, text: object, what: str, field: str | None) -> float:
    if not math.isfinite(value):
        raise InvalidInput(f"{what} {text!r} is not a finite number", field=field)
    return value


# ---------------------------------------------------------------- activity
def parse_activity(value: str | float | int, *, field: str | None = "activity") -> float:
    """An activity [Bq] from ``"10 GBq"``, ``"27 mCi"``, ``"5e8"`` or a number in Bq.

    Negative activities are refused; zero is allowed.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"activity {value!r} is not a number with a unit", field=field)
    if isinstance(value, int | float):
        bq = _finite(float(value), value, "activity", field)
    elif isinstance(value, str):
        m = _QUANTITY.match(value)
        if not m:
            raise InvalidInput(f"activity {value!r} is not a number with a unit such as "
                               f"'10 GBq' (units: {_ACTIVITY_LIST})", field=field)
        number, unit = float(m.group(1)), (m.group(2) or "Bq").strip()
        if unit not in ACTIVITY_UNITS_BQ:
            raise InvalidInput(_unknown_unit(value, unit, ACTIVITY_UNITS_BQ, _ACTIVITY_LIST,
                                             "activity"), field=field)
        bq = _finite(number * ACTIVITY_UNITS_BQ[unit], value, "activity", field)
    else:
        raise InvalidInput(f"activity {value!r} is not a number with a unit", field=field)
    if bq < 0:
        raise InvalidInput(f"activity {value!r} is negative; an activity is >= 0", field=field)
    return bq


def _unknown_unit(text: str, unit: str, table: dict[str, float], listing: str,
                  what: str) -> str:
    same = [u for u in table if u.lower() == unit.lower()]
    hint = f" (units are case-sensitive: did you mean {same[0]!r}?)" if same else ""
    return f"unknown {what} unit {unit!r} in {text!r}{hint}; accepted: {listing}"


def activity_unit_factor(unit: str) -> float:
    """Bq in one ``unit``."""
    if unit not in ACTIVITY_UNITS_BQ:
        raise InvalidInput(_unknown_unit(unit, unit, ACTIVITY_UNITS_BQ, _ACTIVITY_LIST,
                                         "activity"), field="unit")
    return ACTIVITY_UNITS_BQ[unit]


def convert_activity(bq: float, unit: str) -> float:
    """``bq`` [Bq] expressed in ``unit``."""
    return bq / activity_unit_factor(unit)


def format_activity(bq: float, unit: str | None = None, digits: int = 4) -> str:
    """A readable activity: in ``unit`` if given, else the SI prefix that fits."""
    if unit is None:
        unit = "Bq"
        for u in ("PBq", "TBq", "GBq", "MBq", "kBq"):
            if abs(bq) >= ACTIVITY_UNITS_BQ[u]:
                unit = u
                break
    return f"{convert_activity(bq, unit):.{digits}g} {unit}"


# ---------------------------------------------------------------- durations
def parse_duration(value: str | float | int | timedelta, *, field: str | None = "duration"
                   ) -> float:
    """A duration [s] from ``"6 h"``, ``"1 h 30 min"``, ``"PT6H"``, a timedelta or seconds."""
    if isinstance(value, bool):
        raise InvalidInput(f"duration {value!r} is not a duration", field=field)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return _finite(float(value), value, "duration", field)
    if not isinstance(value, str):
        raise InvalidInput(f"duration {value!r} is not a duration", field=field)
    text = value.strip()
    if text.upper().startswith("P"):
        return _parse_iso_duration(text, field)
    try:
        return _finite(float(text), value, "duration", field)
    except ValueError:
        pass
    total, pos, sign = 0.0, 0, 1.0
    if text.startswith("-"):
        sign, text = -1.0, text[1:]
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if not m:
            raise InvalidInput(f"duration {value!r} is not understood; write e.g. '6 h', "
                               f"'90 min', '1 h 30 min' or 'PT6H' (units: {_DURATION_LIST})",
                               field=field)
        number, unit = float(m.group(1)), m.group(2)
        if unit in ("m", "M"):
            raise InvalidInput(f"duration {value!r}: 'm' is ambiguous (metres? milli?); "
                               "write 'min' for minutes", field=field)
        if unit not in DURATION_UNITS_S:
            raise InvalidInput(f"unknown time unit {unit!r} in {value!r}; accepted: "
                               f"{_DURATION_LIST}", field=field)
        total += number * DURATION_UNITS_S[unit]
        pos = m.end()
        while pos < len(text) and text[pos] in " ,":
            pos += 1
    return _finite(sign * total, value, "duration", field)


def _parse_iso_duration(text: str, field: str | None) -> float:
    m = _ISO_DURATION.match(text.upper())
    if not m or text.upper() in ("P", "PT") or text.upper().endswith("T"):
        raise InvalidInput(f"duration {text!r} is not an ISO 8601 duration such as 'PT6H' "
                           "or 'P2DT3H'", field=field)
    if m.group("mo"):
        raise InvalidInput(f"duration {text!r}: months have no fixed length; give days "
                           "(e.g. 'P30D')", field=field)
    parts = {"y": YEAR_S, "w": 7 * 86400.0, "d": 86400.0, "h": 3600.0, "mi": 60.0, "s": 1.0}
    return sum(float(m.group(k)) * f for k, f in parts.items() if m.group(k))


def parse_durations(values: Sequence[str | float | timedelta] | npt.ArrayLike,
                    *, field: str | None = "times") -> npt.NDArray[np.float64]:
    """Many durations [s] as a float64 array (a numeric array passes straight through)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        out = np.asarray(values, dtype=np.float64)
    elif isinstance(values, int | float):
        out = np.array([float(values)])
    else:
        out = np.array([parse_duration(v, field=field)  # type: ignore[arg-type]
                        for v in values], dtype=np.float64)  # type: ignore[union-attr]
    if not np.all(np.isfinite(out)):
        raise InvalidInput("every time must be a finite number of seconds", field=field)
    return out


# ---------------------------------------------------------------- datetimes
_ZONE_SUFFIX = re.compile(r"^(.*\d)\s+([A-Za-z_]+(?:/[A-Za-z_\-+0-9]+)+|UTC)$")


def parse_datetime(value: str | datetime, *, field: str | None = "datetime") -> datetime:
    """An aware datetime in UTC from ISO 8601 with an offset or ``Z``, or with an IANA zone
    after a space (``"2026-03-02T12:00 America/Havana"``). Naive input is refused."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        zone = None
        m = _ZONE_SUFFIX.match(text)
        if m:
            text, zone_name = m.group(1), m.group(2)
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidInput(f"unknown time zone {zone_name!r} in {value!r}; use an "
                                   "IANA name such as 'Europe/Moscow'", field=field) from None
        try:
            dt = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise InvalidInput(f"datetime {value!r} is not ISO 8601, e.g. "
                               "'2026-11-22T12:00+03:00' or '2026-11-22T09:00Z'",
                               field=field) from None
        if zone is not None:
            if dt.tzinfo is not None:
                raise InvalidInput(f"datetime {value!r} has both an offset and a zone name",
                                   field=field)
            dt = dt.replace(tzinfo=zone)
    else:
        raise InvalidInput(f"datetime {value!r} is not a datetime", field=field)
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInput(f"datetime {value!r} has no time zone; add an offset "
                           "('+03:00', 'Z') or a zone name ('Europe/Moscow')", field=field)
    return dt.astimezone(UTC)


def parse_timezone(name: str, *, field: str | None = "timezone") -> ZoneInfo:
    """An IANA time zone by name (``Asia/Bishkek``); InvalidInput if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(f"unknown time zone {name!r}; use an IANA name such as "
                           "'Europe/Moscow' or 'America/Havana'", field=field) from None


def seconds_between(start: datetime | str, end: datetime | str) -> float:
    """``end - start`` [s], both timezone-aware."""
    return (parse_datetime(end, field="end") - parse_datetime(start, field="start")
            ).total_seconds()
