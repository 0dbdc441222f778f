"""Pure rules of contract deliveries and orders: weekday dispatch in the supplier's zone,
calibration in the customer's zone (DST gap refused, fold first), arrival before calibration,
decay to dispatch/arrival, 6-day Ci, price, order numbers."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isoflow.domain import orders as rules
from isoflow.errors import InvalidInput
from isoflow.physics.decay import six_day_ci_to_eop_bq
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.units import CI_BQ

MOSCOW = ZoneInfo("Europe/Moscow")
HAVANA = ZoneInfo("America/Havana")


def _delivery(weekday=0, cal="12:00", days=3, transit_h=40.0):
    return rules.ContractDelivery(weekday=weekday, calibration_time=cal, calibration_days=days,
                                  activity_bq=150e9, quantity=1,
                                  route=rules.Route("Air via Madrid", transit_h * 3600))


def test_delivery_dates_are_the_weekday_within_the_range() -> None:
    got = rules.delivery_dates(date(2027, 3, 1), date(2027, 3, 31), 0)
    assert got == [date(2027, 3, d) for d in (1, 8, 15, 22, 29)]
    assert rules.delivery_dates(date(2027, 3, 2), date(2027, 3, 7), 0) == []
    with pytest.raises(InvalidInput) as e:
        rules.delivery_dates(date(2027, 3, 1), date(2027, 3, 31), 7)
    assert e.value.field == "weekday"


def test_monday_dispatch_calibrated_thursday_noon_havana() -> None:
    m = rules.delivery_moments(_delivery(), date(2027, 3, 1), MOSCOW, HAVANA)
    assert m.dispatch_at == datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # 10:00 Moscow
    assert m.calibration_at.astimezone(HAVANA).replace(tzinfo=None) == \
        datetime(2027, 3, 4, 12, 0)
    assert m.arrival_at == m.dispatch_at + timedelta(hours=40)


def test_havana_dst_week_gap_refused_fold_first() -> None:
    # Cuba springs forward on 2027-03-14 at 00:00 (to 01:00): 00:30 does not exist
    with pytest.raises(InvalidInput) as e:
        rules.delivery_moments(_delivery(weekday=4, cal="00:30", days=2), date(2027, 3, 12),
                               MOSCOW, HAVANA)
    assert e.value.field == "calibration_time" and "does not exist" in e.value.message
    # the same week at noon: calibration at 12:00 daylight time (UTC-4)
    m = rules.delivery_moments(_delivery(weekday=4, cal="12:00", days=2), date(2027, 3, 12),
                               MOSCOW, HAVANA)
    assert m.calibration_at == datetime(2027, 3, 14, 16, 0, tzinfo=UTC)
    # falls back on 2027-11-07 at 01:00 (to 00:00): 00:30 happens twice, the first is EDT
    m = rules.delivery_moments(_delivery(weekday=4, cal="00:30", days=2), date(2027, 11, 5),
                               MOSCOW, HAVANA)
    assert m.calibration_at == datetime(2027, 11, 7, 4, 30, tzinfo=UTC)


def test_calibrated_before_arrival_refused() -> None:
    with pytest.raises(InvalidInput) as e:
        rules.delivery_moments(_delivery(days=1, cal="06:00"), date(2027, 3, 1), MOSCOW, HAVANA)
    assert e.value.field == "calibration_time"


def test_six_day_ci_calibrated_144_h_after_dispatch() -> None:
    m = rules.delivery_moments(_delivery(days=0, cal="00:00"), date(2027, 3, 1), MOSCOW,
                               HAVANA, six_day=True)
    assert m.calibration_at - m.dispatch_at == timedelta(hours=144)
    lam = get_nuclide("Mo-99").decay_constant_per_s
    six_day_bq = 10 * CI_BQ
    at_dispatch = rules.activity_at(six_day_bq, lam, m.calibration_at, m.dispatch_at)
    assert at_dispatch == pytest.approx(six_day_ci_to_eop_bq(10.0), rel=1e-9)
    assert rules.default_dispatch(m.calibration_at, 40 * 3600, MOSCOW, six_day=True) == \
        m.dispatch_at


def test_decay_overflow_is_a_422_and_price() -> None:
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    far = datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput) as e:
        rules.activity_at(1e9, lam, far + timedelta(days=3650), far)
    assert e.value.field == "dispatch_at"
    assert rules.price(3, 900.0, 40.0, 150e9) == pytest.approx(3 * (900 + 40 * 150))


def test_default_dispatch_is_the_latest_dispatch_hour_in_time() -> None:
    cal = datetime(2027, 3, 4, 17, 0, tzinfo=UTC)  # Thursday 12:00 Havana
    d = rules.default_dispatch(cal, 40 * 3600, MOSCOW)
    assert d == datetime(2027, 3, 2, 7, 0, tzinfo=UTC)
    assert d + timedelta(hours=40) <= cal < d + timedelta(days=1, hours=40)


def test_bad_values_name_their_field() -> None:
    for bad in (0, -1.0, math.nan, math.inf, True):
        with pytest.raises(InvalidInput) as e:
            rules.check_activity(bad)
        assert e.value.field == "activity_bq"
    for bad in (0, 1001, 2.5):
        with pytest.raises(InvalidInput):
            rules.check_quantity(bad)  # type: ignore[arg-type]
    for bad in ("24:00", "9:00", "12:60", ""):
        with pytest.raises(InvalidInput):
            rules.parse_hhmm(bad)
    assert rules.next_order_number(2027, "ORD-2027-000041") == "ORD-2027-000042"
    assert rules.next_order_number(2027, None) == "ORD-2027-000001"


ZONES = ["America/Havana", "Europe/Minsk", "Asia/Almaty", "America/Sao_Paulo",
         "Asia/Tashkent", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"]


@given(day=st.dates(date(2025, 1, 1), date(2030, 12, 31)), weekday=st.integers(0, 6),
       hh=st.integers(0, 23), mm=st.integers(0, 59), days=st.integers(0, 10),
       transit_h=st.floats(0, 200), zone=st.sampled_from(ZONES), six=st.booleans())
def test_generated_deliveries_never_calibrated_before_arrival(day, weekday, hh, mm, days,
                                                              transit_h, zone, six) -> None:
    spec = _delivery(weekday=weekday, cal=f"{hh:02d}:{mm:02d}", days=days,
                     transit_h=transit_h if not six else min(transit_h, 144.0))
    for d in rules.delivery_dates(day, day + timedelta(days=13), weekday):
        try:
            m = rules.delivery_moments(spec, d, MOSCOW, ZoneInfo(zone), six_day=six)
        except InvalidInput as e:
            assert e.field == "calibration_time"
            continue
        assert m.arrival_at <= m.calibration_at
        assert m.dispatch_at.astimezone(MOSCOW).weekday() == weekday
        if not six:
            local = m.calibration_at.astimezone(ZoneInfo(zone))
            assert (local.hour, local.minute) == (hh, mm)
