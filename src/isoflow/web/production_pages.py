"""/supplier/production (batches by week with supply against demand, the create form) and
/supplier/production/{id} (the orders it serves with their needs at dispatch, the allocation
preview with the shortfall, the Allocate button, the allocation done with each customer's
message). Pages call isoflow.services.production only. Times in the supplier's zone, a
customer's calibration in the customer's zone; each zone named."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError
from isoflow.physics.units import parse_activity, parse_datetime
from isoflow.services import organisations, production
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

NUCLIDES = ("Mo-99", "I-131", "Ge-68", "Co-60")
FIELDS = ("number", "nuclide", "available_at", "capacity", "yield_fraction", "note")
DONE = {"created": N_("The batch was created."), "allocated": N_("The batch was allocated.")}
STATUS = {"planned": N_("planned"), "produced": N_("produced"), "allocated": N_("allocated"),
          "cancelled": N_("cancelled")}
MESSAGE = N_("Batch %(batch)s: you receive %(got)s of the %(ordered)s ordered (%(pct)s %%) "
             "for calibration %(when)s")


def _zone(page: Page) -> str:
    sites = organisations.list_sites(page.db, page.actor) if page.actor.org_id is not None \
        else []
    return sites[0].timezone if sites else "UTC"


def _time(text: str, zone: str, field: str) -> datetime:
    text = text.strip()
    if not text:
        raise InvalidInput(i18n.gettext("Give a time, e.g. %(example)s.",
                                        example=i18n.input_datetime(now(), zone)), field=field)
    try:
        return parse_datetime(text, field=field)
    except InvalidInput as exc:
        try:
            naive = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(exc.message, field=field) from None
        if naive.tzinfo is not None:
            raise
        return parse_datetime(naive.replace(tzinfo=ZoneInfo(zone)), field=field)


def customer_message(batch: str, order: production.OrderNeed, fraction: float) -> str:
    """The customer's message, translated, from the numbers."""
    pct = 100 if fraction >= 1 else min(99, round(fraction * 100))
    return i18n.gettext(MESSAGE, batch=batch,
                        got=i18n.format_activity(fraction * order.ordered_bq),
                        ordered=i18n.format_activity(order.ordered_bq), pct=pct,
                        when=i18n.format_datetime(order.calibration_at,
                                                  order.customer_timezone))


def _status_name(status: str) -> str:
    return i18n.gettext(STATUS[status]) if status in STATUS else status


def _common(page: Page) -> dict[str, object]:
    done = page.request.query_params.get("done", "")
    return {"done": i18n.gettext(DONE[done]) if done in DONE else None,
            "may_produce": page.can(Permission.PRODUCE),
            "status_name": _status_name,
            "message": customer_message}


def _list_context(page: Page, values: dict[str, str] | None = None, error: str | None = None,
                  error_field: str | None = None) -> dict[str, object]:
    zone = _zone(page)
    weeks: dict[str, list[dict[str, object]]] = {}
    for b in production.list_batches(page.db, page.actor):
        local = b.available_at.astimezone(ZoneInfo(zone))
        year, week, _ = local.isocalendar()
        demand = None
        if b.status in ("planned", "produced"):
            demand = production.allocation_preview(page.db, page.actor, b.id).demand_bq
        top = max(b.available_bq, demand or 0.0) or 1.0
        weeks.setdefault(f"{year}-W{week:02d}", []).append(
            {"b": b, "demand": demand, "supply_pct": round(100 * b.available_bq / top, 1),
             "demand_pct": round(100 * (demand or 0.0) / top, 1),
             "short": demand is not None and demand > b.available_bq})
    return {**_common(page), "weeks": sorted(weeks.items()), "zone": zone,
            "nuclides": NUCLIDES, "values": values or {}, "error": error,
            "error_field": error_field,
            "example_time": i18n.input_datetime(now() + timedelta(days=1), zone)}


@router.get("/supplier/production", response_class=HTMLResponse)
def batches_page(page: SignedInPage) -> HTMLResponse:
    return page.render("supplier/production/batches.html", _list_context(page))


def _forbidden(page: Page, what: str) -> HTMLResponse:
    return page.render("error.html", {"title": page._("Not allowed"), "message": what},
                       status=403)


@router.post("/supplier/production", response_class=HTMLResponse)
def create(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.PRODUCE):
        return _forbidden(page, page._("Your role may not plan production batches."))
    v = {k: form_text(form, k).strip() for k in FIELDS}
    zone = _zone(page)
    try:
        if not v["capacity"]:
            raise InvalidInput(i18n.gettext("Give an activity with its unit, e.g. 10 GBq."),
                               field="capacity")
        capacity = parse_activity(v["capacity"], field="capacity")
        try:
            yf = float(v["yield_fraction"].replace(",", ".")) if v["yield_fraction"] else 1.0
        except ValueError:
            raise InvalidInput(i18n.gettext("Give a number."), field="yield_fraction") from None
        b = production.create_batch(page.db, page.actor, number=v["number"],
                                    nuclide=v["nuclide"],
                                    available_at=_time(v["available_at"], zone, "available_at"),
                                    capacity_bq=capacity, yield_fraction=yf,
                                    note=v["note"] or None)
    except IsoflowError as exc:
        field = "capacity" if exc.field == "capacity_bq" else exc.field
        return page.render("supplier/production/batches.html",
                           _list_context(page, v, exc.message, field), status=exc.http_status)
    return page.redirect(f"/supplier/production/{b.id}?done=created")


def _detail_context(page: Page, batch_id: int, error: str | None = None
                    ) -> dict[str, object]:
    try:
        d = production.get_batch(page.db, page.actor, batch_id)
        plan = production.allocation_preview(page.db, page.actor, batch_id) \
            if d.batch.status in ("planned", "produced") else None
    except IsoflowError:
        raise PageNotFound() from None
    orders = {o.order_id: o for o in d.orders}
    done = [(a, orders.get(a.order_id)) for a in d.allocations]
    return {**_common(page), "d": d, "b": d.batch, "plan": plan, "allocations": done,
            "zone": _zone(page), "error": error}


@router.get("/supplier/production/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: int, page: SignedInPage) -> HTMLResponse:
    if not 1 <= batch_id <= 2**31 - 1:
        raise PageNotFound()
    return page.render("supplier/production/batch.html", _detail_context(page, batch_id))


@router.post("/supplier/production/{batch_id}/allocation", response_class=HTMLResponse)
def allocate(batch_id: int, page: SignedInPage, form: Form) -> Response:
    del form
    if not 1 <= batch_id <= 2**31 - 1:
        raise PageNotFound()
    if not page.can(Permission.PRODUCE):
        return _forbidden(page, page._("Your role may not allocate batches."))
    try:
        production.allocate(page.db, page.actor, batch_id)
    except IsoflowError as exc:
        if exc.http_status == 404:
            raise PageNotFound() from None
        return page.render("supplier/production/batch.html",
                           _detail_context(page, batch_id, exc.message),
                           status=exc.http_status)
    return page.redirect(f"/supplier/production/{batch_id}?done=allocated")
