"""The ledger's pages: the containers list (filters, paging, activity now), the receive form,
and a container's page (its facts now, the activity chart with its events marked, the events
table, and withdraw / transfer / measure / dispose / correct, each a form of its own).

Pages call services only (isoflow.services.ledger for the use cases, ledger_views for what
the pages read, the curve included); they parse what was typed (activities with their unit,
times with their zone: a time typed without one is in the site's zone) and write values in
the request's language. A refused form comes back with what was typed and the service's
message, which names the rule (API messages stay English); a form that succeeds redirects to
the container page with a notice (``?done=withdrawn``). HTMX sends the forms in place: a
refused form is swapped for its refused version, a success follows ``HX-Redirect``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from isoflow.domain.ledger import CONTAINER_KINDS
from isoflow.domain.roles import Permission
from isoflow.errors import Forbidden, InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import parse_activity, parse_datetime
from isoflow.services import ledger, ledger_views, organisations
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
CURVE_POINTS = 200

KIND_NAMES = {
    "generator": N_("Generator"), "vial": N_("Vial"), "capsule": N_("Capsule"),
    "sealed_source": N_("Sealed source"), "syringe": N_("Syringe"),
    "waste_container": N_("Waste container"),
}
EVENT_NAMES = {
    "receipt": N_("Receipt"), "withdrawal": N_("Withdrawal"), "measurement": N_("Measurement"),
    "disposal": N_("Disposal"), "correction": N_("Correction"),
}
DONE = {
    "received": N_("The container was received."),
    "withdrawn": N_("The withdrawal was recorded."),
    "transferred": N_("The transfer was recorded; the new container is linked below."),
    "measured": N_("The measurement was recorded."),
    "disposed": N_("The disposal was recorded."),
    "corrected": N_("The correction was recorded."),
}
#: A service's field name -> the form's.
FORM_FIELD = {"activity_bq": "activity", "reference_at": "reference_at", "at": "at",
              "volume_ml": "volume_ml", "site_id": "site_id", "into_kind": "into_kind"}



def kind_name(kind: str) -> str:
    return i18n.gettext(KIND_NAMES.get(kind, kind))


def event_name(kind: str) -> str:
    return i18n.gettext(EVENT_NAMES.get(kind, kind))


# ------------------------------------------------------------------ reading what was typed
class Refused(Exception):
    """A form's value that does not parse, or a service that said no."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _refused(exc: IsoflowError) -> Refused:
    field = FORM_FIELD.get(exc.field or "", exc.field)
    return Refused(exc.message, field, exc.http_status)


def _activity(form: Mapping[str, str], name: str = "activity", *,
              required: bool = False) -> float | None:
    text = form.get(name, "").strip()
    if not text:
        if required:
            raise Refused(i18n.gettext("Give an activity with its unit, e.g. 10 GBq."), name)
        return None
    try:
        return parse_activity(text, field=name)
    except InvalidInput as exc:
        raise Refused(exc.message, name) from None


def _number(form: Mapping[str, str], name: str) -> float | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Refused(i18n.gettext("%(value)s is not a number.", value=repr(text)),
                      name) from None


def _time(form: Mapping[str, str], name: str, zone: str, *,
          required: bool = False) -> datetime | None:
    """A time typed with an offset or a zone name, or without either: in the site's zone."""
    text = form.get(name, "").strip()
    if not text:
        if required:
            raise Refused(i18n.gettext("Give a time, e.g. %(example)s.",
                                       example=i18n.input_datetime(now(), zone)), name)
        return None
    try:
        return parse_datetime(text, field=name)
    except InvalidInput as exc:
        try:
            naive = datetime.fromisoformat(text)
        except ValueError:
            raise Refused(exc.message, name) from None
        if naive.tzinfo is not None:
            raise Refused(exc.message, name) from None
        return parse_datetime(naive.replace(tzinfo=ZoneInfo(zone)), field=name)


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {n: form_text(form, n) for n in names}


def _note(form: Mapping[str, str], name: str = "note") -> str | None:
    return form.get(name, "").strip()[:2000] or None


# ------------------------------------------------------------------ the list
def _filters(page: Page) -> dict[str, str]:
    q = page.request.query_params
    return {k: q.get(k, "").strip() for k in ("nuclide", "kind", "site_id", "disposed")}


@router.get("/containers", response_class=HTMLResponse)
def containers(page: SignedInPage) -> HTMLResponse:
    f = _filters(page)
    try:
        number = max(1, int(page.request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    error = None
    site_id = int(f["site_id"]) if f["site_id"].isdigit() else None
    disposed = {"yes": True, "no": False}.get(f["disposed"])
    sites = organisations.list_sites(page.db, page.actor)
    try:
        found = ledger_views.find_containers(
            page.db, page.actor, nuclide=f["nuclide"] or None,
            kind=f["kind"] if f["kind"] in CONTAINER_KINDS else None, site_id=site_id,
            disposed=disposed, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.message
        found = ledger_views.ContainerList(items=[], total=0, limit=PAGE_SIZE, offset=0,
                                           at=now())
    pages = max(1, -(-found.total // PAGE_SIZE))

    def page_link(n: int) -> str:
        return "/containers?" + urlencode({**{k: v for k, v in f.items() if v}, "page": n})

    return page.render("containers.html", {
        "found": found, "filters": f, "sites": sites, "kinds": CONTAINER_KINDS,
        "nuclides": ledger_views.nuclides_in_ledger(page.db, page.actor),
        "kind_name": kind_name, "error": error, "page_number": number, "pages": pages,
        "page_link": page_link, "can_write": page.can(Permission.LEDGER_WRITE),
        "zone": sites[0].timezone if sites else "UTC"},
        status=422 if error else 200)


# ------------------------------------------------------------------ receiving
RECEIVE_FIELDS = ("site_id", "kind", "nuclide", "activity", "reference_at", "volume_ml",
                  "label", "note")


def _receive_context(page: Page, values: dict[str, str],
                     refused: Refused | None = None) -> dict[str, Any]:
    sites = organisations.list_sites(page.db, page.actor)
    return {"sites": sites, "kinds": CONTAINER_KINDS, "kind_name": kind_name,
            "values": values, "error": refused.message if refused else None,
            "error_field": refused.field if refused else None,
            "refused_status": refused.status if refused else None}


def _require_write(page: Page) -> None:
    if not page.can(Permission.LEDGER_WRITE):
        raise Forbidden("your role may not write the ledger")


@router.get("/containers/new", response_class=HTMLResponse)
def receive_form(page: SignedInPage) -> HTMLResponse:
    if not page.can(Permission.LEDGER_WRITE):
        return _forbidden(page)
    sites = organisations.list_sites(page.db, page.actor)
    q = page.request.query_params
    site = next((s for s in sites if str(s.id) == q.get("site_id")), sites[0] if sites else None)
    zone = site.timezone if site else "UTC"
    values = {"site_id": str(site.id) if site else "", "kind": "vial", "nuclide": "",
              "activity": "", "reference_at": i18n.input_datetime(now(), zone),
              "volume_ml": "", "label": "", "note": ""}
    return page.render("ledger/receive.html", _receive_context(page, values))


@router.post("/containers/new", response_class=HTMLResponse)
def receive(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.LEDGER_WRITE):
        return _forbidden(page)
    values = _values(form, RECEIVE_FIELDS)
    try:
        sites = {str(s.id): s for s in organisations.list_sites(page.db, page.actor)}
        site = sites.get(values["site_id"])
        if site is None:
            raise Refused(i18n.gettext("Choose a site."), "site_id")
        activity = _activity(values, required=True)
        reference_at = _time(values, "reference_at", site.timezone, required=True)
        assert activity is not None and reference_at is not None
        try:
            view = ledger.receive(
                page.db, page.actor, site_id=site.id, kind=values["kind"],
                nuclide=values["nuclide"].strip(), activity_bq=activity,
                reference_at=reference_at, volume_ml=_number(values, "volume_ml"),
                label=values["label"], note=_note(values))
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        template = "ledger/receive_form.html" if _htmx(page) else "ledger/receive.html"
        return page.render(template, _receive_context(page, values, refused),
                           status=refused.status)
    return page.redirect(f"/containers/{view.id}?done=received")


# ------------------------------------------------------------------ one container
def _htmx(page: Page) -> bool:
    return page.request.headers.get("HX-Request") == "true"


def _forbidden(page: Page) -> HTMLResponse:
    return page.render("error.html", {
        "title": page._("Not allowed"),
        "message": page._("Your role may not change the ledger.")}, status=403)


def _chart(detail: ledger_views.ContainerDetail) -> dict[str, Any]:
    """The chart's data as Plotly draws it: times in the site's zone, activities in the
    unit that suits the largest, a marker per event with its hover text."""
    curve, zone = detail.curve, ZoneInfo(detail.timezone)
    peak = max([*curve.activities_bq, *(m.activity_bq for m in curve.markers), 1.0])
    factor = next(f for f in (1e15, 1e12, 1e9, 1e6, 1e3, 1.0) if peak >= f or f == 1.0)
    unit = i18n.format_activity(factor).split("\u00a0")[-1]

    def local(t: datetime) -> str:
        return t.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S.%f")

    markers: dict[str, dict[str, list[Any]]] = {}
    for m in curve.markers:
        trace = markers.setdefault(m.kind, {"x": [], "y": [], "text": []})
        trace["x"].append(local(m.at))
        trace["y"].append(m.activity_bq / factor)
        parts = [f"#{m.seq} {event_name(m.kind)}", i18n.format_datetime(m.at, detail.timezone)]
        if m.kind == "measurement":
            parts.append(i18n.gettext("read %(reading)s; book %(book)s",
                                      reading=i18n.format_activity(m.amount_bq or 0.0),
                                      book=i18n.format_activity(m.book_bq or 0.0)))
        elif m.kind == "withdrawal" and m.amount_bq is not None:
            parts.append(i18n.gettext("took %(amount)s", amount=i18n.format_activity(m.amount_bq)))
        elif m.kind == "receipt" and m.amount_bq is not None:
            parts.append(i18n.gettext("received %(amount)s (reference)",
                                      amount=i18n.format_activity(m.amount_bq)))
        parts.append(i18n.gettext("then %(activity)s", activity=i18n.format_activity(
            m.activity_bq)) if m.kind != "measurement" else "")
        trace["text"].append("<br>".join(p for p in parts if p))
    symbols = {"receipt": "circle", "withdrawal": "triangle-down", "measurement": "diamond",
               "disposal": "x"}
    return {
        "line": {"x": [local(t) for t in curve.times],
                 "y": [a / factor for a in curve.activities_bq],
                 "name": i18n.gettext("%(nuclide)s activity", nuclide=curve.nuclide)},
        "markers": [{"kind": k, "name": event_name(k), "symbol": symbols.get(k, "circle"), **v}
                    for k, v in markers.items()],
        "now": local(curve.at), "now_label": i18n.gettext("now"),
        "x_title": i18n.gettext("time (%(zone)s)", zone=detail.timezone),
        "y_title": i18n.gettext("activity (%(unit)s)", unit=unit),
    }


def _detail(page: Page, container_id: int) -> ledger_views.ContainerDetail:
    try:
        return ledger_views.container_detail(page.db, page.actor, container_id,
                                             points=CURVE_POINTS)
    except NotFound:
        raise PageNotFound() from None


ACTION_FIELDS = {
    "withdraw": ("activity", "volume_ml", "at", "note", "into_kind", "into_label"),
    "measure": ("activity", "at", "note"),
    "dispose": ("at", "note"),
    "correct": ("event_id", "activity", "volume_ml", "reference_at", "at", "void", "reason"),
}


def _container_context(page: Page, detail: ledger_views.ContainerDetail,
                       action: str | None = None, values: dict[str, str] | None = None,
                       refused: Refused | None = None) -> dict[str, Any]:
    forms: dict[str, dict[str, Any]] = {
        name: {"values": {n: "" for n in fields}, "error": None, "error_field": None}
        for name, fields in ACTION_FIELDS.items()}
    if action is not None:
        forms[action] = {"values": values or {}, "error": refused.message if refused else None,
                         "error_field": refused.field if refused else None}
    done = page.request.query_params.get("done", "")
    new_id = page.request.query_params.get("new", "")
    return {
        "d": detail, "c": detail.container, "zone": detail.timezone, "forms": forms,
        "open_action": action, "kind_name": kind_name, "event_name": event_name,
        "kinds": CONTAINER_KINDS,
        "can_write": page.can(Permission.LEDGER_WRITE) and not detail.container.disposed,
        "can_correct": page.can(Permission.LEDGER_CORRECT),
        "correctable": [r for r in detail.events if r.event.kind != "correction"],
        "done": page._(DONE[done]) if done in DONE else None,
        "new_id": int(new_id) if new_id.isdigit() else None,
        # inside <script>: no '<' may end it early (a label or note could hold '</script>')
        "chart_json": json.dumps(_chart(detail), separators=(",", ":"), ensure_ascii=False)
        .replace("<", "\\u003c"),
        "tolerance_pct": detail.measurement_tolerance * 100,
    }


@router.get("/containers/{container_id}", response_class=HTMLResponse)
def container_page(page: SignedInPage, container_id: int) -> HTMLResponse:
    return page.render("container.html", _container_context(page, _detail(page, container_id)))


def _act(page: Page, container_id: int, form: FormData, action: str,
         run: Callable[[dict[str, str], str], str]) -> Response:
    """Run one of the container's forms: redirect with a notice, or show it refused."""
    values = _values(form, ACTION_FIELDS[action])
    detail = _detail(page, container_id)  # 404 page for another organisation's container
    try:
        if action == "correct":
            if not page.can(Permission.LEDGER_CORRECT):
                return _forbidden(page)
        else:
            _require_write(page)
        try:
            done = run(values, detail.timezone)
        except IsoflowError as exc:
            if isinstance(exc, NotFound) and exc.field == "container_id":
                raise PageNotFound() from None
            if isinstance(exc, Forbidden):
                return _forbidden(page)
            raise _refused(exc) from None
    except Forbidden:
        return _forbidden(page)
    except Refused as refused:
        ctx = _container_context(page, detail, action, values, refused)
        if _htmx(page):
            return page.render("ledger/action_form.html", {**ctx, "action": action},
                               status=refused.status)
        return page.render("container.html", ctx, status=refused.status)
    return page.redirect(f"/containers/{container_id}?{done}")


@router.post("/containers/{container_id}/withdraw", response_class=HTMLResponse)
def withdraw(page: SignedInPage, container_id: int, form: Form) -> Response:
    def run(v: dict[str, str], zone: str) -> str:
        activity, volume = _activity(v), _number(v, "volume_ml")
        if activity is None and volume is None:
            raise Refused(page._("Give the activity or the volume to withdraw."), "activity")
        into = v["into_kind"] or None
        e = ledger.withdraw(page.db, page.actor, container_id, at=_time(v, "at", zone),
                            activity_bq=activity, volume_ml=volume, note=_note(v),
                            into_kind=into, into_label=v["into_label"])
        if e.counterpart_container_id is not None:
            return urlencode({"done": "transferred", "new": e.counterpart_container_id})
        return "done=withdrawn"
    return _act(page, container_id, form, "withdraw", run)


@router.post("/containers/{container_id}/measure", response_class=HTMLResponse)
def measure(page: SignedInPage, container_id: int, form: Form) -> Response:
    def run(v: dict[str, str], zone: str) -> str:
        activity = _activity(v, required=True)
        assert activity is not None
        ledger.measure(page.db, page.actor, container_id, activity_bq=activity,
                       at=_time(v, "at", zone), note=_note(v))
        return "done=measured"
    return _act(page, container_id, form, "measure", run)


@router.post("/containers/{container_id}/dispose", response_class=HTMLResponse)
def dispose(page: SignedInPage, container_id: int, form: Form) -> Response:
    def run(v: dict[str, str], zone: str) -> str:
        ledger.dispose(page.db, page.actor, container_id, at=_time(v, "at", zone),
                       note=_note(v))
        return "done=disposed"
    return _act(page, container_id, form, "dispose", run)


@router.post("/containers/{container_id}/correct", response_class=HTMLResponse)
def correct(page: SignedInPage, container_id: int, form: Form) -> Response:
    def run(v: dict[str, str], zone: str) -> str:
        if not v["event_id"].isdigit():
            raise Refused(page._("Choose the event to correct."), "event_id")
        if not v["reason"].strip():
            raise Refused(page._("A correction must say why."), "reason")
        ledger.correct(page.db, page.actor, container_id, event_id=int(v["event_id"]),
                       reason=v["reason"], activity_bq=_activity(v),
                       volume_ml=_number(v, "volume_ml"),
                       reference_at=_time(v, "reference_at", zone), at=_time(v, "at", zone),
                       void=v["void"] in ("on", "yes", "true", "1"))
        return "done=corrected"
    return _act(page, container_id, form, "correct", run)
