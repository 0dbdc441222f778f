"""The department's schedule pages: the day per camera (times in the site's zone, the zone
named, previous/next day, status badges) with a booking form that finds or registers the
patient; an appointment's page with the prescription form (physicians), the dosage advice
(adult range, or the EANM computation) so the physician sees where the number comes from,
reschedule and cancel with a reason; the patients search and a patient's page.

Pages call isoflow.services.schedule only. A refused form comes back with what was typed and
the service's message naming the rule; a form that succeeds redirects with a notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain import schedule as rules
from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import parse_activity, parse_datetime
from isoflow.services import organisations, schedule
from isoflow.services.clock import now
from isoflow.services.schedule import AppointmentView
from isoflow.web import i18n
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

STATUS_NAMES = {
    "scheduled": N_("Scheduled"), "prescribed": N_("Prescribed"), "drawn": N_("Dose drawn"),
    "administered": N_("Administered"), "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}
STATUS_CLASS = {"cancelled": "bad", "administered": "ok", "completed": "ok"}
SEX_NAMES = {"F": N_("female"), "M": N_("male"), "O": N_("other"), "U": N_("unknown")}
BASIS_NAMES = {"value": N_("a value"), "range": N_("a range"),
               "adult": N_("the catalogue's typical adult activity"),
               "eanm": N_("the EANM paediatric card")}
DONE = {
    "booked": N_("The appointment was booked."),
    "prescribed": N_("The prescription was recorded."),
    "rescheduled": N_("The appointment was moved."),
    "cancelled": N_("The appointment was cancelled."),
}
#: a service's field -> the form's
FORM_FIELD = {"activity_bq": "activity", "min_bq": "min", "max_bq": "max",
              "scheduled_at": "time", "appointment_id": None}
BOOK_FIELDS = ("record_number", "family_name", "given_name", "birth_date", "sex",
               "procedure_id", "camera_id", "time", "weight_kg", "note")


def status_name(status: str) -> str:
    return i18n.gettext(STATUS_NAMES.get(status, status))


class Refused(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _refused(exc: IsoflowError) -> Refused:
    field = FORM_FIELD.get(exc.field or "", exc.field)
    return Refused(exc.message, field, exc.http_status)


def _values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {n: form_text(form, n) for n in names}


def _number(form: Mapping[str, str], name: str) -> float | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Refused(i18n.gettext("%(value)s is not a number.", value=repr(text)),
                      name) from None


def _activity(form: Mapping[str, str], name: str) -> float | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_activity(text, field=name)
    except InvalidInput as exc:
        raise Refused(exc.message, name) from None


def _int(text: str, name: str) -> int:
    if not text.strip().isdigit():
        raise Refused(i18n.gettext("Choose one."), name)
    return int(text.strip())


def _time(text: str, day: date, zone: str, name: str = "time") -> datetime:
    """'09:30' on ``day`` in the site's zone, or a full time (with a zone, or without one:
    the site's)."""
    text = text.strip()
    if not text:
        raise Refused(i18n.gettext("Give a time, e.g. %(example)s.", example="09:30"), name)
    try:
        if len(text) <= 5 and ":" in text:
            hours, minutes = (int(x) for x in text.split(":"))
            local = datetime(day.year, day.month, day.day, hours, minutes,
                             tzinfo=ZoneInfo(zone))
            return parse_datetime(local, field=name)
        try:
            return parse_datetime(text, field=name)
        except InvalidInput:
            naive = datetime.fromisoformat(text)
            if naive.tzinfo is not None:
                raise
            return parse_datetime(naive.replace(tzinfo=ZoneInfo(zone)), field=name)
    except (ValueError, InvalidInput):
        raise Refused(i18n.gettext("Give a time, e.g. %(example)s.",
                                   example=f"09:30 {i18n.gettext('or')} "
                                           f"{i18n.input_datetime(now(), zone)}"),
                      name) from None


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(i18n.gettext("Give a date as YYYY-MM-DD."), name) from None


def _forbidden(page: Page, message: str) -> HTMLResponse:
    return page.render("error.html", {"title": page._("Not allowed"), "message": message},
                       status=403)


def _css() -> str:
    return "/static/department/schedule.css"


# ------------------------------------------------------------------ the day
def _site_and_day(page: Page) -> tuple[Any, list[Any], date, str | None]:
    q = page.request.query_params
    sites = organisations.list_sites(page.db, page.actor)
    site = next((s for s in sites if str(s.id) == q.get("site_id")),
                sites[0] if sites else None)
    zone = site.timezone if site else "UTC"
    today = rules.local_date(now(), zone)
    error = None
    day = today
    if q.get("date"):
        try:
            day = date.fromisoformat(q["date"])
        except ValueError:
            error = page._("Give a date as YYYY-MM-DD.")
    return site, sites, day, error


def _day_context(page: Page, site: Any, sites: list[Any], day: date,
                 values: dict[str, str] | None = None, refused: Refused | None = None,
                 error: str | None = None) -> dict[str, Any]:
    zone = site.timezone if site else "UTC"
    items = [] if site is None else schedule.appointments_on(page.db, page.actor,
                                                             site_id=site.id, day=day)
    procedures, cameras = schedule.booking_choices(
        page.db, page.actor, site_id=site.id if site else None)
    columns: dict[int, dict[str, Any]] = {c.id: {"camera": c, "items": []} for c in cameras}
    for a in items:
        columns.setdefault(a.camera_id, {"camera": a.camera, "items": []})["items"].append(a)

    def day_link(d: date) -> str:
        params = {"date": d.isoformat()}
        if site is not None and len(sites) > 1:
            params["site_id"] = str(site.id)
        return "/department/appointments?" + urlencode(params)

    done = page.request.query_params.get("done", "")
    return {
        "site": site, "sites": sites, "zone": zone, "day": day, "columns": list(columns.values()),
        "count": sum(1 for a in items if a.status != "cancelled"),
        "previous": day_link(day - timedelta(days=1)), "next": day_link(day + timedelta(days=1)),
        "today": day_link(rules.local_date(now(), zone)),
        "procedures": procedures, "cameras": cameras, "sexes": rules.SEXES,
        "sex_name": lambda s: page._(SEX_NAMES[s]), "status_name": status_name,
        "status_class": STATUS_CLASS, "can_book": page.can(Permission.SCHEDULE),
        "values": values or {n: "" for n in BOOK_FIELDS},
        "error": refused.message if refused else error,
        "error_field": refused.field if refused else None,
        "done": page._(DONE[done]) if done in DONE else None,
        "local_time": lambda t: t.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
        "css": _css(),
    }


@router.get("/department/appointments", response_class=HTMLResponse)
def day_page(page: SignedInPage) -> HTMLResponse:
    site, sites, day, error = _site_and_day(page)
    try:
        context = _day_context(page, site, sites, day, error=error)
    except NotFound:
        raise PageNotFound() from None
    return page.render("department/schedule/day.html", context,
                       status=422 if error else 200)


@router.post("/department/appointments", response_class=HTMLResponse)
def book(page: SignedInPage, form: Form) -> Response:
    site, sites, day, _ = _site_and_day(page)
    if not page.can(Permission.SCHEDULE):
        return _forbidden(page, page._("Your role may not book appointments."))
    values = _values(form, BOOK_FIELDS)
    if site is None:
        raise PageNotFound()
    try:
        procedure_id = _int(values["procedure_id"], "procedure_id")
        camera_id = _int(values["camera_id"], "camera_id")
        at = _time(values["time"], day, site.timezone)
        weight = _number(values, "weight_kg")
        record = values["record_number"].strip()
        if not record:
            raise Refused(page._("Give the patient's record number."), "record_number")
        try:
            patient = schedule.patient_by_record(page.db, page.actor, record)
            if patient is None:
                if not values["family_name"].strip():
                    raise Refused(page._("No patient has this record number: give the family "
                                         "name, given name, birth date and sex to register "
                                         "one."), "family_name")
                patient = schedule.register_patient(
                    page.db, page.actor, record_number=record,
                    family_name=values["family_name"], given_name=values["given_name"],
                    birth_date=_date(values["birth_date"], "birth_date"), sex=values["sex"],
                    weight_kg=weight)
            view = schedule.book(page.db, page.actor, patient_id=patient.id,
                                 procedure_id=procedure_id, camera_id=camera_id,
                                 scheduled_at=at, weight_kg=weight,
                                 note=values["note"].strip() or None)
        except IsoflowError as exc:
            raise _refused(exc) from None
    except Refused as refused:
        return page.render("department/schedule/day.html",
                           _day_context(page, site, sites, day, values, refused),
                           status=refused.status)
    suffix = "&overlap=1" if view.warnings else ""
    return page.redirect(f"/department/appointments/{view.id}?done=booked{suffix}")


# ------------------------------------------------------------------ one appointment
def _appointment(page: Page, appointment_id: int) -> AppointmentView:
    try:
        return schedule.appointment_view(page.db, page.actor, appointment_id)
    except NotFound:
        raise PageNotFound() from None


def _appointment_context(page: Page, a: AppointmentView, action: str | None = None,
                         values: dict[str, str] | None = None,
                         refused: Refused | None = None) -> dict[str, Any]:
    zone = a.site_timezone
    advice = schedule.advice_for(a)
    open_ = a.status in rules.OPEN_STATUSES
    forms: dict[str, dict[str, Any]] = {
        "prescribe": {"values": {"activity": "", "min": "", "max": "", "note": ""}},
        "reschedule": {"values": {"time": i18n.input_datetime(a.scheduled_at, zone),
                                  "camera_id": str(a.camera_id), "reason": ""}},
        "cancel": {"values": {"reason": ""}},
    }
    if a.prescription is not None:
        p = a.prescription
        forms["prescribe"]["values"] = {
            "activity": i18n.format_activity(p.activity_bq) if p.basis in ("value", "range")
            else "", "min": "" if p.min_bq is None else i18n.format_activity(p.min_bq),
            "max": "" if p.max_bq is None else i18n.format_activity(p.max_bq),
            "note": p.note or ""}
    for f in forms.values():
        f["error"], f["error_field"] = None, None
    if action is not None:
        forms[action] = {"values": values or {}, "error": refused.message if refused else None,
                         "error_field": refused.field if refused else None}
    q = page.request.query_params
    done = q.get("done", "")
    _, cameras = schedule.booking_choices(page.db, page.actor, site_id=a.site_id)
    return {
        "a": a, "zone": zone, "advice": advice, "forms": forms, "open_action": action,
        "status_name": status_name, "status_class": STATUS_CLASS,
        "sex_name": lambda s: page._(SEX_NAMES[s]),
        "basis_name": lambda b: page._(BASIS_NAMES.get(b) or b),
        "can_prescribe": page.can(Permission.PRESCRIBE) and open_,
        "can_schedule": page.can(Permission.SCHEDULE) and open_,
        "cameras": cameras,
        "done": page._(DONE[done]) if done in DONE else None,
        "overlap": q.get("overlap") == "1",
        "day_link": "/department/appointments?" + urlencode(
            {"date": a.local_date.isoformat(), "site_id": a.site_id}),
        "css": _css(),
    }


@router.get("/department/appointments/{appointment_id}", response_class=HTMLResponse)
def appointment_page(appointment_id: int, page: SignedInPage) -> HTMLResponse:
    a = _appointment(page, appointment_id)
    return page.render("department/schedule/appointment.html", _appointment_context(page, a))


def _act(page: Page, appointment_id: int, action: str, values: dict[str, str],
         run: Any) -> Response:
    a = _appointment(page, appointment_id)
    try:
        try:
            run(a)
        except IsoflowError as exc:
            if isinstance(exc, NotFound) and exc.field == "appointment_id":
                raise PageNotFound() from None
            raise _refused(exc) from None
    except Refused as refused:
        a = _appointment(page, appointment_id)
        return page.render("department/schedule/appointment.html",
                           _appointment_context(page, a, action, values, refused),
                           status=refused.status)
    return page.redirect(f"/department/appointments/{appointment_id}?done={DONE_OF[action]}")


DONE_OF = {"prescribe": "prescribed", "reschedule": "rescheduled", "cancel": "cancelled"}


@router.post("/department/appointments/{appointment_id}/prescription",
             response_class=HTMLResponse)
def prescribe(appointment_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.PRESCRIBE):
        return _forbidden(page, page._("Only physicians prescribe."))
    values = _values(form, ("activity", "min", "max", "note"))

    def run(a: AppointmentView) -> None:
        schedule.prescribe(page.db, page.actor, a.id, activity_bq=_activity(values, "activity"),
                           min_bq=_activity(values, "min"), max_bq=_activity(values, "max"),
                           note=values["note"].strip() or None)

    return _act(page, appointment_id, "prescribe", values, run)


@router.post("/department/appointments/{appointment_id}/reschedule",
             response_class=HTMLResponse)
def reschedule(appointment_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SCHEDULE):
        return _forbidden(page, page._("Your role may not book appointments."))
    values = _values(form, ("time", "camera_id", "reason"))

    def run(a: AppointmentView) -> None:
        at = _time(values["time"], a.local_date, a.site_timezone)
        camera = _int(values["camera_id"], "camera_id") if values["camera_id"] else None
        schedule.reschedule(page.db, page.actor, a.id, scheduled_at=at, camera_id=camera,
                            reason=values["reason"])

    return _act(page, appointment_id, "reschedule", values, run)


@router.post("/department/appointments/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel(appointment_id: int, page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.SCHEDULE):
        return _forbidden(page, page._("Your role may not book appointments."))
    values = _values(form, ("reason",))

    def run(a: AppointmentView) -> None:
        schedule.cancel(page.db, page.actor, a.id, reason=values["reason"])

    return _act(page, appointment_id, "cancel", values, run)


# ------------------------------------------------------------------ patients
@router.get("/department/patients", response_class=HTMLResponse)
def patients_page(page: SignedInPage) -> HTMLResponse:
    text = page.request.query_params.get("q", "").strip()[:200]
    error = None
    try:
        found = schedule.find_patients(page.db, page.actor, text=text or None, limit=100)
    except InvalidInput as exc:
        found, error = [], exc.message
    return page.render("department/schedule/patients.html", {
        "q": text, "patients": found, "error": error,
        "sex_name": lambda s: page._(SEX_NAMES[s]), "css": _css()},
        status=422 if error else 200)


@router.get("/department/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(patient_id: int, page: SignedInPage) -> HTMLResponse:
    try:
        patient = schedule.get_patient(page.db, page.actor, patient_id)
        items = schedule.patient_appointments(page.db, page.actor, patient_id)
    except NotFound:
        raise PageNotFound() from None
    today = now().date()
    return page.render("department/schedule/patient.html", {
        "p": patient, "appointments": items, "age": rules.age_years(patient.birth_date, today)
        if patient.birth_date <= today else 0,
        "sex_name": lambda s: page._(SEX_NAMES[s]), "status_name": status_name,
        "status_class": STATUS_CLASS, "css": _css()})
