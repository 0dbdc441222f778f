"""Co-60 installed activity, its projection, the date below the minimum and the replenishment
proposal, against the reference's published anchors (12.32 %/yr, 123 kCi/yr for 1 MCi,
7.2 % after 20 y) and properties."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.domain import irradiation as ir
from isoflow.domain.irradiation import Source
from isoflow.errors import InvalidInput

CI = 3.7e10
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_published_anchors() -> None:
    assert ir.annual_decay_fraction() == pytest.approx(0.1232, abs=5e-5)
    assert ir.remaining_fraction(20) == pytest.approx(0.072, abs=5e-4)
    assert 1 - ir.remaining_fraction(1 / 12) == pytest.approx(0.0109, abs=5e-5)
    assert ir.annual_replenishment_bq(1e6 * CI) / CI == pytest.approx(123e3, rel=3e-3)
    assert ir.annual_replenishment_bq(3e6 * CI) / CI == pytest.approx(370e3, rel=3e-3)
    # retirement after 16-21 years leaves 12.2 % .. 6.3 %
    assert ir.remaining_fraction(16) == pytest.approx(0.122, abs=1e-3)
    assert ir.remaining_fraction(21) == pytest.approx(0.063, abs=1e-3)


def test_activity_counts_only_installed_sources() -> None:
    a = Source(1e15, T0, T0)
    b = Source(2e15, T0, T0 + 10 * DAY, removed_at=T0 + 20 * DAY)
    assert ir.activity_at([a, b], T0 + 5 * DAY) == pytest.approx(a.activity_at(T0 + 5 * DAY))
    t = T0 + 15 * DAY
    f = math.exp(-ir.CO60_LAMBDA_PER_S * 15 * 86400)
    assert ir.activity_at([a, b], t) == pytest.approx(3e15 * f)
    assert ir.activity_at([a, b], T0 + 20 * DAY) == pytest.approx(a.activity_at(T0 + 20 * DAY))


def test_date_below_and_proposal_by_hand() -> None:
    # 1 MCi loaded now, minimum 0.5 MCi: one half-life later
    src = [Source(1e6 * CI, T0, T0)]
    below = ir.date_below(src, 0.5e6 * CI, T0)
    assert below is not None
    half_life = math.log(2) / ir.CO60_LAMBDA_PER_S
    assert (below - T0).total_seconds() == pytest.approx(half_life, rel=1e-9)
    p = ir.propose(src, 0.5e6 * CI, T0, lead_months=18, margin=0.1)
    assert p is not None
    assert p.needed_at == below
    assert p.order_by == ir.add_months(below, -18)
    assert p.add_bq == pytest.approx(0.05e6 * CI, rel=1e-6)
    assert p.target_bq == pytest.approx(0.55e6 * CI)
    assert p.annual_decay_fraction == pytest.approx(0.1232, abs=5e-5)
    assert not p.due(T0) and p.due(p.order_by)


def test_already_below_and_never_below() -> None:
    src = [Source(1e15, T0, T0)]
    assert ir.date_below(src, 2e15, T0) == T0
    assert ir.date_below([], 1.0, T0) == T0
    assert ir.date_below(src, 0.0, T0) is None
    assert ir.propose(src, 0.0, T0) is None
    # a minimum so small it is reached only after year 9999
    assert ir.date_below(src, 1e-300, T0) is None


def test_removal_drops_below_at_the_removal() -> None:
    keep = Source(1e15, T0, T0)
    gone = Source(1e16, T0, T0, removed_at=T0 + 30 * DAY)
    assert ir.date_below([keep, gone], 2e15, T0) == T0 + 30 * DAY
    p = ir.propose([keep, gone], 2e15, T0)
    assert p is not None and p.add_bq > 2e15 * 1.1 - 1e15  # makes up for the removed source


def test_projection_is_monthly() -> None:
    pts = ir.projection([Source(1e15, T0, T0)], datetime(2026, 1, 31, tzinfo=UTC), 2)
    assert len(pts) == 25
    assert pts[1][0] == datetime(2026, 2, 28, tzinfo=UTC)
    assert pts[12][0].year == 2027
    assert pts[12][1] / pts[0][1] == pytest.approx(1 - ir.annual_decay_fraction(), rel=1e-4)
    with pytest.raises(InvalidInput) as e:
        ir.projection([], T0, 0)
    assert e.value.field == "years"


def test_lead_and_margin_checked() -> None:
    for lead, margin, field in ((-1, 0.1, "lead_months"), (121, 0.1, "lead_months"),
                                (12, float("nan"), "margin"), (12, -0.1, "margin")):
        with pytest.raises(InvalidInput) as e:
            ir.propose([], 1.0, T0, lead_months=lead, margin=margin)
        assert e.value.field == field


activities = st.floats(1e6, 1e18)
offsets = st.integers(-3650, 3650)


@st.composite
def sources(draw: st.DrawFn) -> list[Source]:
    out = []
    for _ in range(draw(st.integers(1, 5))):
        ref = T0 + draw(offsets) * DAY
        installed = T0 + draw(offsets) * DAY
        removed = draw(st.one_of(st.none(), st.integers(1, 4000)))
        out.append(Source(draw(activities), ref, installed,
                          None if removed is None else installed + removed * DAY))
    return out


@settings(max_examples=60, deadline=None)
@given(sources(), st.integers(0, 3650), st.integers(1, 1000))
def test_no_install_means_no_rise(srcs: list[Source], d: int, gap: int) -> None:
    t1 = T0 + d * DAY
    t2 = t1 + gap * DAY
    installs = [s for s in srcs if t1 < s.installed_at <= t2]
    if not installs:
        assert ir.activity_at(srcs, t2) <= ir.activity_at(srcs, t1) * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(sources(), st.floats(0.01, 0.99), st.floats(0.0, 1.0))
def test_proposal_restores_the_target(srcs: list[Source], share: float, margin: float) -> None:
    start = T0 + 4000 * DAY  # after every installation
    now_bq = ir.activity_at(srcs, start)
    if now_bq <= 0:
        return
    minimum = now_bq * share
    p = ir.propose(srcs, minimum, start, margin=margin)
    assert p is not None
    assert p.needed_at > start
    # just before: not below; at it: the minimum reached by decay, or less when a source
    # is removed at that moment (the total drops at once)
    assert ir.activity_at(srcs, p.needed_at - timedelta(seconds=60)) >= minimum * (1 - 1e-9)
    if any(x.removed_at == p.needed_at for x in srcs):
        assert p.installed_at_need_bq < minimum
    else:
        assert p.installed_at_need_bq == pytest.approx(minimum, rel=1e-6)
    topped = [*srcs, Source(p.add_bq, p.needed_at, p.needed_at)]
    assert ir.activity_at(topped, p.needed_at) == pytest.approx(minimum * (1 + margin), rel=1e-6)
    assert p.order_by <= p.needed_at


@settings(max_examples=60, deadline=None)
@given(sources(), st.floats(1.0, 1e16))
def test_date_below_is_first(srcs: list[Source], minimum: float) -> None:
    start = T0
    below = ir.date_below(srcs, minimum, start)
    if below is None:
        return
    assert below >= start
    assert ir.activity_at(srcs, below + timedelta(seconds=1)) < minimum * (1 + 1e-9)
    # every sampled moment before it is at or above the minimum
    step = (below - start) / 50
    for k in range(50):
        t = start + step * k
        if t < below - timedelta(seconds=1):
            assert ir.activity_at(srcs, t) >= minimum * (1 - 1e-9)


def test_reaching_the_minimum_at_an_installation_is_not_falling_below() -> None:
    """A source decays to exactly the minimum at the moment another is installed (hypothesis
    found it): the total never goes below there, so the date below is the later one."""
    t = datetime(2026, 1, 3, tzinfo=UTC)
    early = Source(1e6, t, t - timedelta(days=30))  # 1e6 Bq just at t
    srcs = [early, Source(1e6, t, t)]
    below = ir.date_below(srcs, 1e6, t - timedelta(days=10))
    assert below is not None and below > t + timedelta(days=365)
    assert ir.activity_at(srcs, below + timedelta(seconds=1)) < 1e6
    assert ir.activity_at(srcs, below - timedelta(seconds=60)) >= 1e6
