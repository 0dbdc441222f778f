"""What the elution planners share: candidate elution times, item feasibility, and the plan
itself, re-simulated on the physics model so the reported activities are exact.

A plan is generators ordered (per delivery), elution times per generator and, for each
demand item, the elution that serves it. Waste is eluted activity that no item draws
(each elution's activity minus what its items draw, decay-corrected to the elution time).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from isoflow.domain.jurisdictions import get_profile
from isoflow.errors import InvalidInput
from isoflow.physics.decay import decay_factor
from isoflow.physics.generator_catalogue import GeneratorType, generator_type
from isoflow.physics.generators import Eluate, Generator
from isoflow.planning.demand import DemandItem, GeneratorOffer, PlanSettings

#: input sizes the planner accepts (beyond them the model grows past interactive use)
MAX_DELIVERIES = 8
MAX_PER_DELIVERY = 3
MAX_SIZES = 16
MAX_ITEMS = 1000
MAX_SPAN_DAYS = 28


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class OrderLine:
    generator_id: str
    delivered_at: datetime
    calibration_at: datetime
    size_label: str
    parent_activity_bq: float
    price: float


@dataclass(frozen=True)
class PlannedElution:
    generator_id: str
    at: datetime
    eluted_bq: float
    daughter_fraction: float
    since_previous_s: float
    expires_at: datetime | None
    serves: tuple[str, ...]
    drawn_bq: float
    unused_bq: float


@dataclass(frozen=True)
class Assignment:
    item_id: str
    generator_id: str
    elution_at: datetime
    needed_at: datetime
    needed_bq: float
    drawn_bq: float      # at the elution time
    eluate_age_s: float


@dataclass(frozen=True)
class UnmetItem:
    item_id: str
    needed_at: datetime
    activity_bq: float
    reason: str


@dataclass(frozen=True)
class ElutionPlan:
    method: str
    status: str
    orders: tuple[OrderLine, ...]
    elutions: tuple[PlannedElution, ...]
    assignments: tuple[Assignment, ...]
    unmet: tuple[UnmetItem, ...]
    n_items: int
    n_feasible: int
    cost: float
    eluted_bq: float
    drawn_bq: float
    waste_bq: float
    solve_s: float = 0.0
    mip_gap: float = 0.0
    model: dict[str, int] = field(default_factory=dict)

    @property
    def demand_met_fraction(self) -> float:
        return len(self.assignments) / self.n_items if self.n_items else 1.0

    @property
    def feasible_demand_met_fraction(self) -> float:
        return len(self.assignments) / self.n_feasible if self.n_feasible else 1.0

    def to_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "method": self.method, "status": self.status,
            "demand_met_fraction": self.demand_met_fraction,
            "feasible_demand_met_fraction": self.feasible_demand_met_fraction,
            "n_items": self.n_items, "n_feasible": self.n_feasible, "cost": self.cost,
            "eluted_bq": self.eluted_bq, "drawn_bq": self.drawn_bq, "waste_bq": self.waste_bq,
            "solve_s": self.solve_s, "mip_gap": self.mip_gap, "model": self.model,
            "orders": [{"generator_id": o.generator_id, "delivered_at": iso(o.delivered_at),
                        "calibration_at": iso(o.calibration_at), "size": o.size_label,
                        "parent_activity_bq": o.parent_activity_bq, "price": o.price}
                       for o in self.orders],
            "elutions": [{"generator_id": e.generator_id, "at": iso(e.at),
                          "eluted_bq": e.eluted_bq, "daughter_fraction": e.daughter_fraction,
                          "since_previous_s": e.since_previous_s,
                          "expires_at": iso(e.expires_at), "serves": list(e.serves),
                          "drawn_bq": e.drawn_bq, "unused_bq": e.unused_bq}
                         for e in self.elutions],
            "assignments": [{"item_id": a.item_id, "generator_id": a.generator_id,
                             "elution_at": iso(a.elution_at), "needed_at": iso(a.needed_at),
                             "needed_bq": a.needed_bq, "drawn_bq": a.drawn_bq,
                             "eluate_age_s": a.eluate_age_s} for a in self.assignments],
            "unmet": [{"item_id": u.item_id, "needed_at": iso(u.needed_at),
                       "activity_bq": u.activity_bq, "reason": u.reason} for u in self.unmet],
        }


# ---------------------------------------------------------------- shared context
@dataclass(frozen=True)
class Position:
    """A generator that may be ordered: delivery index and copy number."""

    id: str
    delivery: int
    copy: int
    delivered_at: datetime
    calibration_at: datetime
    expires_at: datetime | None


@dataclass
class Context:
    """Everything both planners derive from the inputs."""

    items: list[DemandItem]
    offer: GeneratorOffer
    settings: PlanSettings
    gtype: GeneratorType
    efficiency: float
    daughter: str
    slots: list[datetime]
    positions: list[Position]
    max_age_s: dict[str, float]
    carrier_previous_s: float
    reasons: dict[str, str]          # infeasible item id -> reason
    _drawn: dict[tuple[str, datetime], float] = field(default_factory=dict)

    def generator(self, pos: Position, parent_bq: float) -> Generator:
        return self.gtype.generator(parent_bq, pos.calibration_at, expires_at=pos.expires_at,
                                    efficiency=self.efficiency, lot=pos.id)

    def slots_of(self, pos: Position) -> list[int]:
        return [k for k, t in enumerate(self.slots) if t >= pos.delivered_at
                and (pos.expires_at is None or t <= pos.expires_at)]

    def drawn(self, item: DemandItem, at: datetime) -> float:
        """Activity [Bq] to draw at ``at`` to have the item's activity at its time."""
        key = (item.id, at)
        if key not in self._drawn:
            self._drawn[key] = item.activity_bq / decay_factor(
                self.daughter, (item.needed_at - at).total_seconds())
        return self._drawn[key]


def working_slots(start: datetime, end: datetime, settings: PlanSettings) -> list[datetime]:
    """Candidate elution times [UTC] on the grid within working hours, from start to end."""
    wh = settings.working_hours
    zone = ZoneInfo(wh.timezone)
    step = timedelta(seconds=settings.slot_s)
    out: list[datetime] = []
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in wh.weekdays:
            t = datetime.combine(day, wh.start, zone)
            stop = datetime.combine(day, wh.end, zone)
            while t <= stop:
                tu = t.astimezone(UTC)
                if start <= tu <= end:
                    out.append(tu)
                t += step
        day += timedelta(days=1)
    return out


def build_context(items: Sequence[DemandItem], offer: GeneratorOffer, settings: PlanSettings,
                  now: datetime | None) -> Context:
    """Validate the offer and settings, lay out slots and positions, find infeasible items."""
    gtype = generator_type(offer.type_key)
    if not offer.sizes:
        raise InvalidInput("the offer has no generator sizes", field="sizes")
    if not offer.deliveries:
        raise InvalidInput("the offer has no delivery", field="deliveries")
    for i, s in enumerate(offer.sizes):
        if not (math.isfinite(s.parent_activity_bq) and s.parent_activity_bq > 0):
            raise InvalidInput(f"size {s.label!r}: activity must be > 0",
                               field=f"sizes[{i}].activity")
        if not (math.isfinite(s.price) and s.price >= 0):
            raise InvalidInput(f"size {s.label!r}: price must be >= 0",
                               field=f"sizes[{i}].price")
    if not 1 <= offer.max_per_delivery <= MAX_PER_DELIVERY:
        raise InvalidInput(f"between 1 and {MAX_PER_DELIVERY} generators per delivery",
                           field="max_per_delivery")
    if len(offer.deliveries) > MAX_DELIVERIES:
        raise InvalidInput(f"at most {MAX_DELIVERIES} deliveries per plan (plan a week or "
                           "two at a time)", field="deliveries")
    if len(offer.sizes) > MAX_SIZES:
        raise InvalidInput(f"at most {MAX_SIZES} sizes on offer", field="sizes")
    if not 300 <= settings.slot_s <= 86400:
        raise InvalidInput("the slot must be between 5 min and 24 h", field="slot")
    if not 0 <= settings.min_interval_s <= 7 * 86400:
        raise InvalidInput("the minimum interval must be between 0 and 7 days",
                           field="min_interval")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} demand items per plan", field="demand")
    span = max(it.needed_at for it in items) - min(it.needed_at for it in items)
    if span > timedelta(days=MAX_SPAN_DAYS):
        raise InvalidInput(f"the demand spans {span.days} days; plan at most "
                           f"{MAX_SPAN_DAYS} days at a time", field="demand")
    eff = gtype.efficiency.value if offer.efficiency is None else offer.efficiency
    if not 0 < eff <= 1:
        raise InvalidInput("elution efficiency must be in (0, 1]", field="efficiency")
    profile = get_profile(settings.jurisdiction)
    daughter = gtype.pair.daughter
    positions: list[Position] = []
    for d, dl in enumerate(sorted(offer.deliveries, key=lambda x: x.delivered_at)):
        shelf = gtype.shelf_life_s.value
        exp = None if shelf is None else dl.calibrated_at + timedelta(seconds=float(shelf))
        if exp is not None and exp <= dl.delivered_at:
            raise InvalidInput(f"delivery {d + 1} ({dl.delivered_at.isoformat()}) arrives "
                               f"after the generator's expiry {exp.isoformat()}",
                               field=f"deliveries[{d}]")
        for c in range(offer.max_per_delivery):
            positions.append(Position(f"D{d + 1}-G{c + 1}", d, c, dl.delivered_at,
                                      dl.calibrated_at, exp))
    expiry = profile.eluate_expiry.get(daughter)
    cs_age = profile.carrier_sensitive_max_eluate_age
    cs_prev = profile.carrier_sensitive_previous_elution
    max_age = {}
    for it in items:
        age = it.max_eluate_age_s
        if expiry is not None:
            age = min(age, expiry.seconds)
        if it.carrier_sensitive and cs_age is not None:
            age = min(age, cs_age.seconds)
        max_age[it.id] = age
    first = min(p.delivered_at for p in positions)
    start = max(first, now) if now is not None else first
    end = max(it.needed_at for it in items)
    slots = working_slots(start, end, settings) if end >= start else []
    if settings.just_in_time and slots:
        # the latest slot before each item; for carrier-sensitive items also the latest slot a
        # minimum interval earlier (the elution that clears the carrier); each day's first
        keep = set()
        before = timedelta(seconds=max(settings.min_interval_s, settings.slot_s))
        for it in items:
            for t in (it.needed_at, it.needed_at - before) if it.carrier_sensitive else \
                    (it.needed_at,):
                i = bisect.bisect_right(slots, t) - 1
                if i >= 0:
                    keep.add(i)
        keep.update(i for i, t in enumerate(slots)
                    if i == 0 or t.astimezone(ZoneInfo(settings.working_hours.timezone)).date()
                    != slots[i - 1].astimezone(ZoneInfo(settings.working_hours.timezone)).date())
        slots = [slots[i] for i in sorted(keep)]
    ctx = Context(list(items), offer, settings, gtype, float(eff), daughter, slots, positions,
                  max_age, 86400.0 if cs_prev is None else cs_prev.seconds, {})
    ctx.reasons.update(infeasible_items(ctx))
    return ctx


def eligible_slots(ctx: Context, item: DemandItem, pos: Position) -> list[int]:
    """Slots of ``pos`` from which ``item`` could be served (age and timing only)."""
    age = ctx.max_age_s[item.id]
    return [k for k in ctx.slots_of(pos)
            if 0 <= (item.needed_at - ctx.slots[k]).total_seconds() <= age]


def has_previous(ctx: Context, pos: Position, k: int) -> bool:
    """Could ``pos`` have been eluted within the carrier window before slot ``k``?"""
    t = ctx.slots[k]
    lo = t - timedelta(seconds=ctx.carrier_previous_s)
    hi = t - timedelta(seconds=max(ctx.settings.min_interval_s, ctx.settings.slot_s))
    return any(lo <= ctx.slots[j] <= hi for j in ctx.slots_of(pos))


def infeasible_items(ctx: Context) -> dict[str, str]:
    """Items no plan can serve, each with the reason (never silently dropped)."""
    big = max(s.parent_activity_bq for s in ctx.offer.sizes)
    out: dict[str, str] = {}
    yields: dict[tuple[str, int], float] = {}
    for it in ctx.items:
        age_h = ctx.max_age_s[it.id] / 3600
        cands = [(p, k) for p in ctx.positions for k in eligible_slots(ctx, it, p)]
        if not cands:
            out[it.id] = (f"no elution is possible within {age_h:g} h before "
                          f"{it.needed_at.isoformat()} (working hours, deliveries and "
                          "generator expiry leave no slot)")
            continue
        if it.carrier_sensitive:
            cands = [(p, k) for p, k in cands if has_previous(ctx, p, k)]
            if not cands:
                out[it.id] = ("carrier-sensitive: no elution in the window can follow "
                              f"another elution of the same generator within "
                              f"{ctx.carrier_previous_s / 3600:g} h")
                continue
        best = 0.0
        for p, k in cands:
            key = (p.id, k)
            if key not in yields:
                gen = ctx.generator(p, big)
                yields[key] = gen.expected_eluate(ctx.slots[k]).daughter_bq
            best = max(best, yields[key] * decay_factor(
                ctx.daughter, (it.needed_at - ctx.slots[k]).total_seconds()))
        if best < it.activity_bq:
            out[it.id] = (f"needs {it.activity_bq / 1e9:.3g} GBq at "
                          f"{it.needed_at.isoformat()}, but one elution of the largest "
                          f"generator on offer can give at most {best / 1e9:.3g} GBq then")
    return out


def evaluate(ctx: Context, method: str, status: str,
             chosen: Sequence[tuple[Position, int]],
             elution_times: dict[str, list[datetime]],
             assignment: dict[str, tuple[str, datetime]],
             unmet_reasons: dict[str, str], solve_s: float = 0.0, mip_gap: float = 0.0,
             model: dict[str, int] | None = None) -> ElutionPlan:
    """Re-simulate a schedule on the physics model and account for every item."""
    orders = []
    eluates: dict[tuple[str, datetime], Eluate] = {}
    cost = 0.0
    for pos, s in chosen:
        size = ctx.offer.sizes[s]
        cost += size.price
        orders.append(OrderLine(pos.id, pos.delivered_at, pos.calibration_at, size.label,
                                size.parent_activity_bq, size.price))
        gen = ctx.generator(pos, size.parent_activity_bq)
        for t in sorted(elution_times.get(pos.id, [])):
            gen, el = gen.elute(t)
            eluates[(pos.id, t)] = el
    by_item = {it.id: it for it in ctx.items}
    served: dict[tuple[str, datetime], list[str]] = {k: [] for k in eluates}
    drawn: dict[tuple[str, datetime], float] = dict.fromkeys(eluates, 0.0)
    assignments = []
    for item_id, (gid, t) in sorted(assignment.items(), key=lambda kv: by_item[kv[0]].needed_at):
        it = by_item[item_id]
        d = ctx.drawn(it, t)
        served[(gid, t)].append(item_id)
        drawn[(gid, t)] += d
        assignments.append(Assignment(item_id, gid, t, it.needed_at, it.activity_bq, d,
                                      (it.needed_at - t).total_seconds()))
    elutions = []
    for key in sorted(eluates, key=lambda k: (k[1], k[0])):
        el = eluates[key]
        elutions.append(PlannedElution(key[0], key[1], el.daughter_bq, el.daughter_fraction,
                                       el.since_previous_elution_s, el.expires_at,
                                       tuple(served[key]), drawn[key],
                                       el.daughter_bq - drawn[key]))
    unmet = []
    for it in ctx.items:
        if it.id in assignment:
            continue
        reason = ctx.reasons.get(it.id) or unmet_reasons.get(it.id) or "not served"
        unmet.append(UnmetItem(it.id, it.needed_at, it.activity_bq, reason))
    eluted = sum(e.eluted_bq for e in elutions)
    total_drawn = sum(e.drawn_bq for e in elutions)
    return ElutionPlan(method, status, tuple(orders), tuple(elutions), tuple(assignments),
                       tuple(unmet), len(ctx.items), len(ctx.items) - len(ctx.reasons), cost,
                       eluted, total_drawn, eluted - total_drawn, solve_s, mip_gap,
                       model or {})
