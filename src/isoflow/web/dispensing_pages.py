"""The hot lab's kit and dose pages (issue #10, item 4): today's kit vials with their
activity now, expiry, RCP and status, and the forms to prepare, test and release one (the
release asks for the password and says what the signature means); the day's doses with the
draw form (it shows the volume to draw), the assay and the administration, and a printable
syringe label. Pages call the services only; a refused form comes back with what was typed
and the service's message naming the rule; times typed without a zone are in the site's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import parse_activity, parse_datetime
from isoflow.services import doses, kits, organisations
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

CSS = "/static/department/dispensing.css"
KIT_STATUS = {"prepared": N_("Prepared"), "released": N_("Released"),
              "rejected": N_("Rejected")}
DOSE_STATUS = {"drawn": N_("Drawn"), "administered": N_("Administered"),
               "discarded": N_("Discarded")}
STATUS_CLASS = {"released": "ok", "administered": "ok", "rejected": "bad", "discarded": "bad"}
DONE = {
    "prepared": N_("The kit preparation was recorded."),
    "rcp": N_("The RCP test was recorded."),
    "released": N_("The kit was released with your signature."),
    "drawn": N_("The dose was drawn."),
    "assayed": N_("The assay was recorded."),
    "administered": N_("The administration was recorded."),
}
#: a service's field -> the form's
FORM_FIELD = {"activity_bq": "activity", "assayed_bq": "activity", "residual_bq": "residual",
              "prepared_at": "time", "tested_at": "time", "drawn_at": "time",
              "assayed_at": "time", "administered_at": "time", "residual_at": "residual_time",
              "rcp_fraction": "rcp", "eluate_container_id": "eluate_container_id",
              "source_container_id": "source_container_id", "volume_ml": "volume_ml"}


class Refused(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _refused(exc: IsoflowError) -> Refused:
    return Refused(exc.message, FORM_FIELD.get(exc.field or "", exc.field), exc.http_status)


def _activity(form: Mapping[str, str], name: str, *, required: bool = False) -> float | None:
    text = form.get(name, "").strip()
    if not text:
        if required:
            raise Refused(i18n.gettext("Give an activity with its unit, e.g. 10 GBq."), name)
        return None
    try:
        return parse_activity(text, field=name)
    except InvalidInput as exc:
        raise Refused(exc.message, name) from None


def _number(form: Mapping[str, str], name: str, *, required: bool = False) -> float | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        if required:
            raise Refused(i18n.gettext("Give a number."), name)
        return None
    try:
        return float(text)
    except ValueError:
        raise Refused(i18n.gettext("%(value)s is not a number.", value=repr(text)),
                      name) from None


def _int(form: Mapping[str, str], name: str) -> int:
    text = form.get(name, "").strip()
    if not text.isdigit():
        raise Refused(i18n.gettext("Choose one."), name)
    return int(text)


def _time(form: Mapping[str, str], name: str, zone: str) -> datetime:
    """A time typed with an offset, or without one (the site's zone); empty: now."""
    text = form.get(name, "").strip()
    if not text:
        return now()
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


def _site(page: Page) -> tuple[Any, date]:
    sites = organisations.list_sites(page.db, page.actor)
    q = page.request.query_params
    site = next((s for s in sites if str(s.id) == q.get("site_id")),
                sites[0] if sites else None)
    if site is None:
        raise PageNotFound()
    day = now().astimezone(ZoneInfo(site.timezone)).date()
    if q.get("date"):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(q["date"])
    return site, day


def _doses_of_the_day(site: Any, planned_at: datetime, done: str, *,
                      dose: int | None = None) -> str:
    """Back to the doses of the day the dose is for (not today's, which near midnight in
    the site's zone is another day), at the same site."""
    day = planned_at.astimezone(ZoneInfo(site.timezone)).date()
    tail = f"&dose={dose}" if dose is not None else ""
    return f"/department/doses?done={done}&site_id={site.id}&date={day.isoformat()}{tail}"


def _forbidden(page: Page, message: str) -> HTMLResponse:
    return page.render("error.html", {"title": page._("Not allowed"), "message": message},
                       status=403)


def _base(page: Page, site: Any, day: date, form_id: str | None, values: dict[str, str],
          refused: Refused | None) -> dict[str, Any]:
    done = page.request.query_params.get("done", "")
    return {"site": site, "zone": site.timezone, "day": day, "css": CSS,
            "form_id": form_id, "values": values,
            "error": refused.message if refused else None,
            "error_field": refused.field if refused else None,
            "done": page._(DONE[done]) if done in DONE else None,
            "status_class": STATUS_CLASS,
            "input_time": i18n.input_datetime(now(), site.timezone)}


def _act(page: Page, form: Any, form_id: str, names: tuple[str, ...],
         render: Callable[[str, dict[str, str], Refused], HTMLResponse],
         run: Callable[[dict[str, str]], str]) -> Response:
    values = {n: form_text(form, n) for n in names}
    try:
        try:
            url = run(values)
        except IsoflowError as exc:
            if isinstance(exc, NotFound) and exc.field in ("preparation_id", "dose_id"):
                raise PageNotFound() from None
            raise _refused(exc) from None
    except Refused as refused:
        return render(form_id, values, refused)
    return page.redirect(url)


# ------------------------------------------------------------------ kits
def _kits_page(page: Page, form_id: str | None = None, values: dict[str, str] | None = None,
               refused: Refused | None = None) -> HTMLResponse:
    site, day = _site(page)
    ctx = _base(page, site, day, form_id, values or {}, refused)
    ctx.update({
        "preparations": kits.list_kit_preparations(page.db, page.actor, site_id=site.id,
                                                   day=day),
        "kit_choices": kits.kit_choices(page.db, page.actor),
        "eluates": kits.eluate_choices(page.db, page.actor, site_id=site.id),
        "status_name": lambda s: page._(KIT_STATUS.get(s) or s),
        "can_prepare": page.can(Permission.PREPARE),
        "can_release": page.can(Permission.RELEASE),
    })
    return page.render("department/dispensing/kits.html", ctx,
                       status=refused.status if refused else 200)


@router.get("/department/kits", response_class=HTMLResponse)
def kits_page(page: SignedInPage) -> HTMLResponse:
    return _kits_page(page)


def _kit_render(page: Page) -> Callable[[str, dict[str, str], Refused], HTMLResponse]:
    return lambda form_id, values, refused: _kits_page(page, form_id, values, refused)


@router.post("/department/kits", response_class=HTMLResponse)
def prepare(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.PREPARE):
        return _forbidden(page, page._("Your role may not prepare kits."))
    site, _day = _site(page)

    def run(v: dict[str, str]) -> str:
        activity = _activity(v, "activity", required=True)
        volume = _number(v, "volume_ml", required=True)
        assert activity is not None and volume is not None
        kits.prepare_kit(page.db, page.actor, kit_id=_int(v, "kit_id"), kit_lot=v["kit_lot"],
                         eluate_container_id=_int(v, "eluate_container_id"),
                         prepared_at=_time(v, "time", site.timezone), activity_bq=activity,
                         volume_ml=volume, note=v["note"].strip() or None)
        return "/department/kits?done=prepared"

    return _act(page, form, "prepare", ("kit_id", "kit_lot", "eluate_container_id", "time",
                                        "activity", "volume_ml", "note"),
                _kit_render(page), run)


@router.post("/department/kits/{preparation_id}/rcp", response_class=HTMLResponse)
def rcp(preparation_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.PREPARE):
        return _forbidden(page, page._("Your role may not test kits."))
    site, _day = _site(page)

    def run(v: dict[str, str]) -> str:
        percent = _number(v, "rcp", required=True)
        assert percent is not None
        kits.record_rcp(page.db, page.actor, preparation_id, rcp_fraction=percent / 100.0,
                        tested_at=_time(v, "time", site.timezone))
        return "/department/kits?done=rcp"

    return _act(page, form, f"rcp-{preparation_id}", ("rcp", "time"), _kit_render(page), run)


@router.post("/department/kits/{preparation_id}/release", response_class=HTMLResponse)
def release(preparation_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.RELEASE):
        return _forbidden(page, page._("Your role may not release kits."))

    def run(v: dict[str, str]) -> str:
        kits.release_kit(page.db, page.actor, preparation_id, password=v["password"],
                         comment=v["comment"].strip() or None)
        return "/department/kits?done=released"

    return _act(page, form, f"release-{preparation_id}", ("password", "comment"),
                lambda f, v, r: _kits_page(page, f, {**v, "password": ""}, r), run)


# ------------------------------------------------------------------ doses
def _doses_page(page: Page, form_id: str | None = None, values: dict[str, str] | None = None,
                refused: Refused | None = None) -> HTMLResponse:
    site, day = _site(page)
    ctx = _base(page, site, day, form_id, values or {}, refused)
    drawn_id = page.request.query_params.get("dose", "")
    items = doses.list_doses(page.db, page.actor, site_id=site.id, day=day)
    ctx.update({
        "doses": items,
        "drawn": next((d for d in items if str(d.id) == drawn_id), None),
        "appointments": doses.appointments_to_draw(page.db, page.actor, site_id=site.id,
                                                   day=day),
        "vials": kits.usable_vials(page.db, page.actor, site_id=site.id),
        "eluates": kits.eluate_choices(page.db, page.actor, site_id=site.id),
        "status_name": lambda s: page._(DOSE_STATUS.get(s) or s),
        "can_dispense": page.can(Permission.DISPENSE),
        "can_administer": page.can(Permission.ADMINISTER),
    })
    return page.render("department/dispensing/doses.html", ctx,
                       status=refused.status if refused else 200)


def _dose_render(page: Page) -> Callable[[str, dict[str, str], Refused], HTMLResponse]:
    return lambda form_id, values, refused: _doses_page(page, form_id, values, refused)


@router.get("/department/doses", response_class=HTMLResponse)
def doses_page(page: SignedInPage) -> HTMLResponse:
    return _doses_page(page)


@router.post("/department/doses", response_class=HTMLResponse)
def draw(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.DISPENSE):
        return _forbidden(page, page._("Your role may not draw doses."))
    site, _day = _site(page)

    def run(v: dict[str, str]) -> str:
        planned = v["planned"].strip()
        d = doses.draw_dose(page.db, page.actor, appointment_id=_int(v, "appointment_id"),
                            source_container_id=_int(v, "source_container_id"),
                            drawn_at=_time(v, "time", site.timezone),
                            activity_bq=_activity(v, "activity"),
                            planned_at=_time(v, "planned", site.timezone) if planned else None,
                            calibrator_id=_int(v, "calibrator_id")
                            if v["calibrator_id"].strip() else None,
                            note=v["note"].strip() or None)
        return _doses_of_the_day(site, d.planned_at, "drawn", dose=d.id)

    return _act(page, form, "draw", ("appointment_id", "source_container_id", "time",
                                     "activity", "planned", "calibrator_id", "note"),
                _dose_render(page), run)


@router.post("/department/doses/{dose_id}/assay", response_class=HTMLResponse)
def assay(dose_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.DISPENSE):
        return _forbidden(page, page._("Your role may not assay doses."))
    site, _day = _site(page)

    def run(v: dict[str, str]) -> str:
        activity = _activity(v, "activity", required=True)
        assert activity is not None
        d = doses.assay_dose(page.db, page.actor, dose_id, assayed_bq=activity,
                             assayed_at=_time(v, "time", site.timezone),
                             note=v["note"].strip() or None)
        return _doses_of_the_day(site, d.planned_at, "assayed")

    return _act(page, form, f"assay-{dose_id}", ("activity", "time", "note"),
                _dose_render(page), run)


@router.post("/department/doses/{dose_id}/administration", response_class=HTMLResponse)
def administer(dose_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.ADMINISTER):
        return _forbidden(page, page._("Your role may not record administrations."))
    site, _day = _site(page)

    def run(v: dict[str, str]) -> str:
        residual_time = v["residual_time"].strip()
        x = doses.administer(page.db, page.actor, dose_id,
                         administered_at=_time(v, "time", site.timezone),
                             residual_bq=_activity(v, "residual") or 0.0,
                             residual_at=_time(v, "residual_time", site.timezone)
                             if residual_time else None,
                             reason=v["reason"].strip() or None,
                             note=v["note"].strip() or None)
        planned = doses.get_dose(page.db, page.actor, x.dose_id).planned_at
        return _doses_of_the_day(site, planned, "administered")

    return _act(page, form, f"administer-{dose_id}",
                ("time", "residual", "residual_time", "reason", "note"), _dose_render(page),
                run)


@router.get("/department/doses/{dose_id}/label", response_class=HTMLResponse)
def label(dose_id: int, page: SignedInPage) -> HTMLResponse:
    try:
        d = doses.get_dose(page.db, page.actor, dose_id)
        site = organisations.get_site(page.db, page.actor, d.site_id)
    except NotFound:
        raise PageNotFound() from None
    return page.render("department/dispensing/label.html",
                       {"d": d, "zone": site.timezone, "css": CSS})
