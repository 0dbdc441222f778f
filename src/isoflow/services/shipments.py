"""Shipments of the supplier (issue #11): a package for an order, classified for transport by
the activity **at dispatch** (IAEA SSR-6 as in 49 CFR 173), its UN number, TI and label from
the measured dose rates; the conveyance's TI limits; dispatch; tracking events up to arrival
(append-only); the activity now and on arrival; the shipper's declaration.

Rules besides the classification's (isoflow.transport.classification):

* the package type chosen may not be below what the contents need (422 ``package_type``);
* a package's TI may not exceed the mode's per-package limit, nor the sum of the TIs of the
  day's shipments from the same site by that mode (the site's calendar day) plus this one
  the conveyance's total (422 ``transport_index``) — one conveyance per site, mode and day
  is assumed;
* a surface dose rate above 10 mSv/h is never transported; by air, above 2 mSv/h needs a
  special arrangement, exclusive use is not allowed, and a load above the Type B limits by air
  needs a Type C package (not offered) — all 422;
* the contents: the order's product nuclide; ``special_form`` products are solid special form,
  generators solid, ``liquid`` liquid; a cold kit carries no activity (422);
* the activity at dispatch is the batch allocation's (``Allocation.allocated_bq``, at the
  order's dispatch) when the order has one, else quantity × the calibrated activity decayed
  back from calibration to dispatch. A dispatch at another time than prepared re-decays it and
  re-checks the package.

A shipment leaves from one of the supplier's sites (``site_id``; by default the
organisation's first): the consignor on the declaration, the calendar day and zone of the TI
sums and of the shipment's number.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from isoflow.domain.ledger import decay_factor
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NAME_MAX, NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.customers import visible_customer
from isoflow.store.db import Database
from isoflow.store.models import Organisation, Site
from isoflow.store.supplier_models import (
    SHIPMENT_STATUSES,
    Allocation,
    Customer,
    DeliveryRoute,
    Order,
    Product,
    Shipment,
    ShipmentEvent,
)
from isoflow.transport import declaration as decl
from isoflow.transport.classification import (
    CONVEYANCE_TI,
    PACKAGES,
    Classification,
    Content,
    activity_at_dispatch,
    check_conveyance,
    check_package,
    classify,
    label_category,
    transport_index,
)

MODES: tuple[str, ...] = tuple(CONVEYANCE_TI)
EVENT_KINDS: tuple[str, ...] = ("departed", "arrived_hub", "customs_cleared",
                                "out_for_delivery", "delivered", "delayed", "exception")
#: what the service itself records
OWN_EVENTS = ("prepared", "dispatched", "cancelled")
MAX_SURFACE_USV_H = 10_000.0  # 10 mSv/h
MAX_SURFACE_AIR_USV_H = 2_000.0  # 2 mSv/h without a special arrangement
MAX_DOSE_RATE_USV_H = 1e9
FUTURE_SLACK = timedelta(minutes=5)
MAX_DISPATCH_SHIFT = timedelta(days=3)
SHIPPABLE_ORDERS = ("open", "allocated")
#: how the product's form is carried: (physical form, special form); None: nothing to ship
PRODUCT_CONTENTS: dict[str, tuple[str, bool] | None] = {
    "liquid": ("liquid", False), "solid": ("solid", False),
    "special_form": ("solid", True), "generator": ("solid", False), "cold_kit": None}
#: the emergency-contact line of the declaration (configurable by this environment variable)
EMERGENCY_CONTACT_ENV = "ISOFLOW_EMERGENCY_CONTACT"


@dataclass(frozen=True)
class ShipmentEventView:
    id: int
    at: datetime
    kind: str
    place: str | None
    note: str | None
    recorded_by: str


@dataclass(frozen=True)
class ShipmentView:
    id: int
    org_id: int
    number: str
    order_id: int
    order_number: str
    customer_id: int
    customer_name: str
    customer_country: str
    customer_timezone: str
    site_id: int
    site_name: str
    site_timezone: str
    product_code: str
    nuclide: str
    activity_bq: float  # at dispatch
    form: str
    special_form: bool
    package_type: str
    needed_package: str  # what the contents need (the least package type)
    un_number: str
    sum_of_fractions: float
    surface_usv_h: float
    at_1m_usv_h: float
    transport_index: float
    label: str
    exclusive_use: bool
    mode: str
    dispatched_at: datetime  # planned while prepared
    arrived_at: datetime | None
    status: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class ShipmentDetail:
    shipment: ShipmentView
    events: tuple[ShipmentEventView, ...]
    now: datetime
    activity_now_bq: float | None
    #: arrival: the delivered time, else dispatch + the route's transit time (None: no route)
    arrival_at: datetime | None
    arrival_expected: bool
    activity_on_arrival_bq: float | None
    notes: tuple[str, ...]


# ------------------------------------------------------------------ helpers
def _site(s: Session, org_id: int) -> Site | None:
    return s.scalars(select(Site).where(Site.org_id == org_id).order_by(Site.id).limit(1)).first()


def _dispatch_site(s: Session, org_id: int, site_id: int | None) -> Site:
    """The supplier's site a shipment leaves from: ``site_id`` (one of the organisation's
    sites), else its first site."""
    if site_id is None:
        site = _site(s, org_id)
        if site is None:  # pragma: no cover - an organisation is created with its site
            raise InvalidInput("the organisation has no site to dispatch from", field="site_id")
        return site
    if isinstance(site_id, bool) or not isinstance(site_id, int):
        raise InvalidInput("site_id must be a site's id (an integer)", field="site_id")
    site = s.get(Site, site_id)
    if site is None or site.org_id != org_id:
        raise InvalidInput(f"site_id {site_id} is not one of the supplier's sites",
                           field="site_id")
    return site


def _row_site(s: Session, row: Shipment) -> Site:
    site = s.get(Site, row.site_id)
    assert site is not None  # a foreign key
    return site


def _number(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value < 0 or value > MAX_DOSE_RATE_USV_H:
        raise InvalidInput(f"{field} must be a dose rate in µSv/h: a finite number, 0 or "
                           "more", field=field)
    return float(value)


def _order(s: Session, actor: Actor, order_id: int, *, lock: bool = False) -> Order:
    row = s.get(Order, order_id, with_for_update=lock)
    if row is None or not actor.sees(row.org_id):
        raise NotFound(f"no order {order_id}", field="order_id")
    return row


def _shipment(s: Session, actor: Actor, shipment_id: int, *, lock: bool = False) -> Shipment:
    row = s.get(Shipment, shipment_id, with_for_update=lock)
    if row is None or not actor.sees(row.org_id):
        raise NotFound(f"no shipment {shipment_id}", field="shipment_id")
    return row


def contents_of(product: Product, activity_bq: float) -> Content:
    """The package content of ``activity_bq`` of a product; 422 for a cold kit."""
    carried = PRODUCT_CONTENTS.get(product.form)
    if carried is None:
        raise InvalidInput(f"{product.code} is a {product.form.replace('_', ' ')}: nothing "
                           "radioactive to classify", field="order_id")
    form, special = carried
    return Content(nuclide=get_nuclide(product.nuclide).name, activity_bq=activity_bq,
                   form=form, special_form=special)


def order_activity_at(s: Session, order: Order, at: datetime) -> float:
    """The order's activity at ``at`` [Bq]: its allocations' (stated at the order's dispatch)
    decayed to ``at``, or quantity × its calibrated activity decayed back from calibration."""
    nuclide = get_nuclide(s.get(Product, order.product_id).nuclide).name  # type: ignore[union-attr]
    allocated = s.scalars(select(Allocation.allocated_bq)
                          .where(Allocation.order_id == order.id)).all()
    if allocated:
        amount, reference = math.fsum(allocated), order.dispatch_at
    else:
        amount, reference = order.quantity * order.activity_bq, order.calibration_at
    if amount <= 0:
        raise InvalidInput(f"order {order.number} has no activity allocated to ship",
                           field="order_id")
    return activity_at_dispatch(nuclide, amount, reference, at)


def _judge(content: Content, package_type: str, mode: str, surface_usv_h: float,
           at_1m_usv_h: float) -> tuple[Classification, float, str]:
    """Classify, then refuse a package type below the contents or a package the mode may not
    carry; (classification, TI, label) of the package chosen."""
    if surface_usv_h > MAX_SURFACE_USV_H:
        raise InvalidInput(f"a surface dose rate of {surface_usv_h:g} µSv/h is above the "
                           "10 mSv/h any package may have; it cannot be transported",
                           field="surface_usv_h")
    result = classify([content], surface_sv_h=surface_usv_h * 1e-6,
                      at_1m_sv_h=at_1m_usv_h * 1e-6)
    try:
        check_package(package_type, result)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="package_type") from None
    ti = transport_index(at_1m_usv_h * 1e-6)
    if package_type == "excepted":
        label = ""
    elif result.label is not None:
        label = result.label
    else:  # contents fit an excepted package but a bigger one was chosen
        label = label_category(ti, surface_usv_h * 1e-6)
    if mode.startswith("air"):
        if surface_usv_h > MAX_SURFACE_AIR_USV_H:
            raise InvalidInput(f"a surface dose rate of {surface_usv_h:g} µSv/h is above the "
                               "2 mSv/h allowed by air without a special arrangement",
                               field="surface_usv_h")
        if label == "III-YELLOW (exclusive use)":
            raise InvalidInput("exclusive-use consignments are not carried by air; ship it by "
                               "road", field="mode")
        if result.type_c_required_by_air:
            raise InvalidInput("by air these contents need a Type C package (above 3000 A1/A2);"
                               " ship it by road in a Type B(U) package", field="mode")
    check_conveyance(mode, [ti])
    return result, ti, label


def _day_ti(s: Session, site: Site, mode: str, at: datetime,
            exclude: int | None = None) -> float:
    """The sum of the TIs of the day's (the site's calendar day of ``at``) live shipments
    from the site by ``mode``."""
    tz = ZoneInfo(site.timezone)
    local = at.astimezone(tz)
    start = datetime(local.year, local.month, local.day, tzinfo=tz)
    end = start + timedelta(days=1)
    q = select(func.coalesce(func.sum(Shipment.transport_index), 0.0)).where(
        Shipment.org_id == site.org_id, Shipment.site_id == site.id, Shipment.mode == mode,
        Shipment.status != "cancelled", Shipment.package_type != "excepted",
        Shipment.dispatched_at >= start.astimezone(ZoneInfo("UTC")),
        Shipment.dispatched_at < end.astimezone(ZoneInfo("UTC")))
    if exclude is not None:
        q = q.where(Shipment.id != exclude)
    return float(s.scalar(q) or 0.0)


def _check_day(s: Session, site: Site, mode: str, at: datetime, ti: float,
               exclude: int | None = None) -> None:
    already = _day_ti(s, site, mode, at, exclude)
    total = CONVEYANCE_TI[mode][1]
    if already + ti > total + 1e-9:
        raise InvalidInput(
            f"the {mode} shipments from this site that day already carry TI {already:g}; "
            f"with this "
            f"package's {ti:g} they would add up to {already + ti:g}, above the {total:g} a "
            f"{mode} conveyance takes", field="transport_index")


def _view(s: Session, row: Shipment) -> ShipmentView:
    order = s.get(Order, row.order_id)
    customer = s.get(Customer, row.customer_id)
    product = None if order is None else s.get(Product, order.product_id)
    site = _row_site(s, row)
    assert order is not None and customer is not None and product is not None
    needed = classify([Content(row.nuclide, row.activity_bq, row.form, row.special_form)]
                      ).package
    return ShipmentView(
        id=row.id, org_id=row.org_id, number=row.number, order_id=row.order_id,
        order_number=order.number, customer_id=row.customer_id, customer_name=customer.name,
        customer_country=customer.country, customer_timezone=customer.timezone,
        site_id=site.id, site_name=site.name, site_timezone=site.timezone,
        product_code=product.code,
        nuclide=row.nuclide, activity_bq=row.activity_bq, form=row.form,
        special_form=row.special_form, package_type=row.package_type, needed_package=needed,
        un_number=row.un_number, sum_of_fractions=row.sum_of_fractions,
        surface_usv_h=row.surface_usv_h, at_1m_usv_h=row.at_1m_usv_h,
        transport_index=row.transport_index, label=row.label,
        exclusive_use=row.label == "III-YELLOW (exclusive use)", mode=row.mode,
        dispatched_at=row.dispatched_at, arrived_at=row.arrived_at, status=row.status,
        note=row.note, created_at=row.created_at)


def _event(s: Session, actor: Actor, row: Shipment, kind: str, at: datetime,
           place: str | None = None, note: str | None = None) -> ShipmentEvent:
    e = ShipmentEvent(org_id=row.org_id, shipment_id=row.id, at=at, kind=kind, place=place,
                      note=note, recorded_by=actor.username, created_at=now())
    s.add(e)
    s.flush()
    return e


def _record(row: Shipment) -> dict[str, object]:
    return {"number": row.number, "order_id": row.order_id, "nuclide": row.nuclide,
            "activity_bq": row.activity_bq, "form": row.form, "special_form": row.special_form,
            "package_type": row.package_type, "un_number": row.un_number,
            "sum_of_fractions": row.sum_of_fractions, "surface_usv_h": row.surface_usv_h,
            "at_1m_usv_h": row.at_1m_usv_h, "transport_index": row.transport_index,
            "label": row.label, "mode": row.mode, "dispatched_at": row.dispatched_at,
            "status": row.status}


# ------------------------------------------------------------------ use cases
def prepare_shipment(db: Database, actor: Actor, order_id: int, *, mode: str,
                     package_type: str, surface_usv_h: float, at_1m_usv_h: float,
                     dispatch_at: datetime | None = None, note: str | None = None,
                     site_id: int | None = None) -> ShipmentView:
    """Pack an order at one of the supplier's sites (``site_id``, default the first):
    classify it by its activity at dispatch (default the order's dispatch time) with the
    measured dose rates [µSv/h], refuse a package type below the contents or a load the
    conveyance may not take, and store the shipment "prepared"."""
    actor.require(Permission.SHIP)
    if mode not in MODES:
        raise InvalidInput(f"mode {mode!r} is not one of {', '.join(MODES)}", field="mode")
    if package_type not in PACKAGES:
        raise InvalidInput(f"package type {package_type!r} is not one of "
                           f"{', '.join(PACKAGES)}", field="package_type")
    surface = _number(surface_usv_h, "surface_usv_h")
    at_1m = _number(at_1m_usv_h, "at_1m_usv_h")
    planned = None if dispatch_at is None else aware_utc(dispatch_at, "dispatch_at")
    note = clean_optional_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    with db.write() as s:
        order = _order(s, actor, order_id, lock=True)
        if order.status not in SHIPPABLE_ORDERS:
            raise Conflict(f"order {order.number} is {order.status}; only an open or allocated "
                           "order is shipped", field="order_id")
        live = s.scalar(select(Shipment.number).where(Shipment.order_id == order.id,
                                                      Shipment.status != "cancelled"))
        if live is not None:
            raise Conflict(f"order {order.number} already has shipment {live}; cancel it "
                           "first", field="order_id")
        product = s.get(Product, order.product_id)
        assert product is not None
        at = order.dispatch_at if planned is None else planned
        if abs(at - order.dispatch_at) > MAX_DISPATCH_SHIFT:
            raise InvalidInput(f"dispatch_at {at.isoformat()} is more than 3 days from the "
                               f"order's dispatch ({order.dispatch_at.isoformat()}); amend the "
                               "order instead", field="dispatch_at")
        contents_of(product, 1.0)  # a cold kit is refused before any arithmetic
        content = contents_of(product, order_activity_at(s, order, at))
        result, ti, label = _judge(content, package_type, mode, surface, at_1m)
        site = _dispatch_site(s, order.org_id, site_id)
        if package_type != "excepted":
            _check_day(s, site, mode, at, ti)
        count = s.scalar(select(func.count()).select_from(Shipment)
                         .where(Shipment.org_id == order.org_id)) or 0
        row = Shipment(
            org_id=order.org_id, number=f"SH-{at.astimezone(ZoneInfo(site.timezone)):%Y%m%d}-"
                                        f"{count + 1:05d}",
            order_id=order.id, customer_id=order.customer_id, site_id=site.id,
            nuclide=content.nuclide,
            activity_bq=content.activity_bq, form=content.form,
            special_form=content.special_form, package_type=package_type,
            un_number=decl.un_number_for(package_type, content.special_form),
            sum_of_fractions=result.sum_of_fractions, surface_usv_h=surface,
            at_1m_usv_h=at_1m, transport_index=ti, label=label, mode=mode,
            dispatched_at=at, arrived_at=None, status="prepared", note=note, created_at=now())
        s.add(row)
        s.flush()
        _event(s, actor, row, "prepared", now(), note=note)
        audit.record(s, actor, org_id=row.org_id, entity_type="shipment", entity_id=row.id,
                     action="created", new=_record(row))
        return _view(s, row)


def _time(value: datetime | None, field: str) -> datetime:
    t = now() if value is None else aware_utc(value, field)
    if t > now() + FUTURE_SLACK:
        raise InvalidInput(f"{field} {t.isoformat()} is in the future", field=field)
    return t


def dispatch(db: Database, actor: Actor, shipment_id: int, *,
             at: datetime | None = None) -> ShipmentView:
    """The package leaves (default now): the activity at the actual dispatch is re-decayed
    from the order and the package type re-checked; the order becomes "shipped"."""
    actor.require(Permission.SHIP)
    t = _time(at, "at")
    with db.write() as s:
        row = _shipment(s, actor, shipment_id, lock=True)
        if row.status != "prepared":
            raise Conflict(f"shipment {row.number} is {row.status}; only a prepared shipment "
                           "is dispatched", field="shipment_id")
        if t < row.created_at - FUTURE_SLACK:
            raise InvalidInput(f"at {t.isoformat()} is before the package was prepared "
                               f"({row.created_at.isoformat()})", field="at")
        order = _order(s, actor, row.order_id, lock=True)
        product = s.get(Product, order.product_id)
        assert product is not None
        old = _record(row)
        if abs((t - row.dispatched_at).total_seconds()) > 60:
            content = contents_of(product, order_activity_at(s, order, t))
            try:
                result, ti, _ = _judge(content, row.package_type, row.mode,
                                           row.surface_usv_h, row.at_1m_usv_h)
            except InvalidInput as exc:
                raise InvalidInput(f"dispatched at {t.isoformat()}: {exc.message}",
                                   field="at") from None
            row.activity_bq, row.sum_of_fractions = content.activity_bq, result.sum_of_fractions
            site = _row_site(s, row)
            if row.package_type != "excepted":
                _check_day(s, site, row.mode, t, ti, exclude=row.id)
        row.dispatched_at, row.status = t, "dispatched"
        order.status, order.updated_at = "shipped", now()
        _event(s, actor, row, "dispatched", t)
        audit.record(s, actor, org_id=row.org_id, entity_type="shipment", entity_id=row.id,
                     action="dispatched", old=old, new=_record(row))
        return _view(s, row)


def track(db: Database, actor: Actor, shipment_id: int, *, kind: str, at: datetime,
          place: str | None = None, note: str | None = None) -> ShipmentEventView:
    """A tracking event of a dispatched shipment (append-only): at or after dispatch, not in
    the future; "delivered" ends it (arrived_at; the order "delivered")."""
    actor.require(Permission.SHIP)
    if kind not in EVENT_KINDS:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(EVENT_KINDS)}",
                           field="kind")
    t = _time(at, "at")
    place = clean_optional_text(place, field="place", max_length=NAME_MAX)
    note = clean_optional_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    with db.write() as s:
        row = _shipment(s, actor, shipment_id, lock=True)
        if row.status != "dispatched":
            raise Conflict(f"shipment {row.number} is {row.status}; tracking events are "
                           "recorded between dispatch and delivery", field="shipment_id")
        if t < row.dispatched_at:
            raise InvalidInput(f"at {t.isoformat()} is before the dispatch at "
                               f"{row.dispatched_at.isoformat()}", field="at")
        e = _event(s, actor, row, kind, t, place, note)
        new: dict[str, object] = {"kind": kind, "at": t, "place": place, "note": note}
        if kind == "delivered":
            row.status, row.arrived_at = "delivered", t
            order = s.get(Order, row.order_id)
            if order is not None:
                order.status, order.updated_at = "delivered", now()
        audit.record(s, actor, org_id=row.org_id, entity_type="shipment", entity_id=row.id,
                     action="tracked", new=new)
        return ShipmentEventView(id=e.id, at=e.at, kind=e.kind, place=e.place, note=e.note,
                                 recorded_by=e.recorded_by)


def cancel_shipment(db: Database, actor: Actor, shipment_id: int, *,
                    reason: str) -> ShipmentView:
    """Unpack a prepared shipment (the order may be shipped again)."""
    actor.require(Permission.SHIP)
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("say why the shipment is cancelled", field="reason")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        row = _shipment(s, actor, shipment_id, lock=True)
        if row.status != "prepared":
            raise Conflict(f"shipment {row.number} is {row.status}; only a prepared shipment "
                           "is cancelled", field="shipment_id")
        row.status = "cancelled"
        _event(s, actor, row, "cancelled", now(), note=reason)
        audit.record(s, actor, org_id=row.org_id, entity_type="shipment", entity_id=row.id,
                     action="cancelled", old={"status": "prepared"},
                     new={"status": "cancelled"}, reason=reason)
        return _view(s, row)


def list_shipments(db: Database, actor: Actor, *, status: str | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   customer_id: int | None = None) -> list[ShipmentView]:
    """Shipments by (planned) dispatch time, latest first."""
    actor.require(Permission.READ)
    if status is not None and status not in SHIPMENT_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(SHIPMENT_STATUSES)}",
                           field="status")
    q = select(Shipment).order_by(Shipment.dispatched_at.desc(), Shipment.id.desc())
    if actor.org_id is not None:
        q = q.where(Shipment.org_id == actor.org_id)
    if status is not None:
        q = q.where(Shipment.status == status)
    if since is not None:
        q = q.where(Shipment.dispatched_at >= aware_utc(since, "since"))
    if until is not None:
        q = q.where(Shipment.dispatched_at < aware_utc(until, "until"))
    with db.read() as s:
        if customer_id is not None:
            visible_customer(s, actor, customer_id)
            q = q.where(Shipment.customer_id == customer_id)
        return [_view(s, x) for x in s.scalars(q.limit(1000))]


def day_transport_indexes(db: Database, actor: Actor, *, at: datetime | None = None,
                          site_id: int | None = None) -> dict[str, float]:
    """The sum of TIs per mode of the day of the shipments from a site (``site_id``, default
    the first; its calendar day of ``at``, default now)."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    with db.read() as s:
        if actor.org_id is None:
            return {m: 0.0 for m in MODES}
        site = _dispatch_site(s, actor.org_id, site_id)
        return {m: _day_ti(s, site, m, t) for m in MODES}


def _decayed(nuclide: str, bq: float, seconds: float) -> float | None:
    """``bq`` decayed by ``seconds``; None if that is not a finite number (a time absurdly far
    before dispatch)."""
    lam = get_nuclide(nuclide).decay_constant_per_s
    try:
        value = bq * decay_factor(lam, seconds, field="at")
    except InvalidInput:
        return None
    return value if math.isfinite(value) else None


def get_shipment(db: Database, actor: Actor, shipment_id: int) -> ShipmentDetail:
    actor.require(Permission.READ)
    t = now()
    with db.read() as s:
        row = _shipment(s, actor, shipment_id)
        view = _view(s, row)
        events = tuple(
            ShipmentEventView(id=e.id, at=e.at, kind=e.kind, place=e.place, note=e.note,
                              recorded_by=e.recorded_by)
            for e in s.scalars(select(ShipmentEvent)
                               .where(ShipmentEvent.shipment_id == row.id)
                               .order_by(ShipmentEvent.at, ShipmentEvent.id)))
        order = s.get(Order, row.order_id)
        route = None if order is None or order.route_id is None \
            else s.get(DeliveryRoute, order.route_id)
    notes: list[str] = []
    arrival: datetime | None
    if row.arrived_at is not None:
        arrival, expected = row.arrived_at, False
    elif route is not None:
        arrival, expected = row.dispatched_at + timedelta(seconds=route.transit_s), True
    else:
        arrival, expected = None, True
        notes.append("the order has no delivery route: the arrival time is not known")
    since = (t - row.dispatched_at).total_seconds()
    return ShipmentDetail(
        shipment=view, events=events, now=t,
        activity_now_bq=_decayed(row.nuclide, row.activity_bq, since),
        arrival_at=arrival, arrival_expected=expected,
        activity_on_arrival_bq=None if arrival is None else _decayed(
            row.nuclide, row.activity_bq, (arrival - row.dispatched_at).total_seconds()),
        notes=tuple(notes))


def declaration(db: Database, actor: Actor, shipment_id: int, *,
                emergency_contact: str | None = None) -> decl.Declaration:
    """The shipper's declaration (English and Russian) of a shipment; the emergency contact
    is ``emergency_contact``, else the dispatch site's, else the environment's
    ``ISOFLOW_EMERGENCY_CONTACT``, else a line naming the consignor's radiation safety
    officer."""
    actor.require(Permission.READ)
    with db.read() as s:
        row = _shipment(s, actor, shipment_id)
        org = s.get(Organisation, row.org_id)
        site = _row_site(s, row)
        customer = s.get(Customer, row.customer_id)
        assert org is not None and customer is not None
        contents = [Content(row.nuclide, row.activity_bq, row.form, row.special_form)]
        return decl.build(
            reference=row.number,
            consignor=decl.Party(org.name, site.name),
            consignee=decl.Party(customer.name, customer.country), contents=contents,
            package_type=row.package_type, mode=row.mode, label=row.label or None,
            transport_index=None if row.package_type == "excepted" else row.transport_index,
            emergency_contact=emergency_contact or site.emergency_contact
            or os.environ.get(EMERGENCY_CONTACT_ENV))


def order_choices(db: Database, actor: Actor, *, days: int = 7) -> list[dict[str, object]]:
    """Open or allocated orders dispatching from a day ago to ``days`` ahead, without a live
    shipment, for the prepare form: id, number, customer, product, dispatch, what the contents
    need (package, fraction) — or the reason they cannot be classified."""
    actor.require(Permission.READ)
    t = now()
    q = (select(Order).where(Order.status.in_(SHIPPABLE_ORDERS),
                             Order.dispatch_at >= t - timedelta(days=1),
                             Order.dispatch_at <= t + timedelta(days=days))
         .order_by(Order.dispatch_at, Order.id))
    if actor.org_id is not None:
        q = q.where(Order.org_id == actor.org_id)
    out: list[dict[str, object]] = []
    with db.read() as s:
        for o in s.scalars(q.limit(500)):
            if s.scalar(select(Shipment.id).where(Shipment.order_id == o.id,
                                                  Shipment.status != "cancelled")):
                continue
            product = s.get(Product, o.product_id)
            customer = s.get(Customer, o.customer_id)
            if product is None or customer is None:
                continue
            item: dict[str, object] = {
                "id": o.id, "number": o.number, "customer": customer.name,
                "customer_timezone": customer.timezone, "product": product.code,
                "dispatch_at": o.dispatch_at, "needed": None, "fraction": None,
                "activity_bq": None, "problem": None}
            try:
                c = contents_of(product, order_activity_at(s, o, o.dispatch_at))
                r = classify([c])
                item.update(needed=r.package, fraction=r.sum_of_fractions,
                            activity_bq=c.activity_bq)
            except InvalidInput as exc:
                item["problem"] = exc.message
            out.append(item)
    return out
