"""How the ledger's stored rows are read: containers and events as read with SQLAlchemy Core
(no ORM objects on the hot paths), the statements built once, the per-process cache of each
container's events as domain objects, and the views the ledger's use cases return.

isoflow.services.ledger holds the use cases; this module only reads and describes rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from threading import Lock
from typing import cast

from sqlalchemy import Connection, Table, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from isoflow.domain import ledger as rules
from isoflow.domain.ledger import EventKind
from isoflow.domain.roles import Actor
from isoflow.errors import NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent


@lru_cache(maxsize=512)
def decay_constant(nuclide: str) -> float:
    return get_nuclide(nuclide).decay_constant_per_s


@lru_cache(maxsize=512)
def half_life_s(nuclide: str) -> float:
    return get_nuclide(nuclide).half_life_s


def domain_event(e: LedgerEvent | EventView) -> rules.LedgerEvent:
    """A stored event (ORM row) or one just appended (its view) as the domain's event."""
    return rules.LedgerEvent(id=e.id, kind=EventKind(e.kind), occurred_at=e.occurred_at,
                             activity_bq=e.activity_bq, volume_ml=e.volume_ml,
                             reference_at=e.reference_at, corrects_event_id=e.corrects_event_id,
                             void=e.void, reason=e.reason, discrepancy=e.discrepancy)


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class ContainerView:
    """A container and what it holds at ``at`` (computed, never stored)."""

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
    at: datetime
    activity_bq: float
    volume_ml: float | None
    concentration_bq_per_ml: float | None
    disposed: bool
    disposed_at: datetime | None
    event_count: int
    #: The receipt was voided with the transfer that filled the container: it holds nothing.
    voided: bool
    #: Measurements in force that departed from the book value beyond the site's tolerance.
    discrepancies: int


@dataclass(frozen=True)
class EventView:
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
    discrepancy: bool = False


def event_view(e: LedgerEvent) -> EventView:
    return EventView(id=e.id, container_id=e.container_id, seq=e.seq, kind=e.kind,
                     occurred_at=e.occurred_at, recorded_at=e.recorded_at,
                     recorded_by=e.recorded_by, activity_bq=e.activity_bq,
                     volume_ml=e.volume_ml, reference_at=e.reference_at,
                     corrects_event_id=e.corrects_event_id, void=e.void, reason=e.reason,
                     note=e.note, counterpart_container_id=e.counterpart_container_id,
                     discrepancy=e.discrepancy)


@dataclass(frozen=True)
class ContainerRow:
    """A container's stored identity as read with Core (no ORM object)."""

    id: int
    org_id: int
    site_id: int
    kind: str
    nuclide: str
    label: str
    received_at: datetime
    source_container_id: int | None
    event_count: int


_CT = cast(Table, Container.__table__)
_ET = cast(Table, LedgerEvent.__table__)
_CONTAINER_COLUMNS = (_CT.c.id, _CT.c.org_id, _CT.c.site_id, _CT.c.kind, _CT.c.nuclide,
                      _CT.c.label, _CT.c.received_at, _CT.c.source_container_id,
                      _CT.c.event_count)
_N_CONTAINER_COLUMNS = len(_CONTAINER_COLUMNS)
#: Statements built once (SQLAlchemy then reuses their compiled form).
_SELECT_CONTAINER = select(*_CONTAINER_COLUMNS).where(_CT.c.id == bindparam("cid"))
#: Locks the row (as SELECT ... FOR UPDATE would) and counts the event about to be appended,
#: in one statement; returns the row with the new count.
_LOCK_AND_COUNT = (update(_CT).where(_CT.c.id == bindparam("cid"))
                   .values(event_count=_CT.c.event_count + 1)
                   .returning(*_CONTAINER_COLUMNS))


def container_view(c: ContainerRow | Container, events: Sequence[rules.LedgerEvent],
                   at: datetime) -> ContainerView:
    lam = decay_constant(c.nuclide)
    eff = rules.effective_events(events)
    # a voided receipt still says what was received
    receipt = next((e for e in eff if e.kind is EventKind.RECEIPT), None) \
        or rules.recorded_receipt(events)
    assert receipt.activity_bq is not None and receipt.reference_at is not None
    holding = rules.holding_at(lam, events, at)
    return ContainerView(
        id=c.id, org_id=c.org_id, site_id=c.site_id, kind=c.kind, nuclide=c.nuclide,
        label=c.label, received_at=c.received_at, reference_activity_bq=receipt.activity_bq,
        reference_at=receipt.reference_at, received_volume_ml=receipt.volume_ml,
        source_container_id=c.source_container_id, at=at, activity_bq=holding.activity_bq,
        volume_ml=holding.volume_ml, concentration_bq_per_ml=holding.concentration_bq_per_ml,
        disposed=holding.disposed, disposed_at=rules.disposed_at(events),
        event_count=c.event_count, voided=holding.voided,
        discrepancies=sum(1 for e in eff if e.discrepancy))


# ------------------------------------------------------------------ reading
def not_found(container_id: int) -> NotFound:
    return NotFound(f"no container {container_id}", field="container_id")


def visible_container(s: Session | Connection, actor: Actor,
                      container_id: int) -> ContainerRow:
    """The container's row; NotFound if it does not exist or belongs to another
    organisation."""
    row = s.execute(_SELECT_CONTAINER, {"cid": container_id}).first()
    if row is None or not actor.sees(row.org_id):
        raise not_found(container_id)
    return ContainerRow(*row)


def lock_for_append(s: Session | Connection, actor: Actor,
                    container_id: int) -> ContainerRow:
    """Lock the container for the rest of the transaction and count the one event the use
    case appends to it: an UPDATE takes the row lock as ``SELECT ... FOR UPDATE`` would on
    PostgreSQL (on SQLite the IMMEDIATE transaction holds the write lock already), and a use
    case that fails rolls the count back with everything else. Returns the row as it was
    before (``event_count`` the events stored so far); NotFound as visible_container."""
    row = s.execute(_LOCK_AND_COUNT, {"cid": container_id}).first()
    if row is None or not actor.sees(row.org_id):
        raise not_found(container_id)
    return replace(ContainerRow(*row), event_count=row.event_count - 1)


def events_of(s: Session, container_id: int) -> list[LedgerEvent]:
    """The stored rows (for listing them)."""
    return list(s.scalars(select(LedgerEvent).where(LedgerEvent.container_id == container_id)
                          .order_by(LedgerEvent.seq)))


_KINDS = {k.value: k for k in EventKind}
_EVENT_COLUMNS = (_ET.c.id, _ET.c.kind, _ET.c.occurred_at, _ET.c.activity_bq, _ET.c.volume_ml,
                  _ET.c.reference_at, _ET.c.corrects_event_id, _ET.c.void, _ET.c.reason,
                  _ET.c.discrepancy)
_EVENTS_BETWEEN = (select(*_EVENT_COLUMNS)
                   .where(_ET.c.container_id == bindparam("cid"),
                          _ET.c.seq > bindparam("after"), _ET.c.seq <= bindparam("count"))
                   .order_by(_ET.c.seq))
#: A container and its events after the ones already cached, in one statement (one
#: snapshot, so the events match the row's event_count).
CONTAINER_AND_EVENTS_AFTER = (
    select(*_CONTAINER_COLUMNS, *(c.label(f"e_{c.name}") for c in _EVENT_COLUMNS))
    .select_from(_CT.outerjoin(_ET, and_(_ET.c.container_id == _CT.c.id,
                                         _ET.c.seq > bindparam("after"))))
    .where(_CT.c.id == bindparam("cid"))
    .order_by(_ET.c.seq))


def _domain_events(rows: Iterable[Sequence[object]]) -> tuple[rules.LedgerEvent, ...]:
    """Rows of the _EVENT_COLUMNS (in that order) as domain events."""
    return tuple(rules.LedgerEvent(
        id=r[0], kind=_KINDS[r[1]], occurred_at=r[2], activity_bq=r[3],  # type: ignore[index, arg-type]
        volume_ml=r[4], reference_at=r[5], corrects_event_id=r[6], void=r[7],  # type: ignore[arg-type]
        reason=r[8], discrepancy=r[9]) for r in rows)  # type: ignore[arg-type]


class LedgerCache:
    """Per-process cache of each container's events as domain objects.

    Exact because events are append-only and numbered 1..event_count under the container's
    lock: an entry is keyed by the count it holds, only events with ``seq <= count`` (as read
    from the container row in the same transaction) are ever added, and a longer ledger only
    needs the events after the cached ones.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._entries: OrderedDict[int, tuple[rules.LedgerEvent, ...]] = OrderedDict()
        self._capacity = capacity
        self._lock = Lock()

    def _cached(self, container_id: int) -> tuple[rules.LedgerEvent, ...]:
        with self._lock:
            return self._entries.get(container_id, ())

    def _store(self, container_id: int, events: tuple[rules.LedgerEvent, ...]) -> None:
        with self._lock:
            self._entries[container_id] = events
            self._entries.move_to_end(container_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def events(self, s: Session | Connection, container_id: int,
               count: int) -> list[rules.LedgerEvent]:
        """Events 1..count of the container (``count`` read from its row in the caller's
        transaction): only those not cached yet are read."""
        cached = self._cached(container_id)
        if len(cached) > count:  # another database (tests) or a newer snapshot: start over
            cached = ()
        if len(cached) < count:
            cached = cached + _domain_events(s.execute(_EVENTS_BETWEEN, {
                "cid": container_id, "after": len(cached), "count": count}))
            if len(cached) != count:
                raise RuntimeError(f"container {container_id}: {len(cached)} events stored, "
                                   f"{count} counted")
        self._store(container_id, cached)
        return list(cached)

    def container(self, db: Database, container_id: int
                  ) -> tuple[ContainerRow | None, list[rules.LedgerEvent]]:
        """The container's row and all its events, read with one statement (one snapshot)
        that returns only the events not cached yet; (None, []) if there is no such
        container."""
        cached = self._cached(container_id)
        rows = db.fetch(CONTAINER_AND_EVENTS_AFTER, {"cid": container_id, "after": len(cached)})
        if not rows:
            return None, []
        row = ContainerRow(*rows[0][:_N_CONTAINER_COLUMNS])
        if len(cached) > row.event_count:  # another database (tests): read them all
            cached = ()
            rows = db.fetch(CONTAINER_AND_EVENTS_AFTER, {"cid": container_id, "after": 0})
            row = ContainerRow(*rows[0][:_N_CONTAINER_COLUMNS])
        if len(cached) < row.event_count:
            cached = cached + _domain_events(r[_N_CONTAINER_COLUMNS:] for r in rows)
            if len(cached) != row.event_count:
                raise RuntimeError(f"container {container_id}: {len(cached)} events stored, "
                                   f"{row.event_count} counted")
            self._store(container_id, cached)
        return row, list(cached)

    def appended(self, container_id: int, seq: int, event: rules.LedgerEvent) -> None:
        """After a commit: event number ``seq`` was appended (kept only if the entry holds
        exactly the events before it)."""
        with self._lock:
            cached = self._entries.get(container_id)
            if cached is not None and len(cached) == seq - 1:
                self._entries[container_id] = (*cached, event)
                self._entries.move_to_end(container_id)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def ledger_cache(db: Database) -> LedgerCache:
    cache = db.memo.get("ledger_events")
    if cache is None:
        cache = db.memo.setdefault("ledger_events", LedgerCache())
    assert isinstance(cache, LedgerCache)
    return cache


def ledger_of(db: Database, s: Session | Connection,
              c: ContainerRow | Container) -> list[rules.LedgerEvent]:
    """The container's events (as domain objects), from the database's cache if current."""
    return ledger_cache(db).events(s, c.id, c.event_count)


def events_by_container(db: Database, s: Session, containers: Iterable[Container]
                        ) -> dict[int, list[rules.LedgerEvent]]:
    return {c.id: ledger_of(db, s, c) for c in containers}


INSERT_EVENT = insert(_ET).returning(_ET.c.id)
INSERT_CONTAINER = insert(_CT).returning(_CT.c.id)
