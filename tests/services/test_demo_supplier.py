"""The demo supplier's world (issue #11 item 8), loaded once through ``demo.load`` on SQLite
at a frozen instant and checked with SQL over its rows: the customers, licences and routes,
the contracts (Brazil, Cuba, Belarus, Kazakhstan, the demo hospital) and their deliveries, the
installed Co-60, the growth figures from the orders, the shipments' classification, the
numbering, the batches, the one audit entry; a second load adds nothing. One PostgreSQL load."""

from __future__ import annotations

import itertools
import math
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from isoflow.domain.roles import Actor
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import analytics, audit, demo, irradiation, ledger
from isoflow.services.orders import check_order, generate_orders
from isoflow.services.production import allocation_preview, usable_window_s
from isoflow.store.db import Database
from isoflow.store.supplier_models import (
    Allocation,
    Batch,
    Contract,
    ContractDelivery,
    Customer,
    CustomerLicence,
    DeliveryRoute,
    InstalledSource,
    Order,
    Product,
    Shipment,
    ShipmentEvent,
)
from isoflow.transport.classification import Content, activity_at_dispatch, classify

CLI = Actor.command_line("tests")
#: a Friday morning in Moscow
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
World = tuple[Database, int]
TABLES = (Product, Customer, CustomerLicence, DeliveryRoute, InstalledSource, Contract,
          ContractDelivery, Order, Batch, Allocation, Shipment, ShipmentEvent)


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    path = tmp_path_factory.mktemp("demo-supplier") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    with time_machine.travel(NOW, tick=False):
        demo.load(db)
    with db.read() as s:
        org_id = s.scalar(select(Product.org_id).limit(1))
    assert org_id is not None
    yield db, org_id
    db.dispose()


def _orders(db: Database) -> list[tuple[Order, Customer, Product]]:
    with db.read() as s:
        return [(r[0], r[1], r[2]) for r in s.execute(
            select(Order, Customer, Product).join(Customer, Order.customer_id == Customer.id)
            .join(Product, Order.product_id == Product.id)).all()]


def _counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in TABLES}


def test_customers_in_50_countries_with_licences_and_routes(world: World) -> None:
    db, org_id = world
    with db.read() as s:
        customers = s.scalars(select(Customer).where(Customer.org_id == org_id)).all()
        licences = s.scalars(select(CustomerLicence)).all()
        routes = s.scalars(select(DeliveryRoute)).all()
    foreign = [c for c in customers if c.country != "RU"]
    domestic = [c for c in customers if c.country == "RU"]
    assert 160 <= len(foreign) <= 180
    assert len({c.country for c in foreign}) >= 50
    assert 580 <= len(domestic) <= 620
    assert {c.kind for c in customers} == {"hospital", "distributor", "research",
                                           "irradiation_centre"}
    assert len({c.code for c in customers}) == len({c.name for c in customers}) \
        == len(customers)
    for c in customers:
        ZoneInfo(c.timezone)
    assert {c.timezone for c in domestic} >= {"Europe/Moscow", "Asia/Vladivostok",
                                              "Asia/Novosibirsk", "Europe/Kaliningrad"}
    # every customer holds a licence for each nuclide it was sold and has a route
    with_licence = {(x.customer_id, x.nuclide) for x in licences}
    for _o, c, p in _orders(db):
        assert (c.id, p.nuclide) in with_licence
    assert {r.customer_id for r in routes} == {c.id for c in customers}
    by_customer = {r.customer_id: r for r in routes}
    minsk = next(c for c in foreign if c.country == "BY")
    assert by_customer[minsk.id].mode == "road"
    havana = next(c for c in foreign if c.country == "CU")
    assert by_customer[havana.id].mode == "air"
    assert by_customer[havana.id].transit_s > by_customer[minsk.id].transit_s
    today = NOW.astimezone(MOSCOW).date()
    assert sum(1 for x in licences if x.valid_to < today) >= 3
    assert sum(1 for x in licences if today <= x.valid_to <= today + timedelta(days=30)) >= 3


def test_orders_fall_within_the_licences_and_follow_the_price_rule(world: World) -> None:
    db, _ = world
    with db.read() as s:
        licences = {(x.customer_id, x.nuclide): x for x in s.scalars(select(CustomerLicence))}
        transit = {r.customer_id: r.transit_s for r in s.scalars(select(DeliveryRoute))}
    for o, c, p in _orders(db):
        lic = licences[c.id, p.nuclide]
        arrival = (o.dispatch_at + timedelta(seconds=transit[c.id])).astimezone(
            ZoneInfo(c.timezone)).date()
        assert lic.valid_from <= arrival <= lic.valid_to, o.number
        assert o.calibration_at >= o.dispatch_at + timedelta(seconds=transit[c.id]) \
            or p.calibration == "six_day_ci", o.number
        if p.calibration == "six_day_ci":
            assert o.calibration_at - o.dispatch_at == timedelta(days=6)
        expected = o.quantity * (p.unit_price + p.price_per_gbq * o.activity_bq / 1e9)
        assert o.price == pytest.approx(expected, abs=0.01)
        assert o.quantity * o.activity_bq <= lic.limit_bq


def test_a_sample_of_orders_passes_the_order_service_rules(world: World) -> None:
    """What isoflow.services.orders checks on every order (activity, arrival before
    calibration, shelf life, the licence on the arrival day) holds for every 40th order."""
    db, _ = world
    with db.read() as s:
        routes = {r.id: r for r in s.scalars(select(DeliveryRoute))}
        for o, c, p in _orders(db)[::40]:
            checked = check_order(s, c, p, routes[o.route_id or 0], activity_bq=o.activity_bq,
                                  quantity=o.quantity, calibration_at=o.calibration_at,
                                  dispatch_at=o.dispatch_at)
            assert checked.price == pytest.approx(o.price, abs=0.01)


def test_the_brazil_cuba_belarus_kazakhstan_and_hospital_contracts(world: World) -> None:
    db, _ = world
    with db.read() as s:
        contracts = {c.country: (k, c) for k, c in s.execute(
            select(Contract, Customer).join(Customer, Contract.customer_id == Customer.id))}
        deliveries = s.scalars(select(ContractDelivery)).all()
    brazil, _ = contracts["BR"]
    assert brazil.start_date.year == 2023
    assert brazil.end_date == date(brazil.start_date.year + 5, brazil.start_date.month,
                                   brazil.start_date.day) - timedelta(days=1)
    orders = _orders(db)
    # Cuba: every week since the first week of January 2024, Mo-99 and I-131, no gap
    cuban = [(o, p) for o, c, p in orders if c.country == "CU" and o.contract_id]
    assert {c.country for _, c in contracts.values()} >= {"BR", "CU", "BY", "KZ", "KG"}
    by_delivery = defaultdict(list)
    for o, _p in cuban:
        by_delivery[o.delivery_id].append(o)
        assert o.status != "cancelled"
    assert {p.nuclide for _, p in cuban} == {"Mo-99", "I-131"}
    assert len(by_delivery) >= 2
    for rows in by_delivery.values():
        times = sorted(o.dispatch_at for o in rows)
        assert times[0].astimezone(MOSCOW).date() <= date(2024, 1, 7)
        assert times[-1] > NOW + timedelta(days=7)
        gaps = {round((b - a).total_seconds() / 86400) for a, b in itertools.pairwise(times)}
        assert gaps == {7}
    # every contract order matches its recurring delivery
    by_id = {d.id: d for d in deliveries}
    for o, c, p in orders:
        if o.delivery_id is None:
            continue
        d = by_id[o.delivery_id]
        assert (o.product_id, o.activity_bq, o.quantity, o.contract_id) == (
            d.product_id, d.activity_bq, d.quantity, d.contract_id)
        dispatched = o.dispatch_at.astimezone(MOSCOW)
        assert (dispatched.weekday(), f"{dispatched:%H:%M}") == (d.weekday, "10:00")
        if p.calibration == "six_day_ci":
            assert o.calibration_at - o.dispatch_at == timedelta(hours=144)
            continue
        local = o.calibration_at.astimezone(ZoneInfo(c.timezone))
        assert f"{local:%H:%M}" == d.calibration_time
        assert (local.date() - dispatched.date()).days == d.calibration_days
    # Belarus: generators and MAA kits every week; Kazakhstan: Ga-68 generators every year
    for country, code in (("BY", "TC-GEN"), ("BY", "MAA-KIT"), ("KZ", "GA-GEN")):
        years = Counter(o.dispatch_at.year for o, c, p in orders
                        if c.country == country and p.code == code and o.contract_id)
        assert set(years) >= {2024, 2025, 2026}, (country, code)
    assert sum(1 for o, c, p in orders if c.country == "BY" and p.code == "TC-GEN"
               and o.dispatch_at.year == 2025) >= 100
    # the demo hospital's GT-4K generators: Monday, Wednesday, Friday, 19 GBq
    hospital, customer = contracts["KG"]
    assert customer.name == demo.HOSPITAL.name
    mine = [d for d in deliveries if d.contract_id == hospital.id]
    assert sorted(d.weekday for d in mine) == [1, 3, 6]  # the day before Mon, Wed, Fri
    assert {d.calibration_time for d in mine} == {"15:00"}  # 12:00 Moscow
    assert {d.activity_bq for d in mine} == {19e9}
    assert any(o.status in ("open", "allocated") for o, c, p in orders
               if c.id == customer.id)
    # every GT-4K in the hospital's ledger came with one of these orders, delivered
    notes = {(o.note or "").rsplit(" ", 1)[-1]: o for o, c, p in orders if c.id == customer.id}
    generators = [x for x in ledger.list_containers(db, CLI, limit=5000)
                  if x.kind == "generator" and x.label.startswith("GT-4K GT4K-")]
    assert generators
    for g in generators:
        order = notes[g.label.split()[-1]]
        assert order.status == "delivered" and order.dispatch_at < g.received_at


def test_generating_the_contracts_orders_again_finds_them_all(world: World) -> None:
    """isoflow.services.orders.generate_orders over the next two weeks makes nothing new:
    the demo's contract orders are the ones it would make."""
    db, _ = world
    before = _counts(db)["orders"]
    with time_machine.travel(NOW, tick=False):
        result = generate_orders(db, CLI, until=NOW.date() + timedelta(days=13))
    assert result.created == 0 and not result.refused and result.existing > 20
    assert _counts(db)["orders"] == before


def test_irradiation_centres_have_installed_co60(world: World) -> None:
    db, _ = world
    lam = get_nuclide("Co-60").decay_constant_per_s
    with db.read() as s:
        centres = s.scalars(select(Customer).where(Customer.kind == "irradiation_centre")).all()
        sources = s.scalars(select(InstalledSource)).all()
    held: defaultdict[int, float] = defaultdict(float)
    for x in sources:
        assert x.nuclide == "Co-60" and x.installed_at <= NOW
        if x.removed_at is not None:
            assert x.installed_at < x.removed_at <= NOW
            continue
        held[x.customer_id] += x.activity_bq * math.exp(
            -lam * (NOW - x.reference_at).total_seconds())
    assert len(centres) >= 10 and all(held[c.id] > 0 for c in centres)
    assert any(x.removed_at is not None for x in sources)
    ratios = sorted(held[c.id] / (c.min_installed_bq or 1.0) for c in centres)
    assert sum(1 for r in ratios if r < 1) >= 2
    assert any(1 <= r < 1.1 for r in ratios)
    # the irradiation service sees the same: two below their minimum, replenishment due
    views = irradiation.list_centres(db, CLI, at=NOW)
    assert len(views) == len(centres)
    below = [v for v in views if v.minimum_bq and v.installed_now_bq < v.minimum_bq]
    assert len(below) >= 2 and all(v.proposal is not None and v.proposal.due for v in below)
    for v in views:
        assert v.installed_now_bq == pytest.approx(held[v.customer_id], rel=1e-6)


def _revenue(db: Database, start: datetime, end: datetime,
             country: str | None = None) -> float:
    """Exports (country not RU, or one country): the orders not cancelled, by dispatch."""
    q = (select(func.sum(Order.price)).join(Customer, Order.customer_id == Customer.id)
         .where(Order.status != "cancelled", Order.dispatch_at >= start,
                Order.dispatch_at < end))
    q = q.where(Customer.country == country) if country else \
        q.where(Customer.country != "RU")
    with db.read() as s:
        return float(s.scalar(q) or 0.0)


def _year(y: int) -> tuple[datetime, datetime]:
    return (datetime(y, 1, 1, tzinfo=MOSCOW).astimezone(UTC),
            datetime(y + 1, 1, 1, tzinfo=MOSCOW).astimezone(UTC))


def test_exports_grow_15_percent_china_1_5_india_3(world: World) -> None:
    db, _ = world
    y24, y25 = _revenue(db, *_year(2024)), _revenue(db, *_year(2025))
    assert y25 / y24 == pytest.approx(1.15, abs=0.03)
    assert _revenue(db, *_year(2025), "CN") / _revenue(db, *_year(2024), "CN") \
        == pytest.approx(1.5, abs=0.15)
    assert _revenue(db, *_year(2025), "IN") / _revenue(db, *_year(2024), "IN") \
        == pytest.approx(3.0, abs=0.3)
    # the analytics service (the management page) shows the same figures
    report = analytics.exports(db, CLI, year_from=2024, year_to=2025)
    by_year = {t.year: t.export_revenue["USD"] for t in report.totals}
    assert by_year[2025] / by_year[2024] == pytest.approx(y25 / y24, rel=1e-6)
    # 2026 so far against the same part of 2025
    cut25 = datetime(2025, NOW.month, NOW.day, tzinfo=UTC)
    ytd26 = _revenue(db, _year(2026)[0], NOW)
    assert ytd26 / _revenue(db, _year(2025)[0], cut25) == pytest.approx(1.15, abs=0.03)


def test_past_orders_have_classified_shipments_and_events(world: World) -> None:
    db, _ = world
    with db.read() as s:
        shipments = {x.order_id: x for x in s.scalars(select(Shipment))}
        events = defaultdict(list)
        for e in s.scalars(select(ShipmentEvent).order_by(ShipmentEvent.at)):
            events[e.shipment_id].append(e.kind)
    statuses: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for o, c, p in _orders(db):
        statuses[o.status] += 1
        if o.dispatch_at > NOW:
            assert o.status in ("open", "allocated") and o.id not in shipments
            continue
        assert o.status in ("delivered", "shipped", "cancelled")
        if o.status == "cancelled":
            assert o.reason and o.id not in shipments
            continue
        if p.form == "cold_kit":
            assert o.id not in shipments
            continue
        sh = shipments[o.id]
        at_dispatch = activity_at_dispatch(p.nuclide, o.quantity * o.activity_bq,
                                           o.calibration_at, o.dispatch_at)
        assert sh.activity_bq == pytest.approx(at_dispatch, rel=1e-9)
        content = Content(p.nuclide, at_dispatch,
                          "liquid" if p.form == "liquid" else "solid",
                          p.form == "special_form")
        result = classify([content], surface_sv_h=sh.surface_usv_h * 1e-6,
                          at_1m_sv_h=sh.at_1m_usv_h * 1e-6)
        assert (sh.package_type, sh.un_number) == (result.package, result.un_number), o.number
        assert sh.transport_index == (result.transport_index or 0.0)
        assert sh.label == ("" if result.package == "excepted" else result.label)
        assert sh.dispatched_at == o.dispatch_at and sh.customer_id == c.id
        if sh.mode != "road":
            assert not result.type_c_required_by_air and sh.transport_index <= (
                3.0 if sh.mode == "air-passenger" else 10.0)
        expected = ["prepared", "dispatched"] + (["delivered"] if o.status == "delivered"
                                                 else [])
        assert events[sh.id] == expected
        assert (sh.status == "delivered") == (o.status == "delivered")
        packages[sh.package_type] += 1
    assert set(packages) == {"excepted", "Type A", "Type B(U)"}
    assert statuses["delivered"] > 20000 and 10 <= statuses["cancelled"] <= 500
    assert statuses["open"] + statuses["allocated"] > 100


def test_numbers_are_contiguous_per_year_of_dispatch(world: World) -> None:
    db, _ = world
    with db.read() as s:
        for model, prefix in ((Order, "ORD"), (Shipment, "SHP")):
            at = Order.dispatch_at if model is Order else Shipment.dispatched_at
            rows = s.execute(select(model.number, at)).all()
            by_year = defaultdict(list)
            for number, t in rows:
                p, year, n = number.split("-")
                assert p == prefix and int(year) == t.astimezone(MOSCOW).year
                assert len(n) == 6
                by_year[int(year)].append(int(n))
            assert set(by_year) >= {2024, 2025, 2026}
            for ns in by_year.values():
                assert sorted(ns) == list(range(1, len(ns) + 1))


def test_batches_this_week_and_next_one_short_and_unallocated(world: World) -> None:
    db, _ = world
    with db.read() as s:
        batches = s.scalars(select(Batch)).all()
        allocations = s.scalars(select(Allocation)).all()
    monday = NOW.astimezone(MOSCOW).date() - timedelta(days=NOW.astimezone(MOSCOW).weekday())
    weeks = {(b.available_at + timedelta(hours=4)).astimezone(MOSCOW).date() for b in batches}
    assert weeks == {monday, monday + timedelta(days=7)}
    orders = [(o, p) for o, c, p in _orders(db) if o.status != "cancelled"]
    allocated = {a.batch_id for a in allocations}
    short = []
    for b in batches:
        ids = {int(x) for x in b.product_ids.split(",")}
        lo = b.available_at
        hi = lo + timedelta(seconds=usable_window_s(b.nuclide))
        mine = [(o, p) for o, p in orders if p.id in ids and lo <= o.dispatch_at < hi]
        lam = get_nuclide(b.nuclide).decay_constant_per_s
        need = sum(activity_at_dispatch(b.nuclide, o.quantity * o.activity_bq,
                                        o.calibration_at, b.available_at)
                   for o, _ in mine)
        assert lam > 0 and mine, b.number
        if b.capacity_bq * b.yield_fraction < need:
            short.append(b)
    assert len(short) == 1 and short[0].nuclide == "Mo-99"
    assert short[0].id not in allocated and short[0].status == "planned"
    assert any(b.status == "allocated" for b in batches) and allocations
    # the production service sees the same: the short run has open orders to share
    with time_machine.travel(NOW, tick=False):
        preview = allocation_preview(db, CLI, short[0].id)
    assert preview.short and preview.lines


def test_one_audit_entry_and_a_second_load_adds_nothing(world: World) -> None:
    db, org_id = world
    before = _counts(db)
    entries = [e for e in audit.list_entries(db, CLI, entity_type="demo", limit=10)
               if e.action == "supplier_world"]
    assert len(entries) == 1
    (entry,) = entries
    assert entry.actor == "cli:demo" and entry.org_id == org_id
    assert entry.new["orders"] == before["orders"]
    assert entry.new["shipments"] == before["shipments"]
    assert entry.new["customers"] == before["customers"]
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        demo.load(db)
    assert _counts(db) == before
    assert len([e for e in audit.list_entries(db, CLI, entity_type="demo", limit=10)
                if e.action == "supplier_world"]) == 1
    assert audit.verify(db).ok


@pytest.mark.postgres
def test_the_world_loads_on_postgresql(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("the SQLite world is the module fixture's")
    db = Database(db_url)
    try:
        with time_machine.travel(NOW, tick=False):
            demo.load(db)
        counts = _counts(db)
        assert counts["customers"] == 770 and counts["orders"] > 30000
        assert _revenue(db, *_year(2025)) / _revenue(db, *_year(2024)) \
            == pytest.approx(1.15, abs=0.03)
        assert audit.verify(db).ok
        # the ids came from the sequences: a new row gets the next one
        with db.write() as s:
            org_id = s.scalar(select(Product.org_id).limit(1))
            s.add(Batch(org_id=org_id, number="B-NEXT", nuclide="Mo-99", available_at=NOW,
                        capacity_bq=1e9, created_at=NOW))
    finally:
        db.dispose()


def test_the_world_is_deterministic_and_follows_the_day() -> None:
    """The same instant gives the same rows; another day the same customers, and the figures
    still hold for every full year (computed here from the generated orders)."""
    from isoflow.services.demo.supplier_world import SUPPLIER_TZ, _World

    def rows(at: datetime) -> tuple[list[tuple[object, ...]], list[tuple[str, str]]]:
        w = _World(at)
        w.generate()
        return ([(d.cust.code, d.product, d.activity_bq, d.quantity, d.dispatch_at,
                  d.calibration_at, d.status) for d in w.drafts],
                [(c.code, c.name) for c in w.customers])

    first, again = rows(NOW), rows(NOW)
    assert first == again
    later = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)
    w = _World(later)
    w.generate()
    assert [(c.code, c.name) for c in w.customers] == first[1]
    revenue: defaultdict[tuple[str, int], float] = defaultdict(float)
    for d in w.drafts:
        if d.status != "cancelled" and d.cust.country != "RU":
            year = d.dispatch_at.astimezone(SUPPLIER_TZ).year
            revenue["all", year] += d.price
            revenue[d.cust.country, year] += d.price
    for year in (2025, 2026, 2027):
        assert revenue["all", year] / revenue["all", year - 1] == pytest.approx(1.15, abs=0.03)
    assert revenue["CN", 2025] / revenue["CN", 2024] == pytest.approx(1.5, abs=0.15)
    assert revenue["IN", 2025] / revenue["IN", 2024] == pytest.approx(3.0, abs=0.3)
    assert min(d.dispatch_at for d in w.drafts) >= datetime(2024, 1, 1, tzinfo=SUPPLIER_TZ)
