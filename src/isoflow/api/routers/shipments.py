"""/shipments and /transport/classification: the supplier's packages classified for transport
(IAEA SSR-6 as in 49 CFR 173) by the activity at dispatch, dispatch, tracking events up to
delivery, the activity on arrival, the bilingual shipper's declaration (issue #11); and a
stateless classification calculator with the rules of ``isoflow transport classify``.
Activities in Bq, dose rates in µSv/h, times aware (UTC in answers). Another organisation's
ids answer 404."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Flag,
    Id,
    Label,
    Note,
    NuclideName,
    OptionalIdQuery,
    Out,
    Reason,
    Schema,
    UtcDatetime,
    error_responses,
    path_id,
)
from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput
from isoflow.services import shipments
from isoflow.services.shipments import ShipmentDetail, ShipmentEventView, ShipmentView
from isoflow.transport.classification import (
    Content,
    activity_at_dispatch,
    check_package,
    classify,
)
from isoflow.transport.declaration import Declaration
from isoflow.transport.values import values_for

router = APIRouter(tags=["shipments"], responses=error_responses(401, 403, 404, 409, 422))
ShipmentId = Annotated[int, path_id("shipment id")]

Mode = Literal["road", "air-passenger", "air-cargo"]
PackageType = Literal["excepted", "Type A", "Type B(U)"]
EventKind = Literal["departed", "arrived_hub", "customs_cleared", "out_for_delivery",
                    "delivered", "delayed", "exception"]
Status = Literal["prepared", "dispatched", "delivered", "cancelled"]
Form = Literal["solid", "liquid", "gas"]
DoseRate = Annotated[float, Field(strict=True, ge=0, le=1e9, allow_inf_nan=False,
                                  description="a measured dose rate [µSv/h], a JSON number")]
TimeQuery = Annotated[UtcDatetime | None, Query()]


class ShipmentIn(Schema):
    order_id: Id
    mode: Mode
    package_type: PackageType = Field(description="refused if the contents need more")
    surface_usv_h: DoseRate = Field(description="the largest dose rate at the package's "
                                                "surface [µSv/h]; above 10 000 (10 mSv/h) "
                                                "it cannot be transported")
    at_1m_usv_h: DoseRate = Field(description="the largest dose rate at 1 m [µSv/h]: the TI")
    dispatch_at: UtcDatetime | None = Field(None, description="default: the order's")
    note: Note | None = None
    site_id: Id | None = Field(None, description="the supplier's site it leaves from "
                                                 "(default: the organisation's first)")


class ShipmentOut(Out):
    id: int
    org_id: int
    number: str
    order_id: int
    order_number: str
    customer_id: int
    customer_name: str
    customer_country: str
    customer_timezone: str
    site_id: int
    site_name: str
    site_timezone: str
    product_code: str
    nuclide: str
    activity_bq: float = Field(description="at dispatch")
    form: str
    special_form: bool
    package_type: str
    needed_package: str = Field(description="the least package type the contents need")
    un_number: str
    sum_of_fractions: float
    surface_usv_h: float
    at_1m_usv_h: float
    transport_index: float
    label: str = Field(description="empty for an excepted package")
    exclusive_use: bool
    mode: str
    dispatched_at: datetime = Field(description="planned while prepared")
    arrived_at: datetime | None
    status: str
    note: str | None
    created_at: datetime


class EventOut(Out):
    id: int
    at: datetime
    kind: str
    place: str | None
    note: str | None
    recorded_by: str


class ShipmentDetailOut(Out):
    shipment: ShipmentOut
    events: list[EventOut]
    now: datetime
    activity_now_bq: float | None = Field(description="decayed from dispatch; null if it "
                                                      "cannot be computed")
    arrival_at: datetime | None
    arrival_expected: bool = Field(description="true: dispatch + the route's transit time")
    activity_on_arrival_bq: float | None
    notes: list[str]


class DispatchIn(Schema):
    at: UtcDatetime | None = Field(None, description="default now; not in the future")


class EventIn(Schema):
    kind: EventKind
    at: UtcDatetime
    place: Label | None = None
    note: Note | None = None


class CancelIn(Schema):
    reason: Reason


class PartyOut(Out):
    name: str
    place: str


class LineOut(Out):
    key: str
    label_en: str
    label_ru: str
    value_en: str
    value_ru: str


class DeclarationOut(Out):
    reference: str
    required: bool = Field(description="false for an excepted package: no declaration needed")
    consignor: PartyOut
    consignee: PartyOut
    un_number: str
    proper_shipping_name: str
    proper_shipping_name_ru: str
    hazard_class: str
    package_type: str
    nuclides: list[str]
    form: str
    special_form: bool
    activity_bq: float
    activity_en: str
    activity_ru: str
    label: str | None
    transport_index: float | None
    exclusive_use: bool
    mode: str
    emergency_contact: str
    certification_en: str
    certification_ru: str
    lines: list[LineOut]


class ContentIn(Schema):
    nuclide: NuclideName
    activity_bq: ActivityBq


class ClassificationIn(Schema):
    contents: list[ContentIn] = Field(min_length=1, max_length=50,
                                      description="several: a mixture (sum of fractions)")
    form: Form | None = Field(None, description="required unless special_form")
    special_form: Flag = False
    calibrated_at: UtcDatetime | None = Field(None, description="with dispatch_at: the "
                                              "activities are at calibration")
    dispatch_at: UtcDatetime | None = None
    surface_usv_h: DoseRate | None = None
    at_1m_usv_h: DoseRate | None = None
    package: PackageType | None = Field(None, description="refused if the contents need "
                                                          "more")


class ContentLineOut(Out):
    nuclide: str
    activity_bq: float
    a1_bq: float | None = Field(description="null: unlimited")
    a2_bq: float | None
    fraction: float
    special_form: bool
    form: str


class ClassificationOut(Out):
    package: str
    un_number: str
    proper_shipping_name: str
    sum_of_fractions: float
    excepted_fraction: float
    transport_index: float | None
    label: str | None
    exclusive_use: bool
    hrcq: bool
    type_c_required_by_air: bool
    contents: list[ContentLineOut]
    activity_at: str = Field(description="dispatch, or 'as given'")
    notes: list[str]


@router.get("/shipments", response_model=list[ShipmentOut])
def list_shipments(actor: CurrentActor, db: DB,
                   status: Annotated[Status | None, Query()] = None,
                   since: TimeQuery = None, until: TimeQuery = None,
                   customer_id: OptionalIdQuery = None) -> list[ShipmentView]:
    """Shipments by (planned) dispatch time, latest first (at most 1000)."""
    return shipments.list_shipments(db, actor, status=status, since=since, until=until,
                                    customer_id=customer_id)


@router.post("/shipments", response_model=ShipmentOut, status_code=201)
def prepare_shipment(body: ShipmentIn, actor: CurrentActor, db: DB) -> ShipmentView:
    """Pack an order (logistics): classified by the activity at dispatch with the measured
    dose rates. 422: a package type below the contents, a TI over the mode's limit per package
    or the day's sum, a surface dose rate above 10 mSv/h (2 by air), exclusive use or Type C
    by air, a cold kit; 409: the order is not open or allocated, or already packed."""
    return shipments.prepare_shipment(
        db, actor, body.order_id, mode=body.mode, package_type=body.package_type,
        surface_usv_h=body.surface_usv_h, at_1m_usv_h=body.at_1m_usv_h,
        dispatch_at=body.dispatch_at, note=body.note, site_id=body.site_id)


@router.get("/shipments/{shipment_id}", response_model=ShipmentDetailOut)
def get_shipment(shipment_id: ShipmentId, actor: CurrentActor, db: DB) -> ShipmentDetail:
    """The shipment with its events in time order, the activity now and on arrival."""
    return shipments.get_shipment(db, actor, shipment_id)


@router.post("/shipments/{shipment_id}/dispatch", response_model=ShipmentOut)
def dispatch(shipment_id: ShipmentId, actor: CurrentActor, db: DB,
             body: DispatchIn | None = None) -> ShipmentView:
    """The package leaves; at another time than planned the package is re-checked (422).
    409 unless prepared."""
    return shipments.dispatch(db, actor, shipment_id, at=None if body is None else body.at)


@router.post("/shipments/{shipment_id}/events", response_model=EventOut, status_code=201)
def add_event(shipment_id: ShipmentId, body: EventIn, actor: CurrentActor,
              db: DB) -> ShipmentEventView:
    """A tracking event (append-only); "delivered" ends the shipment. 422: before dispatch or
    in the future; 409 unless dispatched."""
    return shipments.track(db, actor, shipment_id, kind=body.kind, at=body.at,
                           place=body.place or None, note=body.note)


@router.post("/shipments/{shipment_id}/cancellation", response_model=ShipmentOut)
def cancel_shipment(shipment_id: ShipmentId, body: CancelIn, actor: CurrentActor,
                    db: DB) -> ShipmentView:
    """Unpack a prepared shipment (409 otherwise)."""
    return shipments.cancel_shipment(db, actor, shipment_id, reason=body.reason)


@router.get("/shipments/{shipment_id}/declaration", response_model=DeclarationOut)
def get_declaration(shipment_id: ShipmentId, actor: CurrentActor, db: DB) -> Declaration:
    """The shipper's declaration for dangerous goods, class 7, in English and Russian."""
    return shipments.declaration(db, actor, shipment_id)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


@router.post("/transport/classification", response_model=ClassificationOut)
def classification(body: ClassificationIn, actor: CurrentActor) -> dict[str, Any]:
    """The package a consignment needs (the rules of ``isoflow transport classify``). 422: an
    unknown nuclide or one without A1/A2, no form, special form not solid, calibrated_at
    without dispatch_at (or the reverse), a surface dose rate above 10 mSv/h, a package below
    the contents."""
    actor.require(Permission.READ)
    form = body.form
    if body.special_form:
        if form not in (None, "solid"):
            raise InvalidInput("special-form material is a sealed solid; leave out the form or "
                               "give 'solid'", field="form")
        form = "solid"
    if form is None:
        raise InvalidInput("give the physical form: solid, liquid or gas (or special_form)",
                           field="form")
    if (body.calibrated_at is None) != (body.dispatch_at is None):
        raise InvalidInput("give calibrated_at and dispatch_at together (the activities are "
                           "decayed from calibration to dispatch)",
                           field="calibrated_at" if body.calibrated_at is None
                           else "dispatch_at")
    items = []
    for c in body.contents:
        nuclide = values_for(c.nuclide, field="contents").nuclide
        activity = c.activity_bq
        if body.calibrated_at is not None and body.dispatch_at is not None:
            activity = activity_at_dispatch(nuclide, activity, body.calibrated_at,
                                            body.dispatch_at)
        items.append(Content(nuclide=nuclide, activity_bq=activity, form=form,
                             special_form=body.special_form))
    result = classify(
        items, surface_sv_h=None if body.surface_usv_h is None else body.surface_usv_h * 1e-6,
        at_1m_sv_h=None if body.at_1m_usv_h is None else body.at_1m_usv_h * 1e-6)
    if body.package is not None:
        check_package(body.package, result)
    return {
        "package": result.package, "un_number": result.un_number,
        "proper_shipping_name": result.proper_shipping_name,
        "sum_of_fractions": result.sum_of_fractions,
        "excepted_fraction": result.excepted_fraction,
        "transport_index": result.transport_index, "label": result.label,
        "exclusive_use": result.exclusive_use, "hrcq": result.hrcq,
        "type_c_required_by_air": result.type_c_required_by_air,
        "contents": [{"nuclide": line.nuclide, "activity_bq": line.activity_bq,
                      "a1_bq": _finite(line.a1_bq), "a2_bq": _finite(line.a2_bq),
                      "fraction": line.fraction, "special_form": i.special_form,
                      "form": i.form} for line, i in zip(result.lines, items, strict=True)],
        "activity_at": "dispatch" if body.dispatch_at is not None else "as given",
        "notes": list(result.notes),
    }
