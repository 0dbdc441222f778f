"""Contracts with recurring deliveries on SQLite and PostgreSQL: dates, unique numbers, a
delivery calibrated before it can arrive or above the licence refused, cancellation with its
reason cancelling open orders, tenancy, roles, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from isoflow.services import contracts, orders
from isoflow.services.clock import as_of
from isoflow.store.models import AuditEntry
from isoflow.store.supplier_models import ContractDelivery
from tests.supplier_world import GBQ, make_supplier

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def sup(db):
    with as_of(T0):
        yield make_supplier(db)


def _create(db, sup, number="CU-2026-01", role="supplier_sales", **kw):
    args = dict(customer_id=sup.customer_ids["CU-HAVANA"], number=number,
                start_date=date(2026, 12, 1), end_date=date(2027, 12, 31))
    args.update(kw)
    return contracts.create_contract(db, sup.actors[role], **args)


def _deliver(db, sup, k, **kw):
    args = dict(product_id=sup.product_ids["I131-SOL"], weekday=0, calibration_time="12:00",
                calibration_days=3, activity_bq=150 * GBQ)
    args.update(kw)
    return contracts.add_delivery(db, sup.actors["supplier_sales"], k.id, **args)


def _deliveries(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(ContractDelivery))


def test_create_contract_rules(db, sup) -> None:
    k = _create(db, sup, priority=1, note="five years")
    assert (k.number, k.status, k.customer_code) == ("CU-2026-01", "active", "CU-HAVANA")
    with pytest.raises(Conflict) as e:
        _create(db, sup)
    assert e.value.field == "number"
    with pytest.raises(InvalidInput) as e:
        _create(db, sup, number="X", start_date=date(2027, 1, 1), end_date=date(2026, 1, 1))
    assert e.value.field == "end_date"
    with pytest.raises(NotFound):
        _create(db, sup, number="Y", customer_id=999_999)
    assert [x.number for x in contracts.list_contracts(db, sup.actors["viewer"])] == \
        ["CU-2026-01"]


def test_delivery_rules(db, sup) -> None:
    k = _create(db, sup)
    got = _deliver(db, sup, k)
    assert [(d.weekday_name, d.calibration_time, d.route_name) for d in got.deliveries] == \
        [("Monday", "12:00", "Air via Madrid")]
    for kw, error, field in (
            (dict(calibration_days=1, calibration_time="06:00"), InvalidInput,
             "calibration_time"),  # 40 h in transit: arrives Wednesday
            (dict(activity_bq=480 * GBQ), LimitExceeded, "activity_bq"),
            (dict(activity_bq=0.0), InvalidInput, "activity_bq"),
            (dict(product_id=999_999), NotFound, "product_id"),
            (dict(weekday=7), InvalidInput, "weekday"),
            (dict(calibration_time="25:00"), InvalidInput, "calibration_time")):
        with pytest.raises(error) as e:
            _deliver(db, sup, k, **kw)
        assert e.value.field == field, kw
    assert _deliveries(db) == 1


def test_cancel_contract_cancels_open_orders_with_reason(db, sup) -> None:
    k = _create(db, sup)
    d = _deliver(db, sup, k).deliveries[0]
    r = orders.generate_orders(db, sup.actors["supplier_sales"], until=date(2026, 12, 20))
    assert r.created == 2
    assert len(contracts.get_contract(db, sup.actors["viewer"], k.id).next_orders) == 2
    with pytest.raises(InvalidInput):
        contracts.cancel_contract(db, sup.actors["supplier_sales"], k.id, reason="")
    c = contracts.cancel_contract(db, sup.actors["supplier_sales"], k.id,
                                  reason="tender lost")
    assert c.status == "cancelled" and all(o.status == "cancelled" for o in c.next_orders)
    with pytest.raises(Conflict):
        contracts.cancel_contract(db, sup.actors["supplier_sales"], k.id, reason="again")
    assert orders.generate_orders(db, sup.actors["supplier_sales"],
                                  until=date(2027, 1, 31)).created == 0
    with db.read() as s:
        rows = [(e.entity_type, e.action, e.reason) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type.in_(
                ("contract", "contract_delivery"))).order_by(AuditEntry.seq))]
    assert rows == [("contract", "created", None), ("contract_delivery", "created", None),
                    ("contract", "cancelled", "tender lost")]
    del d


def test_end_delivery_stops_generation(db, sup) -> None:
    k = _create(db, sup)
    d = _deliver(db, sup, k).deliveries[0]
    e = contracts.end_delivery(db, sup.actors["supplier_sales"], k.id, d.id, reason="paused")
    assert not e.deliveries[0].active
    assert orders.generate_orders(db, sup.actors["supplier_sales"],
                                  until=date(2026, 12, 31)).created == 0


def test_tenancy_and_roles(db, sup) -> None:
    k = _create(db, sup)
    other = make_supplier(db, name="Other Isotopes")
    with pytest.raises(NotFound):
        contracts.get_contract(db, other.actors["viewer"], k.id)
    with pytest.raises(NotFound):
        contracts.cancel_contract(db, other.actors["supplier_sales"], k.id, reason="x")
    with pytest.raises(NotFound):  # another supplier's customer
        _create(db, sup, number="Z", customer_id=other.customer_ids["CU-HAVANA"])
    for role in ("viewer", "supplier_production", "supplier_logistics"):
        with pytest.raises(Forbidden):
            _create(db, sup, number="R-" + role, role=role)
