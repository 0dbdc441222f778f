"""The supplier's contracts with recurring deliveries (issue #11); audited as "contract" and
"contract_delivery". The actor needs SELL to write and READ to read; another organisation's
ids are NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isoflow.domain import orders as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.times import parse_timezone
from isoflow.services import audit
from isoflow.services.clock import now
from isoflow.services.customers import visible_customer
from isoflow.services.orders import (
    OrderView,
    catalogue_product,
    customer_route,
    order_view,
    org_of,
    require_licence,
    supplier_zone,
)
from isoflow.store.db import Database
from isoflow.store.supplier_models import (
    Contract,
    ContractDelivery,
    Customer,
    DeliveryRoute,
    Order,
    Product,
)

NUMBER_MAX = 80
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FIRST, _LAST = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class DeliveryView:
    id: int
    contract_id: int
    product_id: int
    product_code: str
    product_name: str
    calibration: str
    route_id: int | None
    route_name: str | None
    weekday: int
    weekday_name: str
    calibration_time: str
    calibration_days: int
    activity_bq: float
    quantity: int
    active: bool


@dataclass(frozen=True)
class ContractView:
    id: int
    org_id: int
    customer_id: int
    customer_code: str
    customer_name: str
    customer_timezone: str
    number: str
    start_date: date
    end_date: date
    priority: int | None
    status: str
    reason: str | None
    note: str | None
    created_at: datetime
    deliveries: tuple[DeliveryView, ...] = ()
    next_orders: tuple[OrderView, ...] = ()


def _delivery_view(s: Session, d: ContractDelivery) -> DeliveryView:
    p = s.get(Product, d.product_id)
    r = None if d.route_id is None else s.get(DeliveryRoute, d.route_id)
    assert p is not None
    return DeliveryView(id=d.id, contract_id=d.contract_id, product_id=p.id,
                        product_code=p.code, product_name=p.name, calibration=p.calibration,
                        route_id=d.route_id, route_name=None if r is None else r.name,
                        weekday=d.weekday, weekday_name=WEEKDAYS[d.weekday],
                        calibration_time=d.calibration_time,
                        calibration_days=d.calibration_days, activity_bq=d.activity_bq,
                        quantity=d.quantity, active=d.active)


def _view(s: Session, k: Contract, *, full: bool = False) -> ContractView:
    c = s.get(Customer, k.customer_id)
    assert c is not None
    deliveries: tuple[DeliveryView, ...] = ()
    upcoming: tuple[OrderView, ...] = ()
    if full:
        deliveries = tuple(_delivery_view(s, d) for d in s.scalars(
            select(ContractDelivery).where(ContractDelivery.contract_id == k.id)
            .order_by(ContractDelivery.id)))
        upcoming = tuple(order_view(s, o) for o in s.scalars(
            select(Order).where(Order.contract_id == k.id, Order.dispatch_at >= now())
            .order_by(Order.dispatch_at, Order.id).limit(10)))
    return ContractView(id=k.id, org_id=k.org_id, customer_id=c.id, customer_code=c.code,
                        customer_name=c.name, customer_timezone=c.timezone, number=k.number,
                        start_date=k.start_date, end_date=k.end_date, priority=k.priority,
                        status=k.status, reason=k.reason, note=k.note, created_at=k.created_at,
                        deliveries=deliveries, next_orders=upcoming)


def _record(k: Contract) -> dict[str, object]:
    return {"customer_id": k.customer_id, "number": k.number,
            "start_date": k.start_date.isoformat(), "end_date": k.end_date.isoformat(),
            "priority": k.priority, "status": k.status, "note": k.note}


def visible_contract(s: Session, actor: Actor, contract_id: int, *,
                     lock: bool = False) -> Contract:
    k = s.get(Contract, contract_id, with_for_update=lock)
    if k is None or not actor.sees(k.org_id):
        raise NotFound(f"no contract {contract_id}", field="contract_id")
    return k


def create_contract(db: Database, actor: Actor, *, customer_id: int, number: str,
                    start_date: date, end_date: date, priority: int | None = None,
                    note: str | None = None) -> ContractView:
    actor.require(Permission.SELL)
    org = org_of(actor)
    num = clean_text(number, field="number", max_length=NUMBER_MAX)
    for name, d in (("start_date", start_date), ("end_date", end_date)):
        if not _FIRST <= d <= _LAST:
            raise InvalidInput(f"{name} must be from 2000 to 2100", field=name)
    if end_date < start_date:
        raise InvalidInput("end_date must not be before start_date", field="end_date")
    if priority is not None and (isinstance(priority, bool) or not 1 <= priority <= 9):
        raise InvalidInput("priority must be 1 (first) to 9", field="priority")
    text = clean_optional_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    with db.write() as s:
        c = visible_customer(s, actor, customer_id)
        if s.scalar(select(Contract.id).where(Contract.org_id == org,
                                              Contract.number == num)) is not None:
            raise Conflict(f"a contract numbered {num!r} already exists", field="number")
        k = Contract(org_id=org, customer_id=c.id, number=num, start_date=start_date,
                     end_date=end_date, priority=priority, status="active", note=text,
                     created_at=now())
        s.add(k)
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(f"a contract numbered {num!r} already exists",
                           field="number") from None
        audit.record(s, actor, org_id=org, entity_type="contract", entity_id=k.id,
                     action="created", new=_record(k))
        return _view(s, k, full=True)


def add_delivery(db: Database, actor: Actor, contract_id: int, *, product_id: int,
                 weekday: int, calibration_time: str, calibration_days: int = 0,
                 activity_bq: float, quantity: int = 1,
                 route_id: int | None = None) -> ContractView:
    """A recurring delivery: dispatched every ``weekday`` (supplier's zone), calibrated
    ``calibration_days`` later at ``calibration_time`` in the customer's zone. Refused if it
    would be calibrated before it can arrive by the route, beyond the shelf life, or if the
    customer's licence does not cover the activity on arrival × quantity."""
    actor.require(Permission.SELL)
    org = org_of(actor)
    rules.check_weekday(weekday)
    rules.parse_hhmm(calibration_time)
    rules.check_calibration_days(calibration_days)
    activity = rules.check_activity(activity_bq)
    rules.check_quantity(quantity)
    with db.write() as s:
        k = visible_contract(s, actor, contract_id, lock=True)
        if k.status != "active":
            raise Conflict(f"contract {k.number} is {k.status}", field="contract_id")
        c = s.get(Customer, k.customer_id)
        assert c is not None
        p = catalogue_product(s, org, product_id)
        r = customer_route(s, c, route_id)
        spec = rules.ContractDelivery(weekday=weekday, calibration_time=calibration_time,
                                      calibration_days=calibration_days, activity_bq=activity,
                                      quantity=quantity,
                                      route=None if r is None else rules.Route(r.name,
                                                                               r.transit_s))
        # a representative week: the first dispatch day on or after the later of the
        # contract's start and today, falling back a week if its local time does not exist
        zone, czone = supplier_zone(s, org), parse_timezone(c.timezone)
        first = max(k.start_date, now().astimezone(zone).date())
        day = rules.delivery_dates(first, first + timedelta(days=6), weekday)[0]
        six = p.calibration == "six_day_ci"
        try:
            m = rules.delivery_moments(spec, day, zone, czone, six_day=six)
        except InvalidInput as e:
            if "does not exist" not in e.message:
                raise
            m = rules.delivery_moments(spec, day + timedelta(days=7), zone, czone, six_day=six)
        rules.check_shelf_life(m.dispatch_at, m.calibration_at, p.shelf_life_s)
        if p.form != "cold_kit":
            lam = get_nuclide(p.nuclide).decay_constant_per_s
            on_arrival = rules.activity_at(activity, lam, m.calibration_at, m.arrival_at,
                                           field="calibration_time")
            require_licence(s, c.id, p.nuclide, on_arrival * quantity, m.arrival_at)
        d = ContractDelivery(org_id=k.org_id, contract_id=k.id, product_id=p.id,
                             route_id=None if r is None else r.id, weekday=weekday,
                             calibration_time=calibration_time,
                             calibration_days=calibration_days, activity_bq=activity,
                             quantity=quantity, active=True)
        s.add(d)
        s.flush()
        audit.record(s, actor, org_id=k.org_id, entity_type="contract_delivery",
                     entity_id=d.id, action="created",
                     new={"contract_id": k.id, "product_id": p.id, "route_id": d.route_id,
                          "weekday": weekday, "calibration_time": calibration_time,
                          "calibration_days": calibration_days, "activity_bq": activity,
                          "quantity": quantity})
        return _view(s, k, full=True)


def end_delivery(db: Database, actor: Actor, contract_id: int, delivery_id: int, *,
                 reason: str) -> ContractView:
    """Stop a recurring delivery (orders already made stay; cancel them one by one)."""
    actor.require(Permission.SELL)
    why = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        k = visible_contract(s, actor, contract_id, lock=True)
        d = s.get(ContractDelivery, delivery_id)
        if d is None or d.contract_id != k.id:
            raise NotFound(f"contract {k.number} has no delivery {delivery_id}",
                           field="delivery_id")
        if not d.active:
            raise Conflict("that delivery has already ended", field="delivery_id")
        d.active = False
        audit.record(s, actor, org_id=k.org_id, entity_type="contract_delivery",
                     entity_id=d.id, action="ended", old={"active": True},
                     new={"active": False}, reason=why)
        return _view(s, k, full=True)


def cancel_contract(db: Database, actor: Actor, contract_id: int, *,
                    reason: str) -> ContractView:
    """Cancel a contract and its open orders not yet dispatched (each audited with the
    reason); allocated ones stay for production to release."""
    actor.require(Permission.SELL)
    why = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        k = visible_contract(s, actor, contract_id, lock=True)
        if k.status != "active":
            raise Conflict(f"contract {k.number} is already {k.status}", field="contract_id")
        t = now()
        k.status, k.reason = "cancelled", why
        for o in s.scalars(select(Order).where(Order.contract_id == k.id,
                                               Order.status == "open",
                                               Order.dispatch_at >= t)).all():
            o.status, o.reason, o.updated_at = "cancelled", why, t
            audit.record(s, actor, org_id=k.org_id, entity_type="order", entity_id=o.id,
                         action="cancelled", old={"status": "open"},
                         new={"status": "cancelled"}, reason=why)
        audit.record(s, actor, org_id=k.org_id, entity_type="contract", entity_id=k.id,
                     action="cancelled", old={"status": "active"},
                     new={"status": "cancelled"}, reason=why)
        return _view(s, k, full=True)


def list_contracts(db: Database, actor: Actor, *, customer_id: int | None = None,
                   status: str | None = None, limit: int = 200,
                   offset: int = 0) -> list[ContractView]:
    actor.require(Permission.READ)
    q = select(Contract).order_by(Contract.id)
    if actor.org_id is not None:
        q = q.where(Contract.org_id == actor.org_id)
    if customer_id is not None:
        q = q.where(Contract.customer_id == customer_id)
    if status is not None:
        q = q.where(Contract.status == status)
    with db.read() as s:
        if customer_id is not None:
            visible_customer(s, actor, customer_id)
        return [_view(s, k) for k in s.scalars(q.limit(max(1, min(limit, 1000)))
                                              .offset(max(0, offset)))]


def get_contract(db: Database, actor: Actor, contract_id: int) -> ContractView:
    actor.require(Permission.READ)
    with db.read() as s:
        return _view(s, visible_contract(s, actor, contract_id), full=True)
