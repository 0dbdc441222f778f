"""/api/v1/batches — the supplier's production batches and their allocation (issue #11)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Id,
    Note,
    NuclideName,
    Out,
    Reason,
    Schema,
    UtcDatetime,
    _text,
    error_responses,
    path_id,
)
from isoflow.services import production
from isoflow.services.production import AllocationPlan, BatchDetail, BatchView

router = APIRouter(prefix="/batches", tags=["production"],
                   responses=error_responses(401, 403, 404, 409, 422))
BatchId = Annotated[int, path_id("batch id")]
BatchNumber = _text(production.NUMBER_MAX, what="a batch number", examples=["MO-261207"])
Yield = Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False,
                               description="processing yield, a fraction in (0, 1]")]


class BatchIn(Schema):
    number: BatchNumber  # type: ignore[valid-type]
    nuclide: NuclideName
    available_at: UtcDatetime = Field(description="end of processing")
    capacity_bq: ActivityBq
    yield_fraction: Yield = 1.0
    product_ids: list[Id] = Field(default_factory=list, max_length=100,
                                  description="the products it serves (empty: every product "
                                              "of its nuclide)")
    note: Note | None = None
    org_id: Id | None = Field(None, description="platform administrators only")


class ProductionIn(Schema):
    capacity_bq: ActivityBq
    yield_fraction: Yield
    reason: Reason


class CancelIn(Schema):
    reason: Reason


class BatchOut(Out):
    id: int
    org_id: int
    number: str
    nuclide: str
    product_ids: list[int]
    available_at: datetime
    capacity_bq: float
    yield_fraction: float
    available_bq: float
    status: str
    note: str | None
    created_at: datetime


class OrderNeedOut(Out):
    order_id: int
    number: str
    customer_id: int
    customer_name: str
    customer_timezone: str
    product_code: str
    priority: int
    quantity: int
    activity_bq: float
    ordered_bq: float
    calibration_at: datetime
    dispatch_at: datetime
    needed_bq: float = Field(description="at dispatch")
    status: str


class AllocationOut(Out):
    order_id: int
    order_number: str
    customer_name: str
    needed_bq: float
    allocated_bq: float
    message: str | None
    created_at: datetime


class BatchDetailOut(Out):
    batch: BatchOut
    orders: list[OrderNeedOut]
    allocations: list[AllocationOut]


class PlanLineOut(Out):
    order: OrderNeedOut
    allocated_bq: float = Field(description="at dispatch")
    fraction: float
    message: str


class AllocationPlanOut(Out):
    batch: BatchOut
    supply_bq: float
    demand_bq: float
    shortfall_bq: float
    used_bq: float
    left_bq: float
    lines: list[PlanLineOut]


@router.get("", response_model=list[BatchOut])
def list_batches(actor: CurrentActor, db: DB,
                 since: Annotated[UtcDatetime | None, Query()] = None,
                 until: Annotated[UtcDatetime | None, Query()] = None) -> list[BatchView]:
    return production.list_batches(db, actor, since=since, until=until)


@router.post("", response_model=BatchOut, status_code=201)
def create_batch(body: BatchIn, actor: CurrentActor, db: DB) -> BatchView:
    """A planned batch. 422 besides the schema: an unknown nuclide, a product not in the
    catalogue or of another nuclide, an end of processing outside 1970–2200, a platform
    administrator without ``org_id``; 409 if the number is taken."""
    return production.create_batch(db, actor, number=body.number, nuclide=body.nuclide,
                                   available_at=body.available_at,
                                   capacity_bq=body.capacity_bq,
                                   yield_fraction=body.yield_fraction,
                                   product_ids=body.product_ids, note=body.note,
                                   org_id=body.org_id)


@router.get("/{batch_id}", response_model=BatchDetailOut)
def get_batch(batch_id: BatchId, actor: CurrentActor, db: DB) -> BatchDetail:
    return production.get_batch(db, actor, batch_id)


@router.post("/{batch_id}/production", response_model=BatchOut)
def record_production(batch_id: BatchId, body: ProductionIn, actor: CurrentActor,
                      db: DB) -> BatchView:
    """The run's actual capacity and yield; 409 if allocated or cancelled."""
    return production.record_production(db, actor, batch_id, capacity_bq=body.capacity_bq,
                                         yield_fraction=body.yield_fraction,
                                         reason=body.reason)


@router.post("/{batch_id}/cancellation", response_model=BatchOut)
def cancel_batch(batch_id: BatchId, body: CancelIn, actor: CurrentActor, db: DB) -> BatchView:
    return production.cancel_batch(db, actor, batch_id, reason=body.reason)


@router.get("/{batch_id}/allocation", response_model=AllocationPlanOut)
def preview_allocation(batch_id: BatchId, actor: CurrentActor, db: DB) -> AllocationPlan:
    """What allocating would give each order and tell each customer (nothing written)."""
    return production.allocation_preview(db, actor, batch_id)


@router.post("/{batch_id}/allocation", response_model=AllocationPlanOut)
def allocate(batch_id: BatchId, actor: CurrentActor, db: DB) -> AllocationPlan:
    """Allocate the batch: by priority, then pro rata. 409 if already allocated, cancelled,
    or serving no open order."""
    return production.allocate(db, actor, batch_id)
