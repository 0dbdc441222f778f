"""/department/generators (the site's generators: Mo-99 now, Tc-99m available now and at the
next in-growth maximum; the receive form with the package survey), a generator's page (its
elutions with yield, breakthrough, use-until and aluminium; the elute form with the predicted
activity) and /department/elutions (the day's eluates). Pages call
isoflow.services.elutions only; times in the site's zone, a time typed without a zone is in
the site's zone; flags are badges."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError
from isoflow.physics.generator_catalogue import load_catalogue
from isoflow.physics.units import parse_activity, parse_datetime
from isoflow.services import elutions, organisations
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

FLAG_NAMES = {
    "survey_failed": N_("Survey failed"), "yield": N_("Yield out of band"),
    "breakthrough": N_("Mo-99 breakthrough failed"), "aluminium": N_("Aluminium over limit"),
}
WARNING_NAMES = {
    "carrier": N_("Not eluted in the previous 24 h: carrier Tc-99"),
    "first_eluate_untested": N_("First eluate without a Mo-99 measurement"),
}
DONE = {"received": N_("The generator was received."),
        "eluted": N_("The elution was recorded.")}
RECEIVE_FIELDS = ("site_id", "generator_type", "serial", "activity", "calibration_at",
                  "received_at", "surface_usv_h", "at_1m_usv_h", "wipe_bq_per_100cm2",
                  "supplier", "expires_at", "note")
ELUTE_FIELDS = ("eluted_at", "volume_ml", "measured", "mo99", "aluminium_ug_per_ml", "note")


def _name(table: dict[str, str], key: str) -> str:
    return i18n.gettext(table.get(key, key))


def _time(text: str, zone: str, field: str) -> datetime | None:
    """A time typed with an offset or a zone, or without either: in the site's zone."""
    text = text.strip()
    if not text:
        return None
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


def _required_time(text: str, zone: str, field: str) -> datetime:
    t = _time(text, zone, field)
    if t is None:
        raise InvalidInput(i18n.gettext("Give a time, e.g. %(example)s.",
                                        example=i18n.input_datetime(now(), zone)), field=field)
    return t


def _float(text: str, field: str, *, required: bool = True) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        if required:
            raise InvalidInput(i18n.gettext("Give a number."), field=field)
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(i18n.gettext("Give a number."), field=field) from None


def _activity(text: str, field: str, *, required: bool = True) -> float | None:
    text = text.strip()
    if not text:
        if required:
            raise InvalidInput(i18n.gettext("Give an activity with its unit, e.g. 10 GBq."),
                               field=field)
        return None
    return parse_activity(text, field=field)


def _common(page: Page) -> dict[str, object]:
    return {"flag_name": lambda k: _name(FLAG_NAMES, k),
            "warning_name": lambda k: _name(WARNING_NAMES, k),
            "done": _name(DONE, page.request.query_params.get("done", ""))
            if page.request.query_params.get("done") in DONE else None,
            "may_elute": page.can(Permission.ELUTE)}


# ------------------------------------------------------------------ generators
def _sites(page: Page) -> list[organisations.SiteView]:
    return organisations.list_sites(page.db, page.actor) if page.actor.org_id is not None \
        else []


def _generators_context(page: Page, values: dict[str, str] | None = None,
                        error: str | None = None, error_field: str | None = None
                        ) -> dict[str, object]:
    gens = elutions.list_generators(page.db, page.actor)
    details = [elutions.generator_detail(page.db, page.actor, g.container_id) for g in gens]
    sites = _sites(page)
    zone = sites[0].timezone if sites else "UTC"
    return {**_common(page), "details": details, "sites": sites, "zone": zone,
            "types": list(load_catalogue()), "values": values or {}, "error": error,
            "error_field": error_field,
            "example_time": i18n.input_datetime(now(), zone)}


@router.get("/department/generators", response_class=HTMLResponse)
def generators_page(page: SignedInPage) -> HTMLResponse:
    return page.render("department/elutions/generators.html", _generators_context(page))


@router.post("/department/generators", response_class=HTMLResponse)
def receive(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.ELUTE):
        return page.render("error.html", {"title": page._("Not allowed"),
                                          "message": page._("Your role may not receive "
                                                            "generators.")}, status=403)
    v = {k: form_text(form, k).strip() for k in RECEIVE_FIELDS}
    try:
        try:
            site_id = int(v["site_id"])
        except ValueError:
            raise InvalidInput(i18n.gettext("Choose a site."), field="site_id") from None
        zone = next((s.timezone for s in _sites(page) if s.id == site_id), "UTC")
        g = elutions.receive_generator(
            page.db, page.actor, site_id=site_id, generator_type=v["generator_type"],
            serial=v["serial"], activity_bq=_activity(v["activity"], "activity"),  # type: ignore[arg-type]
            calibration_at=_required_time(v["calibration_at"], zone, "calibration_at"),
            received_at=_time(v["received_at"], zone, "received_at"),
            surface_usv_h=_float(v["surface_usv_h"], "surface_usv_h"),  # type: ignore[arg-type]
            at_1m_usv_h=_float(v["at_1m_usv_h"], "at_1m_usv_h"),  # type: ignore[arg-type]
            wipe_bq_per_100cm2=_float(v["wipe_bq_per_100cm2"],  # type: ignore[arg-type]
                                      "wipe_bq_per_100cm2"),
            supplier=v["supplier"] or None,
            expires_at=_time(v["expires_at"], zone, "expires_at"), note=v["note"] or None)
    except IsoflowError as exc:
        field = "activity" if exc.field == "activity_bq" else exc.field
        return page.render("department/elutions/generators.html",
                           _generators_context(page, v, exc.message, field),
                           status=exc.http_status)
    return page.redirect(f"/department/generators/{g.container_id}?done=received")


def _generator_context(page: Page, container_id: int, values: dict[str, str] | None = None,
                       error: str | None = None, error_field: str | None = None
                       ) -> dict[str, object]:
    try:
        d = elutions.generator_detail(page.db, page.actor, container_id)
    except IsoflowError:
        raise PageNotFound() from None
    zone = d.generator.timezone
    preview_text = page.request.query_params.get("at", "").strip()
    preview_at = d.at
    preview_error = None
    try:
        if preview_text:
            preview_at = _required_time(preview_text, zone, "at")
        predicted: float | None = elutions.predict(page.db, page.actor, container_id,
                                                   preview_at)
    except IsoflowError as exc:
        predicted, preview_error = None, exc.message
    return {**_common(page), "d": d, "g": d.generator, "zone": zone,
            "values": values or {}, "error": error, "error_field": error_field,
            "predicted": predicted, "preview_at": preview_at, "preview_error": preview_error,
            "preview_text": preview_text or i18n.input_datetime(d.at, zone),
            "calibrator_id": page.request.query_params.get("calibrator_id", "")}


@router.get("/department/generators/{container_id}", response_class=HTMLResponse)
def generator_page(container_id: int, page: SignedInPage) -> HTMLResponse:
    return page.render("department/elutions/generator.html",
                       _generator_context(page, container_id))


@router.post("/department/generators/{container_id}/elute", response_class=HTMLResponse)
def elute(container_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.ELUTE):
        return page.render("error.html", {"title": page._("Not allowed"),
                                          "message": page._("Your role may not elute "
                                                            "generators.")}, status=403)
    v = {k: form_text(form, k).strip() for k in ELUTE_FIELDS}
    try:
        d = elutions.generator_detail(page.db, page.actor, container_id)
    except IsoflowError:
        raise PageNotFound() from None
    zone = d.generator.timezone
    try:
        elutions.elute(
            page.db, page.actor, container_id,
            eluted_at=_required_time(v["eluted_at"], zone, "eluted_at"),
            volume_ml=_float(v["volume_ml"], "volume_ml"),  # type: ignore[arg-type]
            measured_bq=_activity(v["measured"], "measured"),  # type: ignore[arg-type]
            mo99_bq=_activity(v["mo99"], "mo99", required=False),
            aluminium_ug_per_ml=_float(v["aluminium_ug_per_ml"], "aluminium_ug_per_ml",
                                       required=False),
            note=v["note"] or None)
    except IsoflowError as exc:
        field = {"measured_bq": "measured", "mo99_bq": "mo99"}.get(exc.field or "", exc.field)
        return page.render("department/elutions/generator.html",
                           _generator_context(page, container_id, v, exc.message, field),
                           status=exc.http_status)
    return page.redirect(f"/department/generators/{container_id}?done=eluted")


# ------------------------------------------------------------------ the day's eluates
@router.get("/department/elutions", response_class=HTMLResponse)
def elutions_page(page: SignedInPage) -> HTMLResponse:
    sites = _sites(page)
    zone = sites[0].timezone if sites else "UTC"
    tz = ZoneInfo(zone)
    text = page.request.query_params.get("date", "").strip()
    error = None
    today = now().astimezone(tz).date()
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date() if text else today
    except ValueError:
        day, error = today, page._("Give a date as YYYY-MM-DD.")
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    items = elutions.list_elutions(page.db, page.actor, since=start,
                                   until=start + timedelta(days=1))
    return page.render("department/elutions/elutions.html", {
        **_common(page), "items": items, "day": day.isoformat(), "zone": zone,
        "at": now(), "error": error,
        "previous": (day - timedelta(days=1)).isoformat(),
        "next": (day + timedelta(days=1)).isoformat()}, status=422 if error else 200)
