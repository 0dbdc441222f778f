"""Pure rules of the supplier's catalogue and customers: forms and conventions, sizes, price,
6-day Ci, countries, licence states."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isoflow.domain import supply_catalogue as rules
from isoflow.errors import InvalidInput
from isoflow.physics.decay import six_day_ci_to_eop_bq
from isoflow.store import supplier_models

GBQ = 1e9


def test_choices_are_the_models() -> None:
    assert rules.PRODUCT_FORMS == supplier_models.PRODUCT_FORMS
    assert rules.CALIBRATIONS == supplier_models.CALIBRATIONS
    assert rules.CUSTOMER_KINDS == supplier_models.CUSTOMER_KINDS
    assert rules.ROUTE_MODES == supplier_models.ROUTE_MODES


def test_form_and_calibration() -> None:
    assert rules.check_form("special_form") == "special_form"
    with pytest.raises(InvalidInput) as e:
        rules.check_form("gas")
    assert e.value.field == "form" and "liquid" in e.value.message
    assert rules.check_calibration("six_day_ci", "Mo-99") == "six_day_ci"
    with pytest.raises(InvalidInput) as e:
        rules.check_calibration("six_day_ci", "I-131")
    assert e.value.field == "calibration" and "I-131" in e.value.message
    with pytest.raises(InvalidInput):
        rules.check_calibration("eop", "Mo-99")


def test_sizes_text_and_list() -> None:
    assert rules.parse_sizes("20 GBq, 5 GBq,10 GBq") == (5 * GBQ, 10 * GBQ, 20 * GBQ)
    assert rules.parse_sizes([2e9, "1 GBq", 2e9]) == (1e9, 2e9)
    assert rules.parse_sizes("") == () and rules.parse_sizes(None) == ()
    assert rules.parse_sizes("27 mCi") == (pytest.approx(27e-3 * 3.7e10),)


@pytest.mark.parametrize("bad", ["0 GBq", "-5 GBq", "abc", [0], [float("nan")], [float("inf")],
                                 [2e18], [True], ["1e19 Bq"], 5])
def test_sizes_refused(bad) -> None:
    with pytest.raises(InvalidInput) as e:
        rules.parse_sizes(bad)
    assert e.value.field == "sizes_bq"


def test_six_day_sizes() -> None:
    (bq,) = rules.parse_sizes("1000 6-day Ci", six_day=True)
    assert bq == pytest.approx(six_day_ci_to_eop_bq(1000))
    assert rules.stated_amount("six_day_ci", bq) == (pytest.approx(1000), "6-day Ci")
    assert rules.stated_amount("reference_time", 5e9) == (5e9, "Bq")
    with pytest.raises(InvalidInput):
        rules.parse_sizes("1000 6-day Ci")


@given(st.lists(st.floats(min_value=1e-3, max_value=1e18, allow_nan=False), max_size=20))
def test_sizes_round_trip_ascending(values) -> None:
    sizes = rules.parse_sizes(values)
    assert list(sizes) == sorted(set(sizes))
    assert all(0 < x <= rules.SIZE_MAX_BQ and math.isfinite(x) for x in sizes)
    assert rules.stored_sizes(rules.format_sizes(sizes)) == sizes


def test_order_price() -> None:
    assert rules.order_price(900.0, 0.0, 20 * GBQ, 3) == 2700.0
    assert rules.order_price(0.0, 25.0, 150 * GBQ, 2) == pytest.approx(7500.0)
    assert rules.order_price(100.0, 10.0, 2 * GBQ, 1) == pytest.approx(120.0)
    for args, field in (((-1.0, 0.0, 1e9, 1), "unit_price"),
                        ((0.0, float("nan"), 1e9, 1), "price_per_gbq"),
                        ((0.0, 1.0, float("inf"), 1), "activity_bq"),
                        ((0.0, 1.0, 1e9, 0), "quantity"),
                        ((0.0, 1.0, 1e9, True), "quantity")):
        with pytest.raises(InvalidInput) as e:
            rules.order_price(*args)
        assert e.value.field == field


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e15), st.integers(1, 1000))
def test_price_linear_in_quantity(unit, per_gbq, bq, qty) -> None:
    one = rules.order_price(unit, per_gbq, bq, 1)
    assert rules.order_price(unit, per_gbq, bq, qty) == pytest.approx(qty * one)
    assert one >= 0


def test_countries() -> None:
    codes = rules.country_codes()
    assert len(codes) == 249  # ISO 3166-1 assigns 249 codes
    assert {"CU", "BY", "KZ", "BR", "UZ", "CN", "IN", "RU"} <= set(codes)
    assert not {"EU", "ZZ", "UN", "XK", "QO"} & set(codes)
    assert rules.country_name("CU", "en") == "Cuba"
    assert rules.country_name("CU", "ru") == "Куба"
    assert rules.country_name("BY", "ru") == "Беларусь"
    assert rules.country_name("CU", "fr") == "Cuba"
    assert rules.check_country(" cu ") == "CU"
    for bad in ("EU", "XX", "CUB", "", None, 1):
        with pytest.raises(InvalidInput) as e:
            rules.check_country(bad)
        assert e.value.field == "country"


def test_licence_state_and_dates() -> None:
    f, t = date(2026, 1, 1), date(2026, 3, 31)
    assert rules.licence_state(f, t, date(2025, 12, 31)) == "not_yet"
    assert rules.licence_state(f, t, date(2026, 1, 15)) == "valid"
    assert rules.licence_state(f, t, date(2026, 3, 1)) == "expiring"
    assert rules.licence_state(f, t, date(2026, 3, 31)) == "expiring"
    assert rules.licence_state(f, t, date(2026, 4, 1)) == "expired"
    assert rules.check_licence_dates(f, f) == (f, f)
    with pytest.raises(InvalidInput) as e:
        rules.check_licence_dates(t, f)
    assert e.value.field == "valid_to"
    with pytest.raises(InvalidInput):
        rules.check_licence_dates(datetime(2026, 1, 1), t)


def test_transit_priority_code_currency() -> None:
    assert rules.check_transit(3600.0) == 3600.0
    for bad in (0, -1, 30 * 86400 + 1, float("nan"), "1 h"):
        with pytest.raises(InvalidInput):
            rules.check_transit(bad)
    assert rules.check_priority(1) == 1
    for bad in (0, 10, True, 1.5):
        with pytest.raises(InvalidInput):
            rules.check_priority(bad)
    assert rules.check_code(" MO99-BULK ") == "MO99-BULK"
    for bad in ("", "-X", "a b", "x" * 41):
        with pytest.raises(InvalidInput):
            rules.check_code(bad)
    assert rules.check_currency("EUR") == "EUR"
    with pytest.raises(InvalidInput):
        rules.check_currency("usd")


@given(st.dates(), st.integers(0, 5000), st.integers(-6000, 6000))
def test_licence_state_partitions_time(start, length, offset) -> None:
    end = date.fromordinal(min(start.toordinal() + length, date.max.toordinal()))
    today = date.fromordinal(min(max(start.toordinal() + offset, 1), date.max.toordinal()))
    state = rules.licence_state(start, end, today)
    assert (state == "not_yet") == (today < start)
    assert (state == "expired") == (today > end)
    assert (state in ("valid", "expiring")) == (start <= today <= end)
    if state == "expiring":
        assert (end - today).days <= rules.EXPIRING_DAYS
