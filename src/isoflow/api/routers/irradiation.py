"""/api/v1 — the supplier's Co-60 irradiation centres (issue #11): each centre's installed
sources, total activity now and projected, the date it falls below the customer's minimum and
the replenishment proposal; installing and removing a source (logistics or sales)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Out,
    Reason,
    Schema,
    Serial,
    UtcDatetime,
    error_responses,
    path_id,
)
from isoflow.domain import irradiation as rules
from isoflow.services import irradiation
from isoflow.services.irradiation import CentreDetail, CentreView, SourceView

router = APIRouter(tags=["irradiation centres"],
                   responses=error_responses(401, 403, 404, 409, 422))
CustomerId = Annotated[int, path_id("customer id (an irradiation centre)")]
SourceId = Annotated[int, path_id("installed source id")]
LeadMonths = Annotated[int, Query(ge=rules.LEAD_MONTHS_RANGE[0], le=rules.LEAD_MONTHS_RANGE[1],
                                  description="procurement lead time [months] (the reference "
                                              "says 12-36)")]
Margin = Annotated[float, Query(ge=rules.MARGIN_RANGE[0], le=rules.MARGIN_RANGE[1],
                                allow_inf_nan=False,
                                description="the proposal tops up to minimum × (1 + margin)")]
Years = Annotated[int, Query(ge=1, le=irradiation.MAX_YEARS,
                             description="projection span [years], monthly points")]


class InstalledSourceIn(Schema):
    serial: Annotated[Serial, Field(max_length=irradiation.SERIAL_MAX)]
    activity_bq: ActivityBq = Field(description="activity [Bq] at reference_at (certificate)")
    reference_at: UtcDatetime
    installed_at: UtcDatetime
    nuclide: Literal["Co-60"] = Field("Co-60", description="the sources of an irradiation "
                                                           "centre are Co-60")


class SourceRemovalIn(Schema):
    at: UtcDatetime
    reason: Reason


class InstalledSourceOut(Out):
    id: int
    org_id: int
    customer_id: int
    serial: str
    nuclide: str
    activity_bq: float
    reference_at: datetime
    installed_at: datetime
    removed_at: datetime | None
    activity_now_bq: float
    installed_now: bool


class ReplenishmentOut(Out):
    needed_at: datetime = Field(description="when the total falls below the minimum")
    order_by: datetime = Field(description="needed_at minus the lead time")
    due: bool
    lead_months: int
    margin: float
    minimum_bq: float
    target_bq: float
    installed_at_need_bq: float
    add_bq: float = Field(description="new Co-60 [Bq] stated at needed_at")
    annual_decay_fraction: float
    annual_replenishment_bq: float = Field(description="new Co-60 per year that holds the "
                                                       "target steady")


class IrradiationCentreOut(Out):
    customer_id: int
    org_id: int
    code: str
    name: str
    country: str
    timezone: str
    at: datetime
    minimum_bq: float | None
    installed_now_bq: float
    sources_installed: int
    below_at: datetime | None
    proposal: ReplenishmentOut | None


class ProjectionPointOut(Out):
    at: datetime
    activity_bq: float


class IrradiationCentreDetailOut(Out):
    centre: IrradiationCentreOut
    sources: list[InstalledSourceOut]
    years: int
    projection: list[ProjectionPointOut]


@router.get("/irradiation-centres", response_model=list[IrradiationCentreOut])
def list_centres(actor: CurrentActor, db: DB, lead_months: LeadMonths = rules.DEFAULT_LEAD_MONTHS,
                 margin: Margin = rules.DEFAULT_MARGIN) -> list[CentreView]:
    """The organisation's irradiation centres: installed Co-60 now, the minimum, when it falls
    below it and the replenishment proposal."""
    return irradiation.list_centres(db, actor, lead_months=lead_months, margin=margin)


@router.get("/irradiation-centres/{customer_id}", response_model=IrradiationCentreDetailOut)
def centre(customer_id: CustomerId, actor: CurrentActor, db: DB, years: Years = 10,
           lead_months: LeadMonths = rules.DEFAULT_LEAD_MONTHS,
           margin: Margin = rules.DEFAULT_MARGIN) -> CentreDetail:
    """One centre: its sources (removed ones too), the monthly projection and the proposal.
    404 if the customer is not an irradiation centre."""
    return irradiation.centre_detail(db, actor, customer_id, years=years,
                                     lead_months=lead_months, margin=margin)


@router.post("/irradiation-centres/{customer_id}/sources", response_model=InstalledSourceOut,
             status_code=201)
def install_source(customer_id: CustomerId, body: InstalledSourceIn, actor: CurrentActor,
                   db: DB) -> SourceView:
    """Record a sealed source installed at the centre. 422 besides the schema's rules: the
    customer is not an irradiation centre, the reference
    time is more than 100 years from the installation; 409: the serial is already recorded
    at this customer."""
    return irradiation.install_source(db, actor, customer_id, serial=body.serial,
                                      activity_bq=body.activity_bq,
                                      reference_at=body.reference_at,
                                      installed_at=body.installed_at, nuclide=body.nuclide)


@router.post("/installed-sources/{source_id}/removal", response_model=InstalledSourceOut)
def remove_source(source_id: SourceId, body: SourceRemovalIn, actor: CurrentActor,
                  db: DB) -> SourceView:
    """Record that a source left the centre. 422 besides the schema's rules: ``at`` is not
    after its installation; 409: already removed."""
    return irradiation.remove_source(db, actor, source_id, at=body.at, reason=body.reason)
