"""/kit-preparations, /doses and /administrations: kits labelled from an eluate, their RCP
and signed release; patient doses drawn, assayed and administered; the RSO's review of
administrations outside the prescription's tolerance (issue #10, item 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Id,
    IsoDate,
    Label,
    MeasuredBq,
    Note,
    OptionalIdQuery,
    Out,
    Password,
    Reason,
    Schema,
    UtcDatetime,
    VolumeMl,
    error_responses,
    path_id,
)
from isoflow.services import doses, kits
from isoflow.services.doses import AdministrationView, DoseView
from isoflow.services.kits import KitPreparationView

router = APIRouter(tags=["dispensing"], responses=error_responses(401, 403, 404, 409, 422))
PreparationId = Annotated[int, path_id("kit preparation id")]
DoseId = Annotated[int, path_id("dose id")]
AdministrationId = Annotated[int, path_id("administration id")]
DayQuery = Annotated[IsoDate | None, Query(alias="date", description=(
    "the site's local day, YYYY-MM-DD (needs site_id)"))]


class KitPreparationIn(Schema):
    kit_id: Id
    kit_lot: Label = Field(description="the kit's lot number")
    eluate_container_id: Id
    prepared_at: UtcDatetime
    activity_bq: ActivityBq
    volume_ml: VolumeMl
    note: Note | None = None


class KitPreparationOut(Out):
    id: int
    org_id: int
    site_id: int
    kit_id: int
    kit_code: str
    kit_name: str
    radiopharmaceutical: str
    kit_lot: str
    vial_container_id: int
    eluate_container_id: int
    prepared_at: datetime
    activity_bq: float
    volume_ml: float
    expires_at: datetime
    rcp_min: float
    rcp_fraction: float | None
    rcp_passed: bool | None
    rcp_at: datetime | None
    status: str
    prepared_by: str
    released_by: str | None
    released_at: datetime | None
    signature_id: int | None
    note: str | None
    at: datetime
    activity_now_bq: float
    volume_now_ml: float | None
    expired: bool


class RcpIn(Schema):
    rcp_fraction: Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False,
                                         description="radiochemical purity, 0.95 = 95 %")]
    tested_at: UtcDatetime


class ReleaseIn(Schema):
    password: Password = Field(description="the signer's own password: the release is an "
                                           "electronic signature meaning 'released'")
    comment: Note | None = None


class DoseIn(Schema):
    appointment_id: Id
    source_container_id: Id
    drawn_at: UtcDatetime
    activity_bq: ActivityBq | None = Field(None, description="wanted at planned_at; default "
                                                             "the prescription's")
    planned_at: UtcDatetime | None = Field(None, description="default the appointment's time")
    calibrator_id: Id | None = None
    note: Note | None = None


class DoseOut(Out):
    id: int
    org_id: int
    site_id: int
    appointment_id: int
    accession_number: str
    patient_id: int
    patient_name: str
    record_number: str
    procedure_name: str
    radiopharmaceutical: str
    nuclide: str
    source_container_id: int
    syringe_container_id: int
    syringe_label: str
    drawn_at: datetime
    planned_at: datetime
    wanted_bq: float
    drawn_bq: float
    volume_ml: float
    assayed_bq: float | None
    assayed_at: datetime | None
    calibrator_id: int | None
    status: str
    drawn_by: str
    note: str | None
    prescribed_bq: float
    prescribed_min_bq: float | None
    prescribed_max_bq: float | None
    particles: float | None
    warnings: list[str]
    administration_id: int | None


class AssayIn(Schema):
    assayed_bq: MeasuredBq
    assayed_at: UtcDatetime
    calibrator_id: Id | None = None
    note: Note | None = None


class AdministrationIn(Schema):
    administered_at: UtcDatetime
    residual_bq: MeasuredBq = 0.0
    residual_at: UtcDatetime | None = Field(None, description="default administered_at")
    route: Annotated[str, Field(strict=True, min_length=1, max_length=40)] = "intravenous"
    reason: Reason | None = Field(None, description="needed outside the tolerance")
    note: Note | None = None


class AdministrationOut(Out):
    id: int
    org_id: int
    dose_id: int
    appointment_id: int
    patient_name: str
    radiopharmaceutical: str
    administered_at: datetime
    residual_bq: float
    residual_at: datetime
    net_bq: float
    prescribed_bq: float
    deviation: float
    flagged: bool
    reason: str | None
    route: str
    administered_by: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    note: str | None


class ReviewIn(Schema):
    note: Reason


# ------------------------------------------------------------------ kits
@router.get("/kit-preparations", response_model=list[KitPreparationOut])
def list_kit_preparations(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                          day: DayQuery = None) -> list[KitPreparationView]:
    return kits.list_kit_preparations(db, actor, site_id=site_id, day=day)


@router.post("/kit-preparations", response_model=KitPreparationOut, status_code=201)
def prepare_kit(body: KitPreparationIn, actor: CurrentActor, db: DB) -> KitPreparationView:
    """Label a kit vial from an eluate (a ledger transfer). 422 naming the field: an expired
    or too old eluate, the carrier rule, above the kit's activity or volume, a failed
    elution; 409 (activity_bq) if the eluate does not hold that much."""
    return kits.prepare_kit(db, actor, kit_id=body.kit_id, kit_lot=body.kit_lot,
                            eluate_container_id=body.eluate_container_id,
                            prepared_at=body.prepared_at, activity_bq=body.activity_bq,
                            volume_ml=body.volume_ml, note=body.note)


@router.get("/kit-preparations/{preparation_id}", response_model=KitPreparationOut)
def get_kit_preparation(preparation_id: PreparationId, actor: CurrentActor,
                        db: DB) -> KitPreparationView:
    return kits.get_kit_preparation(db, actor, preparation_id)


@router.post("/kit-preparations/{preparation_id}/rcp", response_model=KitPreparationOut)
def record_rcp(preparation_id: PreparationId, body: RcpIn, actor: CurrentActor,
               db: DB) -> KitPreparationView:
    """Passed at or above the kit's minimum; a failed test rejects the kit."""
    return kits.record_rcp(db, actor, preparation_id, rcp_fraction=body.rcp_fraction,
                           tested_at=body.tested_at)


@router.post("/kit-preparations/{preparation_id}/release", response_model=KitPreparationOut)
def release_kit(preparation_id: PreparationId, body: ReleaseIn, actor: CurrentActor,
                db: DB) -> KitPreparationView:
    """An electronic signature meaning "released" (21 CFR 11.50); 401 on a wrong password
    (nothing changed); 409 without a passed RCP or after expiry."""
    return kits.release_kit(db, actor, preparation_id, password=body.password,
                            comment=body.comment)


# ------------------------------------------------------------------ doses
@router.get("/doses", response_model=list[DoseOut])
def list_doses(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
               day: DayQuery = None) -> list[DoseView]:
    return doses.list_doses(db, actor, site_id=site_id, day=day)


@router.post("/doses", response_model=DoseOut, status_code=201)
def draw_dose(body: DoseIn, actor: CurrentActor, db: DB) -> DoseView:
    """Draw the dose for an appointment into a syringe (a ledger transfer), the volume from
    the source's concentration for the activity wanted at planned_at. 409 (activity_bq)
    above what the vial holds; 409 (calibrator_id) when the calibrator's QC blocks."""
    return doses.draw_dose(db, actor, appointment_id=body.appointment_id,
                           source_container_id=body.source_container_id,
                           drawn_at=body.drawn_at, activity_bq=body.activity_bq,
                           planned_at=body.planned_at, calibrator_id=body.calibrator_id,
                           note=body.note)


@router.get("/doses/{dose_id}", response_model=DoseOut)
def get_dose(dose_id: DoseId, actor: CurrentActor, db: DB) -> DoseView:
    return doses.get_dose(db, actor, dose_id)


@router.post("/doses/{dose_id}/assay", response_model=DoseOut)
def assay_dose(dose_id: DoseId, body: AssayIn, actor: CurrentActor, db: DB) -> DoseView:
    return doses.assay_dose(db, actor, dose_id, assayed_bq=body.assayed_bq,
                            assayed_at=body.assayed_at, calibrator_id=body.calibrator_id,
                            note=body.note)


@router.post("/doses/{dose_id}/administration", response_model=AdministrationOut,
             status_code=201)
def administer(dose_id: DoseId, body: AdministrationIn, actor: CurrentActor,
               db: DB) -> AdministrationView:
    """422 (administered_at) before the draw; 409 if already administered; outside the
    tolerance 422 (reason) without a reason, else recorded and flagged for the RSO."""
    return doses.administer(db, actor, dose_id, administered_at=body.administered_at,
                            residual_bq=body.residual_bq, residual_at=body.residual_at,
                            route=body.route, reason=body.reason, note=body.note)


# ------------------------------------------------------------------ administrations
@router.get("/administrations", response_model=list[AdministrationOut])
def list_administrations(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                         day: DayQuery = None,
                         flagged: Annotated[bool, Query()] = False) -> list[AdministrationView]:
    return doses.list_administrations(db, actor, site_id=site_id, day=day,
                                      flagged_only=flagged)


@router.post("/administrations/{administration_id}/review", response_model=AdministrationOut)
def review_administration(administration_id: AdministrationId, body: ReviewIn,
                          actor: CurrentActor, db: DB) -> AdministrationView:
    return doses.review_administration(db, actor, administration_id, note=body.note)
