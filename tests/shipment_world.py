"""Orders (and batch allocations) written straight into the tables for the shipments tests
(the orders and production services have their own tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from isoflow.store.supplier_models import Allocation, Batch, Order
from tests.supplier_world import GBQ, Supplier

_count = [0]


def t_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def make_order(db: object, sup: Supplier, product: str, customer: str, *, gbq: float,
               dispatch_at: datetime, calibration_at: datetime | None = None,
               quantity: int = 1, status: str = "open",
               allocated_gbq: float | None = None) -> int:
    """An order of ``quantity`` × ``gbq`` at ``calibration_at`` (default the dispatch) leaving
    at ``dispatch_at``; with ``allocated_gbq`` a batch allocation at dispatch."""
    _count[0] += 1
    at = t_now()
    with db.write() as s:  # type: ignore[attr-defined]
        o = Order(org_id=sup.org_id, number=f"ORD-{sup.org_id}-{_count[0]}",
                  customer_id=sup.customer_ids[customer], product_id=sup.product_ids[product],
                  route_id=sup.route_ids[customer], activity_bq=gbq * GBQ, quantity=quantity,
                  calibration_at=calibration_at or dispatch_at, dispatch_at=dispatch_at,
                  status=status, price=0.0, created_at=at, updated_at=at)
        s.add(o)
        s.flush()
        if allocated_gbq is not None:
            b = Batch(org_id=sup.org_id, number=f"B-{sup.org_id}-{_count[0]}", nuclide="Mo-99",
                      available_at=dispatch_at - timedelta(hours=6), capacity_bq=1e15,
                      status="allocated", created_at=at)
            s.add(b)
            s.flush()
            s.add(Allocation(org_id=sup.org_id, batch_id=b.id, order_id=o.id,
                             needed_bq=quantity * gbq * GBQ, allocated_bq=allocated_gbq * GBQ,
                             created_at=at))
            o.status = "allocated"
        return int(o.id)
