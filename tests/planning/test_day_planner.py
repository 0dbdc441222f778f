"""The pure day planner: hand-checkable cases."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from isoflow.physics.generator_catalogue import generator_type
from isoflow.physics.nuclides import get_nuclide
from isoflow.planning.day_plan import DaySettings, DoseNeed, KitSpec, SiteGenerator, plan_day

DAY = date(2026, 3, 3)
MBQ = 1e6
MDP = KitSpec("MDP", "MDP", 11100 * MBQ, 10.0, 8 * 3600.0)
MAA = KitSpec("MAA", "MAA", 1480 * MBQ, 10.0, 6 * 3600.0, 2 * 3600.0)
SETTINGS = DaySettings(timezone="UTC", start=time(7, 0), end=time(18, 0))


def at(h: int, m: int = 0) -> datetime:
    return datetime(2026, 3, 3, h, m, tzinfo=UTC)


def gen(gbq: float = 19.0) -> SiteGenerator:
    g = generator_type("GT-4K").generator(gbq * 1e9, datetime(2026, 3, 2, 6, tzinfo=UTC))
    return SiteGenerator("G1", "GT-4K 1", g)


def dose(i: str, t: datetime, mbq: float, kit: str | None = "MDP") -> DoseNeed:
    return DoseNeed(i, t, mbq * MBQ, "bone", kit)


def decay(dt_s: float) -> float:
    return math.exp(-get_nuclide("Tc-99m").decay_constant_per_s * dt_s)


def test_two_mdp_doses_share_one_vial_with_decay_back_to_preparation() -> None:
    plan = plan_day(DAY, [dose("a", at(9), 500), dose("b", at(10), 500)], [MDP], [gen()],
                    SETTINGS)
    assert not plan.shortfalls
    assert len(plan.vials) == 1
    v = plan.vials[0]
    assert v.dose_ids == ("a", "b")
    # prepared 20 min + 15 min before the first draw (10 min before 09:00)
    assert v.prepare_at == at(9) - timedelta(minutes=45)
    expected = (500 * MBQ / decay(45 * 60) + 500 * MBQ / decay(105 * 60)) * 1.1
    assert v.activity_bq == expected
    assert v.elution_id is not None and plan.elutions[0].at <= v.prepare_at
    assert [d.source_id for d in plan.draws] == [v.id, v.id]
    assert all(0 < d.volume_ml < 10 for d in plan.draws)


def test_too_much_for_one_vial_gives_two() -> None:
    doses = [dose(f"d{i}", at(9 + i), 3000) for i in range(4)]
    plan = plan_day(DAY, doses, [MDP], [gen(40)], SETTINGS)
    assert len(plan.vials) >= 2
    assert all(v.activity_bq <= MDP.max_activity_bq for v in plan.vials)
    assert sorted(i for v in plan.vials for i in v.dose_ids) == ["d0", "d1", "d2", "d3"]


def test_maa_shelf_life_splits_vials() -> None:
    plan = plan_day(DAY, [dose("a", at(8, 30), 100, "MAA"), dose("b", at(15), 100, "MAA")],
                    [MAA], [gen()], SETTINGS)
    assert [v.dose_ids for v in plan.vials] == [("a",), ("b",)]
    for v in plan.vials:
        el = next(e for e in plan.elutions if e.id == v.elution_id)
        assert (v.prepare_at - el.at).total_seconds() <= 2 * 3600


def test_no_generator_is_a_shortfall() -> None:
    plan = plan_day(DAY, [dose("a", at(9), 500), dose("t", at(10), 80, None)], [MDP], [],
                    SETTINGS)
    assert {s.dose_id: s.code for s in plan.shortfalls} == {"a": "no_generator",
                                                            "t": "no_generator"}
    assert not plan.vials and not plan.draws


def test_dose_before_the_working_day() -> None:
    plan = plan_day(DAY, [dose("early", at(7, 20), 500), dose("out", at(6), 500),
                          dose("ok", at(9), 500)], [MDP], [gen()], SETTINGS)
    codes = {s.dose_id: s.code for s in plan.shortfalls}
    assert codes == {"early": "too_early", "out": "outside_hours"}
    assert [d.dose_id for d in plan.draws] == ["ok"]


def test_deterministic() -> None:
    doses = [dose(f"d{i}", at(8 + i // 3, 10 * (i % 3)), 400 + 10 * i,
                  None if i % 4 == 0 else "MDP") for i in range(20)]
    a = plan_day(DAY, doses, [MDP], [gen()], SETTINGS).to_dict()
    b = plan_day(DAY, list(reversed(doses)), [MDP], [gen()], SETTINGS).to_dict()
    assert a == b
