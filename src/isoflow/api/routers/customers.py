"""/customers, /customer-licences, /customer-routes: the supplier's customers with their
licences per nuclide and delivery routes (issue #11). Countries are ISO 3166-1 alpha-2 codes,
zones IANA names, activities in Bq, transit times in s, licence dates calendar days in the
customer's zone (inclusive). Sales and administrators write; another organisation's ids
answer 404. A licence is ended early (never extended: add the renewal)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Flag,
    IsoDate,
    Name,
    Note,
    NuclideName,
    Out,
    Reason,
    Schema,
    Timezone,
    error_responses,
    integer,
    path_id,
)
from isoflow.domain import supply_catalogue as rules
from isoflow.domain.text import text_pattern
from isoflow.services import customers
from isoflow.services.customers import CustomerDetail, CustomerView, LicenceView, RouteView

router = APIRouter(tags=["customers"], responses=error_responses(401, 403, 404, 409, 422))
CustomerId = Annotated[int, path_id("customer id")]
CustomerLicenceId = Annotated[int, path_id("customer licence id")]
RouteId = Annotated[int, path_id("delivery route id")]

_COUNTRIES = list(rules.country_codes())


def _country(value: str) -> str:
    if value not in _COUNTRIES:
        raise PydanticCustomError("country", "an ISO 3166-1 alpha-2 code such as CU")
    return value


Country = Annotated[str, Field(strict=True, json_schema_extra={"enum": _COUNTRIES},
                               description="ISO 3166-1 alpha-2 country code"),
                    AfterValidator(_country)]
Code = Annotated[str, Field(strict=True, min_length=1, max_length=rules.CODE_MAX,
                            pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", examples=["CU-HAVANA"],
                            description="letters, digits, '_', '-', '.'; unique in the "
                                        "organisation; never changes")]
Kind = Literal["hospital", "irradiation_centre", "distributor", "research"]
Mode = Literal["road", "air"]
Priority = Annotated[integer(rules.PRIORITY_MIN, rules.PRIORITY_MAX),  # type: ignore[valid-type]
                     Field(description="allocation priority, 1 served first")]
MinInstalled = Annotated[ActivityBq, Field(description="an irradiation centre's least "
                                                       "installed Co-60 activity [Bq]")]
LicenceNumber = Annotated[str, Field(strict=True, min_length=1,
                                     max_length=customers.LICENCE_NUMBER_MAX,
                                     pattern=text_pattern(), examples=["CU-1"])]
Transit = Annotated[float, Field(strict=True, gt=0, le=rules.TRANSIT_MAX_S,
                                 allow_inf_nan=False,
                                 description="door-to-door transit [s], at most 30 days")]


class CustomerIn(Schema):
    code: Code
    name: Name
    country: Country
    timezone: Timezone
    kind: Kind
    priority: Priority = 3  # type: ignore[valid-type]
    min_installed_bq: MinInstalled | None = Field(None, description="irradiation centres only")
    contact: Note | None = None


class CustomerPatch(Schema):
    """Only the fields sent change; null clears the minimum or the contact."""

    name: Name | None = None
    country: Country | None = None
    timezone: Timezone | None = None
    kind: Kind | None = None
    priority: Priority | None = None  # type: ignore[valid-type]
    min_installed_bq: MinInstalled | None = None
    contact: Note | None = None
    active: Flag | None = None
    reason: Reason


class CustomerOut(Out):
    id: int
    org_id: int
    code: str
    name: str
    country: str
    timezone: str
    kind: str
    priority: int
    min_installed_bq: float | None
    contact: str | None
    active: bool
    created_at: datetime


class CustomerCountOut(BaseModel):
    value: str
    count: int


class CustomerPageOut(BaseModel):
    items: list[CustomerOut]
    total: int
    limit: int
    offset: int
    by_country: list[CustomerCountOut] = Field(
        description="the matches by country, the country filter left out")
    by_kind: list[CustomerCountOut] = Field(
        description="the matches by kind, the kind filter left out")


class CustomerLicenceIn(Schema):
    number: LicenceNumber
    nuclide: NuclideName
    limit_bq: ActivityBq = Field(description="the most the customer may hold [Bq]")
    valid_from: IsoDate
    valid_to: IsoDate = Field(description="the last valid day, not before valid_from")


class CustomerLicenceEnd(Schema):
    valid_to: IsoDate = Field(description="the new last valid day: not after the current "
                                          "one, not before the first")
    reason: Reason


class CustomerLicenceOut(Out):
    id: int
    org_id: int
    customer_id: int
    number: str
    nuclide: str
    limit_bq: float
    valid_from: date
    valid_to: date
    created_at: datetime


class DeliveryRouteIn(Schema):
    name: Name
    mode: Mode
    transit_s: Transit


class DeliveryRouteActive(Schema):
    active: Flag
    reason: Reason


class DeliveryRouteOut(Out):
    id: int
    org_id: int
    customer_id: int
    name: str
    mode: str
    transit_s: float
    active: bool


class CustomerDetailOut(BaseModel):
    customer: CustomerOut
    licences: list[CustomerLicenceOut]
    routes: list[DeliveryRouteOut]
    installed_sources: int


def _detail(d: CustomerDetail) -> CustomerDetailOut:
    return CustomerDetailOut(
        customer=CustomerOut.model_validate(d.customer),
        licences=[CustomerLicenceOut.model_validate(x) for x in d.licences],
        routes=[DeliveryRouteOut.model_validate(r) for r in d.routes],
        installed_sources=d.installed_sources)


_OPTIONAL = frozenset({"min_installed_bq", "contact"})


@router.get("/customers", response_model=CustomerPageOut)
def list_customers(
        actor: CurrentActor, db: DB,
        search: Annotated[str | None, Query(max_length=customers.SEARCH_MAX,
                                            pattern=text_pattern(required=False),
                                            description="part of the code or name")] = None,
        country: Annotated[Country | None, Query()] = None,
        kind: Kind | None = None,
        limit: Annotated[int, Query(ge=1, le=customers.LIMIT_MAX)] = 50,
        offset: Annotated[int, Query(ge=0, le=customers.OFFSET_MAX)] = 0) -> CustomerPageOut:
    """A page of the customers by code, with the counts by country and kind."""
    page = customers.list_customers(db, actor, search=search, country=country, kind=kind,
                                    limit=limit, offset=offset)
    return CustomerPageOut(
        items=[CustomerOut.model_validate(c) for c in page.items], total=page.total,
        limit=page.limit, offset=page.offset,
        by_country=[CustomerCountOut(value=k, count=n) for k, n in page.by_country],
        by_kind=[CustomerCountOut(value=k, count=n) for k, n in page.by_kind])


@router.post("/customers", response_model=CustomerOut, status_code=201)
def create_customer(body: CustomerIn, actor: CurrentActor, db: DB) -> CustomerView:
    """A customer of the organisation. 422 besides the schema: a minimum installed activity
    for a customer that is not an irradiation centre, a platform administrator (who acts for
    no organisation); 409 if the code is taken."""
    return customers.create_customer(db, actor, **body.model_dump())


@router.get("/customers/{customer_id}", response_model=CustomerDetailOut)
def get_customer(customer_id: CustomerId, actor: CurrentActor, db: DB) -> CustomerDetailOut:
    """The customer with its licences, routes and the number of installed sources."""
    return _detail(customers.get_customer(db, actor, customer_id))


@router.patch("/customers/{customer_id}", response_model=CustomerOut)
def update_customer(customer_id: CustomerId, body: CustomerPatch, actor: CurrentActor,
                    db: DB) -> CustomerView:
    """Change the fields sent, with a reason. 422 besides the schema: a minimum installed
    activity left on a customer that is not (or no longer) an irradiation centre."""
    sent: dict[str, Any] = body.model_dump(exclude_unset=True)
    sent.pop("reason", None)
    changes = {k: v for k, v in sent.items() if v is not None or k in _OPTIONAL}
    return customers.update_customer(db, actor, customer_id, reason=body.reason, **changes)


@router.post("/customers/{customer_id}/licences", response_model=CustomerLicenceOut,
             status_code=201)
def add_licence(customer_id: CustomerId, body: CustomerLicenceIn, actor: CurrentActor,
                db: DB) -> LicenceView:
    """A licence of the customer for a nuclide. 422 besides the schema: an unknown nuclide,
    ``valid_to`` before ``valid_from``; 409 if the customer has this number for this nuclide."""
    return customers.add_licence(db, actor, customer_id, **body.model_dump())


@router.patch("/customer-licences/{customer_licence_id}", response_model=CustomerLicenceOut)
def end_licence(customer_licence_id: CustomerLicenceId, body: CustomerLicenceEnd,
                actor: CurrentActor, db: DB) -> LicenceView:
    """End the licence early, with a reason. 422 if ``valid_to`` is before its first day;
    409 if it is after its current last day (never extended)."""
    return customers.end_licence(db, actor, customer_licence_id, valid_to=body.valid_to,
                                 reason=body.reason)


@router.post("/customers/{customer_id}/routes", response_model=DeliveryRouteOut, status_code=201)
def add_route(customer_id: CustomerId, body: DeliveryRouteIn, actor: CurrentActor,
              db: DB) -> RouteView:
    return customers.add_route(db, actor, customer_id, **body.model_dump())


@router.patch("/customer-routes/{route_id}", response_model=DeliveryRouteOut)
def set_route_active(route_id: RouteId, body: DeliveryRouteActive, actor: CurrentActor,
                     db: DB) -> RouteView:
    """Use the route again, or no longer (orders refuse an inactive route), with a reason."""
    return customers.set_route_active(db, actor, route_id, body.active, reason=body.reason)
