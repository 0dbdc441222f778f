"""The hot lab: generator receipt (with the package survey) and elutions with their QC.

``POST /generators/received`` sits beside the stateless physics routes of
``/generators/...`` (types, curve, breakthrough, plan); the recorded generators are
``/generator-records``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    AtQuery,
    Id,
    Name,
    Note,
    OptionalIdQuery,
    Out,
    Schema,
    Serial,
    UtcDatetime,
    VolumeMl,
    error_responses,
    path_id,
)
from isoflow.services import elutions
from isoflow.services.elutions import ElutionView, GeneratorDetailView, GeneratorView

router = APIRouter(tags=["hot lab"], responses=error_responses(401, 403, 404, 409, 422))
ContainerId = Annotated[int, path_id("the generator's ledger container id")]
ElutionId = Annotated[int, path_id("elution id")]

Rate = Annotated[float, Field(strict=True, ge=0, le=1e12, allow_inf_nan=False,
                              description="a dose rate [µSv/h], a JSON number >= 0")]
Wipe = Annotated[float, Field(strict=True, ge=0, le=1e15, allow_inf_nan=False,
                              description="removable contamination [Bq per 100 cm²] >= 0")]
NonNegative = Annotated[float, Field(strict=True, ge=0, le=1e30, allow_inf_nan=False)]


class GeneratorIn(Schema):
    site_id: Id
    generator_type: Annotated[str, Field(strict=True, min_length=1, max_length=40,
                                         examples=["GT-4K"],
                                         description="a type of the generator catalogue")]
    serial: Serial
    activity_bq: ActivityBq = Field(description="parent (Mo-99) activity at calibration [Bq]")
    calibration_at: UtcDatetime
    received_at: UtcDatetime | None = Field(None, description="default now")
    surface_usv_h: Rate
    at_1m_usv_h: Rate
    wipe_bq_per_100cm2: Wipe
    supplier: Name | None = None
    expires_at: UtcDatetime | None = Field(None, description="default: calibration + the "
                                                             "type's shelf life")
    note: Note | None = None


class GeneratorOut(Out):
    container_id: int
    org_id: int
    site_id: int
    timezone: str
    jurisdiction: str
    generator_type: str
    pair: str
    parent: str
    daughter: str
    serial: str
    supplier: str | None
    activity_bq: float
    calibration_at: datetime
    received_at: datetime
    expires_at: datetime | None
    surveyed_at: datetime
    surface_usv_h: float
    at_1m_usv_h: float
    wipe_bq_per_100cm2: float
    survey_passed: bool
    survey_reasons: list[str]
    transport_index: float
    label_category: str | None
    surveyed_by: str
    label: str
    disposed: bool
    expired: bool
    elution_count: int
    flags: list[str]


class ElutionIn(Schema):
    eluted_at: UtcDatetime
    volume_ml: VolumeMl
    measured_bq: ActivityBq = Field(description="Tc-99m measured at elution [Bq]")
    mo99_bq: NonNegative | None = Field(None, description="Mo-99 in the eluate at elution "
                                                          "[Bq]")
    aluminium_ug_per_ml: NonNegative | None = Field(None, description="Al³⁺ [µg/mL]")
    calibrator_id: Id | None = None
    note: Note | None = None


class ElutionOut(Out):
    id: int
    org_id: int
    site_id: int
    timezone: str
    jurisdiction: str
    generator_container_id: int
    serial: str
    eluate_container_id: int
    eluate_label: str
    nuclide: str
    eluted_at: datetime
    volume_ml: float
    measured_bq: float
    predicted_bq: float
    yield_ratio: float | None
    yield_band: tuple[float, float]
    yield_flagged: bool
    mo99_bq: float | None
    breakthrough_kbq_per_mbq: float | None
    breakthrough_passed: bool | None
    breakthrough_reasons: list[str]
    use_until: datetime | None
    aluminium_ug_per_ml: float | None
    aluminium_limit_ug_per_ml: float | None
    aluminium_passed: bool | None
    calibrator_id: int | None
    performed_by: str
    note: str | None
    since_previous_s: float | None
    carrier_warning: bool
    first_elution: bool
    flags: list[str]
    warnings: list[str]


class GeneratorDetailOut(Out):
    generator: GeneratorOut
    at: datetime
    parent_now_bq: float
    daughter_available_now_bq: float | None
    next_maximum_at: datetime | None
    daughter_at_maximum_bq: float | None
    elutions: list[ElutionOut]


@router.post("/generators/received", response_model=GeneratorOut, status_code=201)
def receive_generator(body: GeneratorIn, actor: CurrentActor, db: DB) -> GeneratorView:
    """Receive a generator into the ledger with its package survey. A failed survey is
    recorded and flagged (``survey_failed``), not refused. 422 for an unknown type, a time
    without a zone, a negative or non-number rate; 409 over the licence."""
    return elutions.receive_generator(db, actor, **body.model_dump())


@router.get("/generator-records", response_model=list[GeneratorOut])
def list_generators(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                    include_expired: bool = False) -> list[GeneratorView]:
    return elutions.list_generators(db, actor, site_id=site_id,
                                    include_expired=include_expired)


@router.get("/generator-records/{container_id}", response_model=GeneratorDetailOut)
def generator_detail(container_id: ContainerId, actor: CurrentActor, db: DB,
                     at: AtQuery = None) -> GeneratorDetailView:
    """The generator, its parent and the daughter available now and at the next in-growth
    maximum, and its elutions."""
    return elutions.generator_detail(db, actor, container_id, at=at)


@router.post("/generator-records/{container_id}/elutions", response_model=ElutionOut,
             status_code=201)
def elute(container_id: ContainerId, body: ElutionIn, actor: CurrentActor,
          db: DB) -> ElutionView:
    """Elute: the eluate container and the elution with its QC (yield, breakthrough,
    aluminium). 422 before receipt, after expiry, or (NRC) a first eluate without Mo-99."""
    return elutions.elute(db, actor, container_id, **body.model_dump())


@router.get("/elutions", response_model=list[ElutionOut])
def list_elutions(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                  since: AtQuery = None, until: AtQuery = None) -> list[ElutionView]:
    return elutions.list_elutions(db, actor, site_id=site_id, since=since, until=until)


@router.get("/elutions/{elution_id}", response_model=ElutionOut)
def get_elution(elution_id: ElutionId, actor: CurrentActor, db: DB) -> ElutionView:
    return elutions.get_elution(db, actor, elution_id)
