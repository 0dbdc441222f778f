"""Decay-in-storage of radioactive waste: when a sealed container may be surveyed for release,
and whether the release survey allows disposal.

Rules and sources:
- 10 CFR 35.92 / 35.2092 (/work/shared/reference/radiopharmacy.md §2.1): only nuclides with a
  half-life ≤ 120 days (``profile.dis_max_half_life_s``); survey the surface unshielded until it
  cannot be distinguished from background; record disposal date, instrument, background,
  surface reading and who surveyed. Common practice (UIowa, GVSU): hold ≥ 10 half-lives
  (``profile.dis_half_lives``) of the longest-lived nuclide in the container.
- Release date: the latest, over the items, of (a) the time their activity falls to the
  clearance level (per nuclide, below) and (b) ``dis_half_lives`` half-lives of the
  longest-lived nuclide after sealing.
- Clearance levels: IAEA GSR Part 3 (2014) Schedule I, Table I.2 values as recalled; NOT found
  in /work/shared/reference, hence ``verified=False``. Without the waste's mass they are
  applied to 1 kg of waste (level [Bq/g] × 1000 g) — a conservative placeholder until the
  schema stores a mass.
- Survey rule (chosen here; 35.92 says "cannot be distinguished from background"): the
  surface reading passes when it is ≤ 1.1 × background (an instrument's usual reading
  scatter), i.e. within 10 % of background.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from isoflow.domain.jurisdictions import JurisdictionProfile
from isoflow.domain.ledger import decay_factor
from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide

_GSR3 = "IAEA GSR Part 3 (2014) Schedule I, Table I.2 (value as recalled, not verified)"


@dataclass(frozen=True)
class ClearanceLevel:
    bq_per_g: float
    source: str
    verified: bool = False


CLEARANCE_LEVELS: dict[str, ClearanceLevel] = {
    "Tc-99m": ClearanceLevel(100.0, _GSR3),
    "I-131": ClearanceLevel(10.0, _GSR3),
    "Ga-68": ClearanceLevel(10.0, _GSR3),
    "F-18": ClearanceLevel(10.0, _GSR3),
    "Mo-99": ClearanceLevel(10.0, _GSR3),
}
#: a nuclide not in the table is held to the lowest level above
DEFAULT_CLEARANCE = ClearanceLevel(10.0, _GSR3 + "; default for nuclides not listed")
#: the mass [g] the levels are applied to while the waste's mass is not recorded
ASSUMED_MASS_G = 1000.0
#: the survey passes when surface ≤ this × background
SURVEY_FACTOR = 1.1


@dataclass(frozen=True)
class WasteContent:
    nuclide: str
    activity_bq: float
    reference_at: datetime


def half_life_for_storage(nuclide: str, profile: JurisdictionProfile) -> float:
    """The nuclide's half-life [s]; InvalidInput (field "nuclide") if unknown, stable, or
    longer than the profile allows for decay-in-storage."""
    try:
        hl = get_nuclide(nuclide).half_life_s
    except (KeyError, ValueError, LookupError) as exc:
        raise InvalidInput(f"unknown nuclide {nuclide!r}", field="nuclide") from exc
    if not math.isfinite(hl) or hl > profile.dis_max_half_life_s:
        raise InvalidInput(
            f"{nuclide} has a half-life above {profile.dis_max_half_life_s / 86400:.0f} days: "
            "not eligible for decay-in-storage (10 CFR 35.92)", field="nuclide")
    return hl


def clearance_bq(nuclide: str, mass_g: float = ASSUMED_MASS_G) -> float:
    level = CLEARANCE_LEVELS.get(nuclide, DEFAULT_CLEARANCE)
    return level.bq_per_g * mass_g


def activity_at(item: WasteContent, at: datetime) -> float:
    lam = math.log(2) / get_nuclide(item.nuclide).half_life_s
    return item.activity_bq * decay_factor(lam, (at - item.reference_at).total_seconds())


def release_at(items: Sequence[WasteContent], sealed_at: datetime,
               profile: JurisdictionProfile, mass_g: float = ASSUMED_MASS_G) -> datetime:
    """When the sealed container may be surveyed for release: every item below its clearance
    level (the sum per nuclide), and ``profile.dis_half_lives`` half-lives of the
    longest-lived nuclide after sealing. An empty container may be released at sealing."""
    if not items:
        return sealed_at
    latest = sealed_at
    by_nuclide: dict[str, float] = {}
    for item in items:
        half_life_for_storage(item.nuclide, profile)
        by_nuclide[item.nuclide] = by_nuclide.get(item.nuclide, 0.0) + activity_at(item,
                                                                                    sealed_at)
    longest = 0.0
    for nuclide, activity in by_nuclide.items():
        hl = half_life_for_storage(nuclide, profile)
        longest = max(longest, hl)
        level = clearance_bq(nuclide, mass_g)
        if activity > level:
            t = sealed_at + timedelta(seconds=hl * math.log2(activity / level))
            latest = max(latest, t)
    return max(latest, sealed_at + timedelta(seconds=profile.dis_half_lives * longest))


def survey_passes(background_usv_h: float, surface_usv_h: float) -> bool:
    """The surface reading cannot be distinguished from background: ≤ 1.1 × background."""
    for name, v in (("background_usv_h", background_usv_h), ("surface_usv_h", surface_usv_h)):
        if not (math.isfinite(v) and v >= 0):
            raise InvalidInput(f"{name} must be a non-negative number, not {v!r}", field=name)
    return surface_usv_h <= SURVEY_FACTOR * background_usv_h
