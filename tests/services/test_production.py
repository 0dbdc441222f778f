"""Production batches and their allocation (both databases)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import production
from isoflow.store.models import AuditEntry
from isoflow.store.supplier_models import Allocation, Order
from tests.production_world import T0, add_order
from tests.supplier_world import GBQ, make_supplier

LAM = get_nuclide("Mo-99").decay_constant_per_s
GROW = math.exp(LAM * 48 * 3600)  # need at dispatch per Bq at calibration two days later


def _counts(db: object) -> tuple[int, int]:
    with db.read() as s:  # type: ignore[attr-defined]
        return (s.scalar(select(func.count()).select_from(Allocation)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def _short_world(db: object):  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    prod = sup.actors["supplier_production"]
    add_order(db, sup, "O-HAV", "CU-HAVANA", gbq=100, dispatch_h=0)  # priority 1
    add_order(db, sup, "O-MSK", "BY-MINSK", gbq=100, dispatch_h=0)  # priority 2
    add_order(db, sup, "O-SP", "BR-SAOPAULO", gbq=300, dispatch_h=0)  # priority 2
    # enough for Havana and half of the priority-2 needs
    cap = 100 * GBQ * GROW + 0.5 * 400 * GBQ * GROW
    b = production.create_batch(db, prod, number="MO-261207", nuclide="Mo-99",
                                 available_at=T0, capacity_bq=cap / 0.8, yield_fraction=0.8)
    return sup, prod, b


def test_short_batch_by_priority_then_pro_rata(db: object) -> None:
    _sup, prod, b = _short_world(db)
    before = _counts(db)
    preview = production.allocation_preview(db, prod, b.id)
    assert _counts(db) == before  # a preview writes nothing
    by = {line.order.number: line for line in preview.lines}
    assert by["O-HAV"].fraction == 1.0
    assert by["O-MSK"].fraction == pytest.approx(0.5)
    assert by["O-SP"].fraction == pytest.approx(0.5)
    assert by["O-SP"].allocated_bq == pytest.approx(150 * GBQ * GROW)
    assert by["O-MSK"].order.needed_bq == pytest.approx(100 * GBQ * GROW)
    assert preview.shortfall_bq == pytest.approx(200 * GBQ * GROW)
    assert by["O-SP"].message == ("Batch MO-261207: you receive 150 GBq of the 300 GBq ordered "
                                  "(50 %) for calibration 2026-12-09 03:00 (America/Sao_Paulo)")
    plan = production.allocate(db, prod, b.id)
    assert [x.allocated_bq for x in plan.lines] == pytest.approx(
        [x.allocated_bq for x in preview.lines])
    allocs, audits = _counts(db)
    assert allocs == 3 and audits == before[1] + 4
    with db.read() as s:  # type: ignore[attr-defined]
        assert {o.status for o in s.scalars(select(Order))} == {"allocated"}
        msgs = [e.new for e in s.scalars(select(AuditEntry)
                                         .where(AuditEntry.action == "allocation"))]
    assert any("you receive 50 GBq of the 100 GBq" in m for m in msgs)
    detail = production.get_batch(db, prod, b.id)
    assert detail.batch.status == "allocated" and len(detail.allocations) == 3
    assert len(detail.orders) == 3
    with pytest.raises(Conflict):  # double allocation
        production.allocate(db, prod, b.id)
    assert _counts(db) == (allocs, audits)


def test_orders_out_of_window_other_nuclide_or_product_are_not_served(db: object) -> None:
    sup = make_supplier(db)
    prod = sup.actors["supplier_production"]
    add_order(db, sup, "EARLY", "CU-HAVANA", gbq=10, dispatch_h=-1)
    add_order(db, sup, "LATE", "CU-HAVANA", gbq=10, dispatch_h=7 * 24)
    add_order(db, sup, "IODINE", "CU-HAVANA", gbq=10, dispatch_h=5, product="I131-SOL")
    add_order(db, sup, "GEN", "BY-MINSK", gbq=10, dispatch_h=5, product="TC-GEN-20")
    add_order(db, sup, "BULK", "BY-MINSK", gbq=10, dispatch_h=5)
    b = production.create_batch(db, prod, number="B1", nuclide="Mo-99", available_at=T0,
                                capacity_bq=1e15, product_ids=[sup.product_ids["TC-GEN-20"]])
    assert [o.number for o in production.get_batch(db, prod, b.id).orders] == ["GEN"]
    b2 = production.create_batch(db, prod, number="B2", nuclide="Mo-99", available_at=T0,
                                 capacity_bq=1e15)
    plan = production.allocation_preview(db, prod, b2.id)
    assert sorted(x.order.number for x in plan.lines) == ["BULK", "GEN"]
    assert all(x.fraction == 1.0 for x in plan.lines) and plan.shortfall_bq == 0


def test_batch_with_no_orders(db: object) -> None:
    sup = make_supplier(db)
    prod = sup.actors["supplier_production"]
    b = production.create_batch(db, prod, number="EMPTY", nuclide="I-131", available_at=T0,
                                capacity_bq=1e12)
    assert production.allocation_preview(db, prod, b.id).lines == ()
    before = _counts(db)
    with pytest.raises(Conflict):
        production.allocate(db, prod, b.id)
    assert _counts(db) == before
    assert production.get_batch(db, prod, b.id).batch.status == "planned"


def test_bad_input_refused_nothing_written(db: object) -> None:
    sup = make_supplier(db)
    prod = sup.actors["supplier_production"]
    before = _counts(db)
    good = dict(number="X", nuclide="Mo-99", available_at=T0, capacity_bq=1e12)
    for change, field in ((dict(capacity_bq=0.0), "capacity_bq"),
                          (dict(capacity_bq=math.inf), "capacity_bq"),
                          (dict(yield_fraction=0.0), "yield_fraction"),
                          (dict(yield_fraction=1.5), "yield_fraction"),
                          (dict(yield_fraction=math.nan), "yield_fraction"),
                          (dict(nuclide="Xx-999"), "nuclide"),
                          (dict(available_at=datetime(2026, 12, 7)), "available_at"),
                          (dict(number=""), "number"),
                          (dict(product_ids=[sup.product_ids["I131-SOL"]]), "product_ids"),
                          (dict(product_ids=[10**6]), "product_ids")):
        with pytest.raises(InvalidInput) as e:
            production.create_batch(db, prod, **{**good, **change})  # type: ignore[arg-type]
        assert e.value.field == field
    assert _counts(db) == before
    production.create_batch(db, prod, **good)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        production.create_batch(db, prod, **good)  # type: ignore[arg-type]


def test_production_figures_cancel_roles_and_tenancy(db: object) -> None:
    sup = make_supplier(db)
    prod = sup.actors["supplier_production"]
    b = production.create_batch(db, prod, number="R1", nuclide="Mo-99", available_at=T0,
                                capacity_bq=1e13)
    v = production.record_production(db, prod, b.id, capacity_bq=2e13, yield_fraction=0.5,
                                     reason="measured after processing")
    assert (v.status, v.available_bq) == ("produced", 1e13)
    with pytest.raises(InvalidInput):
        production.record_production(db, prod, b.id, capacity_bq=2e13, yield_fraction=0.5,
                                     reason=" ")
    for role in ("supplier_sales", "supplier_logistics", "viewer"):
        with pytest.raises(Forbidden):
            production.create_batch(db, sup.actors[role], number="R2", nuclide="Mo-99",
                                    available_at=T0, capacity_bq=1e12)
        with pytest.raises(Forbidden):
            production.allocate(db, sup.actors[role], b.id)
    assert production.get_batch(db, sup.actors["viewer"], b.id).batch.number == "R1"
    other = make_supplier(db, name="Other Isotopes")
    with pytest.raises(NotFound):
        production.get_batch(db, other.actors["admin"], b.id)
    with pytest.raises(NotFound):
        production.allocate(db, other.actors["supplier_production"], b.id)
    assert production.list_batches(db, other.actors["admin"]) == []
    c = production.cancel_batch(db, prod, b.id, reason="reactor outage")
    assert c.status == "cancelled"
    with pytest.raises(Conflict):
        production.cancel_batch(db, prod, b.id, reason="again")
    with pytest.raises(Conflict):
        production.allocate(db, prod, b.id)
    assert production.find_batch(db, prod, "R1").id == b.id
    assert [x.number for x in production.list_batches(
        db, prod, since=T0 - timedelta(days=1), until=datetime(2027, 1, 1, tzinfo=UTC))] == ["R1"]
