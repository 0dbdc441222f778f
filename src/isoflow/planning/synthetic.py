"""A generated week of Tc-99m demand for examples, tests and benchmarks (seeded, synthetic).

A department doing ``procedures_per_day`` Tc-99m procedures (bone, myocardial perfusion,
thyroid, renal, lung, HMPAO brain, sentinel node) turns patients into kit preparations: each
kit needs the sum of its patients' doses decay-corrected to the preparation time, plus 10 %
for the vial's dead volume. Activities follow reference/radiopharmacy.md §3.4 anchors; the
mix, times and eluate ages are illustrative, not from a real department.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from isoflow.physics.decay import decay_factor
from isoflow.planning.demand import (
    Delivery,
    DemandItem,
    GeneratorOffer,
    GeneratorSize,
    PlanSettings,
    WorkingHours,
)


@dataclass(frozen=True)
class _Procedure:
    name: str
    share: float           # of the day's procedures
    dose_mbq: float
    per_kit: int           # patients per kit preparation (1: one item per patient)
    first: time
    spacing_min: int       # between patients of one kit
    max_age_h: float
    carrier_sensitive: bool = False


_MIX = (
    _Procedure("MDP bone", 0.30, 740, 6, time(8, 0), 20, 12),
    _Procedure("sestamibi MPI", 0.20, 700, 4, time(8, 30), 30, 6),
    _Procedure("pertechnetate thyroid", 0.125, 150, 5, time(9, 0), 20, 12),
    _Procedure("MAG3 renal", 0.10, 200, 2, time(9, 30), 45, 6),
    _Procedure("MAA lung", 0.10, 150, 4, time(10, 0), 30, 6),
    _Procedure("HMPAO brain", 0.05, 740, 1, time(11, 0), 0, 2, True),
    _Procedure("nanocolloid sentinel", 0.125, 100, 5, time(7, 45), 30, 6),
)


def synthetic_week(monday: date, procedures_per_day: int = 40, seed: int = 1,
                   timezone: str = "Europe/Moscow", days: int = 5) -> list[DemandItem]:
    """Kit preparations for ``days`` working days from ``monday`` (local times)."""
    rng = random.Random(seed)
    zone = ZoneInfo(timezone)
    items: list[DemandItem] = []
    for d in range(days):
        day = monday + timedelta(days=d)
        for proc in _MIX:
            n = max(1, round(procedures_per_day * proc.share * rng.uniform(0.8, 1.2)))
            kit_no = 0
            start = datetime.combine(day, proc.first, zone)
            while n > 0:
                k = min(n, proc.per_kit)
                prep = start + timedelta(minutes=15 * rng.randint(0, 2))
                lead = timedelta(minutes=15)
                need = 0.0
                for p in range(k):
                    admin = prep + lead + timedelta(minutes=proc.spacing_min * p)
                    need += proc.dose_mbq * 1e6 / decay_factor(
                        "Tc-99m", (admin - prep).total_seconds())
                items.append(DemandItem(
                    id=f"{day.isoformat()}-{proc.name.split()[0].lower()}-{kit_no + 1}",
                    needed_at=prep.astimezone(ZoneInfo("UTC")), activity_bq=need * 1.1,
                    max_eluate_age_s=proc.max_age_h * 3600,
                    carrier_sensitive=proc.carrier_sensitive,
                    label=f"{proc.name}, {k} patient(s)"))
                n -= k
                kit_no += 1
                start = prep + lead + timedelta(minutes=proc.spacing_min * k + 60)
    return items


def synthetic_offer(monday: date, timezone: str = "Europe/Moscow",
                    type_key: str = "Poltechnet") -> GeneratorOffer:
    """Eight sizes (5-60 GBq Mo-99, price = 300 + 40 per GBq) delivered Monday and Thursday
    at 06:30 local, calibrated on arrival."""
    zone = ZoneInfo(timezone)
    gbq = (5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0)
    sizes = tuple(GeneratorSize(f"{a:g} GBq", a * 1e9, 300.0 + 40.0 * a) for a in gbq)
    deliveries = tuple(Delivery(datetime.combine(monday + timedelta(days=d), time(6, 30), zone)
                                .astimezone(ZoneInfo("UTC"))) for d in (0, 3))
    return GeneratorOffer(type_key, sizes, deliveries, max_per_delivery=2)


def synthetic_settings(timezone: str = "Europe/Moscow") -> PlanSettings:
    return PlanSettings(working_hours=WorkingHours(time(7, 0), time(17, 0), timezone))
