"""The supplier's contracts and orders pages (issue #11): the orders of a week by dispatch day
(day navigation, filters, status badges; calibration in the customer's zone, dispatch in the
supplier's, both zones named), the ad-hoc order and "generate orders until" forms; an order's
page with amend and cancel forms (a reason required); the contracts and a contract's page with
its deliveries ("every Monday …"), the add-delivery form and cancellation.

Pages call isoflow.services.contracts/orders only. A refused form comes back with what was typed
and the service's message naming the rule; a role without SELL sees no form and its POST is 403.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import parse_activity
from isoflow.services import contracts, orders
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)
CSS = "/static/supplier/orders.css"

STATUS_NAMES = {"open": N_("Open"), "allocated": N_("Allocated"), "shipped": N_("Shipped"),
                "delivered": N_("Delivered"), "cancelled": N_("Cancelled"),
                "active": N_("Active"), "ended": N_("Ended")}
STATUS_CLASS = {"cancelled": "bad", "delivered": "ok", "shipped": "ok", "active": "ok"}
WEEKDAY_NAMES = (N_("every Monday"), N_("every Tuesday"), N_("every Wednesday"),
                 N_("every Thursday"), N_("every Friday"), N_("every Saturday"),
                 N_("every Sunday"))
DONE = {"placed": N_("The order was placed."), "amended": N_("The order was amended."),
        "cancelled": N_("Cancelled."), "created": N_("The contract was created."),
        "delivery": N_("The delivery was added.")}
ORDER_FIELDS = ("customer_id", "product_id", "activity", "quantity", "calibration", "note")
DELIVERY_FIELDS = ("product_id", "weekday", "calibration_time", "calibration_days",
                   "activity", "quantity")
CONTRACT_FIELDS = ("customer_id", "number", "start_date", "end_date", "priority", "note")
FORM_FIELD = {"activity_bq": "activity", "calibration_at": "calibration"}


class Refused(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _refused(exc: IsoflowError) -> Refused:
    return Refused(exc.message, FORM_FIELD.get(exc.field or "", exc.field), exc.http_status)


def _forbidden(page: Page) -> HTMLResponse:
    return page.render("error.html", {"title": page._("Not allowed"),
                                      "message": page._("Your role may not change contracts "
                                                        "or orders.")}, status=403)


def _activity(text: str) -> float:
    try:
        return parse_activity(text.strip(), field="activity")
    except InvalidInput as exc:
        raise Refused(exc.message, "activity") from None


def _int(text: str, name: str, default: int | None = None) -> int:
    text = text.strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 9:
        raise Refused(i18n.gettext("Give a whole number."), name)
    return int(text)


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(i18n.gettext("Give a date as YYYY-MM-DD."), name) from None


def _local(text: str, zone: str, name: str) -> datetime:
    """A local date and time (YYYY-MM-DDTHH:MM) in ``zone``."""
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refused(i18n.gettext("Give a date and time, e.g. %(example)s.",
                                   example="2027-03-04T12:00"), name) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo(zone))


def _common(page: Page) -> dict[str, Any]:
    done = page.request.query_params.get("done", "")

    def status_name(s: str) -> str:
        return page._(STATUS_NAMES.get(s) or s)

    return {"css": CSS, "status_name": status_name,
            "status_class": STATUS_CLASS, "can_sell": page.can(Permission.SELL),
            "every": lambda d: page._(WEEKDAY_NAMES[d]),
            "done": page._(DONE[done]) if done in DONE else None,
            "local": lambda t, zone: t.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")}


# ------------------------------------------------------------------ orders
def _week(page: Page) -> tuple[date, str | None]:
    zone = orders.supplier_timezone(page.db, page.actor)
    q = page.request.query_params.get("date")
    today = now().astimezone(ZoneInfo(zone)).date()
    if not q:
        return today, None
    try:
        return date.fromisoformat(q), None
    except ValueError:
        return today, page._("Give a date as YYYY-MM-DD.")


def _orders_context(page: Page, start: date, values: dict[str, str] | None = None,
                    refused: Refused | None = None, error: str | None = None,
                    generated: orders.GenerateResult | None = None) -> dict[str, Any]:
    zone = orders.supplier_timezone(page.db, page.actor)
    tz = ZoneInfo(zone)
    q = page.request.query_params
    status = q.get("status") or None
    if status not in (None, "open", "allocated", "shipped", "delivered", "cancelled"):
        status = None
    customer = q.get("customer_id", "")
    frm = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    items = orders.list_orders(page.db, page.actor, dispatch_from=frm,
                               dispatch_to=frm + timedelta(days=7), status=status,
                               customer_id=int(customer) if customer.isdigit()
                               and len(customer) < 10 else None, limit=1000)
    days: list[dict[str, Any]] = [{"day": start + timedelta(days=i), "items": []} for i in range(7)]
    for o in items:
        i = (o.dispatch_at.astimezone(tz).date() - start).days
        if 0 <= i < 7:
            days[i]["items"].append(o)
    customers, products = orders.order_choices(page.db, page.actor)

    def link(d: date) -> str:
        params = {k: v for k, v in q.items() if k in ("status", "customer_id") and v}
        return "/supplier/orders?" + urlencode({"date": d.isoformat(), **params})

    return {**_common(page), "zone": zone, "start": start, "days": days,
            "previous": link(start - timedelta(days=7)), "next": link(start + timedelta(days=7)),
            "previous_day": link(start - timedelta(days=1)),
            "next_day": link(start + timedelta(days=1)),
            "customers": customers, "products": products, "status": status or "",
            "customer_filter": customer,
            "values": values or {n: "" for n in ORDER_FIELDS},
            "error": refused.message if refused else error,
            "error_field": refused.field if refused else None, "generated": generated,
            "until": (start + timedelta(days=28)).isoformat()}


@router.get("/supplier/orders", response_class=HTMLResponse)
def orders_page(page: SignedInPage) -> HTMLResponse:
    start, error = _week(page)
    return page.render("supplier/orders/orders.html", _orders_context(page, start, error=error),
                       status=422 if error else 200)


@router.post("/supplier/orders", response_class=HTMLResponse)
def place(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    start, _ = _week(page)
    values = {n: form_text(form, n) for n in ORDER_FIELDS}
    try:
        customer_id = _int(values["customer_id"], "customer_id")
        customers, _p = orders.order_choices(page.db, page.actor)
        zone = next((c.timezone for c in customers if c.id == customer_id), None) or "UTC"
        try:
            view = orders.place_order(
                page.db, page.actor, customer_id=customer_id,
                product_id=_int(values["product_id"], "product_id"),
                activity_bq=_activity(values["activity"]),
                quantity=_int(values["quantity"], "quantity", 1),
                calibration_at=_local(values["calibration"], zone, "calibration"),
                note=values["note"].strip() or None)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/orders.html",
                           _orders_context(page, start, values, refused),
                           status=refused.status)
    return page.redirect(f"/supplier/orders/{view.id}?done=placed")


@router.post("/supplier/orders/generation", response_class=HTMLResponse)
def generate(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    start, _ = _week(page)
    try:
        until = _date(form_text(form, "until"), "until")
        try:
            result = orders.generate_orders(page.db, page.actor, until=until)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/orders.html",
                           _orders_context(page, start, error=refused.message),
                           status=refused.status)
    return page.render("supplier/orders/orders.html",
                       _orders_context(page, start, generated=result))


def _order(page: Page, order_id: int) -> orders.OrderView:
    try:
        return orders.get_order(page.db, page.actor, order_id)
    except NotFound:
        raise PageNotFound() from None


def _order_context(page: Page, o: orders.OrderView, action: str | None = None,
                   values: dict[str, str] | None = None,
                   refused: Refused | None = None) -> dict[str, Any]:
    forms: dict[str, dict[str, Any]] = {
        "amend": {"values": {"activity": i18n.format_activity(o.activity_bq),
                             "quantity": str(o.quantity),
                             "calibration": o.calibration_local.strftime("%Y-%m-%dT%H:%M"),
                             "reason": ""}, "error": None, "error_field": None},
        "cancel": {"values": {"reason": ""}, "error": None, "error_field": None}}
    if action is not None:
        forms[action] = {"values": values or {}, "error": refused.message if refused else None,
                         "error_field": refused.field if refused else None}
    return {**_common(page), "o": o, "forms": forms,
            "can_change": page.can(Permission.SELL) and o.status in orders.OPEN_STATUSES}


@router.get("/supplier/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: int, page: SignedInPage) -> HTMLResponse:
    return page.render("supplier/orders/order.html", _order_context(page, _order(page,
                                                                                 order_id)))


@router.post("/supplier/orders/{order_id}/amendment", response_class=HTMLResponse)
def amend(order_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    o = _order(page, order_id)
    values = {n: form_text(form, n) for n in ("activity", "quantity", "calibration", "reason")}
    try:
        cal = _local(values["calibration"], o.customer_timezone, "calibration")
        try:
            orders.amend_order(page.db, page.actor, order_id, reason=values["reason"],
                               activity_bq=_activity(values["activity"]),
                               quantity=_int(values["quantity"], "quantity", o.quantity),
                               calibration_at=None if cal == o.calibration_at else cal)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/order.html",
                           _order_context(page, _order(page, order_id), "amend", values,
                                          refused), status=refused.status)
    return page.redirect(f"/supplier/orders/{order_id}?done=amended")


@router.post("/supplier/orders/{order_id}/cancellation", response_class=HTMLResponse)
def cancel(order_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    _order(page, order_id)
    values = {"reason": form_text(form, "reason")}
    try:
        try:
            orders.cancel_order(page.db, page.actor, order_id, reason=values["reason"])
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/order.html",
                           _order_context(page, _order(page, order_id), "cancel", values,
                                          refused), status=refused.status)
    return page.redirect(f"/supplier/orders/{order_id}?done=cancelled")


# ------------------------------------------------------------------ contracts
def _contracts_context(page: Page, values: dict[str, str] | None = None,
                       refused: Refused | None = None) -> dict[str, Any]:
    customers, _ = orders.order_choices(page.db, page.actor)
    return {**_common(page), "contracts": contracts.list_contracts(page.db, page.actor),
            "customers": customers, "values": values or {n: "" for n in CONTRACT_FIELDS},
            "error": refused.message if refused else None,
            "error_field": refused.field if refused else None}


@router.get("/supplier/contracts", response_class=HTMLResponse)
def contracts_page(page: SignedInPage) -> HTMLResponse:
    return page.render("supplier/orders/contracts.html", _contracts_context(page))


@router.post("/supplier/contracts", response_class=HTMLResponse)
def create(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    values = {n: form_text(form, n) for n in CONTRACT_FIELDS}
    try:
        prio = values["priority"].strip()
        try:
            k = contracts.create_contract(
                page.db, page.actor, customer_id=_int(values["customer_id"], "customer_id"),
                number=values["number"], start_date=_date(values["start_date"], "start_date"),
                end_date=_date(values["end_date"], "end_date"),
                priority=_int(prio, "priority") if prio else None,
                note=values["note"].strip() or None)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/contracts.html",
                           _contracts_context(page, values, refused), status=refused.status)
    return page.redirect(f"/supplier/contracts/{k.id}?done=created")


def _contract(page: Page, contract_id: int) -> contracts.ContractView:
    try:
        return contracts.get_contract(page.db, page.actor, contract_id)
    except NotFound:
        raise PageNotFound() from None


def _contract_context(page: Page, k: contracts.ContractView, action: str | None = None,
                      values: dict[str, str] | None = None,
                      refused: Refused | None = None) -> dict[str, Any]:
    _, products = orders.order_choices(page.db, page.actor)
    forms: dict[str, dict[str, Any]] = {
        "delivery": {"values": {n: "" for n in DELIVERY_FIELDS}, "error": None,
                     "error_field": None},
        "cancel": {"values": {"reason": ""}, "error": None, "error_field": None}}
    if action is not None:
        forms[action] = {"values": values or {}, "error": refused.message if refused else None,
                         "error_field": refused.field if refused else None}
    return {**_common(page), "k": k, "forms": forms, "products": products,
            "supplier_zone": orders.supplier_timezone(page.db, page.actor),
            "can_change": page.can(Permission.SELL) and k.status == "active"}


@router.get("/supplier/contracts/{contract_id}", response_class=HTMLResponse)
def contract_page(contract_id: int, page: SignedInPage) -> HTMLResponse:
    return page.render("supplier/orders/contract.html",
                       _contract_context(page, _contract(page, contract_id)))


@router.post("/supplier/contracts/{contract_id}/deliveries", response_class=HTMLResponse)
def add_delivery(contract_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    _contract(page, contract_id)
    values = {n: form_text(form, n) for n in DELIVERY_FIELDS}
    try:
        try:
            contracts.add_delivery(
                page.db, page.actor, contract_id,
                product_id=_int(values["product_id"], "product_id"),
                weekday=_int(values["weekday"], "weekday"),
                calibration_time=values["calibration_time"].strip(),
                calibration_days=_int(values["calibration_days"], "calibration_days", 0),
                activity_bq=_activity(values["activity"]),
                quantity=_int(values["quantity"], "quantity", 1))
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/contract.html",
                           _contract_context(page, _contract(page, contract_id), "delivery",
                                             values, refused), status=refused.status)
    return page.redirect(f"/supplier/contracts/{contract_id}?done=delivery")


@router.post("/supplier/contracts/{contract_id}/cancellation", response_class=HTMLResponse)
def cancel_contract(contract_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SELL):
        return _forbidden(page)
    _contract(page, contract_id)
    values = {"reason": form_text(form, "reason")}
    try:
        try:
            contracts.cancel_contract(page.db, page.actor, contract_id,
                                      reason=values["reason"])
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/orders/contract.html",
                           _contract_context(page, _contract(page, contract_id), "cancel",
                                             values, refused), status=refused.status)
    return page.redirect(f"/supplier/contracts/{contract_id}?done=cancelled")
