"""/api/v1 — the supplier's contracts with recurring deliveries and its orders (issue #11).
Activities in Bq (a 6-day Ci product: its 6-day activity); times aware (UTC in answers);
another organisation's ids answer 404."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

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
    _text,
    error_responses,
    integer,
    path_id,
)
from isoflow.services import contracts, orders
from isoflow.services.contracts import ContractView
from isoflow.services.orders import OrderView

router = APIRouter(tags=["contracts and orders"],
                   responses=error_responses(401, 403, 404, 409, 422))
ContractId = Annotated[int, path_id("contract id")]
DeliveryId = Annotated[int, path_id("delivery id")]
OrderId = Annotated[int, path_id("order id")]
Number = _text(contracts.NUMBER_MAX, what="a contract number", examples=["CU-2026-01"])
Hhmm = Annotated[str, Field(strict=True, pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                            description="HH:MM in the customer's zone")]
Status = Literal["open", "allocated", "shipped", "delivered", "cancelled"]


class ContractIn(Schema):
    customer_id: Id
    number: Number  # type: ignore[valid-type]
    start_date: IsoDate
    end_date: IsoDate
    priority: integer(1, 9) | None = None  # type: ignore[valid-type]
    note: Note | None = None


class DeliveryIn(Schema):
    product_id: Id
    weekday: integer(0, 6) = Field(description="dispatch day, 0 Monday (supplier's zone)")  # type: ignore[valid-type]
    calibration_time: Hhmm
    calibration_days: integer(0, 60) = 0  # type: ignore[valid-type]
    activity_bq: ActivityBq
    quantity: integer(1, 1000) = 1  # type: ignore[valid-type]
    route_id: Id | None = None


class ReasonIn(Schema):
    reason: Reason


class OrderIn(Schema):
    customer_id: Id
    product_id: Id
    activity_bq: ActivityBq
    quantity: integer(1, 1000) = 1  # type: ignore[valid-type]
    calibration_at: UtcDatetime
    dispatch_at: UtcDatetime | None = None
    route_id: Id | None = None
    note: Note | None = None


class AmendIn(Schema):
    reason: Reason
    activity_bq: ActivityBq | None = None
    quantity: integer(1, 1000) | None = None  # type: ignore[valid-type]
    calibration_at: UtcDatetime | None = None
    route_id: Id | None = None


class GenerateIn(Schema):
    until: IsoDate = Field(description="the last dispatch day (supplier's zone)")
    contract_id: Id | None = None


class OrderEventOut(Out):
    at: datetime
    actor: str
    action: str
    reason: str | None
    new: Any


class OrderOut(Out):
    id: int
    org_id: int
    number: str
    customer_id: int
    customer_code: str
    customer_name: str
    customer_timezone: str
    supplier_timezone: str
    contract_id: int | None
    delivery_id: int | None
    product_id: int
    product_code: str
    nuclide: str
    calibration: str
    route_id: int | None
    route_name: str | None
    activity_bq: float
    quantity: int
    calibration_at: datetime
    calibration_local: datetime
    dispatch_at: datetime
    arrival_at: datetime
    activity_at_dispatch_bq: float
    activity_on_arrival_bq: float
    status: str
    price: float
    currency: str
    reason: str | None
    note: str | None
    history: list[OrderEventOut] = Field(default_factory=list)


class DeliveryOut(Out):
    id: int
    product_id: int
    product_code: str
    route_id: int | None
    weekday: int
    weekday_name: str
    calibration_time: str
    calibration_days: int
    activity_bq: float
    quantity: int
    active: bool


class ContractOut(Out):
    id: int
    org_id: int
    customer_id: int
    customer_code: str
    customer_name: str
    customer_timezone: str
    number: str
    start_date: date
    end_date: date
    priority: int | None
    status: str
    reason: str | None
    note: str | None
    deliveries: list[DeliveryOut]
    next_orders: list[OrderOut]


class RefusalOut(Out):
    contract_id: int
    delivery_id: int
    dispatch_date: date
    field: str | None
    reason: str


class GenerateOut(Out):
    created: int
    existing: int
    refused: list[RefusalOut]
    order_ids: list[int]


# ------------------------------------------------------------------ contracts
@router.get("/contracts", response_model=list[ContractOut])
def list_contracts(actor: CurrentActor, db: DB, customer_id: OptionalIdQuery = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                   offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[ContractView]:
    return contracts.list_contracts(db, actor, customer_id=customer_id, limit=limit,
                                    offset=offset)


@router.post("/contracts", response_model=ContractOut, status_code=201)
def create_contract(body: ContractIn, actor: CurrentActor, db: DB) -> ContractView:
    """422 for dates outside 2000-2100 or an end before the start; 409 for a taken number."""
    return contracts.create_contract(db, actor, customer_id=body.customer_id,
                                     number=body.number, start_date=body.start_date,
                                     end_date=body.end_date, priority=body.priority,
                                     note=body.note)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: ContractId, actor: CurrentActor, db: DB) -> ContractView:
    return contracts.get_contract(db, actor, contract_id)


@router.post("/contracts/{contract_id}/deliveries", response_model=ContractOut,
             status_code=201)
def add_delivery(contract_id: ContractId, body: DeliveryIn, actor: CurrentActor,
                 db: DB) -> ContractView:
    """422 if calibrated before it can arrive by the route or beyond the shelf life; 409 if
    the customer's licence does not cover the activity on arrival × quantity."""
    return contracts.add_delivery(db, actor, contract_id, product_id=body.product_id,
                                  weekday=body.weekday, calibration_time=body.calibration_time,
                                  calibration_days=body.calibration_days,
                                  activity_bq=body.activity_bq, quantity=body.quantity,
                                  route_id=body.route_id)


@router.post("/contracts/{contract_id}/deliveries/{delivery_id}/end",
             response_model=ContractOut)
def end_delivery(contract_id: ContractId, delivery_id: DeliveryId, body: ReasonIn,
                 actor: CurrentActor, db: DB) -> ContractView:
    return contracts.end_delivery(db, actor, contract_id, delivery_id, reason=body.reason)


@router.post("/contracts/{contract_id}/cancellation", response_model=ContractOut)
def cancel_contract(contract_id: ContractId, body: ReasonIn, actor: CurrentActor,
                    db: DB) -> ContractView:
    return contracts.cancel_contract(db, actor, contract_id, reason=body.reason)


# ------------------------------------------------------------------ orders
@router.get("/orders", response_model=list[OrderOut])
def list_orders(actor: CurrentActor, db: DB,
                dispatch_from: Annotated[UtcDatetime | None, Query()] = None,
                dispatch_to: Annotated[UtcDatetime | None, Query()] = None,
                status: Status | None = None, customer_id: OptionalIdQuery = None,
                contract_id: OptionalIdQuery = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[OrderView]:
    return orders.list_orders(db, actor, dispatch_from=dispatch_from, dispatch_to=dispatch_to,
                              status=status, customer_id=customer_id, contract_id=contract_id,
                              limit=limit, offset=offset)


@router.post("/orders", response_model=OrderOut, status_code=201)
def place_order(body: OrderIn, actor: CurrentActor, db: DB) -> OrderView:
    """An ad-hoc order. 404 for a product the catalogue does not have; 422 if calibrated
    before it can arrive, beyond the shelf life or too far from today; 409 above the
    customer's licence."""
    return orders.place_order(db, actor, customer_id=body.customer_id,
                              product_id=body.product_id, activity_bq=body.activity_bq,
                              quantity=body.quantity, calibration_at=body.calibration_at,
                              dispatch_at=body.dispatch_at, route_id=body.route_id,
                              note=body.note)


@router.post("/orders/generation", response_model=GenerateOut)
def generate(body: GenerateIn, actor: CurrentActor, db: DB) -> orders.GenerateResult:
    """Idempotent: one order per delivery and calibration moment; refusals are listed."""
    return orders.generate_orders(db, actor, until=body.until, contract_id=body.contract_id)


@router.get("/orders/{order_id:int}", response_model=OrderOut)
def get_order(order_id: OrderId, actor: CurrentActor, db: DB) -> OrderView:
    return orders.get_order(db, actor, order_id)


@router.post("/orders/{order_id:int}/amendment", response_model=OrderOut)
def amend_order(order_id: OrderId, body: AmendIn, actor: CurrentActor, db: DB) -> OrderView:
    """Only open or allocated orders (409 otherwise); every rule is checked again."""
    return orders.amend_order(db, actor, order_id, reason=body.reason,
                              activity_bq=body.activity_bq, quantity=body.quantity,
                              calibration_at=body.calibration_at, route_id=body.route_id)


@router.post("/orders/{order_id:int}/cancellation", response_model=OrderOut)
def cancel_order(order_id: OrderId, body: ReasonIn, actor: CurrentActor, db: DB) -> OrderView:
    return orders.cancel_order(db, actor, order_id, reason=body.reason)
