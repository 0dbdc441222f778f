"""Patients, appointments and prescriptions of the department (issue #10).

Each use case is one transaction with its audit entries; the actor needs SCHEDULE to register
patients and book, PRESCRIBE (physicians) to prescribe and READ to read, and sees only its own
organisation's rows (another organisation's id looks like an unknown one: NotFound).

A prescription is a value, a range with the value to draw for (by default its midpoint), or
nothing given: then the catalogue's typical adult activity for an adult, or the EANM
paediatric card (isoflow.domain.paediatric) for a child (under 18 at the appointment's local
date) from the appointment's weight or else the patient's. Above the procedure's adult maximum
a note is needed. An appointment whose dose was drawn is neither rescheduled, cancelled nor
re-prescribed.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isoflow.domain import paediatric
from isoflow.domain import schedule as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NAME_MAX, NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.units import format_activity
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import (
    Appointment,
    Camera,
    Dose,
    Patient,
    Prescription,
    Procedure,
)
from isoflow.store.models import Site, User

RECORD_NUMBER_MAX = 40
PERSON_NAME_MAX = 100
#: the longest any procedure is assumed to keep a camera when looking for overlaps [min]
_LONGEST_BOOKING_MIN = 24 * 60


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class PatientView:
    id: int
    org_id: int
    record_number: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str
    weight_kg: float | None
    created_at: datetime

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"


@dataclass(frozen=True)
class ProcedureBrief:
    id: int
    code: str
    name: str
    radiopharmaceutical: str
    nuclide: str
    kit_code: str | None
    adult_min_bq: float | None
    adult_typical_bq: float | None
    adult_max_bq: float | None
    eanm_class: str | None
    eanm_baseline_bq: float | None
    eanm_min_bq: float | None
    duration_min: int
    uptake_min: int
    active: bool


@dataclass(frozen=True)
class CameraBrief:
    id: int
    site_id: int
    name: str
    ae_title: str
    modality: str
    active: bool


@dataclass(frozen=True)
class PrescriptionView:
    id: int
    org_id: int
    appointment_id: int
    activity_bq: float
    min_bq: float | None
    max_bq: float | None
    basis: str
    prescribed_by: str
    prescriber_name: str
    prescribed_at: datetime
    note: str | None


@dataclass(frozen=True)
class AppointmentView:
    id: int
    org_id: int
    site_id: int
    site_timezone: str
    patient_id: int
    procedure_id: int
    camera_id: int
    scheduled_at: datetime
    weight_kg: float | None
    accession_number: str
    status: str
    note: str | None
    cancel_reason: str | None
    created_by: str
    created_at: datetime
    patient: PatientView
    procedure: ProcedureBrief
    camera: CameraBrief
    prescription: PrescriptionView | None
    #: advice that did not refuse the action (a camera overlap)
    warnings: list[str] = field(default_factory=list)

    @property
    def local_date(self) -> date:
        return rules.local_date(self.scheduled_at, self.site_timezone)

    @property
    def patient_age_years(self) -> int:
        return rules.age_years(self.patient.birth_date, self.local_date)

    @property
    def effective_weight_kg(self) -> float | None:
        return self.weight_kg if self.weight_kg is not None else self.patient.weight_kg


@dataclass(frozen=True)
class DosageAdvice:
    """Where a default prescription would come from (shown to the physician)."""

    basis: str | None  # 'adult', 'eanm' or None (cannot be computed)
    activity_bq: float | None
    explanation: str
    age_years: int
    weight_kg: float | None
    eanm_multiple: float | None = None


def _patient_view(p: Patient) -> PatientView:
    return PatientView(id=p.id, org_id=p.org_id, record_number=p.record_number,
                       family_name=p.family_name, given_name=p.given_name,
                       birth_date=p.birth_date, sex=p.sex, weight_kg=p.weight_kg,
                       created_at=p.created_at)


def _procedure_brief(p: Procedure) -> ProcedureBrief:
    return ProcedureBrief(id=p.id, code=p.code, name=p.name,
                          radiopharmaceutical=p.radiopharmaceutical, nuclide=p.nuclide,
                          kit_code=p.kit_code, adult_min_bq=p.adult_min_bq,
                          adult_typical_bq=p.adult_typical_bq, adult_max_bq=p.adult_max_bq,
                          eanm_class=p.eanm_class, eanm_baseline_bq=p.eanm_baseline_bq,
                          eanm_min_bq=p.eanm_min_bq, duration_min=p.duration_min,
                          uptake_min=p.uptake_min, active=p.active)


def _camera_brief(c: Camera) -> CameraBrief:
    return CameraBrief(id=c.id, site_id=c.site_id, name=c.name, ae_title=c.ae_title,
                       modality=c.modality, active=c.active)


def _prescription_view(r: Prescription) -> PrescriptionView:
    return PrescriptionView(id=r.id, org_id=r.org_id, appointment_id=r.appointment_id,
                            activity_bq=r.activity_bq, min_bq=r.min_bq, max_bq=r.max_bq,
                            basis=r.basis, prescribed_by=r.prescribed_by,
                            prescriber_name=r.prescriber_name, prescribed_at=r.prescribed_at,
                            note=r.note)


def _appointment_view(a: Appointment, patient: Patient, procedure: Procedure, camera: Camera,
                      site: Site, prescription: Prescription | None,
                      warnings: list[str] | None = None) -> AppointmentView:
    return AppointmentView(
        id=a.id, org_id=a.org_id, site_id=a.site_id, site_timezone=site.timezone,
        patient_id=a.patient_id, procedure_id=a.procedure_id, camera_id=a.camera_id,
        scheduled_at=a.scheduled_at, weight_kg=a.weight_kg,
        accession_number=a.accession_number, status=a.status, note=a.note,
        cancel_reason=a.cancel_reason, created_by=a.created_by, created_at=a.created_at,
        patient=_patient_view(patient), procedure=_procedure_brief(procedure),
        camera=_camera_brief(camera),
        prescription=None if prescription is None else _prescription_view(prescription),
        warnings=list(warnings or []))


def _joined() -> Any:  # a Select of (appointment, patient, procedure, camera, site, rx)
    return (select(Appointment, Patient, Procedure, Camera, Site, Prescription)
            .join(Patient, Patient.id == Appointment.patient_id)
            .join(Procedure, Procedure.id == Appointment.procedure_id)
            .join(Camera, Camera.id == Appointment.camera_id)
            .join(Site, Site.id == Appointment.site_id)
            .outerjoin(Prescription, Prescription.appointment_id == Appointment.id))


def _load(s: Session, appointment_id: int,
          warnings: list[str] | None = None) -> AppointmentView:
    a, patient, procedure, camera, site, rx = s.execute(
        _joined().where(Appointment.id == appointment_id)).one()
    return _appointment_view(a, patient, procedure, camera, site, rx, warnings=warnings)


# ------------------------------------------------------------------ input rules
def _org_of(actor: Actor, org_id: int | None = None) -> int:
    if org_id is not None:
        return org_id
    if actor.org_id is None:
        raise InvalidInput("a platform administrator acts for an organisation: give one",
                           field="org_id")
    return actor.org_id


def _record_number(value: str) -> str:
    return clean_text(value, field="record_number", max_length=RECORD_NUMBER_MAX,
                      spaces=False)


def _person_name(value: str, name: str) -> str:
    return clean_text(value, field=name, max_length=PERSON_NAME_MAX)


def _weight(value: float | None, name: str = "weight_kg") -> float | None:
    return None if value is None else paediatric.check_weight(value, field=name)


def _note(value: str | None, name: str = "note") -> str | None:
    return clean_optional_text(value, field=name, max_length=NOTE_MAX, multiline=True)


def _reason(value: str) -> str:
    return clean_text(value, field="reason", max_length=REASON_MAX, multiline=True)


def _activity(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0 or value > 1e30:
        raise InvalidInput(f"{name} must be a positive activity in Bq, not {value!r}",
                           field=name)
    return float(value)


def _patient_record(p: Patient) -> dict[str, object]:
    return {"record_number": p.record_number, "family_name": p.family_name,
            "given_name": p.given_name, "birth_date": p.birth_date.isoformat(), "sex": p.sex,
            "weight_kg": p.weight_kg}


def _appointment_record(a: Appointment) -> dict[str, object]:
    return {"patient_id": a.patient_id, "procedure_id": a.procedure_id,
            "camera_id": a.camera_id, "site_id": a.site_id,
            "scheduled_at": a.scheduled_at.isoformat(), "weight_kg": a.weight_kg,
            "accession_number": a.accession_number, "status": a.status, "note": a.note}


def _prescription_record(r: Prescription) -> dict[str, object]:
    return {"appointment_id": r.appointment_id, "activity_bq": r.activity_bq,
            "min_bq": r.min_bq, "max_bq": r.max_bq, "basis": r.basis,
            "prescribed_by": r.prescribed_by, "note": r.note}


# ------------------------------------------------------------------ lookups
def _visible_patient(s: Session, actor: Actor, patient_id: int, *,
                     name: str = "patient_id") -> Patient:
    p = s.get(Patient, patient_id)
    if p is None or not actor.sees(p.org_id):
        raise NotFound(f"no patient {patient_id}", field=name)
    return p


def _visible_procedure(s: Session, org_id: int, procedure_id: int) -> Procedure:
    p = s.get(Procedure, procedure_id)
    if p is None or p.org_id != org_id:
        raise NotFound(f"no procedure {procedure_id} in the catalogue", field="procedure_id")
    return p


def _visible_camera(s: Session, org_id: int, camera_id: int) -> Camera:
    c = s.get(Camera, camera_id)
    if c is None or c.org_id != org_id:
        raise NotFound(f"no camera {camera_id}", field="camera_id")
    return c


def _visible_appointment(s: Session, actor: Actor, appointment_id: int, *,
                         lock: bool = False) -> Appointment:
    a = s.get(Appointment, appointment_id, with_for_update=lock)
    if a is None or not actor.sees(a.org_id):
        raise NotFound(f"no appointment {appointment_id}", field="appointment_id")
    return a


def _dose_drawn(s: Session, a: Appointment) -> bool:
    if a.status in ("drawn", "administered", "completed"):
        return True
    return s.scalar(select(func.count(Dose.id)).where(
        Dose.appointment_id == a.id, Dose.status != "discarded")) != 0


def _require_open(s: Session, a: Appointment, what: str) -> None:
    if a.status == "cancelled":
        raise Conflict(f"appointment {a.id} was cancelled; it cannot be {what}",
                       field="appointment_id")
    if _dose_drawn(s, a):
        raise Conflict(f"a dose was already drawn for appointment {a.id}; it cannot be "
                       f"{what}", field="appointment_id")


def _overlap_warnings(s: Session, camera: Camera, procedure: Procedure, at: datetime,
                      exclude_id: int | None = None) -> list[str]:
    window = timedelta(minutes=_LONGEST_BOOKING_MIN)
    q = (select(Appointment, Procedure.duration_min, Patient.record_number)
         .join(Procedure, Procedure.id == Appointment.procedure_id)
         .join(Patient, Patient.id == Appointment.patient_id)
         .where(Appointment.camera_id == camera.id, Appointment.status != "cancelled",
                Appointment.scheduled_at > at - window, Appointment.scheduled_at < at + window))
    out = []
    for other, minutes, record in s.execute(q):
        if other.id == exclude_id:
            continue
        if rules.overlaps(at, procedure.duration_min, other.scheduled_at, minutes):
            out.append(f"camera {camera.name} is already booked then: appointment "
                       f"{other.accession_number} (patient {record}) at "
                       f"{other.scheduled_at.isoformat()} for {minutes} min")
    return out


def _unique_flush(s: Session, what: str, name: str) -> None:
    try:
        s.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists", field=name) from None


# ------------------------------------------------------------------ patients
def register_patient(db: Database, actor: Actor, *, record_number: str, family_name: str,
                     given_name: str, birth_date: date, sex: str,
                     weight_kg: float | None = None, org_id: int | None = None) -> PatientView:
    """A new patient of the actor's organisation; the record number is unique in it."""
    actor.require(Permission.SCHEDULE)
    org = _org_of(actor, org_id)
    record = _record_number(record_number)
    family, given = _person_name(family_name, "family_name"), _person_name(given_name,
                                                                          "given_name")
    born = rules.check_birth_date(birth_date, now().date())
    sex = rules.check_sex(sex)
    weight = _weight(weight_kg)
    with db.write() as s:
        if s.scalar(select(Patient.id).where(Patient.org_id == org,
                                             Patient.record_number == record)) is not None:
            raise Conflict(f"a patient with record number {record!r} already exists",
                           field="record_number")
        p = Patient(org_id=org, record_number=record, family_name=family, given_name=given,
                    birth_date=born, sex=sex, weight_kg=weight, created_at=now())
        s.add(p)
        _unique_flush(s, f"a patient with record number {record!r}", "record_number")
        audit.record(s, actor, org_id=org, entity_type="patient", entity_id=p.id,
                     action="registered", new=_patient_record(p))
        return _patient_view(p)


_UNSET: object = object()


def update_patient(db: Database, actor: Actor, patient_id: int, *,
                   record_number: str | None = None, family_name: str | None = None,
                   given_name: str | None = None, birth_date: date | None = None,
                   sex: str | None = None, weight_kg: float | object | None = _UNSET,
                   reason: str | None = None) -> PatientView:
    """Change what is given (``weight_kg=None`` clears the weight); audited old and new."""
    actor.require(Permission.SCHEDULE)
    changes: dict[str, object] = {}
    if record_number is not None:
        changes["record_number"] = _record_number(record_number)
    if family_name is not None:
        changes["family_name"] = _person_name(family_name, "family_name")
    if given_name is not None:
        changes["given_name"] = _person_name(given_name, "given_name")
    if birth_date is not None:
        changes["birth_date"] = rules.check_birth_date(birth_date, now().date())
    if sex is not None:
        changes["sex"] = rules.check_sex(sex)
    if weight_kg is not _UNSET:
        changes["weight_kg"] = _weight(weight_kg)  # type: ignore[arg-type]
    why = None if reason is None else _reason(reason)
    with db.write() as s:
        p = _visible_patient(s, actor, patient_id)
        old = _patient_record(p)
        if "record_number" in changes and changes["record_number"] != p.record_number and \
                s.scalar(select(Patient.id).where(
                    Patient.org_id == p.org_id,
                    Patient.record_number == changes["record_number"])) is not None:
            raise Conflict(f"a patient with record number {changes['record_number']!r} "
                           "already exists", field="record_number")
        for key, value in changes.items():
            setattr(p, key, value)
        new = _patient_record(p)
        if new != old:
            _unique_flush(s, "a patient with that record number", "record_number")
            audit.record(s, actor, org_id=p.org_id, entity_type="patient", entity_id=p.id,
                         action="updated", old=old, new=new, reason=why)
        return _patient_view(p)


def get_patient(db: Database, actor: Actor, patient_id: int) -> PatientView:
    actor.require(Permission.READ)
    with db.read() as s:
        return _patient_view(_visible_patient(s, actor, patient_id))


def find_patients(db: Database, actor: Actor, *, text: str | None = None,
                  limit: int = 50) -> list[PatientView]:
    """Patients whose record number, family or given name contains ``text`` (any case),
    by family name; all of them (up to ``limit``) without text."""
    actor.require(Permission.READ)
    limit = max(1, min(int(limit), 500))
    q = select(Patient).order_by(Patient.family_name, Patient.given_name, Patient.id)
    if actor.org_id is not None:
        q = q.where(Patient.org_id == actor.org_id)
    needle = clean_optional_text(text, field="text", max_length=NAME_MAX)
    if needle:
        pattern = "%" + needle.lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        q = q.where(or_(*(func.lower(col).like(pattern, escape="\\") for col in
                          (Patient.record_number, Patient.family_name, Patient.given_name))))
    with db.read() as s:
        return [_patient_view(p) for p in s.scalars(q.limit(limit))]


def patient_appointments(db: Database, actor: Actor, patient_id: int) -> list[AppointmentView]:
    """The patient's appointments, latest first."""
    actor.require(Permission.READ)
    with db.read() as s:
        p = _visible_patient(s, actor, patient_id)
        rows = s.execute(_joined().where(Appointment.patient_id == p.id)
                         .order_by(Appointment.scheduled_at.desc(), Appointment.id.desc()))
        return [_appointment_view(*row) for row in rows]


# ------------------------------------------------------------------ appointments
def book(db: Database, actor: Actor, *, patient_id: int, procedure_id: int, camera_id: int,
         scheduled_at: datetime, weight_kg: float | None = None,
         note: str | None = None) -> AppointmentView:
    """Book a procedure on a camera at ``scheduled_at`` (the injection time). The site is the
    camera's; a camera already booked then is a warning in the view, not a refusal."""
    actor.require(Permission.SCHEDULE)
    at = aware_utc(scheduled_at, "scheduled_at")
    weight, note = _weight(weight_kg), _note(note)
    with db.write() as s:
        patient = _visible_patient(s, actor, patient_id)
        org = patient.org_id
        procedure = _visible_procedure(s, org, procedure_id)
        camera = _visible_camera(s, org, camera_id)
        if not procedure.active:
            raise InvalidInput(f"procedure {procedure.code} is no longer offered (inactive)",
                               field="procedure_id")
        if not camera.active:
            raise InvalidInput(f"camera {camera.name} is out of service (inactive)",
                               field="camera_id")
        site = visible_site(s, actor, camera.site_id)
        warnings = _overlap_warnings(s, camera, procedure, at)
        a = Appointment(org_id=org, site_id=site.id, patient_id=patient.id,
                        procedure_id=procedure.id, camera_id=camera.id, scheduled_at=at,
                        weight_kg=weight, accession_number="T" + secrets.token_hex(7),
                        status="scheduled", note=note, created_by=actor.username,
                        created_at=now())
        s.add(a)
        s.flush()
        a.accession_number = rules.accession_number(rules.local_date(at, site.timezone), a.id)
        s.flush()
        audit.record(s, actor, org_id=org, entity_type="appointment", entity_id=a.id,
                     action="booked", new={**_appointment_record(a),
                                           "warnings": warnings or None})
        return _load(s, a.id, warnings)


def reschedule(db: Database, actor: Actor, appointment_id: int, *, scheduled_at: datetime,
               camera_id: int | None = None, reason: str) -> AppointmentView:
    """Move the appointment (and perhaps to another camera of the organisation); refused once
    a dose was drawn or after cancellation."""
    actor.require(Permission.SCHEDULE)
    at = aware_utc(scheduled_at, "scheduled_at")
    why = _reason(reason)
    with db.write() as s:
        a = _visible_appointment(s, actor, appointment_id, lock=True)
        _require_open(s, a, "rescheduled")
        old = _appointment_record(a)
        camera = _visible_camera(s, a.org_id, a.camera_id if camera_id is None else camera_id)
        if camera_id is not None and camera.id != a.camera_id and not camera.active:
            raise InvalidInput(f"camera {camera.name} is out of service (inactive)",
                               field="camera_id")
        procedure = s.get(Procedure, a.procedure_id)
        assert procedure is not None
        warnings = _overlap_warnings(s, camera, procedure, at, exclude_id=a.id)
        a.scheduled_at, a.camera_id, a.site_id = at, camera.id, camera.site_id
        s.flush()
        audit.record(s, actor, org_id=a.org_id, entity_type="appointment", entity_id=a.id,
                     action="rescheduled", old=old,
                     new={**_appointment_record(a), "warnings": warnings or None}, reason=why)
        return _load(s, a.id, warnings)


def cancel(db: Database, actor: Actor, appointment_id: int, *, reason: str) -> AppointmentView:
    """Cancel with a reason; refused (Conflict) once a dose was drawn."""
    actor.require(Permission.SCHEDULE)
    why = _reason(reason)
    with db.write() as s:
        a = _visible_appointment(s, actor, appointment_id, lock=True)
        _require_open(s, a, "cancelled")
        old = _appointment_record(a)
        a.status, a.cancel_reason = "cancelled", why
        s.flush()
        audit.record(s, actor, org_id=a.org_id, entity_type="appointment", entity_id=a.id,
                     action="cancelled", old=old, new=_appointment_record(a), reason=why)
        return _load(s, a.id)


def appointment_view(db: Database, actor: Actor, appointment_id: int) -> AppointmentView:
    actor.require(Permission.READ)
    with db.read() as s:
        a = _visible_appointment(s, actor, appointment_id)
        return _load(s, a.id)


def appointments_on(db: Database, actor: Actor, *, site_id: int | None,
                    day: date) -> list[AppointmentView]:
    """The appointments of the site's local day (its time zone), by time; cancelled ones
    included (their status says so). ``site_id=None``: every site of the actor's
    organisation, each by its own zone."""
    actor.require(Permission.READ)
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput("day must be a date (YYYY-MM-DD)", field="date")
    with db.read() as s:
        if site_id is not None:
            sites = [visible_site(s, actor, site_id)]
        else:
            org = _org_of(actor)
            sites = list(s.scalars(select(Site).where(Site.org_id == org)))
        if not sites:
            return []
        bounds = []
        for site in sites:
            start, end = rules.local_day_bounds(day, site.timezone)
            bounds.append((Appointment.site_id == site.id) & (Appointment.scheduled_at >= start)
                          & (Appointment.scheduled_at < end))
        rows = s.execute(_joined().where(or_(*bounds))
                         .order_by(Appointment.scheduled_at, Appointment.id))
        return [_appointment_view(*row) for row in rows]


# ------------------------------------------------------------------ prescriptions
def dosage_advice(procedure: ProcedureBrief, birth_date: date, on: date,
                  weight_kg: float | None) -> DosageAdvice:
    """What a prescription without a value would be, and why (adult typical activity, or the
    EANM card from the weight), or why it cannot be computed."""
    age = rules.age_years(birth_date, on)
    if not rules.is_child(birth_date, on):
        if procedure.adult_typical_bq is None:
            return DosageAdvice(None, None, f"the procedure {procedure.code} has no typical "
                                "adult activity in the catalogue: give the activity",
                                age, weight_kg)
        return DosageAdvice("adult", procedure.adult_typical_bq,
                            f"adult ({age} years): the catalogue's typical activity "
                            f"{format_activity(procedure.adult_typical_bq)}", age, weight_kg)
    if procedure.eanm_class is None or procedure.eanm_baseline_bq is None \
            or procedure.eanm_min_bq is None:
        return DosageAdvice(None, None, f"a child ({age} years) and the procedure "
                            f"{procedure.code} has no EANM paediatric data: give the activity",
                            age, weight_kg)
    if weight_kg is None:
        return DosageAdvice(None, None, f"a child ({age} years): give the weight (weight_kg) "
                            "for the EANM card, or the activity", age, None)
    mult = paediatric.multiple(weight_kg, procedure.eanm_class)
    activity = paediatric.eanm_activity_bq(weight_kg, procedure.eanm_class,
                                           procedure.eanm_baseline_bq, procedure.eanm_min_bq)
    return DosageAdvice("eanm", activity,
                        f"child ({age} years, {weight_kg:g} kg): EANM class "
                        f"{procedure.eanm_class}, baseline "
                        f"{format_activity(procedure.eanm_baseline_bq)} × {mult:g} = "
                        f"{format_activity(procedure.eanm_baseline_bq * mult)}, minimum "
                        f"{format_activity(procedure.eanm_min_bq)} → "
                        f"{format_activity(activity)}", age, weight_kg, mult)


def advice_for(view: AppointmentView) -> DosageAdvice:
    return dosage_advice(view.procedure, view.patient.birth_date, view.local_date,
                         view.effective_weight_kg)


def _full_name(s: Session, actor: Actor) -> str:
    if actor.user_id is not None:
        u = s.get(User, actor.user_id)
        if u is not None and u.full_name:
            return u.full_name
    return actor.username


def prescribe(db: Database, actor: Actor, appointment_id: int, *,
              activity_bq: float | None = None, min_bq: float | None = None,
              max_bq: float | None = None, note: str | None = None) -> PrescriptionView:
    """Prescribe the activity for the appointment (physicians): a value; a range (the value to
    draw for defaults to its midpoint and must lie in it); or nothing (adult typical activity,
    or the EANM card for a child). Replaces an earlier prescription while no dose is drawn."""
    actor.require(Permission.PRESCRIBE)
    value = _activity(activity_bq, "activity_bq")
    lo, hi = _activity(min_bq, "min_bq"), _activity(max_bq, "max_bq")
    note = _note(note)
    if (lo is None) != (hi is None):
        raise InvalidInput("a range needs both min_bq and max_bq",
                           field="max_bq" if hi is None else "min_bq")
    if lo is not None and hi is not None:
        if lo > hi:
            raise InvalidInput(f"min_bq {format_activity(lo)} is above max_bq "
                               f"{format_activity(hi)}", field="min_bq")
        if value is None:
            value = (lo + hi) / 2
        elif not lo <= value <= hi:
            raise InvalidInput(f"activity_bq {format_activity(value)} is outside the range "
                               f"{format_activity(lo)}-{format_activity(hi)}",
                               field="activity_bq")
    with db.write() as s:
        a = _visible_appointment(s, actor, appointment_id, lock=True)
        _require_open(s, a, "prescribed")
        view = _load(s, a.id)
        if lo is not None:
            basis = "range"
        elif value is not None:
            basis = "value"
        else:
            advice = advice_for(view)
            if advice.activity_bq is None or advice.basis is None:
                raise InvalidInput(advice.explanation,
                                   field="weight_kg" if "weight" in advice.explanation
                                   else "activity_bq")
            basis, value = advice.basis, advice.activity_bq
        assert value is not None
        limit = view.procedure.adult_max_bq
        if limit is not None and value > limit * (1 + 1e-9) and note is None:
            raise InvalidInput(f"{format_activity(value)} is above the procedure's adult "
                               f"maximum {format_activity(limit)}: give a note saying why",
                               field="note")
        existing = s.scalar(select(Prescription).where(Prescription.appointment_id == a.id))
        old = None if existing is None else _prescription_record(existing)
        r = existing or Prescription(org_id=a.org_id, appointment_id=a.id)
        r.activity_bq, r.min_bq, r.max_bq, r.basis, r.note = value, lo, hi, basis, note
        r.prescribed_by, r.prescriber_name = actor.username, _full_name(s, actor)
        r.prescribed_at = now()
        if existing is None:
            s.add(r)
        old_status = a.status
        a.status = "prescribed"
        s.flush()
        audit.record(s, actor, org_id=a.org_id, entity_type="prescription", entity_id=r.id,
                     action="prescribed" if existing is None else "re-prescribed", old=old,
                     new={**_prescription_record(r), "previous_status": old_status})
        return _prescription_view(r)


# ------------------------------------------------------------------ what a booking form offers
def booking_choices(db: Database, actor: Actor, *, site_id: int | None = None
                    ) -> tuple[list[ProcedureBrief], list[CameraBrief]]:
    """The organisation's active procedures (by name) and active cameras (of the site if
    given, by name) — what may be booked."""
    actor.require(Permission.READ)
    qp = select(Procedure).where(Procedure.active.is_(True)).order_by(Procedure.name)
    qc = select(Camera).where(Camera.active.is_(True)).order_by(Camera.name)
    if actor.org_id is not None:
        qp = qp.where(Procedure.org_id == actor.org_id)
        qc = qc.where(Camera.org_id == actor.org_id)
    with db.read() as s:
        if site_id is not None:
            qc = qc.where(Camera.site_id == visible_site(s, actor, site_id).id)
        return ([_procedure_brief(p) for p in s.scalars(qp)],
                [_camera_brief(c) for c in s.scalars(qc)])


def patient_by_record(db: Database, actor: Actor, record_number: str) -> PatientView | None:
    """The patient of the actor's organisation with this record number, if any."""
    actor.require(Permission.READ)
    record = _record_number(record_number)
    q = select(Patient).where(Patient.record_number == record)
    if actor.org_id is not None:
        q = q.where(Patient.org_id == actor.org_id)
    with db.read() as s:
        p = s.scalars(q.limit(1)).first()
        return None if p is None else _patient_view(p)
