"""The supplier's shipments pages (issue #11): the day's and recent shipments with package, UN
number, TI and label, the sum of TIs per mode today, and a form that packs an order (the
package the contents need shown next to each order); a shipment's page with its
classification, tracking timeline, dispatch / tracking / cancellation forms and the activity
on arrival; the printable bilingual shipper's declaration; and a classification calculator
with the rules of ``isoflow transport classify``.

Pages call isoflow.services.shipments only (the calculator the pure transport rules). Times
are shown in the supplier site's zone, the arrival in the customer's, the zone named. Dose
rates are typed with their unit ("0.3 mSv/h", "8 µSv/h"). A refused form comes back with
what was typed and the message naming the rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import parse_datetime
from isoflow.services import shipments
from isoflow.services.clock import now
from isoflow.services.shipments import ShipmentDetail
from isoflow.transport.classification import CONVEYANCE_TI, PACKAGES
from isoflow.transport.values import parse_dose_rate
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

CSS = "/static/supplier/shipments.css"
STATUS_NAMES = {"prepared": N_("Prepared"), "dispatched": N_("Dispatched"),
                "delivered": N_("Delivered"), "cancelled": N_("Cancelled")}
STATUS_CLASS = {"cancelled": "bad", "delivered": "ok"}
MODE_NAMES = {"road": N_("Road"), "air-passenger": N_("Air, passenger aircraft"),
              "air-cargo": N_("Air, cargo aircraft only")}
EVENT_NAMES = {"prepared": N_("Packed"), "dispatched": N_("Dispatched"),
               "cancelled": N_("Cancelled"), "departed": N_("Departed"),
               "arrived_hub": N_("Arrived at a hub"), "customs_cleared": N_("Customs cleared"),
               "out_for_delivery": N_("Out for delivery"), "delivered": N_("Delivered"),
               "delayed": N_("Delayed"), "exception": N_("Exception")}
LABEL_CLASS = {"I-WHITE": "label-white", "II-YELLOW": "label-yellow",
               "III-YELLOW": "label-yellow", "III-YELLOW (exclusive use)": "label-yellow"}
DONE = {"prepared": N_("The package was classified and recorded."),
        "dispatched": N_("The shipment was dispatched."),
        "tracked": N_("The tracking event was recorded."),
        "cancelled": N_("The shipment was cancelled.")}
#: a service's field -> the form's
FORM_FIELD = {"surface_usv_h": "surface", "at_1m_usv_h": "at_1m", "transport_index": "at_1m",
              "shipment_id": None, "surface_dose_rate": "surface", "dose_rate_1m": "at_1m",
              "package": "package_type", "nuclide": "contents", "activity": "contents"}
PREPARE_FIELDS = ("order_id", "mode", "package_type", "surface", "at_1m", "dispatch_at", "note",
                  "site_id")


class Refused(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _refused(exc: IsoflowError) -> Refused:
    return Refused(exc.message, FORM_FIELD.get(exc.field or "", exc.field), exc.http_status)


def _forbidden(page: Page, message: str) -> HTMLResponse:
    return page.render("error.html", {"title": page._("Not allowed"), "message": message},
                       status=403)


def _dose(text: str, name: str) -> float:
    """A dose rate typed with its unit, in µSv/h."""
    if not text.strip():
        raise Refused(i18n.gettext("Give the dose rate with its unit, e.g. %(example)s.",
                                   example="8 µSv/h"), name)
    try:
        return parse_dose_rate(text, field=name) * 1e6
    except InvalidInput as exc:
        raise Refused(exc.message, name) from None


def _time(text: str, zone: str, name: str) -> datetime | None:
    """A time with its zone, or without one: the site's; empty: None."""
    text = text.strip()
    if not text:
        return None
    try:
        try:
            return parse_datetime(text, field=name)
        except InvalidInput:
            naive = datetime.fromisoformat(text)
            if naive.tzinfo is not None:
                raise
            return parse_datetime(naive.replace(tzinfo=ZoneInfo(zone)), field=name)
    except (ValueError, InvalidInput):
        raise Refused(i18n.gettext("Give a time, e.g. %(example)s.",
                                   example=i18n.input_datetime(now(), zone)), name) from None


def _sites(page: Page, chosen: str = "") -> tuple[list[Any], Any]:
    """The organisation's sites and the one shipments leave from: ``chosen`` (an id, from
    the query or the form) if it is one of them, else the first."""
    from isoflow.services import organisations

    sites = organisations.list_sites(page.db, page.actor)
    site = next((x for x in sites if chosen.strip().isdigit() and x.id == int(chosen)),
                sites[0] if sites else None)
    return sites, site


def _name(page: Page, names: dict[str, str]) -> Any:
    def name(key: str) -> str:
        return page._(names[key]) if key in names else key

    return name


def _common(page: Page) -> dict[str, Any]:
    return {
        "css": CSS, "status_name": _name(page, STATUS_NAMES), "status_class": STATUS_CLASS,
        "mode_name": _name(page, MODE_NAMES), "event_name": _name(page, EVENT_NAMES),
        "label_class": LABEL_CLASS, "can_ship": page.can(Permission.SHIP),
    }


# ------------------------------------------------------------------ the list
def _list_context(page: Page, values: dict[str, str] | None = None,
                  refused: Refused | None = None) -> dict[str, Any]:
    sites, site = _sites(page, (values or {}).get("site_id")
                         or page.request.query_params.get("site_id", ""))
    zone = site.timezone if site else "UTC"
    t = now()
    items = shipments.list_shipments(page.db, page.actor, since=t - timedelta(days=14))
    local_today = t.astimezone(ZoneInfo(zone)).date()
    today = [x for x in items
             if x.dispatched_at.astimezone(ZoneInfo(zone)).date() == local_today]
    sums = shipments.day_transport_indexes(page.db, page.actor, at=t,
                                           site_id=site.id if site else None)
    choices = shipments.order_choices(page.db, page.actor) if page.can(Permission.SHIP) else []
    done = page.request.query_params.get("done", "")
    return {
        **_common(page), "zone": zone, "items": items, "today": today, "sites": sites,
        "site": site,
        "sums": [(m, sums[m], CONVEYANCE_TI[m][1]) for m in shipments.MODES],
        "choices": choices, "modes": shipments.MODES, "packages": PACKAGES,
        "values": values or {n: "" for n in PREPARE_FIELDS},
        "error": refused.message if refused else None,
        "error_field": refused.field if refused else None,
        "done": page._(DONE[done]) if done in DONE else None,
    }


@router.get("/supplier/shipments", response_class=HTMLResponse)
def shipments_page(page: SignedInPage) -> HTMLResponse:
    return page.render("supplier/shipments/list.html", _list_context(page))


@router.post("/supplier/shipments", response_class=HTMLResponse)
def prepare(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SHIP):
        return _forbidden(page, page._("Only logistics staff pack and ship orders."))
    values = {n: form_text(form, n) for n in PREPARE_FIELDS}
    try:
        if not values["order_id"].strip().isdigit():
            raise Refused(page._("Choose an order."), "order_id")
        _, site = _sites(page, values["site_id"])
        zone = site.timezone if site else "UTC"
        surface = _dose(values["surface"], "surface")
        at_1m = _dose(values["at_1m"], "at_1m")
        try:
            view = shipments.prepare_shipment(
                page.db, page.actor, int(values["order_id"]), mode=values["mode"],
                package_type=values["package_type"], surface_usv_h=surface,
                at_1m_usv_h=at_1m, dispatch_at=_time(values["dispatch_at"], zone,
                                                      "dispatch_at"),
                note=values["note"].strip() or None, site_id=site.id if site else None)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/shipments/list.html",
                           _list_context(page, values, refused), status=refused.status)
    return page.redirect(f"/supplier/shipments/{view.id}?done=prepared")


# ------------------------------------------------------------------ one shipment
def _detail(page: Page, shipment_id: int) -> ShipmentDetail:
    try:
        return shipments.get_shipment(page.db, page.actor, shipment_id)
    except NotFound:
        raise PageNotFound() from None


def _detail_context(page: Page, d: ShipmentDetail, action: str | None = None,
                    values: dict[str, str] | None = None,
                    refused: Refused | None = None) -> dict[str, Any]:
    s = d.shipment
    forms: dict[str, dict[str, Any]] = {
        "dispatch": {"values": {"at": ""}},
        "track": {"values": {"kind": "", "at": i18n.input_datetime(now(), s.site_timezone),
                             "place": "", "note": ""}},
        "cancel": {"values": {"reason": ""}},
    }
    for f in forms.values():
        f["error"], f["error_field"] = None, None
    if action is not None:
        forms[action] = {"values": values or {}, "error": refused.message if refused else None,
                         "error_field": refused.field if refused else None}
    done = page.request.query_params.get("done", "")
    return {
        **_common(page), "d": d, "s": s, "zone": s.site_timezone, "forms": forms,
        "event_kinds": shipments.EVENT_KINDS,
        "done": page._(DONE[done]) if done in DONE else None,
    }


@router.get("/supplier/shipments/{shipment_id}", response_class=HTMLResponse)
def shipment_page(shipment_id: int, page: SignedInPage) -> HTMLResponse:
    return page.render("supplier/shipments/detail.html",
                       _detail_context(page, _detail(page, shipment_id)))


def _act(page: Page, shipment_id: int, action: str, values: dict[str, str], run: Any,
         done: str) -> Response:
    d = _detail(page, shipment_id)
    try:
        try:
            run(d)
        except IsoflowError as exc:
            if isinstance(exc, NotFound) and exc.field == "shipment_id":
                raise PageNotFound() from None
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("supplier/shipments/detail.html",
                           _detail_context(page, _detail(page, shipment_id), action, values,
                                           refused), status=refused.status)
    return page.redirect(f"/supplier/shipments/{shipment_id}?done={done}")


@router.post("/supplier/shipments/{shipment_id}/dispatch", response_class=HTMLResponse)
def dispatch(shipment_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SHIP):
        return _forbidden(page, page._("Only logistics staff pack and ship orders."))
    values = {"at": form_text(form, "at")}

    def run(d: ShipmentDetail) -> None:
        shipments.dispatch(page.db, page.actor, d.shipment.id,
                           at=_time(values["at"], d.shipment.site_timezone, "at"))

    return _act(page, shipment_id, "dispatch", values, run, "dispatched")


@router.post("/supplier/shipments/{shipment_id}/events", response_class=HTMLResponse)
def track(shipment_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SHIP):
        return _forbidden(page, page._("Only logistics staff pack and ship orders."))
    values = {n: form_text(form, n) for n in ("kind", "at", "place", "note")}

    def run(d: ShipmentDetail) -> None:
        at = _time(values["at"], d.shipment.site_timezone, "at")
        if at is None:
            raise Refused(page._("Give the time of the event."), "at")
        shipments.track(page.db, page.actor, d.shipment.id, kind=values["kind"], at=at,
                        place=values["place"].strip() or None,
                        note=values["note"].strip() or None)

    return _act(page, shipment_id, "track", values, run, "tracked")


@router.post("/supplier/shipments/{shipment_id}/cancel", response_class=HTMLResponse)
def cancel(shipment_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SHIP):
        return _forbidden(page, page._("Only logistics staff pack and ship orders."))
    values = {"reason": form_text(form, "reason")}

    def run(d: ShipmentDetail) -> None:
        shipments.cancel_shipment(page.db, page.actor, d.shipment.id, reason=values["reason"])

    return _act(page, shipment_id, "cancel", values, run, "cancelled")


@router.get("/supplier/shipments/{shipment_id}/declaration", response_class=HTMLResponse)
def declaration_page(shipment_id: int, page: SignedInPage) -> HTMLResponse:
    d = _detail(page, shipment_id)
    dec = shipments.declaration(page.db, page.actor, shipment_id)
    return page.render("supplier/shipments/declaration.html",
                       {**_common(page), "d": d, "s": d.shipment, "dec": dec,
                        "zone": d.shipment.site_timezone})


# ------------------------------------------------------------------ the calculator
CALC_FIELDS = ("contents", "form", "special_form", "calibrated_at", "dispatch_at", "surface",
               "at_1m", "package")


@router.get("/supplier/transport", response_class=HTMLResponse)
def transport_page(page: SignedInPage) -> HTMLResponse:
    """Classification calculator (a GET form: it writes nothing)."""
    from isoflow.cli.transport import _contents
    from isoflow.transport.classification import check_package, classify

    q = page.request.query_params
    values = {n: q.get(n, "")[:2000] for n in CALC_FIELDS}
    result, items, refused = None, [], None
    if q.get("contents", "").strip():
        try:
            lines = [x.strip() for x in values["contents"].splitlines() if x.strip()]
            try:
                items = _contents(lines, values["form"] or None, values["special_form"] == "1",
                                  values["calibrated_at"].strip() or None,
                                  values["dispatch_at"].strip() or None)
            except IsoflowError as exc:
                raise _refused(exc) from None
            surface = _dose(values["surface"], "surface") if values["surface"].strip() \
                else None
            at_1m = _dose(values["at_1m"], "at_1m") if values["at_1m"].strip() else None
            try:
                result = classify(items, surface_sv_h=None if surface is None
                                  else surface * 1e-6,
                                  at_1m_sv_h=None if at_1m is None else at_1m * 1e-6)
                if values["package"]:
                    check_package(values["package"], result)
            except IsoflowError as exc:
                raise _refused(exc) from None
        except Refused as r:
            refused, result = r, None
    return page.render("supplier/shipments/transport.html", {
        **_common(page), "values": values, "result": result,
        "rows": [] if result is None else list(zip(result.lines, items, strict=True)),
        "packages": PACKAGES, "forms_": ("solid", "liquid", "gas"),
        "error": refused.message if refused else None,
        "error_field": refused.field if refused else None,
        "finite": lambda x: x != float("inf")},
        status=refused.status if refused else 200)
