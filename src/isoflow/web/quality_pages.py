"""/department/qc (dose-calibrator QC: status per calibrator, latest tests, the constancy
form) and /department/waste (decay-in-storage containers). Pages call the services
(isoflow.services.quality, isoflow.services.waste) only; times in the site's zone."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain import calibrator_qc as qc
from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError
from isoflow.physics.units import parse_activity, parse_datetime
from isoflow.services import organisations, quality, waste
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

STATE_NAMES = {
    "ok": N_("OK"), "due": N_("Due"), "overdue": N_("Overdue"), "failed": N_("Failed"),
    "missing": N_("Never done"), "blocked": N_("Blocks dispensing"),
}
KIND_NAMES = {"constancy": N_("Constancy"), "linearity": N_("Linearity"),
              "accuracy": N_("Accuracy"), "geometry": N_("Geometry")}
WASTE_STATUS = {"open": N_("Open"), "sealed": N_("Sealed"), "released": N_("Released")}
CONSTANCY_FIELDS = ("performed_at", "nuclide", "reference_bq", "reference_at", "measured_bq",
                    "note")


def _name(table: dict[str, str], key: str) -> str:
    return i18n.gettext(table.get(key, key))


def _qc_context(page: Page, values: dict[str, str] | None = None, form_for: int | None = None,
                error: str | None = None, error_field: str | None = None) -> dict[str, object]:
    return {"calibrators": quality.list_statuses(page.db, page.actor),
            "state_name": lambda k: _name(STATE_NAMES, k),
            "kind_name": lambda k: _name(KIND_NAMES, k),
            "may_record": page.can(Permission.QUALITY), "values": values or {},
            "form_for": form_for, "error": error, "error_field": error_field,
            "done": page.request.query_params.get("done")}


@router.get("/department/qc", response_class=HTMLResponse)
def qc_page(page: SignedInPage) -> HTMLResponse:
    return page.render("department/quality/qc.html", _qc_context(page))


def _time(text: str, zone: str, field: str) -> datetime:
    """A time typed with an offset or a zone, or without either: in the site's zone."""
    text = text.strip()
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


@router.post("/department/qc/{calibrator_id}/constancy", response_class=HTMLResponse)
def record_constancy(calibrator_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.QUALITY):
        return page.render("error.html", {"title": page._("Not allowed"),
                                          "message": page._("Your role may not record "
                                                            "calibrator tests.")},
                           status=403)
    values = {k: form_text(form, k) for k in CONSTANCY_FIELDS}
    try:
        status = quality.calibrator_status(page.db, page.actor, calibrator_id)
        zone = status.timezone
        quality.record_constancy(
            page.db, page.actor, calibrator_id,
            performed_at=_time(values["performed_at"], zone, "performed_at"),
            nuclide=values["nuclide"].strip(),
            reference_bq=_activity(values["reference_bq"], "reference_bq"),
            reference_at=_time(values["reference_at"], zone, "reference_at"),
            measured_bq=_activity(values["measured_bq"], "measured_bq"),
            note=values["note"] or None)
    except IsoflowError as exc:
        return page.render("department/quality/qc.html",
                           _qc_context(page, values, calibrator_id, exc.message, exc.field),
                           status=exc.http_status)
    return page.redirect("/department/qc?done=recorded")


def _activity(text: str, field: str) -> float:
    return parse_activity(text, field=field)


def _waste_context(page: Page, error: str | None = None,
                   values: dict[str, str] | None = None) -> dict[str, object]:
    return {"containers": waste.list_waste(page.db, page.actor),
            "sites": [] if page.actor.org_id is None else
            organisations.list_sites(page.db, page.actor, org_id=page.actor.org_id),
            "status_name": lambda k: _name(WASTE_STATUS, k),
            "may_write": page.can(Permission.QUALITY), "error": error, "values": values or {},
            "done": page.request.query_params.get("done")}


@router.post("/department/qc/{calibrator_id}/{kind}", response_class=HTMLResponse)
def record_series(calibrator_id: int, kind: str, page: SignedInPage, form: Form) -> Response:
    """accuracy (one certified source per line: nuclide; certified activity; reference time;
    reading) or linearity (one reading per line: time; activity)."""
    if kind not in ("accuracy", "linearity"):
        raise PageNotFound()
    if not page.can(Permission.QUALITY):
        return page.render("error.html", {"title": page._("Not allowed"),
                                          "message": page._("Your role may not record "
                                                            "calibrator tests.")},
                           status=403)
    text = form_text(form, "lines")
    values = {"lines": text, "performed_at": form_text(form, "performed_at")}
    try:
        zone = quality.calibrator_status(page.db, page.actor, calibrator_id).timezone
        rows = [[p.strip() for p in line.split(";")] for line in text.splitlines()
                if line.strip()]
        if kind == "linearity":
            if any(len(r) != 2 for r in rows):
                raise InvalidInput(i18n.gettext("Give one reading per line: time; activity."),
                                   field="lines")
            quality.record_linearity(page.db, page.actor, calibrator_id, readings=[
                (_time(r[0], zone, "lines"), parse_activity(r[1], field="lines"))
                for r in rows])
        else:
            if not rows or any(len(r) != 4 for r in rows):
                raise InvalidInput(i18n.gettext(
                    "Give one source per line: nuclide; certified activity; reference time; "
                    "reading."), field="lines")
            quality.record_accuracy(
                page.db, page.actor, calibrator_id,
                performed_at=_time(values["performed_at"], zone, "performed_at"),
                sources=[qc.SourceReading(r[0], parse_activity(r[1], field="lines"),
                                          _time(r[2], zone, "lines"),
                                          parse_activity(r[3], field="lines"))
                         for r in rows])
    except IsoflowError as exc:
        return page.render("department/quality/qc.html",
                           _qc_context(page, values, calibrator_id, exc.message, exc.field),
                           status=exc.http_status)
    return page.redirect("/department/qc?done=recorded")


@router.get("/department/waste", response_class=HTMLResponse)
def waste_page(page: SignedInPage) -> HTMLResponse:
    return page.render("department/quality/waste.html", _waste_context(page))


WASTE_FIELDS = ("site_id", "label", "waste_id", "nuclide", "activity", "reference_at",
                "source_container_id", "at", "background_usv_h", "surface_usv_h",
                "instrument")


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(i18n.gettext("Give a whole number."), field=field) from None


def _float(text: str, field: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise InvalidInput(i18n.gettext("Give a number."), field=field) from None


@router.post("/department/waste/{action}", response_class=HTMLResponse)
def waste_action(action: str, page: SignedInPage, form: Form) -> Response:
    """open, add, seal or release, each a small form on the waste page."""
    if action not in ("open", "add", "seal", "release"):
        raise PageNotFound()
    if not page.can(Permission.QUALITY):
        return page.render("error.html", {"title": page._("Not allowed"),
                                          "message": page._("Your role may not manage "
                                                            "waste.")}, status=403)
    v = {k: form_text(form, k).strip() for k in WASTE_FIELDS}
    try:
        if action == "open":
            site_id = _int(v["site_id"], "site_id")
            waste.open_waste(page.db, page.actor, site_id=site_id, label=v["label"])
        else:
            wid = _int(v["waste_id"], "waste_id")
            zone = waste.get_waste(page.db, page.actor, wid).timezone
            at = _time(v["at"], zone, "at") if v["at"] else None
            if action == "add":
                src = v["source_container_id"]
                waste.add_waste(
                    page.db, page.actor, wid, nuclide=v["nuclide"] or None,
                    activity_bq=parse_activity(v["activity"]) if v["activity"] else None,
                    reference_at=at, source_container_id=_int(src, "source_container_id")
                    if src else None)
            elif action == "seal":
                waste.seal_waste(page.db, page.actor, wid, sealed_at=at)
            else:
                waste.release_waste(
                    page.db, page.actor, wid, surveyed_at=at or now(),
                    background_usv_h=_float(v["background_usv_h"], "background_usv_h"),
                    surface_usv_h=_float(v["surface_usv_h"], "surface_usv_h"),
                    instrument=v["instrument"])
    except IsoflowError as exc:
        return page.render("department/quality/waste.html",
                           _waste_context(page, exc.message, v), status=exc.http_status)
    return page.redirect(f"/department/waste?done={action}")


def _chart(checks: list[quality.CheckView], zone: str, tolerance: float) -> dict[str, object]:
    """Constancy deviation [%] over time (site zone) and the ± action level."""
    tz = ZoneInfo(zone)
    const = sorted((c for c in checks if c.kind == "constancy" and c.deviation is not None),
                   key=lambda c: c.performed_at)
    return {"x": [c.performed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") for c in const],
            "y": [round((c.deviation or 0.0) * 100, 3) for c in const],
            "tolerance": tolerance * 100,
            "x_title": i18n.gettext("Time (%(zone)s)", zone=zone),
            "y_title": i18n.gettext("Constancy deviation (%)")}


@router.get("/department/qc/{calibrator_id}", response_class=HTMLResponse)
def calibrator_page(calibrator_id: int, page: SignedInPage) -> HTMLResponse:
    try:
        status = quality.calibrator_status(page.db, page.actor, calibrator_id)
        checks = quality.list_checks(page.db, page.actor, calibrator_id)
    except IsoflowError:
        raise PageNotFound() from None
    return page.render("department/quality/calibrator.html", {
        "c": status, "checks": checks, "kind_name": lambda k: _name(KIND_NAMES, k),
        "state_name": lambda k: _name(STATE_NAMES, k),
        "chart_json": json.dumps(_chart(checks, status.timezone, status.tolerance),
                                 separators=(",", ":"), ensure_ascii=False)})
