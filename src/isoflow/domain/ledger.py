"""The radioactive-material ledger: what a container holds, computed from its events.

DESIGN.md invariants 1-3: nothing physical is stored "current". A container is received with a
reference activity of its principal nuclide at a reference time; every later event is
appended: a withdrawal (activity and/or volume taken at a time), a measurement (a reading,
informative), a disposal, or a correction that points to an earlier event, states a reason,
and replaces that event's values (or voids it). What the container holds at time t is

    A(t) = A_ref · exp(-λ (t - t_ref)) - Σ_{t_i <= t} a_i · exp(-λ (t - t_i))      [Bq]

where a_i is the activity withdrawn at t_i. Every term decays with the same λ, so the
decay-corrected balance only falls with each withdrawal: the ledger never goes negative at any
time if it does not at the last event, and the most that may be withdrawn at t without
overdrawing any later record is A(t) minus the later withdrawals decayed back to t.

Before its receipt a container held nothing: every record dated earlier is refused ("the
withdrawal at T is before the container's receipt at R"), however far back, and a read for such
a time answers an empty holding. A transfer fills a new container from another; voiding it
voids the new container's receipt as well, after which that container holds nothing and takes
no further record (the services keep the two sides together, isoflow.services.ledger).

A measurement is informative: it never changes the holding, but one that departs from the book
value by more than the site's tolerance is flagged as a discrepancy (departs_from_book).

Only the principal nuclide is accounted; progeny (Tc-99m in a Mo-99 generator) are reported by
the physics engine where needed, not here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from isoflow.errors import Conflict, InvalidInput, LimitExceeded

#: Rounding tolerance of the balance, relative to the received activity (and volume).
RELATIVE_TOLERANCE = 1e-9


class ContainerKind(StrEnum):
    GENERATOR = "generator"
    VIAL = "vial"
    CAPSULE = "capsule"
    SEALED_SOURCE = "sealed_source"
    SYRINGE = "syringe"
    WASTE_CONTAINER = "waste_container"


CONTAINER_KINDS: tuple[str, ...] = tuple(k.value for k in ContainerKind)


class EventKind(StrEnum):
    RECEIPT = "receipt"
    WITHDRAWAL = "withdrawal"
    MEASUREMENT = "measurement"
    DISPOSAL = "disposal"
    CORRECTION = "correction"


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """One appended record of a container, as stored. Times are aware UTC datetimes.

    ``activity_bq``: receipt — the reference activity at ``reference_at``; withdrawal — the
    activity taken at ``occurred_at``; measurement — the reading. ``volume_ml``: receipt —
    the volume received; withdrawal — the volume taken.
    """

    id: int
    kind: EventKind
    occurred_at: datetime
    activity_bq: float | None = None
    volume_ml: float | None = None
    reference_at: datetime | None = None
    corrects_event_id: int | None = None
    void: bool = False
    reason: str | None = None
    #: A measurement that departed from the book value by more than the site's tolerance
    #: (on a correction of a measurement: the corrected reading's flag).
    discrepancy: bool = False
    #: ``occurred_at`` and ``reference_at`` as POSIX seconds, for the sums below.
    occurred_s: float = field(init=False, repr=False, compare=False)
    reference_s: float | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_s", self.occurred_at.timestamp())
        object.__setattr__(self, "reference_s", None if self.reference_at is None
                           else self.reference_at.timestamp())


@dataclass(frozen=True)
class Holding:
    """What a container holds at ``at``."""

    at: datetime
    activity_bq: float
    volume_ml: float | None
    disposed: bool
    #: The receipt was voided (with the transfer that filled the container): it holds nothing.
    voided: bool = False

    @property
    def concentration_bq_per_ml(self) -> float | None:
        if self.volume_ml is None or self.volume_ml <= 0:
            return None
        return self.activity_bq / self.volume_ml


@dataclass(frozen=True)
class Available:
    """The most that may still be withdrawn at ``at`` without overdrawing any record."""

    at: datetime
    activity_bq: float
    volume_ml: float | None


def effective_events(events: Iterable[LedgerEvent]) -> list[LedgerEvent]:
    """The events with corrections applied, in recording order.

    A correction replaces the values of the event it points to (the last correction wins;
    a correction of a correction applies to the original); a void correction removes it.
    """
    ordered = list(events)
    if not any(e.kind is EventKind.CORRECTION or e.void for e in ordered):
        return ordered
    ordered.sort(key=lambda e: e.id)
    by_id: dict[int, LedgerEvent] = {}
    root_of: dict[int, int] = {}
    for e in ordered:
        if e.kind is EventKind.CORRECTION:
            if e.corrects_event_id is None:
                raise InvalidInput(f"correction {e.id} does not name the event it corrects",
                                   field="corrects_event_id")
            root = root_of.get(e.corrects_event_id, e.corrects_event_id)
            if root not in by_id:
                raise InvalidInput(f"event {e.corrects_event_id} is not an event of this "
                                   "container", field="corrects_event_id")
            root_of[e.id] = root
            old = by_id[root]
            by_id[root] = replace(
                old,
                occurred_at=e.occurred_at,
                activity_bq=e.activity_bq if e.activity_bq is not None else old.activity_bq,
                volume_ml=e.volume_ml if e.volume_ml is not None else old.volume_ml,
                reference_at=e.reference_at if e.reference_at is not None else old.reference_at,
                void=e.void,
                discrepancy=e.discrepancy,
            )
        else:
            by_id[e.id] = e
            root_of[e.id] = e.id
    return [e for e in by_id.values() if not e.void]


def recorded_receipt(events: Sequence[LedgerEvent]) -> LedgerEvent:
    """The receipt as recorded (event 1, before any correction)."""
    receipts = [e for e in events if e.kind is EventKind.RECEIPT]
    if len(receipts) != 1 or receipts[0].activity_bq is None or receipts[0].reference_at is None:
        raise Conflict("the container's ledger has no valid receipt")
    return receipts[0]


def _receipt(eff: Sequence[LedgerEvent]) -> LedgerEvent | None:
    """The receipt among the effective events, corrections applied; None if it was voided."""
    rec = next((e for e in eff if e.kind is EventKind.RECEIPT), None)
    if rec is not None and (rec.activity_bq is None or rec.reference_at is None):
        raise Conflict("the container's ledger has no valid receipt")
    return rec


def check_not_before_receipt(events: Sequence[LedgerEvent], at: datetime, what: str) -> None:
    """InvalidInput (field ``at``) if ``at`` is before the container's receipt: before it the
    container held nothing, so no ``what`` (withdrawal, measurement...) can be recorded then,
    however far back."""
    received = recorded_receipt(events).occurred_at
    if at < received:
        raise InvalidInput(f"the {what} at {at.isoformat()} is before the container's receipt "
                           f"at {received.isoformat()}", field="at")


def decay_factor(decay_constant_per_s: float, seconds: float, *, field: str = "at") -> float:
    """exp(-λ·seconds); InvalidInput naming ``field`` if the time is so far before the
    reference that the correction overflows (no record spans that)."""
    try:
        return math.exp(-decay_constant_per_s * seconds)
    except OverflowError:
        raise InvalidInput("that time is so far before the reference time that the decay "
                           "correction overflows", field=field) from None


def _balance(lam: float, rec: LedgerEvent, eff: Sequence[LedgerEvent], at: datetime,
             *, later_withdrawals: bool) -> tuple[float, float | None]:
    """Receipt decayed to ``at`` minus withdrawals decayed to ``at`` [Bq], and the volume
    left [mL]; withdrawals after ``at`` count (decayed back) only if ``later_withdrawals``.
    ``at`` is not before the receipt (whose reference time is within 700/λ of it), so no
    term overflows unless a withdrawal lies absurdly far after ``at``."""
    assert rec.activity_bq is not None and rec.reference_s is not None
    at_s = at.timestamp()
    activity = rec.activity_bq * decay_factor(lam, at_s - rec.reference_s)
    taken = [e for e in eff if e.kind is EventKind.WITHDRAWAL
             and (later_withdrawals or e.occurred_s <= at_s)]
    exp = math.exp
    try:
        activity -= sum(e.activity_bq * exp(-lam * (at_s - e.occurred_s))
                        for e in taken if e.activity_bq)
    except OverflowError:
        raise InvalidInput("that time is so far from the container's withdrawals that the "
                           "decay correction overflows", field="at") from None
    volume = rec.volume_ml
    if volume is not None:
        volume -= sum(e.volume_ml or 0.0 for e in taken)
    return activity, volume


def _tolerances(lam: float, rec: LedgerEvent, at: datetime) -> tuple[float, float]:
    assert rec.activity_bq is not None and rec.reference_at is not None
    tol_a = RELATIVE_TOLERANCE * rec.activity_bq * decay_factor(
        lam, (at - rec.reference_at).total_seconds())
    return tol_a, RELATIVE_TOLERANCE * (rec.volume_ml or 0.0)


def _nothing(events: Sequence[LedgerEvent], at: datetime, *, voided: bool) -> Holding:
    volume = recorded_receipt(events).volume_ml
    return Holding(at=at, activity_bq=0.0, volume_ml=None if volume is None else 0.0,
                   disposed=False, voided=voided)


def holding_at(decay_constant_per_s: float, events: Sequence[LedgerEvent],
               at: datetime) -> Holding:
    """What the container holds at ``at`` [Bq, mL], from its events and decay: nothing before
    its receipt, after its disposal, or ever if its receipt was voided."""
    eff = effective_events(events)
    rec = _receipt(eff)
    if rec is None:
        return _nothing(events, at, voided=True)
    if at < rec.occurred_at:
        return _nothing(events, at, voided=False)
    disposal = next((e for e in eff if e.kind is EventKind.DISPOSAL), None)
    if disposal is not None and disposal.occurred_at <= at:
        return Holding(at=at, activity_bq=0.0,
                       volume_ml=None if rec.volume_ml is None else 0.0, disposed=True)
    activity, volume = _balance(decay_constant_per_s, rec, eff, at, later_withdrawals=False)
    tol_a, tol_v = _tolerances(decay_constant_per_s, rec, at)
    if abs(activity) <= tol_a:
        activity = 0.0
    if volume is not None and abs(volume) <= tol_v:
        volume = 0.0
    return Holding(at=at, activity_bq=activity, volume_ml=volume, disposed=False)


def available_at(decay_constant_per_s: float, events: Sequence[LedgerEvent],
                 at: datetime) -> Available:
    """The most that may be withdrawn at ``at`` so that no time, now or later, goes negative:
    the holding at ``at`` minus the withdrawals recorded after ``at`` decayed back to it
    (nothing before the receipt or once the receipt is voided)."""
    eff = effective_events(events)
    rec = _receipt(eff)
    if rec is None or at < rec.occurred_at:
        empty = _nothing(events, at, voided=rec is None)
        return Available(at=at, activity_bq=0.0, volume_ml=empty.volume_ml)
    activity, volume = _balance(decay_constant_per_s, rec, eff, at, later_withdrawals=True)
    return Available(at=at, activity_bq=max(activity, 0.0),
                     volume_ml=None if volume is None else max(volume, 0.0))


def check_consistent(decay_constant_per_s: float, events: Sequence[LedgerEvent]) -> None:
    """Raise unless the ledger is physically possible: one receipt, nothing before it or after
    a disposal, nothing at all beside a voided receipt, never more withdrawn than held
    (activity or volume) at any time. Called on the prospective ledger before anything is
    appended."""
    eff = effective_events(events)
    rec = _receipt(eff)
    if rec is None:
        others = [e for e in eff if e.kind is not EventKind.RECEIPT]
        if others:
            raise Conflict(f"the container's receipt was voided (with the transfer that filled "
                           f"it): it holds nothing and no {others[-1].kind.value} can be "
                           "recorded")
        return
    disposals = [e for e in eff if e.kind is EventKind.DISPOSAL]
    if len(disposals) > 1:
        raise Conflict(f"the container was already disposed of at "
                       f"{disposals[0].occurred_at.isoformat()}")
    for e in eff:
        if e.kind is EventKind.RECEIPT:
            continue
        if e.occurred_at < rec.occurred_at:
            raise InvalidInput(f"the {e.kind.value} at {e.occurred_at.isoformat()} is before "
                               f"the container's receipt at {rec.occurred_at.isoformat()}",
                               field="at")
        if disposals and e.kind is not EventKind.DISPOSAL \
                and e.occurred_at > disposals[0].occurred_at:
            raise Conflict(f"the container was disposed of at "
                           f"{disposals[0].occurred_at.isoformat()}; no {e.kind.value} "
                           "can follow")
    withdrawals = [e for e in eff if e.kind is EventKind.WITHDRAWAL]
    if not withdrawals:
        return
    # The decay-corrected balance only falls, so its value after the last withdrawal decides.
    last = max(e.occurred_at for e in withdrawals)
    activity, volume = _balance(decay_constant_per_s, rec, eff, last, later_withdrawals=True)
    tol_a, tol_v = _tolerances(decay_constant_per_s, rec, last)
    if activity < -tol_a:
        raise LimitExceeded("the withdrawals would take more activity than the container holds",
                            field="activity_bq")
    if volume is not None and volume < -tol_v:
        raise LimitExceeded("the withdrawals would take more volume than the container holds",
                            field="volume_ml")


def departs_from_book(book_bq: float, measured_bq: float, tolerance: float) -> bool:
    """Whether a reading departs from the book value by more than ``tolerance`` (a fraction
    of the book value); any reading of a container the book says is empty does, except 0."""
    return abs(measured_bq - book_bq) > tolerance * book_bq


def discrepancies(events: Sequence[LedgerEvent]) -> int:
    """How many measurements in force (not voided) were flagged as discrepancies (only a
    measurement, or a correction of one, carries the flag)."""
    return sum(1 for e in effective_events(events) if e.discrepancy)


def received_at(events: Sequence[LedgerEvent]) -> datetime:
    """When the container was received (the receipt event's time, which no correction
    changes)."""
    return recorded_receipt(events).occurred_at


def is_voided(events: Sequence[LedgerEvent]) -> bool:
    """Whether the container's receipt was voided (a voided transfer's new container)."""
    return _receipt(effective_events(events)) is None


def disposed_at(events: Sequence[LedgerEvent]) -> datetime | None:
    """When the container was disposed of, if it was."""
    d = [e for e in effective_events(events) if e.kind is EventKind.DISPOSAL]
    return d[0].occurred_at if d else None
