"""Allocation of a short batch: hand-worked cases, properties (hypothesis), LP vs closed form."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.planning.allocation import Demand, Supply, allocate, allocate_many

LAM = math.log(2) / (65.94 * 3600)  # Mo-99
T0 = datetime(2026, 12, 7, 6, tzinfo=UTC)


def test_enough_supply_everyone_full() -> None:
    s = Supply("B", 1000.0, T0, LAM)
    r = allocate(s, [Demand("a", 1, 100, T0), Demand("b", 3, 100, T0 + timedelta(days=1))])
    assert [x.fraction for x in r.shares] == [1.0, 1.0]
    used = 100 + 100 * math.exp(LAM * 86400)
    assert r.supplies[0].used_bq == pytest.approx(used)
    assert r.supplies[0].left_bq == pytest.approx(1000 - used)


def test_priority_then_pro_rata_by_hand() -> None:
    # 100 at T0; a (prio 1) 30 now; b, c (prio 2) 50 each now: 70 left -> 70 % each
    s = Supply("B", 100.0, T0, 0.0)
    r = allocate(s, [Demand("a", 1, 30, T0), Demand("b", 2, 50, T0), Demand("c", 2, 50, T0)])
    assert [x.allocated_bq for x in r.shares] == pytest.approx([30, 35, 35])
    assert r.shares[1].fraction == pytest.approx(0.7)
    assert r.shortfall


def test_later_dispatch_draws_more() -> None:
    # one half-life later an order draws twice its need from the batch
    half = math.log(2) / LAM
    s = Supply("B", 100.0, T0, LAM)
    r = allocate(s, [Demand("a", 1, 100, T0 + timedelta(seconds=half))])
    assert r.shares[0].fraction == pytest.approx(0.5)
    assert r.shares[0].allocated_bq == pytest.approx(50)


def test_order_before_the_batch_gets_nothing_and_does_not_hold_its_level() -> None:
    s = Supply("B", 100.0, T0, 0.0)
    r = allocate(s, [Demand("early", 1, 10, T0 - timedelta(hours=1)), Demand("a", 1, 50, T0)])
    assert r.shares[0].allocated_bq == 0.0
    assert r.shares[1].fraction == 1.0


def test_two_batches_overlapping_orders_need_the_lp() -> None:
    # B1 at T0 (60), B2 one day later (60), no decay; a (T0) only from B1; b (T0+2d) from
    # either. Both prio 1: a 60, b 60 -> a can take all of B1, b all of B2: everyone full.
    b1 = Supply("B1", 60.0, T0, 0.0)
    b2 = Supply("B2", 60.0, T0 + timedelta(days=1), 0.0)
    ds = [Demand("a", 1, 60, T0), Demand("b", 1, 60, T0 + timedelta(days=2))]
    r = allocate_many([b1, b2], ds)
    assert [x.fraction for x in r.shares] == pytest.approx([1.0, 1.0])
    assert dict(r.shares[0].sources) == pytest.approx({"B1": 60})
    assert dict(r.shares[1].sources) == pytest.approx({"B2": 60})
    # a now needs 90: common t with 120 available for 150 needed -> 0.8 each
    ds = [Demand("a", 1, 90, T0), Demand("b", 1, 60, T0 + timedelta(days=2))]
    r = allocate_many([b1, b2], ds)
    assert [x.fraction for x in r.shares] == pytest.approx([2 / 3, 2 / 3], abs=1e-8)
    # a limited by B1 alone (60/90); b could have more but pro rata holds it to 2/3


demand_st = st.builds(
    Demand, key=st.integers(), priority=st.integers(1, 3),
    needed_bq=st.one_of(st.just(0.0), st.floats(1e9, 1e13)), dispatch_at=st.integers(-3, 72).map(
        lambda h: T0 + timedelta(hours=h)))


@settings(max_examples=60, deadline=None)
@given(avail=st.one_of(st.just(0.0), st.floats(1e9, 5e13)),
       lam=st.sampled_from([0.0, LAM, math.log(2) / (8.02 * 86400)]),
       demands=st.lists(demand_st, max_size=12))
def test_properties_and_lp_agrees(avail: float, lam: float, demands: list[Demand]) -> None:
    demands = [Demand(i, d.priority, d.needed_bq, d.dispatch_at) for i, d in enumerate(demands)]
    s = Supply("B", avail, T0, lam)
    closed = allocate(s, demands)
    lp = allocate(s, demands, method="lp")
    for r in (closed, lp):
        use = sum(x.allocated_bq * math.exp(lam * (d.dispatch_at - T0).total_seconds())
                  for x, d in zip(r.shares, demands, strict=True))
        assert use <= avail * (1 + 1e-9) + 1e-3
        for x in r.shares:
            assert x.allocated_bq <= x.needed_bq * (1 + 1e-12)
        served = [x for x, d in zip(r.shares, demands, strict=True)
                  if d.dispatch_at >= T0 and d.needed_bq > 0]
        for x in served:
            for y in served:
                if x.priority < y.priority and y.allocated_bq > 1e-7 * avail:  # noise
                    assert x.fraction >= 1 - 1e-8
                if x.priority == y.priority:
                    assert x.fraction == pytest.approx(y.fraction, abs=1e-8)
        if use < avail and all(d.dispatch_at >= T0 for d in demands):
            need = sum(d.needed_bq * math.exp(lam * (d.dispatch_at - T0).total_seconds())
                       for d in demands)
            if need <= avail * (1 - 1e-6):
                assert all(x.fraction == 1.0 for x in r.shares)
    for a, b in zip(closed.shares, lp.shares, strict=True):
        assert a.fraction == pytest.approx(b.fraction, abs=1e-6)


def test_bad_input_refused() -> None:
    with pytest.raises(ValueError):
        allocate(Supply("B", math.nan, T0, LAM), [])
    with pytest.raises(ValueError):
        allocate(Supply("B", 1.0, T0, LAM), [Demand("a", 1, -1.0, T0)])


@settings(max_examples=40, deadline=None)
@given(avails=st.lists(st.floats(1e9, 5e13), min_size=1, max_size=3),
       offsets=st.lists(st.integers(0, 48), min_size=3, max_size=3),
       demands=st.lists(demand_st, max_size=10))
def test_many_batches_properties(avails: list[float], offsets: list[int],
                                 demands: list[Demand]) -> None:
    supplies = [Supply(f"B{i}", a, T0 + timedelta(hours=offsets[i]), LAM)
                for i, a in enumerate(avails)]
    demands = [Demand(i, d.priority, d.needed_bq, d.dispatch_at) for i, d in enumerate(demands)]
    r = allocate_many(supplies, demands)
    used = {s.key: 0.0 for s in supplies}
    for x, d in zip(r.shares, demands, strict=True):
        assert x.allocated_bq <= x.needed_bq * (1 + 1e-12)
        assert sum(v for _, v in x.sources) == pytest.approx(x.allocated_bq, rel=1e-9, abs=1e-3)
        for key, v in x.sources:
            s = next(s for s in supplies if s.key == key)
            assert d.dispatch_at >= s.available_at  # never served before the batch exists
            used[key] += v * math.exp(LAM * (d.dispatch_at - s.available_at).total_seconds())
    for s in supplies:
        assert used[s.key] <= s.available_bq * (1 + 1e-6)
    reachable = [(x, d) for x, d in zip(r.shares, demands, strict=True) if d.needed_bq > 0
                 and any(d.dispatch_at >= s.available_at for s in supplies)]
    for x, _ in reachable:
        for y, _ in reachable:
            if x.priority == y.priority:
                assert x.fraction == pytest.approx(y.fraction, abs=1e-8)
    total_need = sum(d.needed_bq * math.exp(LAM * 72 * 3600) for d in demands)
    if total_need <= min(avails) * (1 - 1e-6):  # any one batch could serve everything
        assert all(x.fraction == 1.0 for x, _ in reachable)
