"""Units of activity, time, mass and amount of substance; durations and datetimes.

One conversion table per quantity (:data:`ACTIVITY_UNITS_BQ`, :data:`DURATION_UNITS_S`,
:data:`MASS_UNITS_G`, :data:`MOLE_UNITS_MOL`), built from the SI prefixes; every bad input
raises :class:`InvalidInput` naming the value and what is accepted. Rules:

* units are case-sensitive: ``MBq`` is mega, ``mBq`` milli. A mistyped unit gets a
  suggestion only when every unit spelled with the same letters has one magnitude
  (``gbq`` -> ``GBq``); ``mbq`` gets none (``mBq`` and ``MBq`` are 10⁹ apart) and the
  message lists both with their magnitudes;
* micro is written ``u``, ``µ`` (micro sign) or ``μ`` (Greek mu): ``uCi`` = ``µCi`` = ``μCi``;
* ``m`` alone is refused as a duration unit: minutes are ``min`` (``m`` reads as metres or
  milli, and radioactivedecay's ``m`` is minutes); a year ``y`` is 365.2422 days, the year of
  the ICRP-107 data, and ``ky``, ``My``, ``Gy`` (= ``By``), ``Ty``, ``Py`` are its multiples;
  ``Gy`` is a gigayear only in a time, never an activity (nor a dose: isoflow has none);
* counts (``cpm``, ``cps``) and ``Hz`` are not activities and are refused;
* a datetime without a time zone is an error, never a guess; results are UTC.

The tables hold radioactivedecay's units (``UnitConverterFloat``) with the same factors,
except its ``m`` (minutes, refused here) and ``ton`` (short, long or metric?), plus ``dps``,
``min``, weeks and the ``a`` of geology.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from isoflow.errors import InvalidInput

CI_BQ = 3.7e10  # 1 Ci = 3.7e10 Bq exactly (definition)
_YEAR_D = 365.2422  # [d], the year of ICRP-107 (and radioactivedecay's default)
YEAR_S = _YEAR_D * 86400.0  # [s]

_MICRO = ("u", "µ", "μ")  # ASCII u, micro sign U+00B5, Greek small mu U+03BC
_SI_PREFIX: dict[str, float] = {
    "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3, "": 1.0,
    "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}


def _prefixed(base: str, factor: float, prefixes: Sequence[str]) -> dict[str, float]:
    """``base`` [``factor`` base units] with each SI prefix; ``u`` gives u, µ and μ."""
    out: dict[str, float] = {}
    for p in prefixes:
        for spelled in _MICRO if p == "u" else (p,):
            out[spelled + base] = _SI_PREFIX[p] * factor
    return out


_SMALL_TO_LARGE = ("p", "n", "u", "m", "", "k", "M", "G", "T", "P", "E")

#: the Russian designations of the SI prefixes (GOST 8.417-2002), for Бк and Ки
_RU_PREFIX: dict[str, float] = {
    "п": 1e-12, "н": 1e-9, "мк": 1e-6, "м": 1e-3, "": 1.0,
    "к": 1e3, "М": 1e6, "Г": 1e9, "Т": 1e12, "П": 1e15, "Э": 1e18,
}
RUSSIAN_ACTIVITY_UNITS_BQ: dict[str, float] = {
    **{p + "Бк": f for p, f in _RU_PREFIX.items()},
    **{p + "Ки": f * CI_BQ for p, f in _RU_PREFIX.items()},
}
"""The same units as written in Russian (GOST 8.417): МБк = MBq, ГБк = GBq, мКи = mCi."""

ACTIVITY_UNITS_BQ: dict[str, float] = {
    **_prefixed("Bq", 1.0, _SMALL_TO_LARGE),
    **_prefixed("Ci", CI_BQ, _SMALL_TO_LARGE),
    "dpm": 1.0 / 60.0, "dps": 1.0,  # disintegrations per minute / second
    **RUSSIAN_ACTIVITY_UNITS_BQ,
}
"""Bq in one unit: pBq to EBq, pCi to ECi, dpm and dps; in Russian пБк to ЭБк, пКи to ЭКи."""

DURATION_UNITS_S: dict[str, float] = {
    **_prefixed("s", 1.0, ("p", "n", "u", "m")),
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "w": 7 * 86400.0, "wk": 7 * 86400.0, "week": 7 * 86400.0, "weeks": 7 * 86400.0,
    "y": YEAR_S, "yr": YEAR_S, "year": YEAR_S, "years": YEAR_S, "a": YEAR_S,
    # multiples of the year in radioactivedecay's order of operations (identical floats)
    "ky": 86400.0 * 1e3 * _YEAR_D, "My": 86400.0 * 1e6 * _YEAR_D,
    "Gy": 86400.0 * 1e9 * _YEAR_D, "By": 86400.0 * 1e9 * _YEAR_D,
    "Ty": 86400.0 * 1e12 * _YEAR_D, "Py": 86400.0 * 1e15 * _YEAR_D,
}
"""Seconds in one unit: ps to Py (a year is 365.2422 d; ``By`` = ``Gy`` = 10⁹ y)."""

MASS_UNITS_G: dict[str, float] = {
    **_prefixed("g", 1.0, ("p", "n", "u", "m", "", "k", "M")), "t": 1e6,
}
"""Grams in one unit: pg to Mg (``t`` is the metric tonne, = ``Mg``)."""

MOLE_UNITS_MOL: dict[str, float] = _prefixed("mol", 1.0, ("p", "n", "u", "m", "", "k", "M"))
"""Moles in one unit: pmol to Mmol."""

Kind = Literal["activity", "time", "mass", "moles"]
_TABLES: dict[Kind, tuple[Mapping[str, float], str]] = {
    "activity": (ACTIVITY_UNITS_BQ, "Bq"), "time": (DURATION_UNITS_S, "s"),
    "mass": (MASS_UNITS_G, "g"), "moles": (MOLE_UNITS_MOL, "mol"),
}
# units of other quantities that people write where an activity is meant
_NOT_AN_ACTIVITY = {
    "cpm": "counts per minute are a measured count rate, not an activity (divide by the "
           "counting efficiency to get dpm)",
    "cps": "counts per second are a measured count rate, not an activity (divide by the "
           "counting efficiency to get dps)",
    "Hz": "Hz is a frequency, not an activity; write Bq",
    "Gy": "'Gy' is a gigayear, and only in a time; isoflow has no dose units",
    "Sv": "isoflow has no dose units",
}


def _listing(kinds: Sequence[Kind]) -> str:
    """The units of ``kinds`` for a message, micro spelled µ once."""
    lists = [", ".join(u for u in _TABLES[k][0]
                       if u[0] not in "uμ" and u not in RUSSIAN_ACTIVITY_UNITS_BQ)
             for k in kinds]
    text = lists[0] if len(kinds) == 1 else "; ".join(
        f"{k}: {units}" for k, units in zip(kinds, lists, strict=True))
    russian = " and in Russian, such as МБк, ГБк, мКи" if "activity" in kinds else ""
    return f"{text} (µ also as u or μ{russian})"


def _names(kinds: Sequence[Kind]) -> str:
    return ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]


def _fold(unit: str) -> str:
    return unit.casefold().replace("μ", "u")  # casefold maps µ (U+00B5) to μ


def _literal_factor(unit: str, table: Mapping[str, float]) -> float | None:
    """The magnitude ``unit`` has when its first letter is read as the SI prefix it is
    (case-sensitive) and the rest as a table unit of any case: 'Ms' is 1e6 s, 'mbq' 1e-3 Bq.
    None if it does not read so."""
    if len(unit) < 2 or unit[0] not in _SI_PREFIX:
        return None
    rest = [u for u in table if _fold(u) == _fold(unit[1:])]
    factors = {table[u] for u in rest}
    return _SI_PREFIX[unit[0]] * factors.pop() if len(factors) == 1 else None


def _unknown_unit(text: str, unit: str, kinds: Sequence[Kind]) -> str:
    """Why ``unit`` (in ``text``) is refused where one of ``kinds`` is expected, with a
    suggestion only of a unit of the very same magnitude (never 'mBq' for 'MBq')."""
    head = f"unknown {_names(kinds)} unit {unit!r}" + (f" in {text!r}" if text != unit else "")
    same: list[tuple[str, float, str]] = []  # (unit, factor, base): same letters, any case
    for kind in kinds:
        table, base = _TABLES[kind]
        same += [(u, table[u], base) for u in table if _fold(u) == _fold(unit)]
    tail = f"; accepted: {_listing(kinds)}"
    same.sort(key=lambda s: s[0][:1] != unit[:1])  # 'µbq' -> 'µBq' before 'uBq'
    if same:
        factors = {(f, b) for _, f, b in same}
        literal = [_literal_factor(unit, _TABLES[k][0]) for k in kinds]
        if len(factors) == 1 and all(math.isclose(x, same[0][1], rel_tol=1e-12)
                                     for x in literal if x is not None):
            u, f, b = same[0]
            return f"{head} (units are case-sensitive: did you mean {u!r} = {f:g} {b}?){tail}"
        one_each: dict[tuple[float, str], str] = {}
        for u, f, b in same:
            one_each.setdefault((f, b), u)
        shown = ", ".join(f"{u!r} = {f:g} {b}" for (f, b), u in sorted(one_each.items()))
        return (f"{head}: units are case-sensitive and {unit!r} is none of {shown}; "
                f"write the one you mean{tail}")
    if "activity" in kinds and unit in _NOT_AN_ACTIVITY:
        return f"{head}: {_NOT_AN_ACTIVITY[unit]}{tail}"
    for kind, (table, base) in _TABLES.items():
        if kind not in kinds and unit in table:
            article = "an" if kind == "activity" else "a"
            return (f"{head}: {unit!r} is {article} {kind} unit (= {table[unit]:g} {base})"
                    f"{tail}")
    return f"{head}{tail}"


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


# ---------------------------------------------------------------- activity, mass, moles
_EXAMPLE: dict[Kind, str] = {"activity": "'10 GBq'", "mass": "'1 mg'", "moles": "'2 mmol'"}


def parse_quantity(value: str | float | int, kinds: Sequence[Kind], *,
                   field: str | None) -> tuple[Kind, float]:
    """``(kind, value in its base unit [Bq, g or mol])`` of a number with a unit of one of
    ``kinds``; the unit tells the kind. A bare number is in the base unit of ``kinds[0]``.

    Negative amounts are refused; zero is allowed.
    """
    what = kinds[0] if len(kinds) == 1 else "amount"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{what} {value!r} is not a number with a unit", field=field)
    if not isinstance(value, str):
        kind, amount = kinds[0], _finite(float(value), value, what, field)
    else:
        m = _QUANTITY.match(value)
        if not m:
            examples = " or ".join(_EXAMPLE[k] for k in kinds)
            raise InvalidInput(f"{what} {value!r} is not a number with a unit such as "
                               f"{examples} (units: {_listing(kinds)})", field=field)
        number, unit = float(m.group(1)), m.group(2)
        if unit is None:
            kind, factor = kinds[0], 1.0
        else:
            unit = unit.strip()
            if re.match(r",\d", unit):  # '7,4 MBq': a decimal comma, or a thousands one?
                fixed = value.strip().replace(",", ".", 1)
                raise InvalidInput(f"{what} {value!r} has a comma: decimals take a point "
                                   f"({fixed!r}) and thousands no separator", field=field)
            found = [k for k in kinds if unit in _TABLES[k][0]]
            if not found:
                raise InvalidInput(_unknown_unit(value, unit, kinds), field=field)
            kind, factor = found[0], _TABLES[found[0]][0][unit]
        amount = _finite(number * factor, value, kind, field)
    if amount < 0:
        raise InvalidInput(f"{kind} {value!r} is negative; it must be >= 0", field=field)
    return kind, amount


def parse_activity(value: str | float | int, *, field: str | None = "activity") -> float:
    """An activity [Bq] from ``"10 GBq"``, ``"27 mCi"``, ``"1 mBq"``, ``"60 dpm"``, ``"5e8"``
    or a number in Bq. Negative activities are refused; zero is allowed."""
    return parse_quantity(value, ("activity",), field=field)[1]


def parse_mass(value: str | float | int, *, field: str | None = "mass") -> float:
    """A mass [g] from ``"1 mg"``, ``"2.5 µg"``, ``"1 kg"`` or a number in g (>= 0)."""
    return parse_quantity(value, ("mass",), field=field)[1]


def parse_moles(value: str | float | int, *, field: str | None = "moles") -> float:
    """An amount of substance [mol] from ``"2 mmol"``, ``"1 umol"`` or a number in mol (>= 0)."""
    return parse_quantity(value, ("moles",), field=field)[1]


def unit_factor(unit: str, kinds: Sequence[Kind], *, field: str | None = "unit"
                ) -> tuple[Kind, float]:
    """``(kind, base units [Bq, s, g or mol] in one unit)`` for a unit of one of ``kinds``."""
    for kind in kinds:
        table = _TABLES[kind][0]
        if unit in table:
            return kind, table[unit]
    raise InvalidInput(_unknown_unit(unit, unit, kinds), field=field)


def activity_unit_factor(unit: str) -> float:
    """Bq in one ``unit``."""
    return unit_factor(unit, ("activity",))[1]


def mass_unit_factor(unit: str) -> float:
    """Grams in one ``unit``."""
    return unit_factor(unit, ("mass",))[1]


def mole_unit_factor(unit: str) -> float:
    """Moles in one ``unit``."""
    return unit_factor(unit, ("moles",))[1]


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
    """A duration [s] from ``"6 h"``, ``"1 h 30 min"``, ``"5 ky"``, ``"PT6H"``, a timedelta
    or seconds."""
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
                               f"'90 min', '1 h 30 min' or 'PT6H' (units: "
                               f"{_listing(('time',))}, or ISO 8601 such as PT6H)",
                               field=field)
        number, unit = float(m.group(1)), m.group(2)
        if unit in ("m", "M"):
            raise InvalidInput(f"duration {value!r}: 'm' is ambiguous (metres? milli?); "
                               "write 'min' for minutes", field=field)
        if unit not in DURATION_UNITS_S:
            raise InvalidInput(_unknown_unit(value, unit, ("time",)), field=field)
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
# One syntax for every time a user writes (API, CLI, pages), and IANA zone names only:
# isoflow.physics.times. Re-exported here for the callers of this module.
from isoflow.physics.times import parse_datetime as parse_datetime  # noqa: E402
from isoflow.physics.times import parse_timezone as parse_timezone  # noqa: E402


def seconds_between(start: datetime | str, end: datetime | str) -> float:
    """``end - start`` [s], both timezone-aware."""
    return (parse_datetime(end, field="end") - parse_datetime(start, field="start")
            ).total_seconds()
