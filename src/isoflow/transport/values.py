"""Basic radionuclide values for transport: A1, A2 and the exemption values, per nuclide.

Data: ``data/a1_a2.csv``, copied from the project's reference table — 49 CFR 173.435 and
173.436 (CFR 2015 annual edition), the US adoption of IAEA SSR-6 Table 2 (see the file's first
line). A1 applies to special-form material, A2 to any other form. Footnote (a): a parent's
values already include its short-lived progeny, so only the parent's activity is counted.
Footnote (i), the US-domestic Mo-99 A2 of 0.74 TBq, is not applied: the values are the
international ones.

Dose-rate quantities for packages (surface and 1 m) are parsed here too: Sv/h with SI prefixes
and rem/h (1 rem = 0.01 Sv).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide

TBQ = 1e12


@dataclass(frozen=True)
class NuclideValues:
    nuclide: str
    a1_bq: float  # math.inf where the table says "Unlimited"
    a2_bq: float
    exempt_concentration_bq_per_g: float
    exempt_consignment_bq: float
    note: str


def _number(text: str, scale: float) -> float:
    return math.inf if text.strip().lower() == "unlimited" else float(text) * scale


@lru_cache(maxsize=1)
def table() -> dict[str, NuclideValues]:
    """Every row of the table, by nuclide name as the table writes it."""
    text = resources.files("isoflow.transport").joinpath("data/a1_a2.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["nuclide"]: NuclideValues(
        nuclide=r["nuclide"], a1_bq=_number(r["a1_tbq"], TBQ), a2_bq=_number(r["a2_tbq"], TBQ),
        exempt_concentration_bq_per_g=float(r["exempt_concentration_bq_per_g"]),
        exempt_consignment_bq=float(r["exempt_consignment_bq"]), note=r["note"] or "")
        for r in rows}


def values_for(name: str, *, field: str = "nuclide") -> NuclideValues:
    """The values of a nuclide named as the physics knows it ("Mo-99", "mo99", "Tc99m");
    InvalidInput naming ``field`` if the physics does not know it or the table has no row."""
    try:
        canonical = get_nuclide(name).name
    except InvalidInput:
        raise InvalidInput(f"unknown nuclide {name!r}", field=field) from None
    row = table().get(canonical)
    if row is None:
        raise InvalidInput(f"{canonical} has no A1/A2 value in the transport table; its "
                           "general values depend on what it emits (SSR-6 Table 3) and need "
                           "the competent authority's approval — give them explicitly",
                           field=field)
    return row


_DOSE_RATE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Zµμ]+)\s*/"
                        r"\s*h\s*$")
_SV = {"Sv": 1.0, "mSv": 1e-3, "uSv": 1e-6, "µSv": 1e-6, "μSv": 1e-6, "nSv": 1e-9,
       "rem": 1e-2, "mrem": 1e-5, "urem": 1e-8, "µrem": 1e-8}


def parse_dose_rate(value: str | float, *, field: str) -> float:
    """A dose rate in Sv/h from ``"0.3 mSv/h"``, ``"8 µSv/h"``, ``"2 mrem/h"``; a bare number
    is refused (its unit would be a guess). Negative, NaN or infinite → InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise InvalidInput(f"{field} {value!r} needs a unit, e.g. '0.3 mSv/h'", field=field)
    m = _DOSE_RATE.match(value)
    if not m or m.group(2) not in _SV:
        raise InvalidInput(f"{field} {value!r} is not a dose rate; write e.g. '0.3 mSv/h' "
                           f"(units: {', '.join(u + '/h' for u in _SV)})", field=field)
    rate = float(m.group(1)) * _SV[m.group(2)]
    if not math.isfinite(rate) or rate < 0:
        raise InvalidInput(f"{field} {value!r} must be a finite dose rate >= 0", field=field)
    return rate
