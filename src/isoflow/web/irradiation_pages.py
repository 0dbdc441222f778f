"""The supplier's irradiation centres pages (issue #11): the centres with their installed Co-60
now against the customer's minimum and a badge when a replenishment order is due; a centre's
page with its sources, a Plotly chart of the projected total with the minimum line and the
proposal marked, and the install and remove forms (logistics or sales).

Times of a centre (installation, the date below the minimum, the order date) are shown in the
centre's own zone, named. Pages call isoflow.services.irradiation only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.times import parse_datetime
from isoflow.physics.units import parse_activity
from isoflow.services import irradiation
from isoflow.services.clock import now
from isoflow.services.irradiation import CentreDetail
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

CSS = "/static/supplier/analytics.css"
CI = 3.7e10
DONE = {"installed": N_("The source was recorded as installed."),
        "removed": N_("The source was recorded as removed.")}
INSTALL_FIELDS = ("serial", "activity", "reference_at", "installed_at")
REMOVE_FIELDS = ("at", "reason")
#: a service's field -> the form's
FORM_FIELD = {"activity_bq": "activity", "customer_id": None, "source_id": None}


class Refused(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def country_name(code: str, lang: str) -> str:
    try:
        return str(Locale.parse(lang).territories.get(code, code))
    except (ValueError, TypeError):
        return code


def _can_write(page: Page) -> bool:
    return page.can(Permission.SHIP) or page.can(Permission.SELL)


def _forbidden(page: Page) -> HTMLResponse:
    return page.render("error.html", {"title": page._("Not allowed"),
                                      "message": page._("Only logistics or sales record "
                                                        "installed sources.")}, status=403)


def _time(text: str, zone: str, name: str) -> datetime:
    """A time as typed: with its zone, or without one (the centre's); a date alone is its
    midnight in the centre's zone."""
    text = text.strip()
    try:
        if not text:
            raise ValueError
        try:
            return parse_datetime(text, field=name)
        except InvalidInput:
            local = datetime.fromisoformat(text)
            if local.tzinfo is not None:
                raise
            return parse_datetime(local.replace(tzinfo=ZoneInfo(zone)), field=name)
    except (ValueError, InvalidInput):
        raise Refused(i18n.gettext("Give a time, e.g. %(example)s.",
                                   example=i18n.input_datetime(now(), zone)), name) from None


def _activity(text: str, name: str) -> float:
    try:
        value = parse_activity(text.strip(), field=name)
    except InvalidInput as exc:
        raise Refused(exc.message, name) from None
    return value


def _detail(page: Page, customer_id: int) -> CentreDetail:
    try:
        return irradiation.centre_detail(page.db, page.actor, customer_id)
    except NotFound:
        raise PageNotFound() from None


def _ci(bq: float | None) -> str:
    if bq is None:
        return "—"
    return f"{i18n.format_number(bq / CI / 1e3, digits=4)} kCi"


@router.get("/supplier/irradiation", response_class=HTMLResponse)
def centres_page(page: SignedInPage) -> HTMLResponse:
    centres = irradiation.list_centres(page.db, page.actor)
    return page.render("supplier/analytics/centres.html", {
        "centres": centres, "css": CSS, "ci": _ci, "now": now(),
        "country": lambda c: country_name(c, page.lang)})


def _centre_context(page: Page, d: CentreDetail, action: str | None = None,
                    values: dict[str, str] | None = None,
                    refused: Refused | None = None) -> dict[str, Any]:
    c = d.centre
    forms: dict[str, dict[str, Any]] = {
        "install": {"values": {"serial": "", "activity": "", "reference_at": "",
                               "installed_at": i18n.input_datetime(now(), c.timezone)},
                    "error": None, "error_field": None},
        "remove": {"values": {"at": i18n.input_datetime(now(), c.timezone), "reason": ""},
                   "error": None, "error_field": None, "source_id": None},
    }
    if action is not None:
        forms[action].update(values=values or {}, error=refused.message if refused else None,
                             error_field=refused.field if refused else None)
    p = c.proposal
    chart = {
        "t": [x.at.isoformat() for x in d.projection],
        "tbq": [x.activity_bq / 1e12 for x in d.projection],
        "minimum_tbq": None if c.minimum_bq is None else c.minimum_bq / 1e12,
        "needed_at": None if p is None else p.needed_at.isoformat(),
        "needed_tbq": None if p is None else p.installed_at_need_bq / 1e12,
        "topped_tbq": None if p is None else p.target_bq / 1e12,
        "order_by": None if p is None else p.order_by.isoformat(),
        "labels": {"total": page._("Installed Co-60"), "minimum": page._("Minimum"),
                   "needed": page._("Falls below the minimum"),
                   "topped": page._("After the proposed addition"),
                   "order": page._("Order by"), "x": page._("time (UTC)"),
                   "y": page._("activity (TBq)")},
    }
    done = page.request.query_params.get("done", "")
    return {"d": d, "c": c, "p": p, "zone": c.timezone, "forms": forms, "chart": chart,
            "css": CSS, "ci": _ci, "can_write": _can_write(page), "open_action": action,
            "country": country_name(c.country, page.lang),
            "done": page._(DONE[done]) if done in DONE else None,
            "percent": lambda x: i18n.format_number(x * 100, digits=3) + " %"}


@router.get("/supplier/irradiation/{customer_id}", response_class=HTMLResponse)
def centre_page(customer_id: int, page: SignedInPage) -> HTMLResponse:
    d = _detail(page, customer_id)
    return page.render("supplier/analytics/centre.html", _centre_context(page, d))


def _refused(exc: IsoflowError) -> Refused:
    return Refused(exc.message, FORM_FIELD.get(exc.field or "", exc.field), exc.http_status)


@router.post("/supplier/irradiation/{customer_id}/sources", response_class=HTMLResponse)
def install(customer_id: int, page: SignedInPage, form: Form) -> Response:
    d = _detail(page, customer_id)
    if not _can_write(page):
        return _forbidden(page)
    values = {n: form_text(form, n) for n in INSTALL_FIELDS}
    zone = d.centre.timezone
    try:
        try:
            installed_at = _time(values["installed_at"], zone, "installed_at")
            reference_at = installed_at if not values["reference_at"].strip() else \
                _time(values["reference_at"], zone, "reference_at")
            irradiation.install_source(page.db, page.actor, customer_id,
                                       serial=values["serial"],
                                       activity_bq=_activity(values["activity"], "activity"),
                                       reference_at=reference_at, installed_at=installed_at)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/analytics/centre.html",
                           _centre_context(page, d, "install", values, refused),
                           status=refused.status)
    return page.redirect(f"/supplier/irradiation/{customer_id}?done=installed")


@router.post("/supplier/irradiation/sources/{source_id}/removal", response_class=HTMLResponse)
def remove(source_id: int, page: SignedInPage, form: Form) -> Response:
    customer_id = form_text(form, "customer_id")
    if not customer_id.isdigit():
        raise PageNotFound()
    d = _detail(page, int(customer_id))
    if source_id not in {x.id for x in d.sources}:
        raise PageNotFound()
    if not _can_write(page):
        return _forbidden(page)
    values = {n: form_text(form, n) for n in REMOVE_FIELDS}
    try:
        try:
            irradiation.remove_source(page.db, page.actor, source_id,
                                      at=_time(values["at"], d.centre.timezone, "at"),
                                      reason=values["reason"])
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        ctx = _centre_context(page, d, "remove", values, refused)
        ctx["forms"]["remove"]["source_id"] = source_id
        return page.render("supplier/analytics/centre.html", ctx, status=refused.status)
    return page.redirect(f"/supplier/irradiation/{d.centre.customer_id}?done=removed")
