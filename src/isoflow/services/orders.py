"""The supplier's orders (issue #11): generated from contracts' recurring deliveries, placed
ad hoc, amended and cancelled with reasons, every write audited (entity "order").

Rules on every order: the product in the actor's catalogue and active, activity > 0 and
finite, quantity 1-1000, calibrated no earlier than it can arrive (dispatch + the route's
transit), within the product's shelf life, and the customer's licence for the product's nuclide
covering the activity on arrival × quantity and valid on the arrival day (customer's zone).
A cold kit ships no activity: no licence check. Another organisation's ids are NotFound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isoflow.domain import orders as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.times import parse_timezone
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.customers import licence_problem, visible_customer
from isoflow.store.db import Database
from isoflow.store.models import AuditEntry, Organisation, Site
from isoflow.store.supplier_models import (
    Contract,
    ContractDelivery,
    Customer,
    DeliveryRoute,
    Order,
    Product,
)

#: how far ahead orders may be generated or placed [days]
HORIZON_DAYS = 3 * 366
OPEN_STATUSES = ("open", "allocated")


@dataclass(frozen=True)
class OrderEvent:
    at: datetime
    actor: str
    action: str
    reason: str | None
    new: Any


@dataclass(frozen=True)
class OrderView:
    id: int
    org_id: int
    number: str
    customer_id: int
    customer_code: str
    customer_name: str
    customer_timezone: str
    supplier_timezone: str
    contract_id: int | None
    delivery_id: int | None
    product_id: int
    product_code: str
    product_name: str
    nuclide: str
    calibration: str
    route_id: int | None
    route_name: str | None
    transit_s: float
    activity_bq: float
    quantity: int
    calibration_at: datetime
    dispatch_at: datetime
    arrival_at: datetime
    activity_at_dispatch_bq: float
    activity_on_arrival_bq: float
    status: str
    price: float
    currency: str
    reason: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[OrderEvent, ...] = ()

    @property
    def calibration_local(self) -> datetime:
        return self.calibration_at.astimezone(parse_timezone(self.customer_timezone))

    @property
    def dispatch_local(self) -> datetime:
        return self.dispatch_at.astimezone(parse_timezone(self.supplier_timezone))


@dataclass(frozen=True)
class Refusal:
    contract_id: int
    delivery_id: int
    dispatch_date: date
    field: str | None
    reason: str


@dataclass(frozen=True)
class GenerateResult:
    created: int
    existing: int
    refused: list[Refusal] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ helpers (also for contracts)
def org_of(actor: Actor) -> int:
    if actor.org_id is None:
        raise InvalidInput("a platform administrator acts for an organisation: sign in as "
                           "one of its users", field="org_id")
    return actor.org_id


def supplier_zone(s: Session, org_id: int) -> tzinfo:
    name = s.scalar(select(Site.timezone).where(Site.org_id == org_id).order_by(Site.id)
                    .limit(1))
    return parse_timezone(name or "UTC")


def supplier_zone_name(s: Session, org_id: int) -> str:
    return s.scalar(select(Site.timezone).where(Site.org_id == org_id).order_by(Site.id)
                    .limit(1)) or "UTC"


def catalogue_product(s: Session, org_id: int, product_id: int) -> Product:
    p = s.get(Product, product_id)
    if p is None or p.org_id != org_id:
        raise NotFound(f"the catalogue has no product {product_id}", field="product_id")
    if not p.active:
        raise InvalidInput(f"product {p.code} is no longer sold", field="product_id")
    return p


def customer_route(s: Session, customer: Customer, route_id: int | None) -> DeliveryRoute | None:
    if route_id is None:
        return s.scalar(select(DeliveryRoute).where(DeliveryRoute.customer_id == customer.id,
                                                    DeliveryRoute.active.is_(True))
                        .order_by(DeliveryRoute.id).limit(1))
    r = s.get(DeliveryRoute, route_id)
    if r is None or r.customer_id != customer.id:
        raise NotFound(f"customer {customer.code} has no route {route_id}", field="route_id")
    if not r.active:
        raise InvalidInput(f"route {r.name!r} is no longer used", field="route_id")
    return r


def require_licence(s: Session, customer_id: int, nuclide: str, activity_bq: float,
                    at: datetime) -> None:
    """LimitExceeded (field activity_bq) unless the customer's licence covers ``activity_bq``
    of ``nuclide`` at ``at``."""
    problem = licence_problem(s, customer_id, nuclide, activity_bq, at)
    if problem is not None:
        raise LimitExceeded(problem, field="activity_bq")


@dataclass(frozen=True)
class Checked:
    dispatch_at: datetime
    calibration_at: datetime
    arrival_at: datetime
    price: float


def check_order(s: Session, customer: Customer, product: Product, route: DeliveryRoute | None,
                *, activity_bq: float, quantity: int, calibration_at: datetime,
                dispatch_at: datetime | None, cal_field: str = "calibration_at") -> Checked:
    """Every rule on an order; InvalidInput/LimitExceeded naming the field."""
    activity = rules.check_activity(activity_bq)
    qty = rules.check_quantity(quantity)
    transit = 0.0 if route is None else route.transit_s
    zone = supplier_zone(s, customer.org_id)
    six_day = product.calibration == "six_day_ci"
    if dispatch_at is None:
        dispatch_at = rules.default_dispatch(calibration_at, transit, zone, six_day=six_day)
    elif six_day and dispatch_at != calibration_at - timedelta(seconds=rules.SIX_DAY_S):
        raise InvalidInput("a product sold in 6-day Ci is calibrated 144 h after dispatch: "
                           "leave dispatch_at out or give calibration_at − 144 h",
                           field="dispatch_at")
    arrival = rules.check_arrival(dispatch_at, transit, calibration_at, field=cal_field)
    rules.check_shelf_life(dispatch_at, calibration_at, product.shelf_life_s)
    if product.form != "cold_kit":
        lam = get_nuclide(product.nuclide).decay_constant_per_s
        on_arrival = rules.activity_at(activity, lam, calibration_at, arrival, field=cal_field)
        require_licence(s, customer.id, product.nuclide, on_arrival * qty, arrival)
    return Checked(dispatch_at=dispatch_at, calibration_at=calibration_at, arrival_at=arrival,
                   price=rules.price(qty, product.unit_price, product.price_per_gbq, activity))


def next_number(s: Session, org_id: int, year: int) -> str:
    prefix = f"ORD-{year}-"
    largest = s.scalar(select(func.max(Order.number)).where(
        Order.org_id == org_id, Order.number.like(prefix + "%")))
    return rules.next_order_number(year, largest)


def order_record(o: Order) -> dict[str, object]:
    return {"number": o.number, "customer_id": o.customer_id, "contract_id": o.contract_id,
            "delivery_id": o.delivery_id, "product_id": o.product_id, "route_id": o.route_id,
            "activity_bq": o.activity_bq, "quantity": o.quantity,
            "calibration_at": o.calibration_at.isoformat(),
            "dispatch_at": o.dispatch_at.isoformat(), "status": o.status, "price": o.price,
            "note": o.note}


def order_view(s: Session, o: Order, *, history: bool = False) -> OrderView:
    c = s.get(Customer, o.customer_id)
    p = s.get(Product, o.product_id)
    r = None if o.route_id is None else s.get(DeliveryRoute, o.route_id)
    assert c is not None and p is not None
    transit = 0.0 if r is None else r.transit_s
    arrival = o.dispatch_at + timedelta(seconds=transit)
    at_dispatch = on_arrival = o.activity_bq
    if p.form != "cold_kit":
        lam = get_nuclide(p.nuclide).decay_constant_per_s
        try:
            at_dispatch = rules.activity_at(o.activity_bq, lam, o.calibration_at, o.dispatch_at)
            on_arrival = rules.activity_at(o.activity_bq, lam, o.calibration_at, arrival)
        except InvalidInput:  # pragma: no cover - refused on write
            pass
    events: tuple[OrderEvent, ...] = ()
    if history:
        events = tuple(
            OrderEvent(at=e.at, actor=e.actor, action=e.action, reason=e.reason,
                       new=None if e.new is None else json.loads(e.new))
            for e in s.scalars(select(AuditEntry).where(
                AuditEntry.org_id == o.org_id, AuditEntry.entity_type == "order",
                AuditEntry.entity_id == str(o.id)).order_by(AuditEntry.seq)))
    return OrderView(
        id=o.id, org_id=o.org_id, number=o.number, customer_id=c.id, customer_code=c.code,
        customer_name=c.name, customer_timezone=c.timezone,
        supplier_timezone=supplier_zone_name(s, o.org_id), contract_id=o.contract_id,
        delivery_id=o.delivery_id, product_id=p.id, product_code=p.code, product_name=p.name,
        nuclide=p.nuclide, calibration=p.calibration, route_id=o.route_id,
        route_name=None if r is None else r.name, transit_s=transit, activity_bq=o.activity_bq,
        quantity=o.quantity, calibration_at=o.calibration_at, dispatch_at=o.dispatch_at,
        arrival_at=arrival, activity_at_dispatch_bq=at_dispatch,
        activity_on_arrival_bq=on_arrival, status=o.status, price=o.price,
        currency=p.currency, reason=o.reason, note=o.note, created_at=o.created_at,
        updated_at=o.updated_at, history=events)


def _horizon(at: datetime, name: str) -> datetime:
    t = now()
    if at > t + timedelta(days=HORIZON_DAYS) or at < t - timedelta(days=HORIZON_DAYS):
        raise InvalidInput(f"{name} must be within {HORIZON_DAYS} days of today", field=name)
    return at


def _reason(value: str) -> str:
    return clean_text(value, field="reason", max_length=REASON_MAX, multiline=True)


def _visible_order(s: Session, actor: Actor, order_id: int, *, lock: bool = False) -> Order:
    o = s.get(Order, order_id, with_for_update=lock)
    if o is None or not actor.sees(o.org_id):
        raise NotFound(f"no order {order_id}", field="order_id")
    return o


def _flush(s: Session) -> None:
    try:
        s.flush()
    except IntegrityError:
        raise Conflict("another order was written at the same time; try again",
                       field="number") from None


# ------------------------------------------------------------------ use cases
def place_order(db: Database, actor: Actor, *, customer_id: int, product_id: int,
                activity_bq: float, quantity: int = 1, calibration_at: datetime,
                dispatch_at: datetime | None = None, route_id: int | None = None,
                note: str | None = None) -> OrderView:
    """An ad-hoc order; dispatch defaults to calibration − transit rounded down to the
    supplier's dispatch hour (a 6-day Ci product: calibration − 144 h)."""
    actor.require(Permission.SELL)
    org = org_of(actor)
    rules.check_activity(activity_bq)
    rules.check_quantity(quantity)
    cal = _horizon(aware_utc(calibration_at, "calibration_at"), "calibration_at")
    disp = None if dispatch_at is None else _horizon(aware_utc(dispatch_at, "dispatch_at"),
                                                     "dispatch_at")
    text = clean_optional_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    with db.write() as s:
        c = visible_customer(s, actor, customer_id)
        p = catalogue_product(s, org, product_id)
        r = customer_route(s, c, route_id)
        ok = check_order(s, c, p, r, activity_bq=activity_bq, quantity=quantity,
                         calibration_at=cal, dispatch_at=disp)
        zone = supplier_zone(s, org)
        t = now()
        o = Order(org_id=org, number=next_number(s, org, ok.dispatch_at.astimezone(zone).year),
                  customer_id=c.id, product_id=p.id, route_id=None if r is None else r.id,
                  activity_bq=float(activity_bq), quantity=quantity, calibration_at=cal,
                  dispatch_at=ok.dispatch_at, status="open", price=ok.price, note=text,
                  created_at=t, updated_at=t)
        s.add(o)
        _flush(s)
        audit.record(s, actor, org_id=org, entity_type="order", entity_id=o.id,
                     action="placed", new=order_record(o))
        return order_view(s, o)


def amend_order(db: Database, actor: Actor, order_id: int, *, reason: str,
                activity_bq: float | None = None, quantity: int | None = None,
                calibration_at: datetime | None = None,
                route_id: int | None = None) -> OrderView:
    """Change an open or allocated order (an allocated one goes back to open); every rule is
    checked again; audited old and new with the reason."""
    actor.require(Permission.SELL)
    why = _reason(reason)
    if activity_bq is not None:
        rules.check_activity(activity_bq)
    if quantity is not None:
        rules.check_quantity(quantity)
    cal = None if calibration_at is None else _horizon(
        aware_utc(calibration_at, "calibration_at"), "calibration_at")
    with db.write() as s:
        o = _visible_order(s, actor, order_id, lock=True)
        if o.status not in OPEN_STATUSES:
            raise Conflict(f"order {o.number} is {o.status}; only open or allocated orders "
                           "are amended", field="order_id")
        old = order_record(o)
        c = s.get(Customer, o.customer_id)
        p = s.get(Product, o.product_id)
        assert c is not None and p is not None
        r = customer_route(s, c, route_id) if route_id is not None else (
            None if o.route_id is None else s.get(DeliveryRoute, o.route_id))
        new_cal = o.calibration_at if cal is None else cal
        ok = check_order(s, c, p, r, activity_bq=activity_bq or o.activity_bq,
                         quantity=quantity or o.quantity, calibration_at=new_cal,
                         dispatch_at=o.dispatch_at if cal is None and route_id is None
                         else None)
        o.activity_bq = float(activity_bq or o.activity_bq)
        o.quantity = quantity or o.quantity
        o.calibration_at = new_cal
        o.dispatch_at = ok.dispatch_at
        o.route_id = None if r is None else r.id
        o.price = ok.price
        o.status = "open"
        o.reason = why
        o.updated_at = now()
        _flush(s)
        audit.record(s, actor, org_id=o.org_id, entity_type="order", entity_id=o.id,
                     action="amended", old=old, new=order_record(o), reason=why)
        return order_view(s, o)


def cancel_order(db: Database, actor: Actor, order_id: int, *, reason: str) -> OrderView:
    actor.require(Permission.SELL)
    why = _reason(reason)
    with db.write() as s:
        o = _visible_order(s, actor, order_id, lock=True)
        if o.status not in OPEN_STATUSES:
            raise Conflict(f"order {o.number} is {o.status}; it cannot be cancelled",
                           field="order_id")
        old = o.status
        o.status, o.reason, o.updated_at = "cancelled", why, now()
        audit.record(s, actor, org_id=o.org_id, entity_type="order", entity_id=o.id,
                     action="cancelled", old={"status": old}, new={"status": "cancelled"},
                     reason=why)
        return order_view(s, o)


def list_orders(db: Database, actor: Actor, *, dispatch_from: datetime | None = None,
                dispatch_to: datetime | None = None, status: str | None = None,
                customer_id: int | None = None, contract_id: int | None = None,
                limit: int = 200, offset: int = 0) -> list[OrderView]:
    """Orders by dispatch time in [``dispatch_from``, ``dispatch_to``)."""
    actor.require(Permission.READ)
    q = select(Order).order_by(Order.dispatch_at, Order.id)
    if actor.org_id is not None:
        q = q.where(Order.org_id == actor.org_id)
    if dispatch_from is not None:
        q = q.where(Order.dispatch_at >= aware_utc(dispatch_from, "dispatch_from"))
    if dispatch_to is not None:
        q = q.where(Order.dispatch_at < aware_utc(dispatch_to, "dispatch_to"))
    if status is not None:
        q = q.where(Order.status == status)
    if customer_id is not None:
        q = q.where(Order.customer_id == customer_id)
    if contract_id is not None:
        q = q.where(Order.contract_id == contract_id)
    limit = max(1, min(int(limit), 1000))
    with db.read() as s:
        if customer_id is not None:
            visible_customer(s, actor, customer_id)
        if contract_id is not None:
            from isoflow.services.contracts import visible_contract
            visible_contract(s, actor, contract_id)
        return [order_view(s, o) for o in s.scalars(q.limit(limit).offset(max(0, offset)))]


def get_order(db: Database, actor: Actor, order_id: int) -> OrderView:
    actor.require(Permission.READ)
    with db.read() as s:
        return order_view(s, _visible_order(s, actor, order_id), history=True)


def generate_orders(db: Database, actor: Actor, *, until: date,
                    contract_id: int | None = None, org_id: int | None = None) -> GenerateResult:
    """Orders of the active deliveries of active contracts, dispatching from now to ``until``
    (supplier's local date, inclusive) and not past the contract's end. Idempotent: one order
    per delivery and calibration moment (an order of the delivery already dispatching that
    day counts too, so an amended one is not made again). Refused ones are listed, not made."""
    actor.require(Permission.SELL)
    if not isinstance(until, date) or isinstance(until, datetime):
        raise InvalidInput("until must be a date YYYY-MM-DD", field="until")
    t = now()
    if until > (t + timedelta(days=HORIZON_DAYS)).date():
        raise InvalidInput(f"until must be within {HORIZON_DAYS} days of today", field="until")
    created = existing = 0
    refused: list[Refusal] = []
    ids: list[int] = []
    with db.write() as s:
        if actor.org_id is not None:
            orgs = [actor.org_id]
        elif org_id is not None:
            orgs = [org_id]
        else:  # the command line: every supplier
            orgs = list(s.scalars(select(Organisation.id).where(Organisation.kind == "supplier")
                                  .order_by(Organisation.id)))
        for org in orgs:
            c_, e_, r_, i_ = _generate_org(s, actor, org, until, contract_id, t)
            created += c_
            existing += e_
            refused += r_
            ids += i_
    return GenerateResult(created=created, existing=existing, refused=refused, order_ids=ids)


def _generate_org(s: Session, actor: Actor, org: int, until: date, contract_id: int | None,
                  t: datetime) -> tuple[int, int, list[Refusal], list[int]]:
    created = existing = 0
    refused: list[Refusal] = []
    ids: list[int] = []
    zone = supplier_zone(s, org)
    today = t.astimezone(zone).date()
    q = select(Contract).where(Contract.org_id == org, Contract.status == "active")
    if contract_id is not None:
        k = s.get(Contract, contract_id)
        if k is None or k.org_id != org:
            raise NotFound(f"no contract {contract_id}", field="contract_id")
        q = q.where(Contract.id == contract_id)
    numbers: dict[int, str] = {}
    for k in s.scalars(q.order_by(Contract.id)).all():
        c = s.get(Customer, k.customer_id)
        assert c is not None
        czone = parse_timezone(c.timezone)
        for d in s.scalars(select(ContractDelivery).where(
                ContractDelivery.contract_id == k.id, ContractDelivery.active.is_(True))
                .order_by(ContractDelivery.id)).all():
            p = s.get(Product, d.product_id)
            r = None if d.route_id is None else s.get(DeliveryRoute, d.route_id)
            assert p is not None
            have = list(s.execute(select(Order.calibration_at, Order.dispatch_at).where(
                Order.delivery_id == d.id)))
            have_cal = {x[0] for x in have}
            have_day = {x[1].astimezone(zone).date() for x in have}
            spec = rules.ContractDelivery(
                weekday=d.weekday, calibration_time=d.calibration_time,
                calibration_days=d.calibration_days, activity_bq=d.activity_bq,
                quantity=d.quantity,
                route=None if r is None else rules.Route(r.name, r.transit_s))
            for day in rules.delivery_dates(max(k.start_date, today),
                                            min(k.end_date, until), d.weekday):
                try:
                    m = rules.delivery_moments(spec, day, zone, czone,
                                               six_day=p.calibration == "six_day_ci")
                    if m.dispatch_at < t:
                        continue
                    if m.calibration_at in have_cal or day in have_day:
                        existing += 1
                        continue
                    if not p.active:
                        raise InvalidInput(f"product {p.code} is no longer sold",
                                           field="product_id")
                    ok = check_order(s, c, p, r, activity_bq=d.activity_bq,
                                     quantity=d.quantity, calibration_at=m.calibration_at,
                                     dispatch_at=m.dispatch_at,
                                     cal_field="calibration_time")
                except (InvalidInput, LimitExceeded) as e:
                    refused.append(Refusal(contract_id=k.id, delivery_id=d.id,
                                           dispatch_date=day, field=e.field,
                                           reason=e.message))
                    continue
                year = m.dispatch_at.astimezone(zone).year
                number = rules.next_order_number(
                    year, numbers.get(year) or s.scalar(select(func.max(Order.number))
                                                        .where(Order.org_id == org,
                                                               Order.number.like(
                                                                   f"ORD-{year}-%"))))
                numbers[year] = number
                o = Order(org_id=org, number=number, customer_id=c.id, contract_id=k.id,
                          delivery_id=d.id, product_id=p.id, route_id=d.route_id,
                          activity_bq=d.activity_bq, quantity=d.quantity,
                          calibration_at=m.calibration_at, dispatch_at=ok.dispatch_at,
                          status="open", price=ok.price, created_at=t, updated_at=t)
                s.add(o)
                _flush(s)
                audit.record(s, actor, org_id=org, entity_type="order", entity_id=o.id,
                             action="generated", new=order_record(o))
                have_cal.add(m.calibration_at)
                have_day.add(day)
                created += 1
                ids.append(o.id)
    return created, existing, refused, ids


@dataclass(frozen=True)
class Choice:
    id: int
    code: str
    name: str
    timezone: str | None = None


def order_choices(db: Database, actor: Actor) -> tuple[list[Choice], list[Choice]]:
    """The active customers and active products of the actor's organisation (for forms)."""
    actor.require(Permission.READ)
    with db.read() as s:
        cq = select(Customer).where(Customer.active.is_(True)).order_by(Customer.code)
        pq = select(Product).where(Product.active.is_(True)).order_by(Product.code)
        if actor.org_id is not None:
            cq = cq.where(Customer.org_id == actor.org_id)
            pq = pq.where(Product.org_id == actor.org_id)
        return ([Choice(c.id, c.code, c.name, c.timezone) for c in s.scalars(cq)],
                [Choice(p.id, p.code, p.name) for p in s.scalars(pq)])


def supplier_timezone(db: Database, actor: Actor) -> str:
    with db.read() as s:
        return "UTC" if actor.org_id is None else supplier_zone_name(s, actor.org_id)
