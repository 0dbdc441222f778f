"""/licences: possession limits of each site's licence (per nuclide, or total)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Id,
    NuclideName,
    OptionalIdQuery,
    Out,
    Reason,
    Reference,
    Schema,
    UtcDatetime,
    error_responses,
    path_id,
)
from isoflow.services import licences
from isoflow.services.licences import LicenceLimitView

router = APIRouter(prefix="/licences", tags=["licences"],
                   responses=error_responses(401, 403, 404, 409, 422))
LicenceId = Annotated[int, path_id("licence limit id")]


class LicenceIn(Schema):
    site_id: Id
    nuclide: NuclideName | None = Field(None, description="None: a limit on the total of all "
                                                          "nuclides")
    limit_bq: ActivityBq
    valid_from: UtcDatetime | None = Field(None, description="default now")
    valid_to: UtcDatetime | None = None
    reference: Reference = Field("", description="licence number")


class LicenceOut(Out):
    id: int
    org_id: int
    site_id: int
    reference: str
    nuclide: str | None
    limit_bq: float
    valid_from: datetime
    valid_to: datetime | None
    created_at: datetime


class LicenceEnd(Schema):
    valid_to: UtcDatetime
    reason: Reason


@router.get("", response_model=list[LicenceOut])
def list_licences(actor: CurrentActor, db: DB,
                  site_id: OptionalIdQuery = None) -> list[LicenceLimitView]:
    return licences.list_limits(db, actor, site_id=site_id)


@router.post("", response_model=LicenceOut, status_code=201)
def add_licence(body: LicenceIn, actor: CurrentActor, db: DB) -> LicenceLimitView:
    """A possession limit [Bq] of a site's licence for a nuclide (or the total). 422 besides
    the schema's rules: an unknown nuclide, or ``valid_to`` not after ``valid_from``; 409 if a
    limit for the same nuclide overlaps it."""
    return licences.add_limit(db, actor, site_id=body.site_id, nuclide=body.nuclide,
                              limit_bq=body.limit_bq, valid_from=body.valid_from,
                              valid_to=body.valid_to, reference=body.reference)


@router.get("/{licence_id}", response_model=LicenceOut)
def get_licence(licence_id: LicenceId, actor: CurrentActor, db: DB) -> LicenceLimitView:
    return licences.get_limit(db, actor, licence_id)


@router.patch("/{licence_id}", response_model=LicenceOut)
def end_licence(licence_id: LicenceId, body: LicenceEnd, actor: CurrentActor,
                db: DB) -> LicenceLimitView:
    """End the limit's validity (amended or expired licence); never extended or deleted.
    422 if ``valid_to`` is not after the limit's ``valid_from``; 409 if it would extend it."""
    return licences.end_limit(db, actor, licence_id, valid_to=body.valid_to, reason=body.reason)
