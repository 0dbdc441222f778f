"""/containers: the ledger of radioactive material — receive, what it holds at a time,
withdraw or transfer, measure, dispose, correct, and its events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field, JsonValue, model_validator
from starlette.concurrency import run_in_threadpool

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    AtQuery,
    Flag,
    Id,
    Label,
    MeasuredBq,
    MeasuredMl,
    Note,
    NuclideName,
    OptionalIdQuery,
    Out,
    Reason,
    Schema,
    UtcDatetime,
    VolumeMl,
    error_responses,
    path_id,
)
from isoflow.domain.ledger import CONTAINER_KINDS
from isoflow.domain.roles import Actor
from isoflow.errors import InvalidInput
from isoflow.services import ledger, organisations
from isoflow.services.ledger_records import ContainerView, EventView
from isoflow.store.db import Database

router = APIRouter(prefix="/containers", tags=["ledger"],
                   responses=error_responses(401, 403, 404, 409, 422))
ContainerId = Annotated[int, path_id("container id")]
Kind = Literal[CONTAINER_KINDS]  # type: ignore[valid-type]


class ReceiptIn(Schema):
    kind: Kind
    nuclide: NuclideName
    activity_bq: ActivityBq = Field(description="reference activity [Bq] at reference_at")
    reference_at: UtcDatetime
    volume_ml: VolumeMl | None = None
    site_id: Id | None = Field(None, description="default: your organisation's only site")
    received_at: UtcDatetime | None = Field(None, description="default now")
    label: Label = ""
    note: Note | None = None


class ContainerOut(Out):
    id: int
    org_id: int
    site_id: int
    kind: str
    nuclide: str
    label: str
    received_at: datetime
    reference_activity_bq: float
    reference_at: datetime
    received_volume_ml: float | None
    source_container_id: int | None
    at: datetime = Field(description="the time the holding below is computed for")
    activity_bq: float
    volume_ml: float | None
    concentration_bq_per_ml: float | None
    disposed: bool
    disposed_at: datetime | None
    event_count: int
    voided: bool = Field(description="its receipt was voided with the transfer that filled it: "
                                     "it holds nothing and takes no further record")
    discrepancies: int = Field(description="measurements in force that departed from the book "
                                           "value by more than the site's tolerance")


class EventOut(Out):
    id: int
    container_id: int
    seq: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: str
    activity_bq: float | None
    volume_ml: float | None
    reference_at: datetime | None
    corrects_event_id: int | None
    void: bool
    reason: str | None
    note: str | None
    counterpart_container_id: int | None
    discrepancy: bool = Field(description="a measurement (or its correction) that departed from "
                                          "the book value by more than the site's tolerance")


class Into(Schema):
    kind: Kind
    label: Label = ""


def _given(*choices: tuple[str, str]) -> list[JsonValue]:
    """``anyOf`` branches of a body schema: this field is given and not null (one of these)."""
    return [{"required": [name], "properties": {name: {"type": kind}}} for name, kind in choices]


class WithdrawalIn(Schema):
    """Give ``activity_bq`` or ``volume_ml`` (or both)."""

    model_config = ConfigDict(json_schema_extra={"allOf": [{"anyOf": _given(
        ("activity_bq", "number"), ("volume_ml", "number"))}]})

    activity_bq: ActivityBq | None = None
    volume_ml: VolumeMl | None = None
    at: UtcDatetime | None = Field(None, description="default now")
    note: Note | None = None
    into: Into | None = Field(None, description="transfer into a new container (e.g. a "
                                                "syringe) at the same site")

    @model_validator(mode="after")
    def _amount(self) -> WithdrawalIn:
        if self.activity_bq is None and self.volume_ml is None:
            raise ValueError("give activity_bq or volume_ml")
        return self


class MeasurementIn(Schema):
    activity_bq: MeasuredBq
    at: UtcDatetime | None = None
    note: Note | None = None


class DisposalIn(Schema):
    at: UtcDatetime | None = None
    note: Note | None = None


class CorrectionIn(Schema):
    """New values for the event (any of ``activity_bq``, ``volume_ml``, ``reference_at``,
    ``at``) or ``void: true``."""

    model_config = ConfigDict(json_schema_extra={"allOf": [{"anyOf": [
        {"required": ["void"], "properties": {"void": {"const": True}}},
        *_given(("activity_bq", "number"), ("volume_ml", "number"), ("reference_at", "string"),
                ("at", "string"))]}]})

    event_id: Id
    reason: Reason
    activity_bq: MeasuredBq | None = None
    volume_ml: MeasuredMl | None = None
    reference_at: UtcDatetime | None = None
    at: UtcDatetime | None = None
    void: Flag = False


def _default_site(db: Database, actor: Actor, site_id: int | None) -> int:
    if site_id is not None:
        return site_id
    sites = organisations.list_sites(db, actor) if actor.org_id is not None else []
    if len(sites) != 1:
        raise InvalidInput("site_id is required (the organisation has "
                           f"{len(sites)} sites)", field="site_id")
    return sites[0].id


# The writes below are coroutines that hand the use case to the thread pool themselves (it
# waits for locks and for the disk): for a synchronous endpoint FastAPI also validates the
# response in the pool, a second hand-off per request.
@router.post("", response_model=ContainerOut, status_code=201)
async def receive(body: ReceiptIn, actor: CurrentActor, db: DB) -> ContainerView:
    """Receive a container; refused (409, with the numbers) beyond the licence limits.
    422 besides the schema's rules: an unknown nuclide; no ``site_id`` while the organisation
    has several sites; a ``reference_at`` too many half-lives from the receipt."""

    def use_case() -> ContainerView:
        return ledger.receive(db, actor, site_id=_default_site(db, actor, body.site_id),
                              kind=body.kind, nuclide=body.nuclide,
                              activity_bq=body.activity_bq, reference_at=body.reference_at,
                              volume_ml=body.volume_ml, received_at=body.received_at,
                              label=body.label, note=body.note)

    return await run_in_threadpool(use_case)


@router.get("", response_model=list[ContainerOut])
def list_containers(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                    at: AtQuery = None, include_disposed: bool = True,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> list[ContainerView]:
    return ledger.list_containers(db, actor, site_id=site_id, at=at,
                                  include_disposed=include_disposed, limit=limit, offset=offset)


# On the event loop, not in the thread pool: two indexed reads (the ledger is cached) and a
# sum, cheaper than the hand-off to a worker thread; nothing here waits for a lock. Writes
# stay in the pool: they wait for row locks and for the commit to reach the disk.
@router.get("/{container_id}", response_model=ContainerOut)
async def get_container(container_id: ContainerId, actor: CurrentActor, db: DB,
                        at: AtQuery = None) -> ContainerView:
    """What the container holds at ``at`` (activity, volume, concentration), from its events
    and decay."""
    return ledger.get_container(db, actor, container_id, at)


@router.get("/{container_id}/events", response_model=list[EventOut])
def list_events(container_id: ContainerId, actor: CurrentActor, db: DB) -> list[EventView]:
    return ledger.list_events(db, actor, container_id)


@router.post("/{container_id}/withdrawals", response_model=EventOut, status_code=201)
async def withdraw(container_id: ContainerId, body: WithdrawalIn, actor: CurrentActor,
                   db: DB) -> EventView:
    """Withdraw activity or volume; 409 with the available amount if it would overdraw.
    422 (field ``at``) before the container's receipt."""
    return await run_in_threadpool(
        ledger.withdraw, db, actor, container_id, at=body.at, activity_bq=body.activity_bq,
        volume_ml=body.volume_ml, note=body.note,
        into_kind=None if body.into is None else body.into.kind,
        into_label="" if body.into is None else body.into.label)


@router.post("/{container_id}/measurements", response_model=EventOut, status_code=201)
async def measure(container_id: ContainerId, body: MeasurementIn, actor: CurrentActor,
                  db: DB) -> EventView:
    """Record a reading. 409 (limit_exceeded, naming the limit) above what the site's licence
    allows; a reading that departs from the book value by more than the site's
    ``measurement_tolerance`` needs a ``note`` (422 otherwise) and is flagged as a
    discrepancy. 422 (field ``at``) before the container's receipt."""
    return await run_in_threadpool(ledger.measure, db, actor, container_id,
                                   activity_bq=body.activity_bq, at=body.at, note=body.note)


@router.post("/{container_id}/disposal", response_model=EventOut, status_code=201)
async def dispose(container_id: ContainerId, body: DisposalIn, actor: CurrentActor,
                  db: DB) -> EventView:
    """Dispose of the container. 422 (field ``at``) before the container's receipt."""
    return await run_in_threadpool(ledger.dispose, db, actor, container_id, at=body.at,
                                   note=body.note)


@router.post("/{container_id}/corrections", response_model=EventOut, status_code=201)
async def correct(container_id: ContainerId, body: CorrectionIn, actor: CurrentActor,
                  db: DB) -> EventView:
    """Correct an earlier event: a new event that points to it and says why.

    A transfer's withdrawal is corrected or voided together with the receipt of the container
    it filled (which then holds nothing, if voided); 409 naming that container once it has
    records of its own. A transfer's time and the filled container's receipt are not
    corrected on their own. Voiding or lowering a withdrawal is refused (409) if the activity
    given back would raise the site above its licence."""
    return await run_in_threadpool(
        ledger.correct, db, actor, container_id, event_id=body.event_id, reason=body.reason,
        activity_bq=body.activity_bq, volume_ml=body.volume_ml,
        reference_at=body.reference_at, at=body.at, void=body.void)



