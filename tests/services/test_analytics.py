"""Export analytics on SQLite and PostgreSQL from orders written straight into the table with
known values; every expected figure is computed here from the rows written (not from the
service): calibrated activity, Mo-99 6-day Ci, revenue, orders, customers, procedures,
growth, domestic vs export, cancelled and open orders left out, the supplier's zone for the
year, filters, tenancy and the CSV."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from isoflow.errors import InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import analytics
from isoflow.store.supplier_models import Customer, Order
from tests.supplier_world import make_supplier

CI = 3.7e10
GBQ = 1e9
MO99 = math.log(2) / get_nuclide("Mo-99").half_life_s
MSK = ZoneInfo("Europe/Moscow")
STATUSES = ("shipped", "delivered", "cancelled", "open", "allocated")


def _domestic(db, sup, code="RU-OBNINSK"):
    with db.write() as s:
        c = Customer(org_id=sup.org_id, code=code, name="Obninsk clinic", country="RU",
                     timezone="Europe/Moscow", kind="hospital", priority=3, active=True,
                     created_at=datetime.now(UTC))
        s.add(c)
        s.flush()
        return c.id


def _write_orders(db, sup, seed=7, n=160):
    """Random orders over 2023-2025 (dispatch in Moscow time), a few on the New Year's
    edge; returns the rows as dicts with the customer's country and the product code."""
    rnd = random.Random(seed)
    customers = dict(sup.customer_ids)
    customers["RU-OBNINSK"] = _domestic(db, sup)
    country = {"CU-HAVANA": "CU", "BY-MINSK": "BY", "KZ-ALMATY": "KZ", "BR-SAOPAULO": "BR",
               "UZ-IRRAD": "UZ", "RU-OBNINSK": "RU"}
    written = []
    with db.write() as s:
        for i in range(n):
            cust = rnd.choice(sorted(customers))
            prod = rnd.choice(sorted(sup.product_ids))
            if i < 4:  # 00:30 Moscow on 1 January is still 31 December in UTC
                dispatch = datetime(2024 + i % 2, 1, 1, 0, 30, tzinfo=MSK).astimezone(UTC)
            else:
                dispatch = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(
                    hours=rnd.randrange(0, 3 * 365 * 24))
            cal = dispatch + timedelta(hours=rnd.choice((0, 12, 40, 72)))
            row = dict(customer=cust, country=country[cust], product=prod,
                       activity_bq=rnd.choice((5, 10, 20, 370)) * GBQ,
                       quantity=rnd.randint(1, 4), dispatch_at=dispatch, calibration_at=cal,
                       status=rnd.choice(STATUSES), price=float(rnd.randint(100, 9000)))
            s.add(Order(org_id=sup.org_id, number=f"T-{i}",
                        customer_id=customers[cust], product_id=sup.product_ids[prod],
                        activity_bq=row["activity_bq"], quantity=row["quantity"],
                        calibration_at=cal, dispatch_at=dispatch, status=row["status"],
                        price=row["price"], created_at=dispatch, updated_at=dispatch))
            written.append(row)
    return written


PROCS = {"TC-GEN-20": 60.0, "GA-GEN-1.85": 400.0, "MAA-KIT": 25.0}
MO99_PRODUCTS = {"MO99-BULK", "TC-GEN-20"}


def _expected(rows, statuses=("shipped", "delivered")):
    out = defaultdict(lambda: dict(orders=0, customers=set(), units=0, bq=0.0, ci=0.0,
                                   revenue=0.0))
    for r in rows:
        if r["status"] not in statuses:
            continue
        key = (r["dispatch_at"].astimezone(MSK).year, r["country"], r["product"])
        g = out[key]
        g["orders"] += 1
        g["customers"].add(r["customer"])
        g["units"] += r["quantity"]
        g["bq"] += r["quantity"] * r["activity_bq"]
        g["revenue"] += r["price"]
        if r["product"] in MO99_PRODUCTS:
            # activity 144 h after dispatch, from the activity at calibration
            hours = (r["dispatch_at"] + timedelta(hours=144) - r["calibration_at"])
            g["ci"] += (r["quantity"] * r["activity_bq"]
                        * math.exp(-MO99 * hours.total_seconds()) / CI)
    return out


@pytest.fixture
def world(db):
    sup = make_supplier(db)
    return sup, _write_orders(db, sup)


def test_groups_match_the_rows_written(db, world) -> None:
    sup, rows = world
    report = analytics.exports(db, sup.actors["viewer"])
    expected = _expected(rows)
    assert report.domestic_country == "RU" and report.timezone == "Europe/Moscow"
    assert report.years == sorted({k[0] for k in expected})
    got = {(r.year, r.country, r.product_code): r for r in report.rows}
    assert set(got) == set(expected)
    for key, e in expected.items():
        r = got[key]
        assert r.orders == e["orders"] and r.units == e["units"]
        assert r.customers == len(e["customers"])
        assert r.calibrated_tbq == pytest.approx(e["bq"] / 1e12, rel=1e-12)
        assert r.revenue == pytest.approx(e["revenue"])
        assert r.domestic == (key[1] == "RU")
        if key[2] in MO99_PRODUCTS:
            assert r.six_day_ci == pytest.approx(e["ci"], rel=1e-9)
        else:
            assert r.six_day_ci is None
        proc = PROCS.get(key[2])
        assert r.procedures == (None if proc is None else pytest.approx(e["units"] * proc))
        # growth against the same country and product a year before
        prev = expected.get((key[0] - 1, key[1], key[2]))
        if key[0] - 1 not in report.years or prev is None:
            assert r.growth is None
        else:
            assert r.growth == pytest.approx(e["bq"] / prev["bq"] - 1, rel=1e-9)
            assert r.revenue_growth == pytest.approx(e["revenue"] / prev["revenue"] - 1)
    for t in report.totals:
        ys = [e for k, e in expected.items() if k[0] == t.year]
        assert t.orders == sum(e["orders"] for e in ys)
        assert t.customers == len(set().union(*(e["customers"] for e in ys)))
        assert t.export_tbq == pytest.approx(
            sum(e["bq"] for k, e in expected.items() if k[0] == t.year and k[1] != "RU") / 1e12)
        assert t.revenue["USD"] == pytest.approx(sum(e["revenue"] for e in ys))
    by_year = {t.year: t for t in report.totals}
    for y in report.years[1:]:
        assert by_year[y].growth == pytest.approx(
            by_year[y].revenue["USD"] / by_year[y - 1].revenue["USD"] - 1)
    assert report.totals[0].growth is None
    assert "RU" not in report.top_countries
    revenue = {c.country: c.revenue["USD"] for c in report.countries}
    exports_ranked = sorted((c for c in revenue if c != "RU"), key=lambda c: -revenue[c])
    assert report.top_countries == exports_ranked[:5]


def test_unshipped_flag_and_cancelled(db, world) -> None:
    sup, rows = world
    every = analytics.exports(db, sup.actors["viewer"], include_unshipped=True)
    expected = _expected(rows, ("shipped", "delivered", "open", "allocated"))
    assert sum(r.orders for r in every.rows) == sum(e["orders"] for e in expected.values())
    cancelled = sum(1 for r in rows if r["status"] == "cancelled")
    assert cancelled > 0
    assert sum(r.orders for r in every.rows) == len(rows) - cancelled


def test_filters(db, world) -> None:
    sup, rows = world
    expected = _expected(rows)
    r = analytics.exports(db, sup.actors["viewer"], year_from=2024, year_to=2024,
                          country="br", include_domestic=False)
    assert {(x.year, x.country) for x in r.rows} <= {(2024, "BR")}
    assert sum(x.orders for x in r.rows) == sum(
        e["orders"] for k, e in expected.items() if k[0] == 2024 and k[1] == "BR")
    no_ru = analytics.exports(db, sup.actors["viewer"], include_domestic=False)
    assert all(x.country != "RU" for x in no_ru.rows)
    one = analytics.exports(db, sup.actors["viewer"], product_id=sup.product_ids["MO99-BULK"])
    assert {x.product_code for x in one.rows} == {"MO99-BULK"}
    empty = analytics.exports(db, sup.actors["viewer"], year_from=2100)
    assert empty.rows == [] and empty.years == []
    for kw, field in ((dict(year_from=1), "year_from"), (dict(year_to=99999), "year_to"),
                      (dict(year_from=2025, year_to=2024), "year_to"),
                      (dict(country="Brazil"), "country")):
        with pytest.raises(InvalidInput) as e:
            analytics.exports(db, sup.actors["viewer"], **kw)
        assert e.value.field == field


def test_tenancy(db, world) -> None:
    sup, rows = world
    other = make_supplier(db, name="Other Isotopes")
    assert analytics.exports(db, other.actors["viewer"]).rows == []
    with pytest.raises(NotFound):
        analytics.exports(db, other.actors["viewer"], org_id=sup.org_id)
    from isoflow.domain.roles import Actor
    cli = Actor.command_line("t")
    with pytest.raises(InvalidInput) as e:  # two suppliers: say which
        analytics.exports(db, cli)
    assert e.value.field == "org_id"
    assert sum(x.orders for x in analytics.exports(db, cli, org_id=sup.org_id).rows) == sum(
        e["orders"] for e in _expected(rows).values())


def test_csv(db, world) -> None:
    sup, rows = world
    text = analytics.exports_csv(db, sup.actors["viewer"])
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == analytics.CSV_HEADER
    expected = _expected(rows)
    assert len(table) == len(expected) + 1
    names = {r[1]: r[2] for r in table[1:]}
    assert names.get("BR") == "Brazil" and names.get("RU") == "Russia"
    col = analytics.CSV_HEADER.index("calibrated_activity_tbq")
    for line in table[1:]:
        key = (int(line[0]), line[1], line[4])
        assert float(line[col]) == pytest.approx(expected[key]["bq"] / 1e12, abs=1e-6)
        assert "," not in line[col]


def test_hand_worked_six_day_ci_and_growth(db) -> None:
    sup = make_supplier(db)
    d24 = datetime(2024, 3, 4, 9, tzinfo=UTC)
    d25 = datetime(2025, 3, 3, 9, tzinfo=UTC)
    with db.write() as s:
        for i, (d, cal_h, qty, price) in enumerate(((d24, 144, 2, 100.0), (d25, 0, 1, 150.0),
                                                    (d25, 24, 1, 0.0))):
            s.add(Order(org_id=sup.org_id, number=f"H-{i}", customer_id=sup.customer_ids[
                "BR-SAOPAULO"], product_id=sup.product_ids["MO99-BULK"], activity_bq=CI * 10,
                quantity=qty, calibration_at=d + timedelta(hours=cal_h), dispatch_at=d,
                status="delivered" if i < 2 else "cancelled", price=price, created_at=d,
                updated_at=d))
    r = analytics.exports(db, sup.actors["viewer"])
    a, b = r.rows
    # calibrated 144 h after dispatch: the 6-day Ci is the calibrated activity in Ci
    assert a.six_day_ci == pytest.approx(2 * 10, rel=1e-12)
    # calibrated at dispatch: 10 Ci leave, 6 days later 10 · 2^(-144/65.94) remain
    assert b.six_day_ci == pytest.approx(10 * 2 ** (-144 * 3600 / get_nuclide(
        "Mo-99").half_life_s), rel=1e-9)
    assert b.revenue_growth == pytest.approx(0.5) and b.growth == pytest.approx(-0.5)
    assert a.growth is None and r.totals[1].growth == pytest.approx(0.5)
    assert r.totals[1].orders_growth == pytest.approx(-0.0)


def test_the_running_year_grows_against_the_year_before_to_the_same_moment(db) -> None:
    """On 30 June 2025 (Moscow) the year 2025 holds half a year: its growth is against 2024
    up to 30 June 2024, not against all of 2024 (which would read as a fall)."""
    from isoflow.services.clock import as_of

    sup = make_supplier(db)
    cust, prod = sup.customer_ids["BR-SAOPAULO"], sup.product_ids["MO99-BULK"]
    with db.write() as s:
        for i, (d, price) in enumerate(((datetime(2024, 3, 1, 9, tzinfo=MSK), 100.0),
                                        (datetime(2024, 9, 1, 9, tzinfo=MSK), 300.0),
                                        (datetime(2025, 3, 1, 9, tzinfo=MSK), 150.0))):
            s.add(Order(org_id=sup.org_id, number=f"Y-{i}", customer_id=cust, product_id=prod,
                        activity_bq=10 * GBQ * (1 + i), quantity=1, calibration_at=d,
                        dispatch_at=d, status="delivered", price=price, created_at=d,
                        updated_at=d))
    moment = datetime(2025, 6, 30, 12, tzinfo=MSK)
    with as_of(moment):
        r = analytics.exports(db, sup.actors["viewer"])
        whole = analytics.exports(db, sup.actors["viewer"], include_unshipped=True)
    assert r.to_date == moment and r.years == [2024, 2025]
    t24, t25 = r.totals
    assert t24.revenue["USD"] == 400.0 and t25.revenue["USD"] == 150.0
    assert t25.growth == pytest.approx(150 / 100 - 1) and t25.orders_growth == pytest.approx(0)
    [br] = r.countries
    assert br.growth == pytest.approx(0.5)
    row25 = next(x for x in r.rows if x.year == 2025)
    assert row25.revenue_growth == pytest.approx(0.5)
    assert row25.growth == pytest.approx(30 / 10 - 1)  # 30 GBq against the 10 GBq of March
    # counting open orders too, the year is the whole plan: whole years are compared
    assert whole.to_date is None and whole.totals[1].growth == pytest.approx(150 / 400 - 1)
    # a report of past years only is of whole years
    with as_of(datetime(2026, 1, 10, tzinfo=MSK)):
        later = analytics.exports(db, sup.actors["viewer"])
    assert later.to_date is None and later.totals[1].growth == pytest.approx(150 / 400 - 1)
