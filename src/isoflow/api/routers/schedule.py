"""/patients and /appointments: the department's patients, bookings on its cameras and the
physicians' prescriptions (issue #10). Times are aware (UTC in answers); activities in Bq;
weights in kg. Another organisation's ids answer 404."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Id,
    IsoDate,
    Note,
    OptionalIdQuery,
    Out,
    Reason,
    Schema,
    UtcDatetime,
    error_responses,
    path_id,
)
from isoflow.services import schedule
from isoflow.services.schedule import AppointmentView, PatientView, PrescriptionView

router = APIRouter(tags=["schedule"], responses=error_responses(401, 403, 404, 409, 422))
PatientId = Annotated[int, path_id("patient id")]
AppointmentId = Annotated[int, path_id("appointment id")]

Sex = Literal["F", "M", "O", "U"]
WeightKg = Annotated[float, Field(strict=True, allow_inf_nan=False,
                                  description="the patient's weight [kg], 0.3-350")]
RecordNumber = Annotated[str, Field(strict=True, min_length=1,
                                    max_length=schedule.RECORD_NUMBER_MAX,
                                    description="the hospital's medical record number (no "
                                                "spaces), unique in the organisation")]
PersonName = Annotated[str, Field(strict=True, min_length=1,
                                  max_length=schedule.PERSON_NAME_MAX)]


class PatientIn(Schema):
    record_number: RecordNumber
    family_name: PersonName
    given_name: PersonName
    birth_date: IsoDate = Field(description="YYYY-MM-DD; not in the future nor before 1900")
    sex: Sex = Field(description="F female, M male, O other, U unknown")
    weight_kg: WeightKg | None = None


class PatientPatch(Schema):
    record_number: RecordNumber | None = None
    family_name: PersonName | None = None
    given_name: PersonName | None = None
    birth_date: IsoDate | None = None
    sex: Sex | None = None
    weight_kg: WeightKg | None = Field(None, description="null clears the weight")
    reason: Reason | None = None


class PatientOut(Out):
    id: int
    org_id: int
    record_number: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str
    weight_kg: float | None
    created_at: datetime


class ProcedureOut(Out):
    id: int
    code: str
    name: str
    radiopharmaceutical: str
    nuclide: str
    adult_min_bq: float | None
    adult_typical_bq: float | None
    adult_max_bq: float | None
    eanm_class: str | None
    duration_min: int


class CameraOut(Out):
    id: int
    site_id: int
    name: str
    ae_title: str
    modality: str


class PrescriptionOut(Out):
    id: int
    appointment_id: int
    activity_bq: float
    min_bq: float | None
    max_bq: float | None
    basis: str = Field(description="value, range, adult (catalogue typical) or eanm "
                                   "(paediatric card from the weight)")
    prescribed_by: str
    prescriber_name: str
    prescribed_at: datetime
    note: str | None


class AppointmentOut(Out):
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
    patient: PatientOut
    procedure: ProcedureOut
    camera: CameraOut
    prescription: PrescriptionOut | None
    warnings: list[str] = Field(description="advice that did not refuse the action (the "
                                            "camera is already booked then)")


class BookingIn(Schema):
    patient_id: Id
    procedure_id: Id
    camera_id: Id
    scheduled_at: UtcDatetime = Field(description="the injection time")
    weight_kg: WeightKg | None = Field(None, description="the weight for this study [kg]")
    note: Note | None = None


class RescheduleIn(Schema):
    scheduled_at: UtcDatetime
    camera_id: Id | None = None
    reason: Reason


class CancelIn(Schema):
    reason: Reason


class PrescriptionIn(Schema):
    activity_bq: ActivityBq | None = Field(None, description="the activity to draw for")
    min_bq: ActivityBq | None = None
    max_bq: ActivityBq | None = None
    note: Note | None = Field(None, description="needed above the procedure's adult maximum")


# ------------------------------------------------------------------ patients
@router.get("/patients", response_model=list[PatientOut])
def find_patients(actor: CurrentActor, db: DB,
                  q: Annotated[str | None, Query(max_length=200, description=(
                      "part of the record number, family or given name"))] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[PatientView]:
    return schedule.find_patients(db, actor, text=q, limit=limit)


@router.post("/patients", response_model=PatientOut, status_code=201)
def register_patient(body: PatientIn, actor: CurrentActor, db: DB) -> PatientView:
    """422 for a birth date in the future or before 1900, or a weight outside 0.3-350 kg;
    409 if the record number is taken in the organisation."""
    return schedule.register_patient(db, actor, record_number=body.record_number,
                                     family_name=body.family_name, given_name=body.given_name,
                                     birth_date=body.birth_date, sex=body.sex,
                                     weight_kg=body.weight_kg)


@router.get("/patients/{patient_id}", response_model=PatientOut)
def get_patient(patient_id: PatientId, actor: CurrentActor, db: DB) -> PatientView:
    return schedule.get_patient(db, actor, patient_id)


@router.patch("/patients/{patient_id}", response_model=PatientOut)
def update_patient(patient_id: PatientId, body: PatientPatch, actor: CurrentActor,
                   db: DB) -> PatientView:
    """Change the fields given (``weight_kg: null`` clears the weight)."""
    given = body.model_fields_set
    extra: dict[str, object] = {}
    if "weight_kg" in given:
        extra["weight_kg"] = body.weight_kg
    return schedule.update_patient(db, actor, patient_id, record_number=body.record_number,
                                   family_name=body.family_name, given_name=body.given_name,
                                   birth_date=body.birth_date, sex=body.sex,
                                   reason=body.reason, **extra)


# ------------------------------------------------------------------ appointments
@router.get("/appointments", response_model=list[AppointmentOut])
def appointments_on(actor: CurrentActor, db: DB,
                    day: Annotated[IsoDate, Query(alias="date", description=(
                        "the site's local day, YYYY-MM-DD"))],
                    site_id: OptionalIdQuery = None) -> list[AppointmentView]:
    """The appointments of a local day of the site (of every site of the organisation
    without ``site_id``), by time, with patient, procedure, camera and prescription."""
    return schedule.appointments_on(db, actor, site_id=site_id, day=day)


@router.post("/appointments", response_model=AppointmentOut, status_code=201)
def book(body: BookingIn, actor: CurrentActor, db: DB) -> AppointmentView:
    """Book a procedure on a camera (the site is the camera's). 404 for another
    organisation's patient, procedure or camera; 422 for an inactive one. A camera already
    booked then is a warning in ``warnings``."""
    return schedule.book(db, actor, patient_id=body.patient_id,
                         procedure_id=body.procedure_id, camera_id=body.camera_id,
                         scheduled_at=body.scheduled_at, weight_kg=body.weight_kg,
                         note=body.note)


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
def get_appointment(appointment_id: AppointmentId, actor: CurrentActor,
                    db: DB) -> AppointmentView:
    return schedule.appointment_view(db, actor, appointment_id)


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentOut)
def reschedule(appointment_id: AppointmentId, body: RescheduleIn, actor: CurrentActor,
               db: DB) -> AppointmentView:
    """409 once a dose was drawn or after cancellation."""
    return schedule.reschedule(db, actor, appointment_id, scheduled_at=body.scheduled_at,
                               camera_id=body.camera_id, reason=body.reason)


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel(appointment_id: AppointmentId, body: CancelIn, actor: CurrentActor,
           db: DB) -> AppointmentView:
    """409 once a dose was drawn."""
    return schedule.cancel(db, actor, appointment_id, reason=body.reason)


@router.put("/appointments/{appointment_id}/prescription", response_model=PrescriptionOut)
def prescribe(appointment_id: AppointmentId, body: PrescriptionIn, actor: CurrentActor,
              db: DB) -> PrescriptionView:
    """Physicians only. A value; a range (``activity_bq`` defaults to its midpoint); or
    nothing: the typical adult activity, or the EANM card for a child from the weight (422
    saying what to give when it cannot be computed). Above the adult maximum a note is
    needed. Replaces the prescription while no dose is drawn (409 after)."""
    return schedule.prescribe(db, actor, appointment_id, activity_bq=body.activity_bq,
                              min_bq=body.min_bq, max_bq=body.max_bq, note=body.note)
