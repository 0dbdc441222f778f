"""/calibrators/{id}/checks and /calibrators/{id}/status: dose-calibrator QC (issue #10). The
catalogue owns /calibrators and /calibrators/{id} themselves; these are the sub-paths."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    AtQuery,
    Note,
    NuclideName,
    Out,
    Schema,
    UtcDatetime,
    error_responses,
    path_id,
)
from isoflow.domain.calibrator_qc import SourceReading
from isoflow.services import quality
from isoflow.services.quality import CalibratorStatusView, CheckView

router = APIRouter(prefix="/calibrators", tags=["quality"],
                   responses=error_responses(401, 403, 404, 422))
CalibratorId = Annotated[int, path_id("dose calibrator id")]


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


@router.get("/{calibrator_id}/checks", response_model=list[CheckOut])
def list_checks(calibrator_id: CalibratorId, actor: CurrentActor, db: DB,
                kind: Annotated[Literal["constancy", "linearity", "accuracy", "geometry"]
                                | None, Query()] = None,
                since: AtQuery = None) -> list[CheckView]:
    return quality.list_checks(db, actor, calibrator_id, kind=kind, since=since)


@router.post("/{calibrator_id}/checks", response_model=CheckOut, status_code=201)
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


@router.get("/{calibrator_id}/status", response_model=StatusOut)
def calibrator_status(calibrator_id: CalibratorId, actor: CurrentActor, db: DB,
                      at: AtQuery = None) -> CalibratorStatusView:
    """The latest test of each kind, due dates, and what blocks or warns for dispensing."""
    return quality.calibrator_status(db, actor, calibrator_id, at)
