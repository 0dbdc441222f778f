"""The supplier's customers (issue #11): country (ISO 3166-1 alpha-2), time zone, kind,
allocation priority; their licences per nuclide with a limit and validity dates, and their
delivery routes with mode and transit time.

Sales (SELL) and administrators write; everyone in the organisation reads. A customer's code
is unique in the organisation (409) and never changes. Licences are never deleted or extended:
one is ended early with a reason (``end_licence``), a renewal is a new licence. Every write is
audited (entities "customer", "customer_licence", "delivery_route"). Another organisation's
ids are NotFound.

:func:`licence_problem` is the rule the orders slice applies inside its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from isoflow.domain import supply_catalogue as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NAME_MAX, NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.times import parse_timezone
from isoflow.physics.units import format_activity
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.supplier import require_supplier
from isoflow.store.db import Database
from isoflow.store.supplier_models import (
    Customer,
    CustomerLicence,
    DeliveryRoute,
    InstalledSource,
)

#: the columns a change may name (the code never changes)
FIELDS = ("name", "country", "timezone", "kind", "priority", "min_installed_bq", "contact",
          "active")
LIMIT_MAX = 200
OFFSET_MAX = 10**6
SEARCH_MAX = 100
LICENCE_NUMBER_MAX = 80
#: the largest licence limit or centre minimum [Bq]
ACTIVITY_MAX_BQ = 1e30


@dataclass(frozen=True)
class CustomerView:
    id: int
    org_id: int
    code: str
    name: str
    country: str
    timezone: str
    kind: str
    priority: int
    min_installed_bq: float | None
    contact: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class LicenceView:
    id: int
    org_id: int
    customer_id: int
    number: str
    nuclide: str
    limit_bq: float
    valid_from: date
    valid_to: date
    created_at: datetime


@dataclass(frozen=True)
class RouteView:
    id: int
    org_id: int
    customer_id: int
    name: str
    mode: str
    transit_s: float
    active: bool


@dataclass(frozen=True)
class CustomerDetail:
    customer: CustomerView
    licences: tuple[LicenceView, ...]
    routes: tuple[RouteView, ...]
    installed_sources: int


@dataclass(frozen=True)
class CustomerPage:
    """One page of the customers that match, with the counts of all that match."""

    items: tuple[CustomerView, ...]
    total: int
    limit: int
    offset: int
    #: (country, customers) of the matches ignoring the country filter, most first
    by_country: tuple[tuple[str, int], ...]
    #: (kind, customers) of the matches ignoring the kind filter
    by_kind: tuple[tuple[str, int], ...]


def customer_view(c: Customer) -> CustomerView:
    return CustomerView(id=c.id, org_id=c.org_id, code=c.code, name=c.name, country=c.country,
                        timezone=c.timezone, kind=c.kind, priority=c.priority,
                        min_installed_bq=c.min_installed_bq, contact=c.contact,
                        active=bool(c.active), created_at=c.created_at)


def licence_view(x: CustomerLicence) -> LicenceView:
    return LicenceView(id=x.id, org_id=x.org_id, customer_id=x.customer_id, number=x.number,
                       nuclide=x.nuclide, limit_bq=x.limit_bq, valid_from=x.valid_from,
                       valid_to=x.valid_to, created_at=x.created_at)


def route_view(r: DeliveryRoute) -> RouteView:
    return RouteView(id=r.id, org_id=r.org_id, customer_id=r.customer_id, name=r.name,
                     mode=r.mode, transit_s=r.transit_s, active=bool(r.active))


# ---- helpers ----------------------------------------------------------------------------------
def _org(actor: Actor) -> int:
    if actor.org_id is None:
        raise InvalidInput("a platform administrator acts for an organisation: sign in as one "
                           "of its users", field="org_id")
    return actor.org_id


def _reason(reason: object, what: str) -> str:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput(f"say why the {what} changes", field="reason")
    return clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)


def visible_customer(s: Session, actor: Actor, customer_id: int, *,
                     lock: bool = False) -> Customer:
    c = s.get(Customer, customer_id, with_for_update=lock)
    if c is None or not actor.sees(c.org_id):
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    return c


def _min_installed(value: object, kind: str) -> float | None:
    if value is None:
        return None
    if kind != "irradiation_centre":
        raise InvalidInput("only an irradiation centre has a minimum installed activity",
                           field="min_installed_bq")
    return rules.check_activity(value, field="min_installed_bq", maximum=ACTIVITY_MAX_BQ)


def _values(v: dict[str, Any]) -> dict[str, Any]:
    """Every customer column checked and normalised."""
    timezone = v["timezone"]
    parse_timezone(timezone, field="timezone")
    kind = rules.check_choice(v["kind"], rules.CUSTOMER_KINDS, field="kind",
                              what="customer kind")
    if not isinstance(v["active"], bool):
        raise InvalidInput("active is true or false", field="active")
    return {"name": clean_text(v["name"], field="name", max_length=NAME_MAX),
            "country": rules.check_country(v["country"]), "timezone": timezone,
            "kind": kind, "priority": rules.check_priority(v["priority"]),
            "min_installed_bq": _min_installed(v["min_installed_bq"], kind),
            "contact": clean_optional_text(v["contact"], field="contact", max_length=NOTE_MAX,
                                           multiline=True),
            "active": v["active"]}


def _record(c: Customer) -> dict[str, Any]:
    return {"code": c.code, "name": c.name, "country": c.country, "timezone": c.timezone,
            "kind": c.kind, "priority": c.priority, "min_installed_bq": c.min_installed_bq,
            "contact": c.contact, "active": bool(c.active)}


# ---- customers --------------------------------------------------------------------------------
def create_customer(db: Database, actor: Actor, *, code: str, name: str, country: str,
                    timezone: str, kind: str, priority: int = 3,
                    min_installed_bq: float | None = None,
                    contact: str | None = None) -> CustomerView:
    """A new customer of the actor's organisation; Conflict if the code is taken."""
    actor.require(Permission.SELL)
    org_id = _org(actor)
    code = rules.check_code(code)
    values = _values({"name": name, "country": country, "timezone": timezone, "kind": kind,
                      "priority": priority, "min_installed_bq": min_installed_bq,
                      "contact": contact, "active": True})
    with db.write() as s:
        require_supplier(s, org_id)
        taken = s.scalar(select(Customer.id).where(Customer.org_id == org_id,
                                                   Customer.code == code))
        if taken is not None:
            raise Conflict(f"there already is a customer {code}", field="code")
        c = Customer(org_id=org_id, code=code, created_at=now(), **values)
        s.add(c)
        s.flush()
        audit.record(s, actor, org_id=org_id, entity_type="customer", entity_id=c.id,
                     action="created", new=_record(c))
        return customer_view(c)


def update_customer(db: Database, actor: Actor, customer_id: int, *, reason: str,
                    **changes: Any) -> CustomerView:
    """Change the columns named (not the code), with a reason."""
    actor.require(Permission.SELL)
    extra = sorted(set(changes) - set(FIELDS))
    if extra:
        field = extra[0]
        if field == "code":
            raise InvalidInput("a customer's code never changes", field="code")
        raise InvalidInput(f"unknown field {field!r}", field=field)
    why = _reason(reason, "customer")
    with db.write() as s:
        c = visible_customer(s, actor, customer_id, lock=True)
        old = _record(c)
        values = _values({**{k: old[k] for k in FIELDS}, **changes})
        before = {k: old[k] for k in values if old[k] != values[k]}
        after = {k: values[k] for k in before}
        if not after:
            return customer_view(c)
        for k, v in after.items():
            setattr(c, k, v)
        s.flush()
        audit.record(s, actor, org_id=c.org_id, entity_type="customer", entity_id=c.id,
                     action="updated", old=before, new=after, reason=why)
        return customer_view(c)


def _search_filter(search: str | None) -> Any:
    text = clean_optional_text(search, field="search", max_length=SEARCH_MAX)
    if text is None:
        return None
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Customer.code.ilike(pattern, escape="\\"),
               Customer.name.ilike(pattern, escape="\\"))


def list_customers(db: Database, actor: Actor, *, search: str | None = None,
                   country: str | None = None, kind: str | None = None, limit: int = 50,
                   offset: int = 0) -> CustomerPage:
    """A page of the customers (by code) whose code or name contains ``search`` (case
    folded), of ``country`` and ``kind``; with the counts by country and kind."""
    actor.require(Permission.READ)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
        raise InvalidInput(f"limit must be 1-{LIMIT_MAX}", field="limit")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= OFFSET_MAX:
        raise InvalidInput(f"offset must be 0-{OFFSET_MAX}", field="offset")
    country = None if country in (None, "") else rules.check_country(country)
    kind = None if kind in (None, "") else rules.check_choice(
        kind, rules.CUSTOMER_KINDS, field="kind", what="customer kind")
    base: list[Any] = []
    if actor.org_id is not None:
        base.append(Customer.org_id == actor.org_id)
    found = _search_filter(search)
    if found is not None:
        base.append(found)
    by_country_where = base + ([] if kind is None else [Customer.kind == kind])
    by_kind_where = base + ([] if country is None else [Customer.country == country])
    where = by_country_where + ([] if country is None else [Customer.country == country])
    with db.read() as s:
        total = s.scalar(select(func.count(Customer.id)).where(*where)) or 0
        rows = s.scalars(select(Customer).where(*where).order_by(Customer.code, Customer.id)
                         .limit(limit).offset(offset))
        items = tuple(customer_view(c) for c in rows)
        countries = s.execute(select(Customer.country, func.count(Customer.id))
                              .where(*by_country_where).group_by(Customer.country)).all()
        kinds = s.execute(select(Customer.kind, func.count(Customer.id))
                          .where(*by_kind_where).group_by(Customer.kind)).all()
    return CustomerPage(
        items=items, total=int(total), limit=limit, offset=offset,
        by_country=tuple(sorted(((str(k), int(n)) for k, n in countries),
                                key=lambda x: (-x[1], x[0]))),
        by_kind=tuple(sorted(((str(k), int(n)) for k, n in kinds),
                             key=lambda x: rules.CUSTOMER_KINDS.index(x[0])
                             if x[0] in rules.CUSTOMER_KINDS else 99)))


def get_customer(db: Database, actor: Actor, customer_id: int) -> CustomerDetail:
    actor.require(Permission.READ)
    with db.read() as s:
        c = visible_customer(s, actor, customer_id)
        lics = s.scalars(select(CustomerLicence).where(CustomerLicence.customer_id == c.id)
                         .order_by(CustomerLicence.nuclide, CustomerLicence.valid_to.desc(),
                                   CustomerLicence.id))
        routes = s.scalars(select(DeliveryRoute).where(DeliveryRoute.customer_id == c.id)
                           .order_by(DeliveryRoute.id))
        installed = s.scalar(select(func.count(InstalledSource.id)).where(
            InstalledSource.customer_id == c.id, InstalledSource.removed_at.is_(None))) or 0
        return CustomerDetail(customer=customer_view(c),
                              licences=tuple(licence_view(x) for x in lics),
                              routes=tuple(route_view(r) for r in routes),
                              installed_sources=int(installed))


# ---- licences ---------------------------------------------------------------------------------
def _visible_licence(s: Session, actor: Actor, licence_id: int) -> CustomerLicence:
    x = s.get(CustomerLicence, licence_id, with_for_update=True)
    if x is None or not actor.sees(x.org_id):
        raise NotFound(f"no customer licence {licence_id}", field="customer_licence_id")
    return x


def add_licence(db: Database, actor: Actor, customer_id: int, *, number: str, nuclide: str,
                limit_bq: float, valid_from: date, valid_to: date) -> LicenceView:
    """A licence of the customer for a nuclide: the most it may hold [Bq] from ``valid_from``
    to ``valid_to`` (inclusive, the customer's calendar). Conflict if the customer already
    has a licence with this number for this nuclide."""
    actor.require(Permission.SELL)
    number = clean_text(number, field="number", max_length=LICENCE_NUMBER_MAX)
    canon = get_nuclide(nuclide).name
    limit = rules.check_activity(limit_bq, field="limit_bq", maximum=ACTIVITY_MAX_BQ)
    start, end = rules.check_licence_dates(valid_from, valid_to)
    with db.write() as s:
        c = visible_customer(s, actor, customer_id, lock=True)
        taken = s.scalar(select(CustomerLicence.id).where(
            CustomerLicence.customer_id == c.id, CustomerLicence.number == number,
            CustomerLicence.nuclide == canon))
        if taken is not None:
            raise Conflict(f"customer {c.code} already has licence {number} for {canon}",
                           field="number")
        x = CustomerLicence(org_id=c.org_id, customer_id=c.id, number=number, nuclide=canon,
                            limit_bq=limit, valid_from=start, valid_to=end, created_at=now())
        s.add(x)
        s.flush()
        audit.record(s, actor, org_id=c.org_id, entity_type="customer_licence",
                     entity_id=x.id, action="created",
                     new={"customer_id": c.id, "number": number, "nuclide": canon,
                          "limit_bq": limit, "valid_from": start.isoformat(),
                          "valid_to": end.isoformat()})
        return licence_view(x)


def end_licence(db: Database, actor: Actor, licence_id: int, *, valid_to: date,
                reason: str) -> LicenceView:
    """End a licence early: its last valid day becomes ``valid_to`` (not before its first,
    not after its current last - a licence is never extended: add the renewal)."""
    actor.require(Permission.SELL)
    why = _reason(reason, "licence")
    if not isinstance(valid_to, date) or isinstance(valid_to, datetime):
        raise InvalidInput("valid_to must be a calendar date (YYYY-MM-DD)", field="valid_to")
    with db.write() as s:
        x = _visible_licence(s, actor, licence_id)
        if valid_to < x.valid_from:
            raise InvalidInput(f"valid_to {valid_to.isoformat()} is before the licence's "
                               f"first day {x.valid_from.isoformat()}", field="valid_to")
        if valid_to > x.valid_to:
            raise Conflict(f"licence {x.number} ends on {x.valid_to.isoformat()}; it is ended "
                           "earlier, never extended: add the renewed licence",
                           field="valid_to")
        if valid_to == x.valid_to:
            return licence_view(x)
        old = x.valid_to
        x.valid_to = valid_to
        s.flush()
        audit.record(s, actor, org_id=x.org_id, entity_type="customer_licence",
                     entity_id=x.id, action="ended", old={"valid_to": old.isoformat()},
                     new={"valid_to": valid_to.isoformat()}, reason=why)
        return licence_view(x)


def licence_problem(s: Session, customer_id: int, nuclide: str, activity_bq: float,
                    at: datetime) -> str | None:
    """Why the customer may not hold ``activity_bq`` of ``nuclide`` at ``at`` (None: it may):
    a licence of the customer for the nuclide must be valid on the day of ``at`` in the
    customer's zone, with a limit of at least ``activity_bq`` (the largest of those valid
    counts). Runs in the caller's transaction; InvalidInput for a naive ``at``, an unknown
    nuclide or an activity that is not a finite number >= 0; NotFound for no such customer."""
    at = aware_utc(at, "at")
    canon = get_nuclide(nuclide).name
    if isinstance(activity_bq, bool) or not isinstance(activity_bq, int | float) \
            or not 0 <= activity_bq < float("inf"):
        raise InvalidInput("activity_bq must be a finite number >= 0", field="activity_bq")
    c = s.get(Customer, customer_id)
    if c is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    try:
        day = at.astimezone(parse_timezone(c.timezone)).date()
    except OverflowError:
        raise InvalidInput("at is too far from today to read in the customer's calendar",
                           field="at") from None
    lics = list(s.scalars(select(CustomerLicence).where(
        CustomerLicence.customer_id == c.id, CustomerLicence.nuclide == canon)
        .order_by(CustomerLicence.id)))
    if not lics:
        return f"customer {c.code} has no licence for {canon}"
    valid = [x for x in lics if x.valid_from <= day <= x.valid_to]
    if not valid:
        past = [x for x in lics if x.valid_to < day]
        if past:
            last = max(past, key=lambda x: x.valid_to)
            return (f"licence {last.number} for {canon} expired on "
                    f"{last.valid_to.isoformat()}; the order arrives on {day.isoformat()}")
        first = min(lics, key=lambda x: x.valid_from)
        return (f"licence {first.number} for {canon} is valid only from "
                f"{first.valid_from.isoformat()}; the order arrives on {day.isoformat()}")
    best = max(valid, key=lambda x: (x.limit_bq, x.valid_to))
    if activity_bq > best.limit_bq:
        return (f"licence {best.number} for {canon} allows {format_activity(best.limit_bq)} "
                f"(valid to {best.valid_to.isoformat()}); the order holds "
                f"{format_activity(float(activity_bq))} on arrival")
    return None


# ---- routes -----------------------------------------------------------------------------------
def add_route(db: Database, actor: Actor, customer_id: int, *, name: str, mode: str,
              transit_s: float) -> RouteView:
    """A delivery route of the customer: road or air, door-to-door transit (0, 30 days]."""
    actor.require(Permission.SELL)
    name = clean_text(name, field="name", max_length=NAME_MAX)
    mode = rules.check_choice(mode, rules.ROUTE_MODES, field="mode", what="route mode")
    transit = rules.check_transit(transit_s)
    with db.write() as s:
        c = visible_customer(s, actor, customer_id, lock=True)
        r = DeliveryRoute(org_id=c.org_id, customer_id=c.id, name=name, mode=mode,
                          transit_s=transit, active=True)
        s.add(r)
        s.flush()
        audit.record(s, actor, org_id=c.org_id, entity_type="delivery_route", entity_id=r.id,
                     action="created", new={"customer_id": c.id, "name": name, "mode": mode,
                                            "transit_s": transit})
        return route_view(r)


def set_route_active(db: Database, actor: Actor, route_id: int, active: bool, *,
                     reason: str) -> RouteView:
    """Use a route again, or no longer (orders refuse an inactive route)."""
    actor.require(Permission.SELL)
    if not isinstance(active, bool):
        raise InvalidInput("active is true or false", field="active")
    why = _reason(reason, "route")
    with db.write() as s:
        r = s.get(DeliveryRoute, route_id, with_for_update=True)
        if r is None or not actor.sees(r.org_id):
            raise NotFound(f"no delivery route {route_id}", field="route_id")
        if bool(r.active) == active:
            return route_view(r)
        r.active = active
        s.flush()
        audit.record(s, actor, org_id=r.org_id, entity_type="delivery_route", entity_id=r.id,
                     action="activated" if active else "deactivated",
                     old={"active": not active}, new={"active": active}, reason=why)
        return route_view(r)


def country_counts(db: Database, actor: Actor) -> list[tuple[str, int]]:
    """(country, customers) of the actor's organisation, most first."""
    return list(list_customers(db, actor, limit=1).by_country)
