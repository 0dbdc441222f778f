"""The survey of a radioactive package at receipt (a generator, a unit dose): removable
contamination on the wipe, dose rate at the surface and at 1 m, the transport index and the
label category those imply, and whether the package passed.

Sources (copied from /work/shared/reference/supply-chain-and-transport.md and
radiopharmacy.md; the product never reads them at run time):

- Removable contamination above 0.37 kBq (22,000 dpm) per 100 cm² of the package surface
  must be reported: 10 CFR 20.1906(d)(1) and 49 CFR 173.443; NY 12 NYCRR 16.16 the same.
- External dose rate above the 10 CFR 71.47 limits must be reported (10 CFR 20.1906(d)(2));
  the receipt check uses 0.1 mSv/h at 1 m.
- Transport index (TI) = maximum dose rate at 1 m in mSv/h × 100, rounded up to the next
  tenth; TI ≤ 0.05 may be taken as 0 (49 CFR 173.403; SSR-6 para 523).
- Label category (49 CFR 172.403 = SSR-6 Table 10, paras 529-533): I-WHITE surface ≤ 5 µSv/h
  and TI 0; II-YELLOW surface ≤ 0.5 mSv/h and TI ≤ 1; III-YELLOW surface ≤ 2 mSv/h and
  TI ≤ 10; above that only under exclusive use (surface ≤ 10 mSv/h). Where TI and surface
  point to different categories, the higher one applies (SSR-6 para 533).

Dose rates in µSv/h, contamination in Bq per 100 cm².
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from isoflow.errors import InvalidInput

#: removable contamination limit [Bq per 100 cm²] (0.37 kBq = 22,000 dpm)
WIPE_LIMIT_BQ_PER_100CM2 = 370.0
WIPE_SOURCE = "10 CFR 20.1906(d)(1); 49 CFR 173.443; 12 NYCRR 16.16: 0.37 kBq per 100 cm²"
#: dose rate at 1 m [µSv/h] above which the receipt is reported
AT_1M_LIMIT_USV_H = 100.0
AT_1M_SOURCE = "10 CFR 20.1906(d)(2), 10 CFR 71.47: 0.1 mSv/h at 1 m"

LABEL_SOURCE = "49 CFR 172.403 = IAEA SSR-6 Table 10, paras 529-533"


@dataclass(frozen=True)
class LabelCategory:
    """A package label category: the highest surface dose rate [µSv/h] and TI it allows."""

    name: str
    max_surface_usv_h: float
    max_ti: float


#: in ascending order; the last is exclusive use only
LABEL_CATEGORIES: tuple[LabelCategory, ...] = (
    LabelCategory("I-WHITE", 5.0, 0.0),
    LabelCategory("II-YELLOW", 500.0, 1.0),
    LabelCategory("III-YELLOW", 2000.0, 10.0),
    LabelCategory("III-YELLOW (exclusive use)", 10000.0, math.inf),
)


@dataclass(frozen=True)
class SurveyResult:
    """The judgement of a package survey."""

    transport_index: float
    label_category: str | None   # None: above every category (not transportable)
    passed: bool
    reasons: tuple[str, ...]


def _rate(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{field} must be a finite number >= 0, not {value!r}", field=field)
    return float(value)


def transport_index(at_1m_usv_h: float) -> float:
    """TI from the dose rate at 1 m [µSv/h]: mSv/h × 100 rounded up to a tenth, 0 if ≤ 0.05."""
    ti = _rate(at_1m_usv_h, "at_1m_usv_h") / 1000.0 * 100.0
    if ti <= 0.05:
        return 0.0
    return math.ceil(round(ti * 10.0, 9)) / 10.0


def label_category(surface_usv_h: float, at_1m_usv_h: float) -> str | None:
    """The label category a package needs (the higher of the surface's and the TI's), or
    None when the surface rate is above every category."""
    surface = _rate(surface_usv_h, "surface_usv_h")
    ti = transport_index(at_1m_usv_h)
    for cat in LABEL_CATEGORIES:
        if surface <= cat.max_surface_usv_h and ti <= cat.max_ti:
            return cat.name
    return None


def judge_survey(surface_usv_h: float, at_1m_usv_h: float,
                 wipe_bq_per_100cm2: float) -> SurveyResult:
    """Pass/fail of a receipt survey with the reasons (each naming its source). A package
    that needs more than III-YELLOW (exclusive use) or no category at all fails as well."""
    surface = _rate(surface_usv_h, "surface_usv_h")
    at_1m = _rate(at_1m_usv_h, "at_1m_usv_h")
    wipe = _rate(wipe_bq_per_100cm2, "wipe_bq_per_100cm2")
    reasons: list[str] = []
    if wipe > WIPE_LIMIT_BQ_PER_100CM2:
        reasons.append(f"removable contamination {wipe:g} Bq/100 cm² is over "
                       f"{WIPE_LIMIT_BQ_PER_100CM2:g} Bq/100 cm² ({WIPE_SOURCE})")
    if at_1m > AT_1M_LIMIT_USV_H:
        reasons.append(f"dose rate at 1 m {at_1m:g} µSv/h is over {AT_1M_LIMIT_USV_H:g} µSv/h "
                       f"({AT_1M_SOURCE})")
    ti = transport_index(at_1m)
    cat = label_category(surface, at_1m)
    if cat is None or cat == LABEL_CATEGORIES[-1].name:
        reasons.append(f"surface {surface:g} µSv/h with TI {ti:g} is beyond III-YELLOW "
                       f"(surface ≤ 2000 µSv/h, TI ≤ 10; {LABEL_SOURCE})")
    return SurveyResult(ti, cat, not reasons, tuple(reasons))
