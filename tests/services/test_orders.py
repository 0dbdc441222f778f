"""Orders on SQLite and PostgreSQL: the issue's bad input (above the licence, calibrated before
it can arrive, unknown product, zero/negative activity: 4xx naming the field, nothing
written), idempotent generation, amend/cancel audited with the reason, tenancy, roles."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from isoflow.services import contracts, orders
from isoflow.services.clock import as_of
from isoflow.store.models import AuditEntry
from isoflow.store.supplier_models import Order
from tests.supplier_world import GBQ, make_supplier

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday
HAVANA = ZoneInfo("America/Havana")
THU_NOON = datetime(2026, 12, 10, 12, 0, tzinfo=HAVANA)


@pytest.fixture
def sup(db):
    with as_of(T0):
        yield make_supplier(db)


def _orders(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Order))


def _actions(db, entity):
    with db.read() as s:
        return [(e.action, e.reason) for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == entity).order_by(AuditEntry.seq))]


def _place(db, sup, role="supplier_sales", **kw):
    args = dict(customer_id=sup.customer_ids["CU-HAVANA"], product_id=sup.product_ids["I131-SOL"],
                activity_bq=150 * GBQ, quantity=1, calibration_at=THU_NOON)
    args.update(kw)
    return orders.place_order(db, sup.actors[role], **args)


def test_place_order_defaults_dispatch_number_price_and_activities(db, sup) -> None:
    o = _place(db, sup)
    # 40 h transit: the latest 10:00 Moscow dispatch before Thursday 17:00 UTC - 40 h
    assert o.dispatch_at == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert o.arrival_at <= o.calibration_at
    assert o.number == "ORD-2026-000001" and o.status == "open"
    assert o.price == pytest.approx(25.0 * 150)
    assert o.activity_at_dispatch_bq > o.activity_on_arrival_bq > o.activity_bq
    assert o.calibration_local.hour == 12 and o.customer_timezone == "America/Havana"
    assert _place(db, sup).number == "ORD-2026-000002"
    assert _actions(db, "order") == [("placed", None), ("placed", None)]


@pytest.mark.parametrize("kw, error, field", [
    (dict(activity_bq=480 * GBQ), LimitExceeded, "activity_bq"),
    (dict(activity_bq=100 * GBQ, quantity=5), LimitExceeded, "activity_bq"),
    (dict(dispatch_at=datetime(2026, 12, 9, 7, 0, tzinfo=UTC)), InvalidInput, "calibration_at"),
    (dict(product_id=999_999), NotFound, "product_id"),
    (dict(activity_bq=0.0), InvalidInput, "activity_bq"),
    (dict(activity_bq=-5.0), InvalidInput, "activity_bq"),
    (dict(activity_bq=math.nan), InvalidInput, "activity_bq"),
    (dict(quantity=0), InvalidInput, "quantity"),
    (dict(calibration_at=datetime(2026, 12, 10, 12, 0)), InvalidInput, "calibration_at"),
    (dict(calibration_at=datetime(2026, 12, 20, 12, 0, tzinfo=HAVANA),
          dispatch_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC)), InvalidInput,
     "calibration_at"),  # beyond the 28-day shelf life
    (dict(customer_id=999_999), NotFound, "customer_id"),
])
def test_bad_orders_are_refused_naming_the_field_and_nothing_written(db, sup, kw, error,
                                                                      field) -> None:
    with as_of(T0), pytest.raises(error) as e:
        _place(db, sup, **kw)
    assert e.value.field == field
    assert _orders(db) == 0 and _actions(db, "order") == []


def test_product_of_another_supplier_is_unknown(db, sup) -> None:
    other = make_supplier(db, name="Other Isotopes")
    with pytest.raises(NotFound) as e:
        _place(db, sup, product_id=other.product_ids["I131-SOL"])
    assert e.value.field == "product_id"


def test_amend_and_cancel_audited_with_reason(db, sup) -> None:
    o = _place(db, sup)
    with pytest.raises(InvalidInput):
        orders.amend_order(db, sup.actors["supplier_sales"], o.id, reason="  ",
                           quantity=2)
    a = orders.amend_order(db, sup.actors["supplier_sales"], o.id, reason="customer asked",
                           quantity=2, calibration_at=THU_NOON + timedelta(days=1))
    assert a.quantity == 2 and a.price == pytest.approx(2 * 25 * 150)
    assert a.arrival_at <= a.calibration_at
    with pytest.raises(LimitExceeded):  # 2 × 300 GBq is above the 500 GBq licence
        orders.amend_order(db, sup.actors["supplier_sales"], o.id, reason="more",
                           activity_bq=300 * GBQ)
    c = orders.cancel_order(db, sup.actors["supplier_sales"], o.id, reason="hospital closed")
    assert c.status == "cancelled" and c.reason == "hospital closed"
    with pytest.raises(Conflict):
        orders.amend_order(db, sup.actors["supplier_sales"], o.id, reason="x", quantity=1)
    assert _actions(db, "order") == [("placed", None), ("amended", "customer asked"),
                                     ("cancelled", "hospital closed")]
    detail = orders.get_order(db, sup.actors["viewer"], o.id)
    assert [h.action for h in detail.history] == ["placed", "amended", "cancelled"]


def test_tenancy_and_roles(db, sup) -> None:
    o = _place(db, sup)
    other = make_supplier(db, name="Other Isotopes")
    for call in (lambda a: orders.get_order(db, a, o.id),
                 lambda a: orders.cancel_order(db, a, o.id, reason="x")):
        with pytest.raises(NotFound):
            call(other.actors["supplier_sales"])
    assert orders.list_orders(db, other.actors["viewer"]) == []
    for role in ("viewer", "supplier_production", "supplier_logistics"):
        with pytest.raises(Forbidden):
            _place(db, sup, role=role)
        with pytest.raises(Forbidden):
            orders.cancel_order(db, sup.actors[role], o.id, reason="x")
    assert [x.id for x in orders.list_orders(db, sup.actors["viewer"])] == [o.id]


def _contract(db, sup, **kw):
    args = dict(customer_id=sup.customer_ids["CU-HAVANA"], number="CU-2026-01",
                start_date=date(2026, 12, 1), end_date=date(2027, 12, 31), priority=1)
    args.update(kw)
    return contracts.create_contract(db, sup.actors["supplier_sales"], **args)


def test_generation_is_idempotent_and_bounded_by_the_contract(db, sup) -> None:
    with as_of(T0):
        k = _contract(db, sup, end_date=date(2026, 12, 24))
        contracts.add_delivery(db, sup.actors["supplier_sales"], k.id,
                               product_id=sup.product_ids["I131-SOL"], weekday=0,
                               calibration_time="12:00", calibration_days=3,
                               activity_bq=150 * GBQ)
        r = orders.generate_orders(db, sup.actors["supplier_sales"], until=date(2026, 12, 31))
        assert (r.created, r.existing, r.refused) == (3, 0, [])  # Mondays 7, 14, 21
        again = orders.generate_orders(db, sup.actors["supplier_sales"],
                                       until=date(2026, 12, 31))
        assert (again.created, again.existing) == (0, 3)
        got = orders.list_orders(db, sup.actors["viewer"])
    assert [o.dispatch_local.date() for o in got] == [date(2026, 12, d) for d in (7, 14, 21)]
    assert all(o.calibration_local.weekday() == 3 and o.calibration_local.hour == 12
               for o in got)
    assert [o.number for o in got] == [f"ORD-2026-{n:06d}" for n in (1, 2, 3)]
    assert [a for a, _ in _actions(db, "order")] == ["generated"] * 3


def test_generation_lists_refused_orders(db, sup) -> None:
    with as_of(T0):
        k = _contract(db, sup)
        contracts.add_delivery(db, sup.actors["supplier_sales"], k.id,
                               product_id=sup.product_ids["I131-SOL"], weekday=0,
                               calibration_time="12:00", calibration_days=3,
                               activity_bq=150 * GBQ)
        # the licence shrinks after the delivery was agreed: generation refuses, lists why
        from isoflow.store.supplier_models import CustomerLicence
        with db.write() as s:
            for lic in s.scalars(select(CustomerLicence)):
                lic.limit_bq = 1 * GBQ
        r = orders.generate_orders(db, sup.actors["supplier_sales"], until=date(2026, 12, 14))
    assert r.created == 0 and len(r.refused) == 2
    assert r.refused[0].field == "activity_bq" and "licence" in r.refused[0].reason
    assert _orders(db) == 0
    with pytest.raises(InvalidInput) as e:
        orders.generate_orders(db, sup.actors["supplier_sales"], until=date(9999, 12, 31))
    assert e.value.field == "until"


def test_six_day_ci_order_is_calibrated_144_h_after_dispatch(db, sup) -> None:
    from isoflow.physics.decay import six_day_ci_to_eop_bq
    from isoflow.physics.units import CI_BQ

    cal = datetime(2026, 12, 16, 7, 0, tzinfo=UTC)
    o = orders.place_order(db, sup.actors["supplier_sales"],
                           customer_id=sup.customer_ids["BR-SAOPAULO"],
                           product_id=sup.product_ids["MO99-BULK"], activity_bq=10 * CI_BQ,
                           calibration_at=cal)
    assert cal - o.dispatch_at == timedelta(hours=144)
    assert o.activity_at_dispatch_bq == pytest.approx(six_day_ci_to_eop_bq(10.0), rel=1e-9)
    assert o.price == pytest.approx(40.0 * 370)
    with pytest.raises(InvalidInput) as e:
        orders.place_order(db, sup.actors["supplier_sales"],
                           customer_id=sup.customer_ids["BR-SAOPAULO"],
                           product_id=sup.product_ids["MO99-BULK"], activity_bq=10 * CI_BQ,
                           calibration_at=cal, dispatch_at=cal - timedelta(hours=100))
    assert e.value.field == "dispatch_at"
