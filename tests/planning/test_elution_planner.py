"""The elution and order planner (MILP on HiGHS) and its habit baseline on small weeks."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from isoflow.errors import InvalidInput
from isoflow.physics.decay import decay_factor
from isoflow.planning.demand import (
    Delivery,
    DemandItem,
    GeneratorOffer,
    GeneratorSize,
    PlanSettings,
    WorkingHours,
)
from isoflow.planning.elution import plan_elutions
from isoflow.planning.elution_baseline import habit_plan
from isoflow.planning.elution_plan import ElutionPlan
from isoflow.planning.synthetic import synthetic_offer, synthetic_settings, synthetic_week

MSK = ZoneInfo("Europe/Moscow")
MON = date(2026, 3, 2)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(MON + timedelta(days=day), time(hh, mm), MSK).astimezone(UTC)


def item(id_: str, day: int, hh: int, mm: int, gbq: float, age_h: float = 6,
         carrier: bool = False) -> DemandItem:
    return DemandItem(id_, at(day, hh, mm), gbq * 1e9, age_h * 3600, carrier)


OFFER = GeneratorOffer(
    "Poltechnet",
    (GeneratorSize("5 GBq", 5e9, 500.0), GeneratorSize("10 GBq", 10e9, 700.0),
     GeneratorSize("20 GBq", 20e9, 1100.0)),
    (Delivery(at(0, 6, 30)),), max_per_delivery=2)
SETTINGS = PlanSettings(working_hours=WorkingHours(time(7, 0), time(17, 0), "Europe/Moscow"),
                        time_limit_s=20.0)

DEMAND = [
    item("mon-bone", 0, 8, 0, 5.0, 12),
    item("mon-mibi", 0, 9, 0, 2.0),
    item("mon-hmpao", 0, 11, 0, 0.8, 2, carrier=True),
    item("mon-late", 0, 15, 0, 1.0),
    item("tue-bone", 1, 8, 0, 4.0, 12),
    item("tue-hmpao", 1, 10, 0, 0.8, 2, carrier=True),
    item("tue-mibi", 1, 13, 0, 2.0),
    # infeasible on its own: before the generator arrives
    item("mon-early", 0, 6, 0, 0.5),
    # infeasible on its own: more than any single elution of the largest size can give
    item("mon-huge", 0, 12, 0, 500.0),
]


def check_plan_physics(plan: ElutionPlan, demand: list[DemandItem]) -> None:
    """Every served item is served from an elution that happened before it, young enough,
    with enough activity, and carrier-sensitive items obey the 24 h / 2 h rules."""
    by_id = {d.id: d for d in demand}
    el = {(e.generator_id, e.at): e for e in plan.elutions}
    for e in plan.elutions:
        assert e.unused_bq >= -1e-6 * e.eluted_bq            # never over-drawn
    per_gen: dict[str, list[datetime]] = {}
    for e in plan.elutions:
        per_gen.setdefault(e.generator_id, []).append(e.at)
    for times in per_gen.values():
        times.sort()
        for a, b in itertools.pairwise(times):
            assert (b - a).total_seconds() >= SETTINGS.min_interval_s - 1e-6
    for a in plan.assignments:
        d = by_id[a.item_id]
        e = el[(a.generator_id, a.elution_at)]
        assert 0 <= a.eluate_age_s <= min(d.max_eluate_age_s, 12 * 3600)
        assert a.drawn_bq == pytest.approx(d.activity_bq / decay_factor("Tc-99m",
                                                                         a.eluate_age_s))
        assert a.item_id in e.serves
        if d.carrier_sensitive:
            assert a.eluate_age_s <= 2 * 3600
            assert e.since_previous_s <= 24 * 3600


def test_planner_serves_every_feasible_item_and_reports_the_rest() -> None:
    plan = plan_elutions(DEMAND, OFFER, SETTINGS)
    assert plan.n_items == 9 and plan.n_feasible == 7
    assert plan.feasible_demand_met_fraction == 1.0
    unmet = {u.item_id: u.reason for u in plan.unmet}
    assert set(unmet) == {"mon-early", "mon-huge"}
    assert "no elution is possible" in unmet["mon-early"]
    assert "largest generator on offer" in unmet["mon-huge"]
    assert plan.orders and plan.cost == sum(o.price for o in plan.orders)
    assert plan.waste_bq == pytest.approx(plan.eluted_bq - plan.drawn_bq)
    assert plan.model["integers"] > 0 and plan.status in ("Optimal", "Time limit reached")
    check_plan_physics(plan, DEMAND)
    doc = plan.to_dict()
    assert doc["feasible_demand_met_fraction"] == 1.0
    assert {u["item_id"] for u in doc["unmet"]} == {"mon-early", "mon-huge"}


def test_carrier_sensitive_item_needs_a_recent_previous_elution() -> None:
    # alone on a fresh generator, an HMPAO kit needs two elutions: one to clear the carrier
    demand = [item("hmpao", 0, 12, 0, 0.5, 2, carrier=True)]
    plan = plan_elutions(demand, OFFER, SETTINGS)
    assert plan.demand_met_fraction == 1.0
    (a,) = plan.assignments
    gen_elutions = [e for e in plan.elutions if e.generator_id == a.generator_id]
    assert len(gen_elutions) >= 2
    check_plan_physics(plan, demand)


def test_habit_baseline_elutes_once_a_day_at_0730() -> None:
    base = habit_plan(DEMAND, OFFER, SETTINGS)
    local = {e.at.astimezone(MSK).time() for e in base.elutions}
    assert local == {time(7, 30)}
    assert len({e.at.date() for e in base.elutions}) == len(base.elutions)
    # HMPAO at 11:00 with an eluate from 07:30 is 3.5 h old: the habit cannot serve it
    unmet = {u.item_id for u in base.unmet}
    assert {"mon-hmpao", "mon-early", "mon-huge"} <= unmet
    assert len({o.size_label for o in base.orders}) == 1


def test_planner_beats_the_habit_on_a_generated_week() -> None:
    items = synthetic_week(MON, procedures_per_day=20, days=3)
    offer = synthetic_offer(MON)
    settings = PlanSettings(working_hours=synthetic_settings().working_hours,
                            time_limit_s=3.0)
    plan = plan_elutions(items, offer, settings)
    base = habit_plan(items, offer, settings)
    assert plan.feasible_demand_met_fraction == 1.0
    assert plan.demand_met_fraction >= base.demand_met_fraction
    assert plan.waste_bq < base.waste_bq
    check_plan_physics(plan, items)


def test_bad_planner_inputs() -> None:
    now = at(0, 9)
    with pytest.raises(InvalidInput, match="in the past") as exc:
        plan_elutions(DEMAND[:3], OFFER, SETTINGS, now=now)
    assert exc.value.field == "items[mon-bone].needed_at"
    with pytest.raises(InvalidInput, match="activity must be > 0"):
        plan_elutions([item("neg", 0, 9, 0, -1.0)], OFFER, SETTINGS)
    with pytest.raises(InvalidInput, match="duplicate"):
        plan_elutions([DEMAND[0], DEMAND[0]], OFFER, SETTINGS)
    stale = GeneratorOffer("Poltechnet", OFFER.sizes,
                           (Delivery(at(0, 6), calibration_at=at(0, 6) - timedelta(days=30)),))
    with pytest.raises(InvalidInput, match="after the generator's expiry") as exc:
        plan_elutions(DEMAND[:2], stale, SETTINGS)
    assert exc.value.field == "deliveries[0]"
    with pytest.raises(InvalidInput, match="unknown generator type"):
        plan_elutions(DEMAND[:2], GeneratorOffer("GT-9", OFFER.sizes, OFFER.deliveries),
                      SETTINGS)
    with pytest.raises(InvalidInput):
        plan_elutions(DEMAND[:2], OFFER, PlanSettings(jurisdiction="XX"))


def test_free_order_lets_the_milp_choose_sizes() -> None:
    demand = DEMAND[:3]
    plan = plan_elutions(demand, OFFER, PlanSettings(
        working_hours=SETTINGS.working_hours, time_limit_s=5.0, free_order=True))
    assert plan.demand_met_fraction == 1.0
    assert plan.model["order_fixed_by_search"] == 0
    check_plan_physics(plan, demand)


def test_input_limits_are_clear_errors() -> None:
    far = DemandItem("far", datetime(2301, 1, 1, tzinfo=UTC), 1e9, 3600)
    with pytest.raises(InvalidInput, match="outside the years"):
        plan_elutions([DEMAND[0], far], OFFER, SETTINGS)
    many = GeneratorOffer("Poltechnet", OFFER.sizes, OFFER.deliveries, max_per_delivery=9)
    with pytest.raises(InvalidInput) as exc:
        plan_elutions(DEMAND[:2], many, SETTINGS)
    assert exc.value.field == "max_per_delivery"
    with pytest.raises(InvalidInput) as exc:
        plan_elutions(DEMAND[:2], OFFER, PlanSettings(slot_s=10.0))
    assert exc.value.field == "slot"
