"""Breakthrough QC of a generator eluate: parent (and other) impurities against the limits
of the site's jurisdiction, projected to the time of administration.

The impurity outlives the daughter (Mo-99 65.9 h vs Tc-99m 6.0 h), so its share of the vial
grows after elution: 0.05 kBq/MBq at elution is ~0.18 kBq/MBq 12 h later. Projections use the
decay engine on the whole vial (the impurity's own in-growth of daughter included); the limit
and its source come from the profile (:mod:`isoflow.domain.jurisdictions`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from isoflow.domain.jurisdictions import BreakthroughLimit, JurisdictionProfile, get_profile
from isoflow.errors import InvalidInput
from isoflow.physics.decay import Inventory
from isoflow.physics.generators import aware_datetime
from isoflow.physics.nuclides import get_nuclide

FloatArray = npt.NDArray[np.float64]

#: Units for a measured impurity ratio, as Bq of impurity per Bq of daughter.
RATIO_UNITS: dict[str, float] = {
    "kBq/MBq": 1e-3, "Bq/MBq": 1e-6, "Bq/kBq": 1e-3, "MBq/GBq": 1e-3, "kBq/GBq": 1e-6,
    "uCi/mCi": 1e-3, "µCi/mCi": 1e-3, "μCi/mCi": 1e-3, "nCi/mCi": 1e-6, "%": 1e-2,
    "ppm": 1e-6, "Bq/Bq": 1.0,
}
_RATIO = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$")


def parse_ratio(value: str | float, *, field: str = "ratio") -> float:
    """An impurity ratio [Bq/Bq] from ``"0.05 kBq/MBq"``, ``"0.15 uCi/mCi"``, ``"0.01 %"`` or
    a bare number (taken as Bq/Bq)."""
    if isinstance(value, bool):
        raise InvalidInput(f"ratio {value!r} is not a number", field=field)
    if isinstance(value, int | float):
        r = float(value)
    elif isinstance(value, str):
        m = _RATIO.match(value)
        unit = m.group(2) if m else ""
        if not m or (unit and unit not in RATIO_UNITS):
            raise InvalidInput(f"ratio {value!r} is not understood; write e.g. "
                               f"'0.05 kBq/MBq' (units: {', '.join(RATIO_UNITS)})", field=field)
        r = float(m.group(1)) * (RATIO_UNITS[unit] if unit else 1.0)
    else:
        raise InvalidInput(f"ratio {value!r} is not a number", field=field)
    if not math.isfinite(r) or r < 0:
        raise InvalidInput(f"ratio {value!r} must be a finite number >= 0", field=field)
    return r


def _vial(daughter: str, ratios: Mapping[str, float]) -> Inventory:
    return Inventory.from_activities({daughter: 1.0, **{k: float(v) for k, v in ratios.items()}})


def project(daughter: str, ratios_at_elution: Mapping[str, float], elapsed_s: npt.ArrayLike
            ) -> dict[str, dict[str, FloatArray]]:
    """Impurity ratios after ``elapsed_s`` [s], from per-daughter ratios [Bq/Bq] at elution.

    Returns, per impurity, ``per_daughter`` (Bq impurity / Bq daughter) and ``of_total``
    (Bq impurity / Bq of everything in the vial) as arrays over the times.
    """
    d = get_nuclide(daughter).name
    ratios = {get_nuclide(k).name: v for k, v in ratios_at_elution.items()}
    t = np.atleast_1d(np.asarray(elapsed_s, dtype=np.float64))
    names, act = _vial(d, ratios).activities_bq_at(t)
    total = act.sum(axis=1)
    a_d = act[:, names.index(d)]
    with np.errstate(divide="ignore", invalid="ignore"):   # daughter decayed to 0: inf/nan
        return {k: {"per_daughter": act[:, names.index(k)] / a_d,
                    "of_total": act[:, names.index(k)] / total} for k in ratios}


def projected_ratio(daughter: str, impurity: str, ratio_at_elution: float, elapsed_s: float
                    ) -> float:
    """Impurity per daughter [Bq/Bq] ``elapsed_s`` [s] after elution."""
    return float(project(daughter, {impurity: ratio_at_elution}, [elapsed_s])
                 [get_nuclide(impurity).name]["per_daughter"][0])


def time_to_limit_s(limit: BreakthroughLimit, ratios_at_elution: Mapping[str, float],
                    horizon_s: float = 30 * 86400.0) -> float | None:
    """Seconds after elution at which the impurity reaches ``limit`` [s]: 0.0 if it is over
    already at elution, None if it stays within the limit up to ``horizon_s``."""
    def value(t: float) -> float:
        return float(project(limit.daughter, ratios_at_elution, [t])[limit.impurity]
                     [limit.basis][0])

    if value(0.0) > limit.limit:
        return 0.0
    lam_d = get_nuclide(limit.daughter).decay_constant_per_s
    lo, hi = 0.0, min(horizon_s, 1.0 / lam_d)
    while value(hi) <= limit.limit:
        if hi >= horizon_s:
            return None
        lo, hi = hi, min(horizon_s, 2.0 * hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if value(mid) <= limit.limit:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-3:
            break
    return lo


@dataclass(frozen=True)
class ImpurityResult:
    impurity: str
    ratio_at_elution: float          # [Bq/Bq per daughter]
    ratio_at_administration: float   # [Bq/Bq per daughter]
    value_at_administration: float   # in the limit's basis [Bq/Bq]
    limit: float
    basis: str
    rule: str
    source: str
    verified: bool
    passed: bool
    latest_compliant_at: datetime | None   # None: within the limit for 30 days


@dataclass(frozen=True)
class BreakthroughCheck:
    """Pass/fail of an eluate at a planned administration time, with each rule's source."""

    jurisdiction: str
    daughter: str
    eluted_at: datetime
    administration_at: datetime
    impurities: tuple[ImpurityResult, ...]
    eluate_expires_at: datetime | None
    expiry_source: str | None
    latest_administration_at: datetime | None   # None: no limit binds within 30 days
    passed: bool
    reasons: tuple[str, ...]


def check_breakthrough(daughter: str, measured: Mapping[str, str | float],
                       eluted_at: datetime | str, administration_at: datetime | str,
                       jurisdiction: str | JurisdictionProfile) -> BreakthroughCheck:
    """Check measured impurity ratios (per daughter, at elution) at an administration time.

    Every limit of the profile for this daughter needs a measurement (for Rb-82: Sr-82 and
    Sr-85). The latest compliant administration time is the earliest of the limits' and the
    eluate expiry.
    """
    prof = jurisdiction if isinstance(jurisdiction, JurisdictionProfile) else \
        get_profile(jurisdiction)
    d = get_nuclide(daughter).name
    t0 = aware_datetime(eluted_at, field="eluted_at")
    t1 = aware_datetime(administration_at, field="administration_at")
    if t1 < t0:
        raise InvalidInput(f"administration {t1.isoformat()} is before the elution "
                           f"{t0.isoformat()}", field="administration_at")
    ratios: dict[str, float] = {}
    for k, v in measured.items():
        ratios[get_nuclide(k).name] = parse_ratio(v, field=f"measured.{k}")
    limits = prof.limits_for(d)
    if not limits:
        raise InvalidInput(f"the {prof.code} profile has no breakthrough limit for {d} eluates",
                           field="daughter")
    known = {x.impurity for x in limits}
    for k in ratios:
        if k not in known:
            raise InvalidInput(f"{k} has no breakthrough limit for {d} under {prof.code} "
                               f"(limits exist for {', '.join(sorted(known))})",
                               field=f"measured.{k}")
    for x in limits:
        if x.impurity not in ratios:
            raise InvalidInput(f"{x.impurity} must be measured: {prof.code} limits it "
                               f"({x.describe()}, {x.source})", field=f"measured.{x.impurity}")
    dt = (t1 - t0).total_seconds()
    proj = project(d, ratios, [dt])
    results = []
    reasons = []
    latest: datetime | None = None
    for x in limits:
        value = float(proj[x.impurity][x.basis][0])
        t_lim = time_to_limit_s(x, ratios)
        at = None if t_lim is None else t0 + timedelta(seconds=t_lim)
        ok = value <= x.limit
        if not ok:
            reasons.append(f"{x.impurity} at administration is {_show(value, x.basis)}, over "
                           f"the limit {x.describe()} ({x.source})")
        if at is not None:
            latest = at if latest is None else min(latest, at)
        results.append(ImpurityResult(
            x.impurity, ratios[x.impurity], float(proj[x.impurity]["per_daughter"][0]), value,
            x.limit, x.basis, x.describe(), x.source, x.verified, ok, at))
    expiry = prof.eluate_expiry.get(d)
    expires_at = None if expiry is None else t0 + timedelta(seconds=expiry.seconds)
    if expiry is not None and expires_at is not None:
        latest = expires_at if latest is None else min(latest, expires_at)
        if t1 > expires_at:
            reasons.append(f"the eluate expired at {expires_at.isoformat()} ({expiry.source})")
    return BreakthroughCheck(prof.code, d, t0, t1, tuple(results), expires_at,
                             None if expiry is None else expiry.source, latest,
                             not reasons, tuple(reasons))


def _show(value: float, basis: str) -> str:
    if basis == "of_total":
        return f"{value * 100:.4g} % of the total activity"
    return f"{value * 1e3:.4g} kBq/MBq"


@dataclass(frozen=True)
class EluateExpiry:
    """When an eluate (or a kit made from it) expires, and which rule decided."""

    expires_at: datetime | None
    rule: str


def eluate_expiry(daughter: str, eluted_at: datetime | str,
                  jurisdiction: str | JurisdictionProfile,
                  kit_expires_at: datetime | str | None = None,
                  label_shelf_life_s: float | None = None) -> EluateExpiry:
    """Expiry of an eluate: elution + the profile's eluate expiry (Tc-99m: 12 h), or the
    generator label's shelf life, or a kit's own expiry — whichever is earliest (a kit made
    with an eluate expires with it: TechneLite label). ``expires_at`` is None if no rule."""
    prof = jurisdiction if isinstance(jurisdiction, JurisdictionProfile) else \
        get_profile(jurisdiction)
    t0 = aware_datetime(eluted_at, field="eluted_at")
    d = get_nuclide(daughter).name
    options: list[tuple[datetime, str]] = []
    rule = prof.eluate_expiry.get(d)
    if rule is not None:
        options.append((t0 + timedelta(seconds=rule.seconds), rule.source))
    if label_shelf_life_s is not None:
        if not (math.isfinite(label_shelf_life_s) and label_shelf_life_s > 0):
            raise InvalidInput("the label's eluate shelf life must be > 0",
                               field="label_shelf_life_s")
        options.append((t0 + timedelta(seconds=label_shelf_life_s),
                        "generator label: eluate shelf life"))
    if kit_expires_at is not None:
        options.append((aware_datetime(kit_expires_at, field="kit_expires_at"),
                        "the kit's own expiry"))
    if not options:
        return EluateExpiry(None, f"no eluate expiry known for {d} under {prof.code}")
    at, source = min(options, key=lambda o: o[0])
    return EluateExpiry(at, source)
