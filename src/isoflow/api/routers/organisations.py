"""/organisations, /sites, /users: tenants, their sites and their people (administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    AtQuery,
    Contact,
    Flag,
    Id,
    Name,
    NewPassword,
    OptionalIdQuery,
    Out,
    Reason,
    Schema,
    Timezone,
    Username,
    error_responses,
    path_id,
)
from isoflow.domain.jurisdictions import JURISDICTION_CODES
from isoflow.domain.roles import ROLE_CODES
from isoflow.services import ledger, organisations
from isoflow.services.organisations import OrganisationView, SiteView, UserView

router = APIRouter(tags=["organisations"], responses=error_responses(401, 403, 404, 409, 422))

Jurisdiction = Literal[JURISDICTION_CODES]  # type: ignore[valid-type]
RoleName = Literal[ROLE_CODES]  # type: ignore[valid-type]
OrgId = Annotated[int, path_id("organisation id")]
SiteId = Annotated[int, path_id("site id")]
UserId = Annotated[int, path_id("user id")]


class OrganisationIn(Schema):
    name: Name
    kind: Literal["hospital", "supplier"]
    timezone: Timezone = Field(description="time zone of the first site (IANA name)")
    jurisdiction: Jurisdiction = Field(description="jurisdiction profile of the first site")
    site_name: Name | None = None


Tolerance = Annotated[float, Field(
    strict=True, gt=0, le=1, allow_inf_nan=False, examples=[0.1],
    description="a measurement departing from the book value by more than this fraction "
                "needs a note and is flagged as a discrepancy (0.1 = 10 %)")]


class SiteOut(Out):
    id: int
    org_id: int
    name: str
    timezone: str
    jurisdiction: str
    created_at: datetime
    measurement_tolerance: float
    emergency_contact: str | None


class OrganisationOut(Out):
    id: int
    name: str
    kind: str
    created_at: datetime


class OrganisationCreated(OrganisationOut):
    site: SiteOut


class OrganisationPatch(Schema):
    name: Name
    reason: Reason | None = None


class SiteIn(Schema):
    org_id: Id | None = Field(None, description="platform administrators only; default: "
                                                "your organisation")
    name: Name
    timezone: Timezone
    jurisdiction: Jurisdiction
    measurement_tolerance: Tolerance = 0.1
    emergency_contact: Contact | None = Field(None, description="given on the shipper's "
                                              "declarations of packages from the site")


class SitePatch(Schema):
    name: Name | None = None
    timezone: Timezone | None = None
    jurisdiction: Jurisdiction | None = None
    measurement_tolerance: Tolerance | None = None
    emergency_contact: Contact | None = Field(None, description="an empty text clears it")
    reason: Reason | None = None


class HoldingsOut(Out):
    site_id: int
    at: datetime
    activity_bq: dict[str, float] = Field(description="decay-corrected holdings per nuclide")
    total_bq: float


class UserIn(Schema):
    username: Username
    password: NewPassword = Field(description="a one-time password the user must change")
    role: RoleName
    full_name: Name | None = None
    org_id: Id | None = Field(None, description="platform administrators only")


class UserOut(Out):
    id: int
    org_id: int | None
    username: str
    full_name: str
    role: str
    active: bool
    must_change_password: bool
    created_at: datetime


class UserPatch(Schema):
    role: RoleName | None = None
    active: Flag | None = None
    full_name: Name | None = None
    password: NewPassword | None = Field(None, description="reset: a one-time password")
    reason: Reason | None = None


# ------------------------------------------------------------------ organisations
@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(actor: CurrentActor, db: DB) -> list[OrganisationView]:
    return organisations.list_organisations(db, actor)


@router.post("/organisations", response_model=OrganisationCreated, status_code=201)
def create_organisation(body: OrganisationIn, actor: CurrentActor, db: DB) -> dict[str, object]:
    """A new organisation and its first site (platform administrators)."""
    org, site = organisations.create_organisation(
        db, actor, name=body.name, kind=body.kind, timezone=body.timezone,
        jurisdiction=body.jurisdiction, site_name=body.site_name)
    return {**org.__dict__, "site": site}


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
def get_organisation(org_id: OrgId, actor: CurrentActor, db: DB) -> OrganisationView:
    return organisations.get_organisation(db, actor, org_id)


@router.patch("/organisations/{org_id}", response_model=OrganisationOut)
def rename_organisation(org_id: OrgId, body: OrganisationPatch, actor: CurrentActor,
                        db: DB) -> OrganisationView:
    return organisations.rename_organisation(db, actor, org_id, name=body.name,
                                             reason=body.reason)


# ------------------------------------------------------------------ sites
@router.get("/sites", response_model=list[SiteOut])
def list_sites(actor: CurrentActor, db: DB, org_id: OptionalIdQuery = None) -> list[SiteView]:
    return organisations.list_sites(db, actor, org_id=org_id)


@router.post("/sites", response_model=SiteOut, status_code=201)
def create_site(body: SiteIn, actor: CurrentActor, db: DB) -> SiteView:
    return organisations.create_site(db, actor, org_id=body.org_id, name=body.name,
                                     timezone=body.timezone, jurisdiction=body.jurisdiction,
                                     measurement_tolerance=body.measurement_tolerance,
                                     emergency_contact=body.emergency_contact)


@router.get("/sites/{site_id}", response_model=SiteOut)
def get_site(site_id: SiteId, actor: CurrentActor, db: DB) -> SiteView:
    return organisations.get_site(db, actor, site_id)


@router.patch("/sites/{site_id}", response_model=SiteOut)
def update_site(site_id: SiteId, body: SitePatch, actor: CurrentActor, db: DB) -> SiteView:
    return organisations.update_site(db, actor, site_id, name=body.name,
                                     timezone=body.timezone, jurisdiction=body.jurisdiction,
                                     measurement_tolerance=body.measurement_tolerance,
                                     emergency_contact=body.emergency_contact,
                                     reason=body.reason)


@router.get("/sites/{site_id}/holdings", response_model=HoldingsOut)
def site_holdings(site_id: SiteId, actor: CurrentActor, db: DB,
                  at: AtQuery = None) -> HoldingsOut:
    """What the site holds at ``at``, per nuclide, decay-corrected (for licence limits)."""
    from isoflow.services.clock import now

    t = at or now()
    held = ledger.site_possession(db, actor, site_id, t)
    return HoldingsOut(site_id=site_id, at=t, activity_bq=held, total_bq=sum(held.values()))


# ------------------------------------------------------------------ users
@router.get("/users", response_model=list[UserOut])
def list_users(actor: CurrentActor, db: DB) -> list[UserView]:
    return organisations.list_users(db, actor)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, actor: CurrentActor, db: DB) -> UserView:
    """A new user of your organisation with a one-time password."""
    return organisations.create_user(db, actor, username=body.username, password=body.password,
                                     role=body.role, org_id=body.org_id,
                                     full_name=body.full_name or "")


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: UserId, actor: CurrentActor, db: DB) -> UserView:
    return organisations.get_user(db, actor, user_id)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: UserId, body: UserPatch, actor: CurrentActor, db: DB) -> UserView:
    """Change role, name or status, or reset the password. Users are never deleted."""
    return organisations.update_user(db, actor, user_id, role=body.role, active=body.active,
                                     full_name=body.full_name, password=body.password,
                                     reason=body.reason)



class UnlockIn(Schema):
    reason: Reason | None = None


class UnlockOut(Out):
    username: str
    was_locked: bool = Field(description="whether a sign-in lock was in force")
    failures: int = Field(description="the failed sign-ins in a row that were cleared")
    locked_until: datetime | None


@router.post("/users/{user_id}/unlock", response_model=UnlockOut)
def unlock_user(user_id: UserId, actor: CurrentActor, db: DB,
                body: UnlockIn | None = None) -> UnlockOut:
    """Lift a user's sign-in lock and clear their failed sign-ins (administrators; an
    organisation's administrator for its own users). Audited."""
    from isoflow.services import auth

    user = organisations.get_user(db, actor, user_id)
    done = auth.unlock(db, actor, user.username, reason=body.reason if body else None)
    return UnlockOut(username=user.username, was_locked=done.was_locked,
                     failures=done.failures, locked_until=done.locked_until)
