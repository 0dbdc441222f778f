"""Production batches of the isotope supplier and their allocation to orders (issue #11).

A batch (a Mo-99 or I-131 run, a generator manufacturing day) yields capacity × yield of its
nuclide at its end of processing ``available_at``. It serves the organisation's open orders
whose product is of its nuclide (and among its ``product_ids`` if it names any) leaving in
[available_at, available_at + usable window). What an order needs at dispatch is its
calibrated activity (quantity × activity at ``calibration_at``) decayed back to dispatch. When
the batch falls short, isoflow.planning.allocation shares it by priority (the contract's, else
the customer's; 1 first) and then pro rata; each customer is told what they get.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain.ledger import decay_factor
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.planning.allocation import Demand, Supply
from isoflow.planning.allocation import allocate as plan_allocation
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.supplier import supplier_org
from isoflow.store.db import Database
from isoflow.store.supplier_models import (
    Allocation,
    Batch,
    Contract,
    Customer,
    Order,
    Product,
)

DAY_S = 86400.0
#: how long after its end of processing a batch may serve orders [s]. A configurable
#: assumption (the reference gives no figure): Mo-99 bulk and generators are shipped within the
#: week of the run (t½ 66 h); I-131 solution within two weeks (t½ 8 d); anything else a week.
USABLE_WINDOW_S: dict[str, float] = {"Mo-99": 7 * DAY_S, "I-131": 14 * DAY_S}
DEFAULT_WINDOW_S = 7 * DAY_S
NUMBER_MAX = 40
MAX_BQ = 1e30


def usable_window_s(nuclide: str) -> float:
    return USABLE_WINDOW_S.get(nuclide, DEFAULT_WINDOW_S)


@dataclass(frozen=True)
class BatchView:
    id: int
    org_id: int
    number: str
    nuclide: str
    product_ids: tuple[int, ...]
    available_at: datetime
    capacity_bq: float
    yield_fraction: float
    available_bq: float
    status: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class OrderNeed:
    order_id: int
    number: str
    customer_id: int
    customer_name: str
    customer_timezone: str
    product_code: str
    priority: int
    quantity: int
    activity_bq: float  # per unit at calibration
    ordered_bq: float  # quantity × activity at calibration
    calibration_at: datetime
    dispatch_at: datetime
    needed_bq: float  # at dispatch
    status: str


@dataclass(frozen=True)
class AllocationView:
    order_id: int
    order_number: str
    customer_name: str
    needed_bq: float
    allocated_bq: float
    message: str | None
    created_at: datetime


@dataclass(frozen=True)
class BatchDetail:
    batch: BatchView
    orders: tuple[OrderNeed, ...]
    allocations: tuple[AllocationView, ...]


@dataclass(frozen=True)
class PlanLine:
    order: OrderNeed
    allocated_bq: float  # at dispatch
    fraction: float
    message: str


@dataclass(frozen=True)
class AllocationPlan:
    batch: BatchView
    supply_bq: float  # at available_at
    #: what the orders draw from the batch at available_at if served in full
    demand_bq: float
    shortfall_bq: float
    used_bq: float
    left_bq: float
    lines: tuple[PlanLine, ...]

    @property
    def short(self) -> bool:
        return self.shortfall_bq > 0


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def batch_view(b: Batch) -> BatchView:
    return BatchView(id=b.id, org_id=b.org_id, number=b.number, nuclide=b.nuclide,
                     product_ids=_ids(b.product_ids), available_at=b.available_at,
                     capacity_bq=b.capacity_bq, yield_fraction=b.yield_fraction,
                     available_bq=b.capacity_bq * b.yield_fraction, status=b.status,
                     note=b.note, created_at=b.created_at)


def _check_figures(capacity_bq: float, yield_fraction: float) -> None:
    if not isinstance(capacity_bq, int | float) or not math.isfinite(capacity_bq) \
            or not 0 < capacity_bq <= MAX_BQ:
        raise InvalidInput("the capacity must be a positive, finite activity [Bq]",
                           field="capacity_bq")
    if not isinstance(yield_fraction, int | float) or not math.isfinite(yield_fraction) \
            or not 0 < yield_fraction <= 1:
        raise InvalidInput("the yield is a fraction above 0 and at most 1",
                           field="yield_fraction")


def _visible(s: Session, actor: Actor, batch_id: int, *, lock: bool = False) -> Batch:
    row = s.get(Batch, batch_id, with_for_update=lock)
    if row is None or not actor.sees(row.org_id):
        raise NotFound(f"no batch {batch_id}", field="batch_id")
    return row


def _nuclide(name: str) -> str:
    try:
        return get_nuclide(name).name
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="nuclide") from None


def create_batch(db: Database, actor: Actor, *, number: str, nuclide: str,
                 available_at: datetime, capacity_bq: float, yield_fraction: float = 1.0,
                 product_ids: tuple[int, ...] | list[int] = (), note: str | None = None,
                 org_id: int | None = None) -> BatchView:
    """A planned batch. ``org_id`` only for a platform administrator (else the actor's)."""
    actor.require(Permission.PRODUCE)
    number = clean_text(number, field="number", max_length=NUMBER_MAX)
    canon = _nuclide(nuclide)
    available_at = aware_utc(available_at, "available_at")
    if not 1970 <= available_at.year <= 2200:
        raise InvalidInput("a batch's end of processing is between the years 1970 and 2200",
                           field="available_at")
    _check_figures(capacity_bq, yield_fraction)
    note = clean_optional_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    wanted = sorted(set(int(p) for p in product_ids))
    with db.write() as s:
        org = supplier_org(s, actor, org_id)
        for pid in wanted:
            p = s.get(Product, pid)
            if p is None or p.org_id != org:
                raise InvalidInput(f"no product {pid} in the catalogue", field="product_ids")
            if p.nuclide != canon:
                raise InvalidInput(f"product {p.code} is of {p.nuclide}, not {canon}",
                                   field="product_ids")
        if s.scalar(select(Batch.id).where(Batch.org_id == org, Batch.number == number)):
            raise Conflict(f"there is already a batch {number}", field="number")
        row = Batch(org_id=org, number=number, nuclide=canon,
                    product_ids=",".join(str(p) for p in wanted), available_at=available_at,
                    capacity_bq=float(capacity_bq), yield_fraction=float(yield_fraction),
                    status="planned", note=note, created_at=now())
        s.add(row)
        s.flush()
        audit.record(s, actor, org_id=org, entity_type="batch", entity_id=row.id,
                     action="created", new={"number": number, "nuclide": canon,
                                            "available_at": available_at,
                                            "capacity_bq": row.capacity_bq,
                                            "yield_fraction": row.yield_fraction,
                                            "product_ids": wanted, "note": note})
        return batch_view(row)


def _reason(reason: str) -> str:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("say why", field="reason")
    return clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)


def record_production(db: Database, actor: Actor, batch_id: int, *, capacity_bq: float,
                      yield_fraction: float, reason: str) -> BatchView:
    """The run's actual figures; the batch becomes "produced"."""
    actor.require(Permission.PRODUCE)
    _check_figures(capacity_bq, yield_fraction)
    reason = _reason(reason)
    with db.write() as s:
        row = _visible(s, actor, batch_id, lock=True)
        if row.status not in ("planned", "produced"):
            raise Conflict(f"batch {row.number} is {row.status}", field="batch_id")
        old = {"capacity_bq": row.capacity_bq, "yield_fraction": row.yield_fraction,
               "status": row.status}
        row.capacity_bq = float(capacity_bq)
        row.yield_fraction = float(yield_fraction)
        row.status = "produced"
        audit.record(s, actor, org_id=row.org_id, entity_type="batch", entity_id=row.id,
                     action="produced", old=old,
                     new={"capacity_bq": row.capacity_bq,
                          "yield_fraction": row.yield_fraction, "status": "produced"},
                     reason=reason)
        return batch_view(row)


def cancel_batch(db: Database, actor: Actor, batch_id: int, *, reason: str) -> BatchView:
    actor.require(Permission.PRODUCE)
    reason = _reason(reason)
    with db.write() as s:
        row = _visible(s, actor, batch_id, lock=True)
        if row.status not in ("planned", "produced"):
            raise Conflict(f"batch {row.number} is {row.status}; it cannot be cancelled",
                           field="batch_id")
        old = row.status
        row.status = "cancelled"
        audit.record(s, actor, org_id=row.org_id, entity_type="batch", entity_id=row.id,
                     action="cancelled", old={"status": old}, new={"status": "cancelled"},
                     reason=reason)
        return batch_view(row)


def list_batches(db: Database, actor: Actor, *, since: datetime | None = None,
                 until: datetime | None = None) -> list[BatchView]:
    actor.require(Permission.READ)
    q = select(Batch).order_by(Batch.available_at, Batch.id)
    if actor.org_id is not None:
        q = q.where(Batch.org_id == actor.org_id)
    if since is not None:
        q = q.where(Batch.available_at >= aware_utc(since, "since"))
    if until is not None:
        q = q.where(Batch.available_at < aware_utc(until, "until"))
    with db.read() as s:
        return [batch_view(b) for b in s.scalars(q)]


def _served(s: Session, b: Batch, *, statuses: tuple[str, ...] = ("open",)) -> list[OrderNeed]:
    lam = get_nuclide(b.nuclide).decay_constant_per_s
    end = b.available_at + timedelta(seconds=usable_window_s(b.nuclide))
    q = (select(Order, Product, Customer, Contract.priority)
         .join(Product, Product.id == Order.product_id)
         .join(Customer, Customer.id == Order.customer_id)
         .outerjoin(Contract, Contract.id == Order.contract_id)
         .where(Order.org_id == b.org_id, Order.status.in_(statuses),
                Product.nuclide == b.nuclide, Order.dispatch_at >= b.available_at,
                Order.dispatch_at < end)
         .order_by(Order.dispatch_at, Order.id))
    pids = _ids(b.product_ids)
    if pids:
        q = q.where(Order.product_id.in_(pids))
    out = []
    for o, p, c, contract_priority in s.execute(q):
        ordered = o.quantity * o.activity_bq
        seconds = (o.dispatch_at - o.calibration_at).total_seconds()
        need = ordered * decay_factor(lam, seconds, field="calibration_at")
        if not math.isfinite(need):
            raise InvalidInput(f"order {o.number}: its need at dispatch overflows",
                               field="calibration_at")
        out.append(OrderNeed(
            order_id=o.id, number=o.number, customer_id=c.id, customer_name=c.name,
            customer_timezone=c.timezone, product_code=p.code,
            priority=contract_priority if contract_priority is not None else c.priority,
            quantity=o.quantity, activity_bq=o.activity_bq, ordered_bq=ordered,
            calibration_at=o.calibration_at, dispatch_at=o.dispatch_at, needed_bq=need,
            status=o.status))
    return out


def _gbq(bq: float) -> str:
    return f"{bq / 1e9:.4g}"


def message(batch_number: str, order: OrderNeed, fraction: float) -> str:
    """What the customer is told (English; the page translates it from the numbers)."""
    local = order.calibration_at.astimezone(ZoneInfo(order.customer_timezone))
    pct = 100 if fraction >= 1 else min(99, round(fraction * 100))
    return (f"Batch {batch_number}: you receive {_gbq(fraction * order.ordered_bq)} GBq of the "
            f"{_gbq(order.ordered_bq)} GBq ordered ({pct} %) for calibration "
            f"{local:%Y-%m-%d %H:%M} ({order.customer_timezone})")


def _plan(b: Batch, orders: list[OrderNeed]) -> AllocationPlan:
    lam = get_nuclide(b.nuclide).decay_constant_per_s
    supply = Supply(b.id, b.capacity_bq * b.yield_fraction, b.available_at, lam)
    demand = sum(o.needed_bq * math.exp(lam * (o.dispatch_at - b.available_at)
                                        .total_seconds()) for o in orders)
    # a short batch is shared by the linear programs HiGHS solves (priority levels in turn,
    # pro rata within one); a batch that covers everything serves every order in full
    result = plan_allocation(supply, [Demand(o.order_id, o.priority, o.needed_bq, o.dispatch_at)
                                      for o in orders],
                             method="lp" if demand > supply.available_bq else "closed")
    lines = tuple(PlanLine(order=o, allocated_bq=sh.allocated_bq, fraction=sh.fraction,
                           message=message(b.number, o, sh.fraction))
                  for o, sh in zip(orders, result.shares, strict=True))
    use = result.supplies[0]
    return AllocationPlan(batch=batch_view(b), supply_bq=supply.available_bq, demand_bq=demand,
                          shortfall_bq=max(0.0, demand - supply.available_bq),
                          used_bq=use.used_bq, left_bq=use.left_bq, lines=lines)


def _allocations(s: Session, b: Batch) -> tuple[AllocationView, ...]:
    q = (select(Allocation, Order.number, Customer.name)
         .join(Order, Order.id == Allocation.order_id)
         .join(Customer, Customer.id == Order.customer_id)
         .where(Allocation.batch_id == b.id).order_by(Allocation.id))
    return tuple(AllocationView(order_id=a.order_id, order_number=num, customer_name=name,
                                needed_bq=a.needed_bq, allocated_bq=a.allocated_bq,
                                message=a.message, created_at=a.created_at)
                 for a, num, name in s.execute(q))


def get_batch(db: Database, actor: Actor, batch_id: int) -> BatchDetail:
    """The batch, the orders it serves (open ones; once allocated, those it allocated) with
    their needs at dispatch, and its allocations."""
    actor.require(Permission.READ)
    with db.read() as s:
        b = _visible(s, actor, batch_id)
        allocs = _allocations(s, b)
        if allocs:
            ids = {a.order_id for a in allocs}
            orders = [o for o in _served(s, b, statuses=("open", "allocated", "shipped",
                                                         "delivered"))
                      if o.order_id in ids]
        else:
            orders = _served(s, b) if b.status in ("planned", "produced") else []
        return BatchDetail(batch=batch_view(b), orders=tuple(orders), allocations=allocs)


def allocation_preview(db: Database, actor: Actor, batch_id: int) -> AllocationPlan:
    """What allocating would give each order, and the message each customer would get. No
    writes."""
    actor.require(Permission.READ)
    with db.read() as s:
        b = _visible(s, actor, batch_id)
        orders = _served(s, b) if b.status in ("planned", "produced") else []
        return _plan(b, orders)


def allocate(db: Database, actor: Actor, batch_id: int) -> AllocationPlan:
    """Allocate the batch in one transaction: an Allocation per order, the orders and the
    batch "allocated", an audit entry per order (with the message) and one for the batch.
    409 if the batch is allocated or cancelled already, or serves no open order."""
    actor.require(Permission.PRODUCE)
    with db.write() as s:
        b = _visible(s, actor, batch_id, lock=True)
        if b.status not in ("planned", "produced"):
            raise Conflict(f"batch {b.number} is {b.status}; it cannot be allocated",
                           field="batch_id")
        orders = _served(s, b)
        if not orders:
            raise Conflict(f"batch {b.number} serves no open order", field="batch_id")
        plan = _plan(b, orders)
        at = now()
        for line in plan.lines:
            o = s.get(Order, line.order.order_id, with_for_update=True, populate_existing=True)
            if o is None or o.status != "open":  # allocated meanwhile by another batch
                raise Conflict(f"order {line.order.number} is no longer open; preview again",
                               field="batch_id")
            s.add(Allocation(org_id=b.org_id, batch_id=b.id, order_id=o.id,
                             needed_bq=line.order.needed_bq, allocated_bq=line.allocated_bq,
                             message=line.message, created_at=at))
            o.status = "allocated"
            o.updated_at = at
        b.status = "allocated"
        s.flush()
        for line in plan.lines:
            audit.record(s, actor, org_id=b.org_id, entity_type="order",
                         entity_id=line.order.order_id, action="allocation",
                         old={"status": "open"},
                         new={"status": "allocated", "batch": b.number,
                              "needed_bq": line.order.needed_bq,
                              "allocated_bq": line.allocated_bq, "fraction": line.fraction,
                              "message": line.message})
        audit.record(s, actor, org_id=b.org_id, entity_type="batch", entity_id=b.id,
                     action="allocated",
                     new={"status": "allocated", "orders": len(plan.lines),
                          "supply_bq": plan.supply_bq, "demand_bq": plan.demand_bq,
                          "used_bq": plan.used_bq, "shortfall_bq": plan.shortfall_bq})
        return AllocationPlan(batch=batch_view(b), supply_bq=plan.supply_bq,
                              demand_bq=plan.demand_bq, shortfall_bq=plan.shortfall_bq,
                              used_bq=plan.used_bq, left_bq=plan.left_bq, lines=plan.lines)


def find_batch(db: Database, actor: Actor, number: str) -> BatchView:
    """A batch by its number (the command line)."""
    actor.require(Permission.READ)
    q = select(Batch).where(Batch.number == number)
    if actor.org_id is not None:
        q = q.where(Batch.org_id == actor.org_id)
    with db.read() as s:
        rows = list(s.scalars(q))
        if not rows:
            raise NotFound(f"no batch {number}", field="number")
        if len(rows) > 1:
            raise InvalidInput(f"batch {number} exists in several organisations",
                               field="number")
        return batch_view(rows[0])
