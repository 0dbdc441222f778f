"""The day plan of a nuclear-medicine department: from the doses a day's appointments need to
the kit vials to prepare, the elutions to make, the dose draws, and what cannot be met.

Pure and deterministic (no database, no clock). Times are aware datetimes (UTC inside),
activities in Bq, volumes in mL, durations in seconds.

* A dose is wanted at its injection time; it is drawn ``draw_lead_s`` earlier.
* Doses of one kit share a vial, in time order, while every dose drawn is within the kit's
  shelf life from the preparation and the vial's activity stays at or below the kit's maximum.
  A vial is prepared ``kit_prep_s + rcp_s`` before its first draw (labelling, then the
  radiochemical-purity test, then release). Its activity at preparation is the sum of each
  dose decayed back to the preparation time, plus the overage (a fraction, and at least what
  keeps the doses' volume out of the vial's dead volume).
* Each vial (and each pertechnetate dose) is a :class:`~isoflow.planning.demand.DemandItem`
  of the elution planner's interface: Tc-99m needed at a time from an eluate at most so old.
  The site's generators are already on the shelf with their own history of elutions, which the
  ordering planner (:mod:`isoflow.planning.elution`, built for generators still to be ordered
  and taken as clean at calibration) does not model; so the day's elutions are chosen here
  greedily on the physics model of each generator *with its recorded elutions*: an item is
  served from an eluate that is young enough and still holds enough, otherwise from a new
  elution at the latest working slot before it, on the generator that yields the most.
* :func:`generator_order` hands next week's demand items to the ordering planner
  (:func:`isoflow.planning.elution.plan_elutions`) with the catalogue's sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from isoflow.errors import InvalidInput
from isoflow.physics.generator_catalogue import generator_type
from isoflow.physics.generators import Generator
from isoflow.physics.nuclides import get_nuclide
from isoflow.planning.demand import (
    Delivery,
    DemandItem,
    GeneratorOffer,
    GeneratorSize,
    PlanSettings,
    WorkingHours,
)
from isoflow.planning.elution import plan_elutions

DAUGHTER = "Tc-99m"
HOUR = 3600.0


def _decay(dt_s: float) -> float:
    """exp(-λ·dt) of Tc-99m (dt may be negative: growth back in time)."""
    return math.exp(-get_nuclide(DAUGHTER).decay_constant_per_s * dt_s)


# ---------------------------------------------------------------- inputs
@dataclass(frozen=True)
class DoseNeed:
    """A dose wanted: ``activity_bq`` [Bq] at ``injection_at``; ``kit_code`` None for
    pertechnetate straight from the eluate. ``provisional``: no prescription yet (the
    procedure's typical adult activity is planned)."""

    id: str
    injection_at: datetime
    activity_bq: float
    procedure: str
    kit_code: str | None
    appointment_id: int | None = None
    patient: str = ""
    camera: str = ""
    provisional: bool = False


@dataclass(frozen=True)
class KitSpec:
    code: str
    name: str
    max_activity_bq: float
    max_volume_ml: float
    shelf_life_s: float
    max_eluate_age_s: float | None = None
    carrier_sensitive: bool = False


@dataclass(frozen=True)
class SiteGenerator:
    """A generator on the site: ``generator`` carries its recorded elutions."""

    id: str
    label: str
    generator: Generator


@dataclass(frozen=True)
class DaySettings:
    """Working day (local clock in ``timezone``) and the hot lab's habits."""

    timezone: str = "UTC"
    start: time = time(7, 0)
    end: time = time(18, 0)
    draw_lead_s: float = 600.0
    elution_s: float = 600.0
    kit_prep_s: float = 1200.0
    rcp_s: float = 900.0
    overage_fraction: float = 0.1
    dead_volume_ml: float = 0.3
    eluate_max_age_s: float = 12 * HOUR
    eluate_volume_ml: float = 5.0
    slot_s: float = 900.0
    min_elution_gap_s: float = HOUR

    def validate(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            raise InvalidInput(f"unknown time zone {self.timezone!r}", field="timezone") from None
        if self.end <= self.start:
            raise InvalidInput("the working day must end after it starts", field="end")
        for name in ("draw_lead_s", "elution_s", "kit_prep_s", "rcp_s", "dead_volume_ml",
                     "overage_fraction", "min_elution_gap_s"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v >= 0):
                raise InvalidInput(f"{name} must be >= 0", field=name)
        for name in ("eluate_max_age_s", "eluate_volume_ml", "slot_s"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0):
                raise InvalidInput(f"{name} must be > 0", field=name)
        if self.overage_fraction > 1:
            raise InvalidInput("overage_fraction must be at most 1", field="overage_fraction")

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.timezone)
        return (datetime.combine(day, self.start, zone).astimezone(UTC),
                datetime.combine(day, self.end, zone).astimezone(UTC))


# ---------------------------------------------------------------- outputs
@dataclass(frozen=True)
class PlannedVial:
    id: str
    kit_code: str
    kit_name: str
    prepare_at: datetime
    rcp_at: datetime
    release_at: datetime
    expires_at: datetime
    activity_bq: float          # to add, at prepare_at
    volume_ml: float            # final volume in the vial
    eluate_volume_ml: float     # eluate to add (the rest saline)
    elution_id: str | None
    dose_ids: tuple[str, ...]


@dataclass(frozen=True)
class PlannedElution:
    id: str
    generator_id: str
    generator_label: str
    at: datetime
    expected_bq: float
    volume_ml: float
    recorded: bool
    serves: tuple[str, ...]
    drawn_bq: float             # at the elution time


@dataclass(frozen=True)
class PlannedDraw:
    dose_id: str
    appointment_id: int | None
    source_id: str              # vial or elution id
    draw_at: datetime
    injection_at: datetime
    wanted_bq: float            # at injection
    draw_bq: float              # at draw
    volume_ml: float
    provisional: bool


@dataclass(frozen=True)
class Shortfall:
    dose_id: str
    appointment_id: int | None
    code: str                   # outside_hours, too_early, unknown_kit, exceeds_kit,
    reason: str                 # no_generator, insufficient
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DayPlan:
    day: date
    timezone: str
    doses: tuple[DoseNeed, ...]
    vials: tuple[PlannedVial, ...]
    elutions: tuple[PlannedElution, ...]
    draws: tuple[PlannedDraw, ...]
    shortfalls: tuple[Shortfall, ...]

    def to_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "day": self.day.isoformat(), "timezone": self.timezone,
            "doses": [{"id": d.id, "appointment_id": d.appointment_id,
                       "injection_at": iso(d.injection_at), "activity_bq": d.activity_bq,
                       "procedure": d.procedure, "kit_code": d.kit_code, "patient": d.patient,
                       "camera": d.camera, "provisional": d.provisional} for d in self.doses],
            "vials": [{"id": v.id, "kit_code": v.kit_code, "kit_name": v.kit_name,
                       "prepare_at": iso(v.prepare_at), "rcp_at": iso(v.rcp_at),
                       "release_at": iso(v.release_at), "expires_at": iso(v.expires_at),
                       "activity_bq": v.activity_bq, "volume_ml": v.volume_ml,
                       "eluate_volume_ml": v.eluate_volume_ml, "elution_id": v.elution_id,
                       "dose_ids": list(v.dose_ids)} for v in self.vials],
            "elutions": [{"id": e.id, "generator_id": e.generator_id,
                          "generator_label": e.generator_label, "at": iso(e.at),
                          "expected_bq": e.expected_bq, "volume_ml": e.volume_ml,
                          "recorded": e.recorded, "serves": list(e.serves),
                          "drawn_bq": e.drawn_bq} for e in self.elutions],
            "draws": [{"dose_id": d.dose_id, "appointment_id": d.appointment_id,
                       "source_id": d.source_id, "draw_at": iso(d.draw_at),
                       "injection_at": iso(d.injection_at), "wanted_bq": d.wanted_bq,
                       "draw_bq": d.draw_bq, "volume_ml": d.volume_ml,
                       "provisional": d.provisional} for d in self.draws],
            "shortfalls": [{"dose_id": s.dose_id, "appointment_id": s.appointment_id,
                            "code": s.code, "reason": s.reason, "params": dict(s.params)}
                           for s in self.shortfalls],
        }


# ---------------------------------------------------------------- demand
@dataclass
class _Vial:
    kit: KitSpec
    doses: list[DoseNeed]
    prepare_at: datetime

    def required_bq(self, settings: DaySettings, extra: DoseNeed | None = None) -> float:
        doses = self.doses + ([extra] if extra is not None else [])
        total = sum(d.activity_bq / _decay((d.injection_at - self.prepare_at).total_seconds())
                    for d in doses)
        usable = self.kit.max_volume_ml - settings.dead_volume_ml
        dead = total * self.kit.max_volume_ml / usable if usable > 0 else math.inf
        return max(total * (1 + settings.overage_fraction), dead)


@dataclass(frozen=True)
class DayDemand:
    """The day's kit vials and pertechnetate draws as elution-planner demand items, and the
    doses refused before any generator is looked at."""

    vials: tuple[tuple[str, KitSpec, tuple[DoseNeed, ...], datetime, float], ...]
    items: tuple[DemandItem, ...]
    direct: tuple[DoseNeed, ...]
    shortfalls: tuple[Shortfall, ...]


def _validate_doses(doses: Sequence[DoseNeed]) -> None:
    seen: set[str] = set()
    for d in doses:
        if d.id in seen:
            raise InvalidInput(f"dose {d.id!r} appears twice", field=f"doses[{d.id}]")
        seen.add(d.id)
        if d.injection_at.tzinfo is None:
            raise InvalidInput(f"dose {d.id!r}: injection time without a time zone",
                               field=f"doses[{d.id}].injection_at")
        if not (math.isfinite(d.activity_bq) and d.activity_bq > 0):
            raise InvalidInput(f"dose {d.id!r}: activity must be > 0",
                               field=f"doses[{d.id}].activity_bq")


def _fmt(t: datetime, zone: ZoneInfo) -> str:
    return t.astimezone(zone).strftime("%H:%M")


def day_demand(day: date, doses: Sequence[DoseNeed], kits: Sequence[KitSpec],
               settings: DaySettings) -> DayDemand:
    """Vials (grouped doses) and pertechnetate doses of a day, and early refusals."""
    settings.validate()
    _validate_doses(doses)
    zone = ZoneInfo(settings.timezone)
    start, end = settings.bounds(day)
    lead = timedelta(seconds=settings.draw_lead_s)
    kit_of = {k.code: k for k in kits}
    shortfalls: list[Shortfall] = []
    by_kit: dict[str, list[DoseNeed]] = {}
    direct: list[DoseNeed] = []
    ordered = sorted(doses, key=lambda d: (d.injection_at, d.id))
    for d in ordered:
        inj = d.injection_at.astimezone(UTC)
        if not start <= inj <= end:
            shortfalls.append(Shortfall(
                d.id, d.appointment_id, "outside_hours",
                f"injection at {_fmt(inj, zone)} is outside the working day "
                f"{_fmt(start, zone)}-{_fmt(end, zone)}",
                {"time": _fmt(inj, zone), "start": _fmt(start, zone), "end": _fmt(end, zone)}))
            continue
        before = settings.elution_s + (0.0 if d.kit_code is None
                                       else settings.kit_prep_s + settings.rcp_s)
        earliest = start + timedelta(seconds=before) + lead
        if inj < earliest:
            shortfalls.append(Shortfall(
                d.id, d.appointment_id, "too_early",
                f"injection at {_fmt(inj, zone)} is before {_fmt(earliest, zone)}, the "
                "earliest a dose can be ready after the working day starts",
                {"time": _fmt(inj, zone), "earliest": _fmt(earliest, zone)}))
            continue
        if d.kit_code is None:
            direct.append(d)
            continue
        kit = kit_of.get(d.kit_code)
        if kit is None:
            shortfalls.append(Shortfall(d.id, d.appointment_id, "unknown_kit",
                                        f"no kit {d.kit_code!r} in the catalogue",
                                        {"kit": d.kit_code}))
            continue
        by_kit.setdefault(kit.code, []).append(d)

    vials: list[tuple[str, KitSpec, tuple[DoseNeed, ...], datetime, float]] = []
    items: list[DemandItem] = []
    prep = timedelta(seconds=settings.kit_prep_s + settings.rcp_s)
    for code in sorted(by_kit):
        kit = kit_of[code]
        current: _Vial | None = None
        groups: list[_Vial] = []
        for d in by_kit[code]:
            draw = d.injection_at.astimezone(UTC) - lead
            if current is not None and (
                    (draw - current.prepare_at).total_seconds() <= kit.shelf_life_s
                    and current.required_bq(settings, d) <= kit.max_activity_bq):
                current.doses.append(d)
                continue
            alone = _Vial(kit, [d], draw - prep)
            if alone.required_bq(settings) > kit.max_activity_bq:
                shortfalls.append(Shortfall(
                    d.id, d.appointment_id, "exceeds_kit",
                    f"the dose alone needs {alone.required_bq(settings) / 1e6:.0f} MBq in the "
                    f"vial, above the kit's maximum {kit.max_activity_bq / 1e6:.0f} MBq",
                    {"kit": kit.code, "needed": f"{alone.required_bq(settings) / 1e6:.0f}",
                     "limit": f"{kit.max_activity_bq / 1e6:.0f}"}))
                continue
            current = alone
            groups.append(current)
        for n, v in enumerate(groups, 1):
            vid = f"{code}-{n}"
            need = v.required_bq(settings)
            vials.append((vid, kit, tuple(v.doses), v.prepare_at, need))
            age = settings.eluate_max_age_s if kit.max_eluate_age_s is None else min(
                kit.max_eluate_age_s, settings.eluate_max_age_s)
            items.append(DemandItem(vid, v.prepare_at, need, age, kit.carrier_sensitive,
                                    f"{kit.name} vial {n}"))
    for d in direct:
        draw = d.injection_at.astimezone(UTC) - lead
        items.append(DemandItem(d.id, draw, d.activity_bq / _decay(settings.draw_lead_s),
                                settings.eluate_max_age_s, False, d.procedure))
    items.sort(key=lambda it: (it.needed_at, it.id))
    return DayDemand(tuple(vials), tuple(items), tuple(direct), tuple(shortfalls))


# ---------------------------------------------------------------- elutions
@dataclass
class _Eluate:
    id: str
    gen: SiteGenerator
    at: datetime
    bq: float
    volume_ml: float
    recorded: bool
    left_bq: float                       # at ``at``
    serves: list[str] = field(default_factory=list)


def plan_day(day: date, doses: Sequence[DoseNeed], kits: Sequence[KitSpec],
             generators: Sequence[SiteGenerator], settings: DaySettings | None = None
             ) -> DayPlan:
    """The day's vials, elutions, draws and shortfalls (see the module docstring)."""
    settings = settings or DaySettings()
    demand = day_demand(day, doses, kits, settings)
    zone = ZoneInfo(settings.timezone)
    start, end = settings.bounds(day)
    shortfalls = list(demand.shortfalls)
    gens = sorted(generators, key=lambda g: g.id)
    state: dict[str, Generator] = {g.id: g.generator for g in gens}
    eluates: list[_Eluate] = []
    for g in gens:
        for n, el in enumerate(g.generator.eluates(), 1):
            if start - timedelta(seconds=settings.eluate_max_age_s) <= el.at <= end:
                vol = el.volume_ml or settings.eluate_volume_ml
                eluates.append(_Eluate(f"{g.id}-E{n}", g, el.at, el.daughter_bq, vol, True,
                                       el.daughter_bq))
    counter = {g.id: len(g.generator.elutions) for g in gens}
    slots: list[datetime] = []
    t = start
    while t <= end:
        slots.append(t)
        t += timedelta(seconds=settings.slot_s)
    max_vol = {vid: kit.max_volume_ml for vid, kit, *_ in demand.vials}
    served_by: dict[str, _Eluate] = {}
    failed: dict[str, Shortfall] = {}

    def fits(e: _Eluate, it: DemandItem) -> bool:
        age = (it.needed_at - e.at).total_seconds()
        if not 0 <= age <= it.max_eluate_age_s:
            return False
        draw_at_elution = it.activity_bq / _decay(age)
        if draw_at_elution > e.left_bq * (1 + 1e-9):
            return False
        limit = max_vol.get(it.id)
        return limit is None or draw_at_elution / e.bq * e.volume_ml <= limit

    for it in demand.items:
        choice = next((e for e in sorted(eluates, key=lambda e: (e.at, e.id)) if fits(e, it)),
                      None)
        if choice is None:
            latest = it.needed_at - timedelta(seconds=settings.elution_s)
            best: tuple[float, SiteGenerator, datetime] | None = None
            for g in gens:
                gen = state[g.id]
                last = gen.elutions[-1].at if gen.elutions else None
                cands = [s for s in slots if s <= latest
                         and (it.needed_at - s).total_seconds() <= it.max_eluate_age_s
                         and (last is None or (s - last).total_seconds()
                              >= settings.min_elution_gap_s)
                         and (gen.expires_at is None or s <= gen.expires_at)
                         and s >= gen.clean_at]
                if not cands:
                    continue
                at = cands[-1]
                bq = gen.expected_eluate(at).daughter_bq
                if best is None or bq > best[0]:
                    best = (bq, g, at)
            if best is not None:
                bq, g, at = best
                counter[g.id] += 1
                vol = state[g.id].eluate_volume_ml or settings.eluate_volume_ml
                cand = _Eluate(f"{g.id}-E{counter[g.id]}", g, at, bq, vol, False, bq)
                if fits(cand, it):
                    state[g.id], _ = state[g.id].elute(at)
                    eluates.append(cand)
                    choice = cand
            if choice is None:
                if best is None:
                    why = ("no generator can be eluted in time (none on the site, expired, or "
                           "eluted too recently)")
                    failed[it.id] = Shortfall(it.id, None, "no_generator", why, {})
                else:
                    most = best[0] * _decay((it.needed_at - best[2]).total_seconds())
                    failed[it.id] = Shortfall(
                        it.id, None, "insufficient",
                        f"needs {it.activity_bq / 1e6:.0f} MBq at {_fmt(it.needed_at, zone)}; "
                        f"an elution then gives at most {most / 1e6:.0f} MBq",
                        {"needed": f"{it.activity_bq / 1e6:.0f}",
                         "most": f"{most / 1e6:.0f}", "time": _fmt(it.needed_at, zone)})
                continue
        choice.left_bq -= it.activity_bq / _decay((it.needed_at - choice.at).total_seconds())
        choice.serves.append(it.id)
        served_by[it.id] = choice

    lead = timedelta(seconds=settings.draw_lead_s)
    vials: list[PlannedVial] = []
    draws: list[PlannedDraw] = []
    for vid, kit, vdoses, prep_at, need in demand.vials:
        e = served_by.get(vid)
        if e is None:
            sf = failed[vid]
            shortfalls.extend(Shortfall(d.id, d.appointment_id, sf.code,
                                        f"{kit.name} vial: {sf.reason}", sf.params)
                              for d in vdoses)
            continue
        conc_e = e.bq * _decay((prep_at - e.at).total_seconds()) / e.volume_ml
        vials.append(PlannedVial(
            vid, kit.code, kit.name, prep_at,
            prep_at + timedelta(seconds=settings.kit_prep_s),
            prep_at + timedelta(seconds=settings.kit_prep_s + settings.rcp_s),
            prep_at + timedelta(seconds=kit.shelf_life_s), need, kit.max_volume_ml,
            need / conc_e, e.id, tuple(d.id for d in vdoses)))
        for d in vdoses:
            draw_at = d.injection_at.astimezone(UTC) - lead
            draw_bq = d.activity_bq / _decay(settings.draw_lead_s)
            conc = need * _decay((draw_at - prep_at).total_seconds()) / kit.max_volume_ml
            draws.append(PlannedDraw(d.id, d.appointment_id, vid, draw_at,
                                     d.injection_at.astimezone(UTC), d.activity_bq, draw_bq,
                                     draw_bq / conc, d.provisional))
    for d in demand.direct:
        e = served_by.get(d.id)
        if e is None:
            sf = failed[d.id]
            shortfalls.append(Shortfall(d.id, d.appointment_id, sf.code, sf.reason, sf.params))
            continue
        draw_at = d.injection_at.astimezone(UTC) - lead
        draw_bq = d.activity_bq / _decay(settings.draw_lead_s)
        conc = e.bq * _decay((draw_at - e.at).total_seconds()) / e.volume_ml
        draws.append(PlannedDraw(d.id, d.appointment_id, e.id, draw_at,
                                 d.injection_at.astimezone(UTC), d.activity_bq, draw_bq,
                                 draw_bq / conc, d.provisional))
    elutions = tuple(PlannedElution(
        e.id, e.gen.id, e.gen.label, e.at, e.bq, e.volume_ml, e.recorded, tuple(e.serves),
        e.bq - e.left_bq) for e in sorted(eluates, key=lambda e: (e.at, e.id)))
    order = {d.id: i for i, d in enumerate(sorted(doses, key=lambda d: (d.injection_at, d.id)))}
    return DayPlan(day, settings.timezone,
                   tuple(sorted(doses, key=lambda d: (d.injection_at, d.id))),
                   tuple(sorted(vials, key=lambda v: (v.prepare_at, v.id))), elutions,
                   tuple(sorted(draws, key=lambda d: (d.draw_at, d.dose_id))),
                   tuple(sorted(shortfalls, key=lambda s: (order.get(s.dose_id, 0), s.dose_id))))


# ---------------------------------------------------------------- next week's order
@dataclass(frozen=True)
class OrderLine:
    size_label: str
    parent_activity_bq: float


@dataclass(frozen=True)
class GeneratorOrder:
    type_key: str
    delivery_at: datetime
    lines: tuple[OrderLine, ...]
    demand_bq: float
    n_items: int
    unmet: tuple[tuple[str, str], ...]
    status: str

    @property
    def parent_activity_bq(self) -> float:
        return sum(line.parent_activity_bq for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type_key, "delivery_at": self.delivery_at.isoformat(),
                "lines": [{"size": line.size_label,
                           "parent_activity_bq": line.parent_activity_bq}
                          for line in self.lines],
                "parent_activity_bq": self.parent_activity_bq, "demand_bq": self.demand_bq,
                "n_items": self.n_items, "status": self.status,
                "unmet": [{"item_id": i, "reason": r} for i, r in self.unmet]}


def generator_order(demand: Sequence[DemandItem], *, type_key: str, delivery_at: datetime,
                    working_hours: WorkingHours, sizes_bq: Sequence[float] | None = None,
                    jurisdiction: str = "EU", max_per_delivery: int = 2,
                    time_limit_s: float = 5.0) -> GeneratorOrder:
    """The Mo-99 generator(s) to have delivered at ``delivery_at`` for the demand (the
    catalogue's sizes of ``type_key`` unless ``sizes_bq``), by the elution planner with each
    size priced at its activity in GBq (the least Mo-99 that serves the demand)."""
    gt = generator_type(type_key)
    if delivery_at.tzinfo is None:
        raise InvalidInput("delivery time without a time zone", field="delivery_at")
    sizes = tuple(sizes_bq) if sizes_bq else gt.sizes_bq
    if not demand:
        return GeneratorOrder(gt.key, delivery_at, (), 0.0, 0, (), "no demand")
    offer = GeneratorOffer(gt.key, tuple(GeneratorSize(f"{a / 1e9:g} GBq", a, a / 1e9)
                                         for a in sorted(sizes)),
                           (Delivery(delivery_at.astimezone(UTC)),), max_per_delivery)
    plan = plan_elutions(list(demand), offer, PlanSettings(
        working_hours=working_hours, jurisdiction=jurisdiction, time_limit_s=time_limit_s))
    lines = tuple(OrderLine(o.size_label, o.parent_activity_bq) for o in plan.orders)
    return GeneratorOrder(gt.key, delivery_at, lines, sum(it.activity_bq for it in demand),
                          len(demand), tuple((u.item_id, u.reason) for u in plan.unmet),
                          plan.status)
