"""/calibrators/{id}/checks and /calibrators/{id}/status: dose-calibrator QC, and /waste:
decay-in-storage (issue #10). The catalogue owns /calibrators and /calibrators/{id}
themselves; these are the sub-paths."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    AtQuery,
    Id,
    Label,
    MeasuredBq,
    Note,
    NuclideName,
    OptionalIdQuery,
    Out,
    Schema,
    UtcDatetime,
    error_responses,
    path_id,
)
from isoflow.domain.calibrator_qc import SourceReading
from isoflow.services import quality, waste
from isoflow.services.quality import CalibratorStatusView, CheckView
from isoflow.services.waste import WasteView

router = APIRouter(tags=["quality"], responses=error_responses(401, 403, 404, 409, 422))
CalibratorId = Annotated[int, path_id("dose calibrator id")]
WasteId = Annotated[int, path_id("waste container id")]


class SourceIn(Schema):
    nuclide: NuclideName
    reference_bq: ActivityBq = Field(description="certified activity at reference_at")
    reference_at: UtcDatetime
    measured_bq: ActivityBq


class ConstancyIn(SourceIn):
    kind: Literal["constancy"]
    performed_at: UtcDatetime
    note: Note | None = None


class AccuracyIn(Schema):
    kind: Literal["accuracy"]
    performed_at: UtcDatetime
    sources: list[SourceIn] = Field(min_length=1, max_length=20)
    note: Note | None = None


class Reading(Schema):
    at: UtcDatetime
    measured_bq: ActivityBq


class LinearityIn(Schema):
    kind: Literal["linearity"]
    nuclide: NuclideName = "Tc-99m"
    readings: list[Reading] = Field(min_length=5, max_length=200)
    note: Note | None = None


CheckIn = Annotated[ConstancyIn | AccuracyIn | LinearityIn, Field(discriminator="kind")]


class CheckOut(Out):
    id: int
    calibrator_id: int
    kind: str
    performed_at: datetime
    nuclide: str | None
    expected_bq: float | None
    measured_bq: float | None
    deviation: float | None
    passed: bool
    data: dict[str, Any] | None
    performed_by: str
    note: str | None


class KindStatusOut(Out):
    kind: str
    latest: CheckOut | None
    due_at: datetime | None
    state: str = Field(description="ok, due, overdue, failed or missing")


class StatusOut(Out):
    calibrator_id: int
    name: str
    site_id: int
    timezone: str
    jurisdiction: str
    at: datetime
    tolerance: float
    state: str = Field(description="ok, due, overdue, failed or blocked (dispensing)")
    kinds: list[KindStatusOut]
    blocking: list[str]
    warnings: list[str]


@router.get("/calibrators/{calibrator_id}/checks", response_model=list[CheckOut])
def list_checks(calibrator_id: CalibratorId, actor: CurrentActor, db: DB,
                kind: Annotated[Literal["constancy", "linearity", "accuracy", "geometry"]
                                | None, Query()] = None,
                since: AtQuery = None) -> list[CheckView]:
    return quality.list_checks(db, actor, calibrator_id, kind=kind, since=since)


@router.post("/calibrators/{calibrator_id}/checks", response_model=CheckOut, status_code=201)
def record_check(calibrator_id: CalibratorId, body: CheckIn, actor: CurrentActor,
                 db: DB) -> CheckView:
    """A QC test, by ``kind``: constancy (a check source), accuracy (certified sources; the
    worst deviation counts) or linearity (a decay series: ≥ 5 readings over ≥ 24 h). The
    action level is the site profile's; a failed test is recorded (passed=false) and audited
    as "qc_failed"."""
    if isinstance(body, ConstancyIn):
        return quality.record_constancy(
            db, actor, calibrator_id, performed_at=body.performed_at, nuclide=body.nuclide,
            reference_bq=body.reference_bq, reference_at=body.reference_at,
            measured_bq=body.measured_bq, note=body.note)
    if isinstance(body, AccuracyIn):
        return quality.record_accuracy(
            db, actor, calibrator_id, performed_at=body.performed_at,
            sources=[SourceReading(x.nuclide, x.reference_bq, x.reference_at, x.measured_bq)
                     for x in body.sources], note=body.note)
    return quality.record_linearity(db, actor, calibrator_id,
                                    readings=[(r.at, r.measured_bq) for r in body.readings],
                                    nuclide=body.nuclide, note=body.note)


@router.get("/calibrators/{calibrator_id}/status", response_model=StatusOut)
def calibrator_status(calibrator_id: CalibratorId, actor: CurrentActor, db: DB,
                      at: AtQuery = None) -> CalibratorStatusView:
    """The latest test of each kind, due dates, and what blocks or warns for dispensing."""
    return quality.calibrator_status(db, actor, calibrator_id, at)


# ------------------------------------------------------------------ decay-in-storage
class WasteIn(Schema):
    site_id: Id
    label: Label
    opened_at: UtcDatetime | None = Field(None, description="default now")
    note: Note | None = None


class WasteItemIn(Schema):
    nuclide: NuclideName | None = Field(None, description="the source container's if given")
    activity_bq: ActivityBq | None = Field(
        None, description="with a source container: its remaining activity (±1 %)")
    reference_at: UtcDatetime | None = Field(None, description="default now")
    source_container_id: Id | None = Field(
        None, description="a ledger container: disposed of in the ledger into this waste")
    description: Label | None = None


class SealIn(Schema):
    sealed_at: UtcDatetime | None = Field(None, description="default now")


class ReleaseIn(Schema):
    surveyed_at: UtcDatetime
    background_usv_h: MeasuredBq = Field(description="background dose rate [µSv/h]")
    surface_usv_h: MeasuredBq = Field(description="unshielded surface dose rate [µSv/h]")
    instrument: Label


class WasteItemOut(Out):
    id: int
    nuclide: str
    activity_bq: float
    reference_at: datetime
    activity_now_bq: float
    source_container_id: int | None
    description: str | None
    added_at: datetime
    added_by: str


class WasteOut(Out):
    id: int
    org_id: int
    site_id: int
    timezone: str
    label: str
    status: str
    opened_at: datetime
    sealed_at: datetime | None
    release_at: datetime | None
    activity_now_bq: float
    items: list[WasteItemOut]
    background_usv_h: float | None
    surface_usv_h: float | None
    instrument: str | None
    surveyed_at: datetime | None
    surveyed_by: str | None
    disposed_at: datetime | None
    created_by: str
    note: str | None


@router.get("/waste", response_model=list[WasteOut])
def list_waste(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
               status: Annotated[Literal["open", "sealed", "released"] | None,
                                 Query()] = None) -> list[WasteView]:
    return waste.list_waste(db, actor, site_id=site_id, status=status)


@router.post("/waste", response_model=WasteOut, status_code=201)
def open_waste(body: WasteIn, actor: CurrentActor, db: DB) -> WasteView:
    return waste.open_waste(db, actor, site_id=body.site_id, label=body.label,
                            opened_at=body.opened_at, note=body.note)


@router.get("/waste/{waste_id}", response_model=WasteOut)
def get_waste(waste_id: WasteId, actor: CurrentActor, db: DB,
              at: AtQuery = None) -> WasteView:
    return waste.get_waste(db, actor, waste_id, at)


@router.post("/waste/{waste_id}/items", response_model=WasteOut, status_code=201)
def add_waste(waste_id: WasteId, body: WasteItemIn, actor: CurrentActor,
              db: DB) -> WasteView:
    """Waste into an open container; 422 for a nuclide above 120 days' half-life (10 CFR
    35.92); 409 if the container is sealed."""
    return waste.add_waste(db, actor, waste_id, nuclide=body.nuclide,
                           activity_bq=body.activity_bq, reference_at=body.reference_at,
                           source_container_id=body.source_container_id,
                           description=body.description)


@router.post("/waste/{waste_id}/seal", response_model=WasteOut)
def seal_waste(waste_id: WasteId, body: SealIn, actor: CurrentActor, db: DB) -> WasteView:
    return waste.seal_waste(db, actor, waste_id, sealed_at=body.sealed_at)


@router.post("/waste/{waste_id}/release", response_model=WasteOut)
def release_waste(waste_id: WasteId, body: ReleaseIn, actor: CurrentActor,
                  db: DB) -> WasteView:
    """The release survey: 409 before the release date, 422 if the surface reading is above
    1.1 × background."""
    return waste.release_waste(db, actor, waste_id, surveyed_at=body.surveyed_at,
                               background_usv_h=body.background_usv_h,
                               surface_usv_h=body.surface_usv_h, instrument=body.instrument)
