"""Orders written straight into the table for the production slice's tests (the order service
is another slice's), on top of tests.supplier_world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from isoflow.store.supplier_models import Order
from tests.supplier_world import GBQ, Supplier

T0 = datetime(2026, 12, 7, 6, tzinfo=UTC)  # the batch's end of processing (a Monday)


def add_order(db: object, sup: Supplier, number: str, customer: str, *, gbq: float,
              dispatch_h: float, calibration_h: float | None = None,
              product: str = "MO99-BULK", quantity: int = 1, status: str = "open") -> int:
    """An order of ``customer`` for ``quantity`` × ``gbq`` at calibration, dispatched
    ``dispatch_h`` hours after T0 and calibrated ``calibration_h`` hours after T0 (default
    two days after dispatch)."""
    cal = dispatch_h + 48 if calibration_h is None else calibration_h
    with db.write() as s:  # type: ignore[attr-defined]
        o = Order(org_id=sup.org_id, number=number, customer_id=sup.customer_ids[customer],
                  product_id=sup.product_ids[product], route_id=sup.route_ids[customer],
                  activity_bq=gbq * GBQ, quantity=quantity,
                  calibration_at=T0 + timedelta(hours=cal),
                  dispatch_at=T0 + timedelta(hours=dispatch_h), status=status, price=0.0,
                  created_at=T0, updated_at=T0)
        s.add(o)
        s.flush()
        return o.id
