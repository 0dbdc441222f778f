"""The ledger of radioactive material: receive, withdraw (or transfer), measure, dispose,
correct — each one transaction that appends events and audit entries — and what a container
or a site holds at any time, computed from events and decay (isoflow.domain.ledger). How the
rows are read, cached and shown is in isoflow.services.ledger_records.

Concurrency: every append locks the container row first (on PostgreSQL with the UPDATE that
counts the event to come, a row lock as ``SELECT ... FOR UPDATE`` takes; on SQLite the write
transaction is ``BEGIN IMMEDIATE``), then reads the ledger, checks it and appends, so
concurrent withdrawals are serialised and can never overdraw.
A receipt locks the site row the same way, so two receipts cannot both slip under a licence
limit.

A transfer (a withdrawal ``into`` a new container) is one pair of events: the source's
withdrawal and the new container's receipt. A correction of the withdrawal corrects both in one
transaction (the same values, or a void of both: the new container then holds nothing), and is
refused (Conflict, naming the new container) while that container has records of its own in
force; the new container's receipt is never corrected on its own, and a transfer's time never
(the new container was received then). Voiding, lowering or postponing a plain withdrawal,
or voiding or postponing a disposal, gives activity back to the site, so it is refused if that
would raise a holding above the licence at that time or at any later receipt.

A measurement above what the licence allows is refused; one that departs from the book value
by more than the site's ``measurement_tolerance`` needs a note and is flagged
(``discrepancy``) on the event, in the audit trail ("measured_discrepancy") and on the
container (``discrepancies``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from isoflow.domain import ledger as rules
from isoflow.domain.ledger import CONTAINER_KINDS, EventKind
from isoflow.domain.licence import check_holdings_raised, check_measurement, check_receipt
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import (
    LABEL_MAX,
    NOTE_MAX,
    REASON_MAX,
    clean_optional_text,
    clean_text,
)
from isoflow.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.units import format_activity
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger_records import (
    INSERT_CONTAINER,
    INSERT_EVENT,
    ContainerRow,
    ContainerView,
    EventView,
    container_view,
    decay_constant,
    domain_event,
    event_view,
    events_by_container,
    events_of,
    half_life_s,
    ledger_cache,
    ledger_of,
    lock_for_append,
    not_found,
    visible_container,
)
from isoflow.services.licences import site_limits
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent, Site

#: A container counts towards a site's holdings for this many half-lives after receipt
#: (2^-64 ≈ 5e-20 of its activity is left after that, below any limit's resolution).
HOLDING_HORIZON_HALF_LIVES = 64


def _kind(kind: str) -> str:
    if kind not in CONTAINER_KINDS:
        raise InvalidInput(f"unknown container kind {kind!r}; one of: "
                           f"{', '.join(CONTAINER_KINDS)}", field="kind")
    return kind


def _positive(value: float | None, field: str, *, allow_zero: bool = False) -> float | None:
    if value is None:
        return None
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise InvalidInput(f"{field} must be a {'non-negative' if allow_zero else 'positive'}"
                           f" finite number, not {value!r}", field=field)
    return float(value)


def _label(value: str | None, field: str = "label") -> str:
    """A container's label, by the one free-text rule (isoflow.domain.text); may be empty
    (then the service names the container)."""
    return clean_text(value or "", field=field, max_length=LABEL_MAX, required=False)


def _note(value: str | None) -> str | None:
    return clean_optional_text(value, field="note", max_length=NOTE_MAX, multiline=True)


def _reference_near(lam: float, received_at: datetime, reference_at: datetime) -> None:
    """Refuse a reference time so far from receipt that the decay correction is meaningless
    (e^±700 is near the end of float64)."""
    if abs(lam * (received_at - reference_at).total_seconds()) > 700:
        raise InvalidInput("reference_at is too many half-lives away from the time of receipt",
                           field="reference_at")


# ------------------------------------------------------------------ reading
def get_container(db: Database, actor: Actor, container_id: int,
                  at: datetime | None = None) -> ContainerView:
    """The container and what it holds at ``at`` (default now)."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    c, events = ledger_cache(db).container(db, container_id)
    if c is None or not actor.sees(c.org_id):
        raise not_found(container_id)
    return container_view(c, events, t)


def list_containers(db: Database, actor: Actor, *, site_id: int | None = None,
                    at: datetime | None = None, include_disposed: bool = True,
                    limit: int = 100, offset: int = 0) -> list[ContainerView]:
    actor.require(Permission.READ)
    at = now() if at is None else aware_utc(at, "at")
    q = select(Container).order_by(Container.id.desc()).limit(limit).offset(offset)
    if actor.org_id is not None:
        q = q.where(Container.org_id == actor.org_id)
    with db.read() as s:
        if site_id is not None:
            q = q.where(Container.site_id == visible_site(s, actor, site_id).id)
        containers = list(s.scalars(q))
        events = events_by_container(db, s, containers)
    views = [container_view(c, events[c.id], at) for c in containers]
    return [v for v in views if include_disposed or not v.disposed]


def list_events(db: Database, actor: Actor, container_id: int) -> list[EventView]:
    actor.require(Permission.READ)
    with db.read() as s:
        c = visible_container(s, actor, container_id)
        return [event_view(e) for e in events_of(s, c.id)]


def site_holdings(db: Database, s: Session, site_id: int, at: datetime, *,
                  exclude_container_id: int | None = None) -> dict[str, float]:
    """What a site holds at ``at``, per nuclide [Bq], decay-corrected; received at or before
    ``at`` and not disposed of by then."""
    nuclides = list(s.scalars(select(Container.nuclide).where(Container.site_id == site_id)
                              .distinct()))
    out: dict[str, float] = {}
    for nuclide in nuclides:
        horizon = HOLDING_HORIZON_HALF_LIVES * half_life_s(nuclide)
        q = select(Container).where(Container.site_id == site_id, Container.nuclide == nuclide,
                                    Container.received_at <= at)
        if math.isfinite(horizon) and horizon < 1e11:
            q = q.where(Container.received_at >= at - timedelta(seconds=horizon))
        containers = [c for c in s.scalars(q) if c.id != exclude_container_id]
        if not containers:
            continue
        events = events_by_container(db, s, containers)
        lam = decay_constant(nuclide)
        total = sum(max(rules.holding_at(lam, events[c.id], at).activity_bq, 0.0)
                    for c in containers)
        if total > 0:
            out[nuclide] = total
    return out


def site_possession(db: Database, actor: Actor, site_id: int,
                    at: datetime | None = None) -> dict[str, float]:
    """What a site holds at ``at`` per nuclide [Bq] (for licence reports)."""
    actor.require(Permission.READ)
    with db.read() as s:
        site = visible_site(s, actor, site_id)
        return site_holdings(db, s, site.id, now() if at is None else aware_utc(at, "at"))


def _check_licence(db: Database, s: Session, *, site_id: int, site_name: str, nuclide: str,
                   activity_bq: float, reference_at: datetime, received_at: datetime,
                   exclude_container_id: int | None = None) -> None:
    """The receipt must fit the licence at its moment and at every later receipt already on
    record (a receipt entered late must not push a later moment over the limit)."""
    lam = decay_constant(nuclide)
    limits = site_limits(s, site_id)
    later = sorted(set(s.scalars(select(Container.received_at).where(
        Container.site_id == site_id, Container.received_at > received_at))))
    for moment in [received_at, *later]:
        activity = activity_bq * rules.decay_factor(lam, (moment - reference_at)
                                                     .total_seconds())
        holdings = site_holdings(db, s, site_id, moment, exclude_container_id=exclude_container_id)
        check_receipt(site=site_name, nuclide=nuclide, activity_bq=activity, at=moment,
                      holdings_bq=holdings, limits=limits)


# ------------------------------------------------------------------ writing
def _insert_event(s: Session | Connection, actor: Actor, org_id: int, container_id: int,
                  seq: int, *, kind: EventKind, at: datetime, activity_bq: float | None = None,
                  volume_ml: float | None = None, reference_at: datetime | None = None,
                  corrects_event_id: int | None = None, void: bool = False,
                  reason: str | None = None, note: str | None = None,
                  counterpart_container_id: int | None = None,
                  discrepancy: bool = False) -> EventView:
    e = EventView(id=0, container_id=container_id, seq=seq, kind=kind.value, occurred_at=at,
                  recorded_at=now(), recorded_by=actor.username, activity_bq=activity_bq,
                  volume_ml=volume_ml, reference_at=reference_at,
                  corrects_event_id=corrects_event_id, void=void, reason=reason, note=note,
                  counterpart_container_id=counterpart_container_id, discrepancy=discrepancy)
    values = {k: v for k, v in e.__dict__.items() if k != "id"}
    event_id = s.execute(INSERT_EVENT, {"org_id": org_id, **values}).scalar_one()
    return replace(e, id=event_id)


def _append(s: Session | Connection, actor: Actor, c: ContainerRow, *, kind: EventKind,
            at: datetime, **values: object) -> EventView:
    """Insert the container's next event (``c`` from lock_for_append, which counted it)."""
    return _insert_event(s, actor, c.org_id, c.id, c.event_count + 1, kind=kind, at=at,
                         **values)  # type: ignore[arg-type]


def _event_record(e: EventView) -> dict[str, object]:
    return {k: v for k, v in (("container_id", e.container_id), ("seq", e.seq),
                              ("kind", e.kind), ("at", e.occurred_at),
                              ("activity_bq", e.activity_bq), ("volume_ml", e.volume_ml),
                              ("reference_at", e.reference_at),
                              ("corrects_event_id", e.corrects_event_id),
                              ("void", e.void or None), ("note", e.note),
                              ("counterpart_container_id", e.counterpart_container_id),
                              ("discrepancy", e.discrepancy or None))
            if v is not None}


def _audit_event(s: Session | Connection, actor: Actor, c: ContainerRow, e: EventView,
                 action: str, *, old: object = None, reason: str | None = None,
                 extra: dict[str, object] | None = None) -> None:
    audit.record(s, actor, org_id=c.org_id, entity_type="ledger_event", entity_id=e.id,
                 action=action, old=old, new={**_event_record(e), **(extra or {})},
                 reason=reason)


def _new_container(s: Session | Connection, actor: Actor, *, org_id: int, site_id: int,
                   kind: str, nuclide: str, label: str, received_at: datetime,
                   activity_bq: float, reference_at: datetime, volume_ml: float | None,
                   note: str | None, source_container_id: int | None = None
                   ) -> tuple[ContainerRow, EventView]:
    """Insert a container with its receipt (event 1) and audit it."""
    values = dict(org_id=org_id, site_id=site_id, kind=kind, nuclide=nuclide, label=label,
                  received_at=received_at, source_container_id=source_container_id,
                  event_count=1)
    cid = s.execute(INSERT_CONTAINER, {**values, "created_at": now()}).scalar_one()
    c = ContainerRow(id=cid, **values)  # type: ignore[arg-type]
    e = _insert_event(s, actor, org_id, cid, 1, kind=EventKind.RECEIPT, at=received_at,
                      activity_bq=activity_bq, volume_ml=volume_ml, reference_at=reference_at,
                      note=note, counterpart_container_id=source_container_id)
    audit.record(s, actor, org_id=org_id, entity_type="container", entity_id=c.id,
                 action="received", new={"site_id": site_id, "kind": kind, "nuclide": nuclide,
                                         "label": label, "source_container_id":
                                         source_container_id, "receipt": _event_record(e)})
    return c, e


def receive(db: Database, actor: Actor, *, site_id: int, kind: str, nuclide: str,
            activity_bq: float, reference_at: datetime, volume_ml: float | None = None,
            received_at: datetime | None = None, label: str = "",
            note: str | None = None) -> ContainerView:
    """Receive a container holding ``activity_bq`` [Bq] of ``nuclide`` at ``reference_at``,
    refused if the site's licence does not allow it at the moment of receipt."""
    actor.require(Permission.LEDGER_WRITE)
    kind, canon = _kind(kind), get_nuclide(nuclide).name
    if not math.isfinite(get_nuclide(canon).half_life_s):
        raise InvalidInput(f"{canon} is stable; the ledger holds radioactive material",
                           field="nuclide")
    activity = _positive(activity_bq, "activity_bq")
    volume = _positive(volume_ml, "volume_ml")
    assert activity is not None
    at = now() if received_at is None else aware_utc(received_at, "received_at")
    reference_at = aware_utc(reference_at, "reference_at")
    _reference_near(decay_constant(canon), at, reference_at)
    label, note = _label(label), _note(note)
    with db.write() as s:
        site = visible_site(s, actor, site_id, lock=True)
        _check_licence(db, s, site_id=site.id, site_name=site.name, nuclide=canon,
                       activity_bq=activity, reference_at=reference_at, received_at=at)
        c, e = _new_container(s, actor, org_id=site.org_id, site_id=site.id, kind=kind,
                              nuclide=canon, label=label or f"{canon} {kind}", received_at=at,
                              activity_bq=activity, reference_at=reference_at, volume_ml=volume,
                              note=note)
        events = [rules.LedgerEvent(id=e.id, kind=EventKind.RECEIPT, occurred_at=at,
                                    activity_bq=activity, volume_ml=volume,
                                    reference_at=reference_at)]
    return container_view(c, events, at)


def _overdraw(c: ContainerRow, events: Sequence[rules.LedgerEvent], at: datetime,
              wanted_bq: float | None, wanted_ml: float | None) -> LimitExceeded:
    avail = rules.available_at(decay_constant(c.nuclide), events, at)
    parts = []
    if wanted_bq is not None:
        parts.append(format_activity(wanted_bq))
    if wanted_ml is not None:
        parts.append(f"{wanted_ml:.4g} mL")
    vol = "" if avail.volume_ml is None else f" in {avail.volume_ml:.4g} mL"
    return LimitExceeded(
        f"withdrawing {' / '.join(parts)} of {c.nuclide} at {at.isoformat()} would overdraw "
        f"container {c.id}: {format_activity(avail.activity_bq)}{vol} is available then "
        "(decay-corrected, after the withdrawals already recorded)",
        field="volume_ml" if wanted_bq is None else "activity_bq",
        available_activity_bq=avail.activity_bq, available_volume_ml=avail.volume_ml,
        at=at.isoformat())


def withdraw(db: Database, actor: Actor, container_id: int, *, at: datetime | None = None,
             activity_bq: float | None = None, volume_ml: float | None = None,
             note: str | None = None, into_kind: str | None = None,
             into_label: str = "") -> EventView:
    """Take activity [Bq] or volume [mL] (or both, as measured) from a container at ``at``.

    Given only a volume, the activity is the container's concentration at ``at`` times the
    volume; given only an activity, the volume follows the same way when the volume is known.
    With ``into_kind`` the amount goes into a new container (e.g. a syringe) at the same site:
    a transfer. Refused (LimitExceeded, with the available amount) if it would overdraw.
    """
    actor.require(Permission.LEDGER_WRITE)
    activity = _positive(activity_bq, "activity_bq")
    volume = _positive(volume_ml, "volume_ml")
    if activity is None and volume is None:
        raise InvalidInput("give activity_bq or volume_ml", field="activity_bq")
    label = ""
    if into_kind is not None:
        _kind(into_kind)
        label = _label(into_label, "into.label")
    t = now() if at is None else aware_utc(at, "at")
    note = _note(note)
    with db.write_rows() as s:
        c = lock_for_append(s, actor, container_id)
        events = ledger_of(db, s, c)
        rules.check_not_before_receipt(events, t, "withdrawal" if into_kind is None
                                       else "transfer")
        lam = decay_constant(c.nuclide)
        holding = rules.holding_at(lam, events, t)
        if holding.voided:
            raise Conflict(f"container {c.id}'s receipt was voided with the transfer that "
                           "filled it; it holds nothing to withdraw", field="container_id")
        if holding.disposed:
            raise Conflict(f"container {c.id} was disposed of at "
                           f"{rules.disposed_at(events)}; nothing can be withdrawn")
        conc = holding.concentration_bq_per_ml
        if activity is None:
            assert volume is not None
            if holding.volume_ml is None:
                raise InvalidInput(f"container {c.id} has no recorded volume; withdraw by "
                                   "activity_bq", field="volume_ml")
            if conc is None:
                raise _overdraw(c, events, t, None, volume)
            activity = conc * volume
        elif volume is None and holding.volume_ml is not None:
            if conc is None:
                raise _overdraw(c, events, t, activity, None)
            volume = activity / conc
        prospective = [*events, rules.LedgerEvent(
            id=max(e.id for e in events) + 1, kind=EventKind.WITHDRAWAL, occurred_at=t,
            activity_bq=activity, volume_ml=volume)]
        try:
            rules.check_consistent(lam, prospective)
        except LimitExceeded:
            raise _overdraw(c, events, t, activity, volume_ml) from None
        counterpart = None
        if into_kind is not None:
            target, _ = _new_container(
                s, actor, org_id=c.org_id, site_id=c.site_id, kind=into_kind,
                nuclide=c.nuclide, label=label
                or f"{c.nuclide} {into_kind} from container {c.id}", received_at=t,
                activity_bq=activity, reference_at=t, volume_ml=volume, note=note,
                source_container_id=c.id)
            counterpart = target.id
        e = _append(s, actor, c, kind=EventKind.WITHDRAWAL, at=t, activity_bq=activity,
                    volume_ml=volume, note=note,
                    counterpart_container_id=counterpart)
        _audit_event(s, actor, c, e, "withdrawn" if counterpart is None else "transferred")
    # committed: the next append needs no read
    ledger_cache(db).appended(c.id, e.seq, domain_event(e))
    return e


def _judge_measurement(s: Session, c: ContainerRow, events: Sequence[rules.LedgerEvent],
                       at: datetime, activity_bq: float, note: str | None, *,
                       note_field: str) -> tuple[bool, dict[str, object]]:
    """Refuse a reading above what the site's licence allows (LimitExceeded); one that departs
    from the book value by more than the site's tolerance needs ``note`` (InvalidInput naming
    ``note_field``) and is a discrepancy. Returns (discrepancy, what the audit adds)."""
    site = s.execute(select(Site.name, Site.measurement_tolerance)
                     .where(Site.id == c.site_id)).one()
    check_measurement(site=site.name, nuclide=c.nuclide, activity_bq=activity_bq, at=at,
                      limits=site_limits(s, c.site_id))
    book = rules.holding_at(decay_constant(c.nuclide), events, at).activity_bq
    tolerance = float(site.measurement_tolerance)
    if not rules.departs_from_book(book, activity_bq, tolerance):
        return False, {}
    if not note:
        off = "the book says it is empty" if book <= 0 else \
            f"{abs(activity_bq - book) / book:.1%} off"
        raise InvalidInput(
            f"the measurement of {format_activity(activity_bq)} at {at.isoformat()} departs "
            f"from the book value of {format_activity(book)} ({off}; site {site.name!r} "
            f"allows {tolerance:.1%}): say why in the {note_field}, or check the reading",
            field=note_field, book_activity_bq=book, tolerance=tolerance)
    return True, {"book_activity_bq": book, "tolerance": tolerance}


def measure(db: Database, actor: Actor, container_id: int, *, activity_bq: float,
            at: datetime | None = None, note: str | None = None) -> EventView:
    """Record a measurement of the container's activity (e.g. in the dose calibrator).

    Refused (LimitExceeded) above what the site's licence allows; a reading that departs from
    the book value by more than the site's tolerance needs a note and is flagged as a
    discrepancy (on the event, in the audit trail and on the container)."""
    actor.require(Permission.LEDGER_WRITE)
    activity = _positive(activity_bq, "activity_bq", allow_zero=True)
    assert activity is not None
    t = now() if at is None else aware_utc(at, "at")
    note = _note(note)
    with db.write() as s:
        c = lock_for_append(s, actor, container_id)
        events = ledger_of(db, s, c)
        rules.check_not_before_receipt(events, t, "measurement")
        rules.check_consistent(decay_constant(c.nuclide), [*events, rules.LedgerEvent(
            id=max(e.id for e in events) + 1, kind=EventKind.MEASUREMENT, occurred_at=t,
            activity_bq=activity)])
        discrepancy, extra = _judge_measurement(s, c, events, t, activity, note,
                                                note_field="note")
        e = _append(s, actor, c, kind=EventKind.MEASUREMENT, at=t, activity_bq=activity,
                    note=note, discrepancy=discrepancy)
        _audit_event(s, actor, c, e, "measured_discrepancy" if discrepancy else "measured",
                     extra=extra)
    ledger_cache(db).appended(c.id, e.seq, domain_event(e))
    return e


def dispose(db: Database, actor: Actor, container_id: int, *, at: datetime | None = None,
            note: str | None = None) -> EventView:
    """Record the container's disposal (after decay-in-storage, return to the supplier...)."""
    actor.require(Permission.LEDGER_WRITE)
    t = now() if at is None else aware_utc(at, "at")
    note = _note(note)
    with db.write_rows() as s:
        c = lock_for_append(s, actor, container_id)
        events = ledger_of(db, s, c)
        rules.check_not_before_receipt(events, t, "disposal")
        rules.check_consistent(decay_constant(c.nuclide), [*events, rules.LedgerEvent(
            id=max(e.id for e in events) + 1, kind=EventKind.DISPOSAL, occurred_at=t)])
        e = _append(s, actor, c, kind=EventKind.DISPOSAL, at=t, note=note)
        _audit_event(s, actor, c, e, "disposed")
    ledger_cache(db).appended(c.id, e.seq, domain_event(e))
    return e


def _root(stored: Sequence[LedgerEvent], target: LedgerEvent) -> LedgerEvent:
    """The original event a correction (of a correction...) corrects."""
    by_id = {e.id: e for e in stored}
    root = target
    while root.corrects_event_id is not None:
        root = by_id[root.corrects_event_id]
    return root


def _transfer_receipt_refused(s: Session, c: ContainerRow, receipt: LedgerEvent) -> Conflict:
    source = receipt.counterpart_container_id
    withdrawal = s.scalar(select(LedgerEvent.id).where(
        LedgerEvent.container_id == source, LedgerEvent.kind == EventKind.WITHDRAWAL.value,
        LedgerEvent.counterpart_container_id == c.id))
    return Conflict(f"container {c.id} was filled by a transfer from container {source} "
                    f"(its withdrawal {withdrawal}): correct or void that withdrawal, which "
                    "corrects both sides together", field="event_id",
                    source_container_id=source, source_event_id=withdrawal)


def _transfer_target(s: Session, actor: Actor, child_id: int, *, void: bool,
                     activity_bq: float | None, volume_ml: float | None,
                     reason: str
                     ) -> tuple[ContainerRow, LedgerEvent, dict[str, object] | None]:
    """Lock the container a transfer filled and check that its receipt may follow the
    correction of the transfer: refused (Conflict, naming it) while it has records of its
    own in force. Returns its row (counting the correction to come), its receipt and the
    receipt's values in force (None if voided), for the audit trail."""
    child = lock_for_append(s, actor, child_id)
    stored = events_of(s, child.id)
    receipt = next(e for e in stored if e.kind == EventKind.RECEIPT.value)
    events = [domain_event(e) for e in stored]
    eff = rules.effective_events(events)
    own = [e for e in eff if e.kind is not EventKind.RECEIPT]
    if own:
        records = ", ".join(f"{e.kind.value} {e.id}" for e in own)
        raise Conflict(f"the transfer into container {child.id} cannot be "
                       f"{'voided' if void else 'corrected'}: container {child.id} has "
                       f"records of its own ({records}); void those first",
                       field="event_id", child_container_id=child.id)
    rules.check_consistent(decay_constant(child.nuclide), [*events, rules.LedgerEvent(
        id=max(e.id for e in events) + 1, kind=EventKind.CORRECTION,
        occurred_at=receipt.occurred_at, activity_bq=activity_bq, volume_ml=volume_ml,
        corrects_event_id=receipt.id, void=void, reason=reason)])
    was = next((e for e in eff if e.kind is EventKind.RECEIPT), None)
    return child, receipt, None if was is None else {
        k: v for k, v in (("activity_bq", was.activity_bq), ("volume_ml", was.volume_ml),
                          ("reference_at", was.reference_at)) if v is not None}


def _check_licence_raised(db: Database, s: Session, actor: Actor, c: ContainerRow,
                          before: Sequence[rules.LedgerEvent],
                          after: Sequence[rules.LedgerEvent], since: datetime, *, what: str,
                          field: str) -> None:
    """A correction that gives activity back to the container (a withdrawal voided, lowered
    or moved later; a disposal voided or moved later) must not raise the site's holdings
    above the licence at ``since`` or at any later receipt (between receipts holdings only
    decay)."""
    site = visible_site(s, actor, c.site_id, lock=True)
    limits = site_limits(s, site.id)
    lam = decay_constant(c.nuclide)
    later = sorted(set(s.scalars(select(Container.received_at).where(
        Container.site_id == site.id, Container.received_at > since))))
    for moment in [since, *later]:
        others = site_holdings(db, s, site.id, moment, exclude_container_id=c.id)
        was = max(rules.holding_at(lam, before, moment).activity_bq, 0.0)
        will = max(rules.holding_at(lam, after, moment).activity_bq, 0.0)
        if will <= was:
            continue
        base = others.get(c.nuclide, 0.0)
        check_holdings_raised(site=site.name, nuclide=c.nuclide, at=moment,
                              before_bq={**others, c.nuclide: base + was},
                              after_bq={**others, c.nuclide: base + will},
                              limits=limits, what=what, field=field)


def correct(db: Database, actor: Actor, container_id: int, *, event_id: int, reason: str,
            activity_bq: float | None = None, volume_ml: float | None = None,
            reference_at: datetime | None = None, at: datetime | None = None,
            void: bool = False) -> EventView:
    """Correct an earlier event of the container: a new event that points to it, states why,
    and gives the values that replace its own (or voids it). The original stays as it was.

    A transfer's withdrawal is corrected (or voided) together with the receipt of the
    container it filled, in this transaction, unless that container has records of its own
    (Conflict naming it); see the module's docstring for the other rules."""
    actor.require(Permission.LEDGER_CORRECT)
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("a correction must say why", field="reason")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    activity = _positive(activity_bq, "activity_bq", allow_zero=True)
    volume = _positive(volume_ml, "volume_ml", allow_zero=True)
    reference_at = None if reference_at is None else aware_utc(reference_at, "reference_at")
    at = None if at is None else aware_utc(at, "at")
    if not void and activity is None and volume is None and reference_at is None and at is None:
        raise InvalidInput("a correction gives new values or voids the event", field="void")
    with db.write() as s:
        c = lock_for_append(s, actor, container_id)
        stored = events_of(s, c.id)
        target = next((e for e in stored if e.id == event_id), None)
        if target is None:
            raise NotFound(f"container {c.id} has no event {event_id}", field="event_id")
        events = [domain_event(e) for e in stored]
        root = _root(stored, target)
        root_kind = EventKind(root.kind)
        lam = decay_constant(c.nuclide)
        if root_kind is EventKind.RECEIPT:
            if root.counterpart_container_id is not None:
                raise _transfer_receipt_refused(s, c, root)
            if void:
                raise InvalidInput("a receipt cannot be voided; record a disposal",
                                   field="void")
            if at is not None and at != c.received_at:
                raise InvalidInput("the time of receipt cannot be corrected", field="at")
            if reference_at is not None:
                _reference_near(lam, c.received_at, reference_at)
        elif reference_at is not None:
            raise InvalidInput("only a receipt has a reference time", field="reference_at")
        if root_kind in (EventKind.MEASUREMENT, EventKind.DISPOSAL) and volume is not None:
            raise InvalidInput(f"a {root_kind.value} has no volume", field="volume_ml")
        if root_kind is EventKind.DISPOSAL and activity is not None:
            raise InvalidInput("a disposal has no activity", field="activity_bq")
        if at is not None:
            rules.check_not_before_receipt(events, at, root_kind.value)
        old = {e.id: e for e in rules.effective_events(events)}.get(root.id)  # None: voided
        was_at = old.occurred_at if old is not None else root.occurred_at
        when = at or was_at
        child_id = root.counterpart_container_id if root_kind is EventKind.WITHDRAWAL else None
        if child_id is not None and when != was_at:
            raise InvalidInput(f"the time of a transfer cannot be corrected: container "
                               f"{child_id} was received at {was_at.isoformat()}; void the "
                               "transfer and record it again", field="at")
        discrepancy = False
        extra: dict[str, object] = {}
        if root_kind is EventKind.MEASUREMENT and not void:
            reading = activity if activity is not None else (old or root).activity_bq
            assert reading is not None
            discrepancy, extra = _judge_measurement(s, c, events, when, reading, reason,
                                                    note_field="reason")
        new_event = rules.LedgerEvent(
            id=max(e.id for e in events) + 1, kind=EventKind.CORRECTION, occurred_at=when,
            activity_bq=activity, volume_ml=volume, reference_at=reference_at,
            corrects_event_id=root.id, void=void, reason=reason, discrepancy=discrepancy)
        after = [*events, new_event]
        rules.check_consistent(lam, after)
        child: tuple[ContainerRow, LedgerEvent, dict[str, object] | None] | None = None
        if child_id is not None:
            child = _transfer_target(s, actor, child_id, void=void, activity_bq=activity,
                                     volume_ml=volume, reason=reason)
        elif root_kind in (EventKind.WITHDRAWAL, EventKind.DISPOSAL):
            _check_licence_raised(db, s, actor, c, events, after, min(was_at, when),
                                  what=f"{'voiding' if void else 'correcting'} "
                                       f"{root_kind.value} {root.id} of container {c.id}",
                                  field="void" if void else "activity_bq"
                                  if activity is not None else "at")
        if root_kind is EventKind.RECEIPT and (activity is not None or reference_at is not None):
            receipt = next(e for e in rules.effective_events(after)
                           if e.kind is EventKind.RECEIPT)
            assert receipt.activity_bq is not None and receipt.reference_at is not None
            site = visible_site(s, actor, c.site_id, lock=True)
            _check_licence(db, s, site_id=site.id, site_name=site.name, nuclide=c.nuclide,
                           activity_bq=receipt.activity_bq, reference_at=receipt.reference_at,
                           received_at=c.received_at, exclude_container_id=c.id)
        e = _append(s, actor, c, kind=EventKind.CORRECTION, at=when, activity_bq=activity,
                    volume_ml=volume, reference_at=reference_at, corrects_event_id=root.id,
                    void=void, reason=reason, discrepancy=discrepancy,
                    counterpart_container_id=child_id)
        child_e = None
        if child is not None:
            row, receipt_row, _ = child
            child_e = _append(s, actor, row, kind=EventKind.CORRECTION,
                              at=receipt_row.occurred_at, activity_bq=activity,
                              volume_ml=volume, corrects_event_id=receipt_row.id, void=void,
                              reason=reason, counterpart_container_id=c.id)
        old_values = {} if old is None else {
            "at": old.occurred_at, "activity_bq": old.activity_bq,
            "volume_ml": old.volume_ml, "reference_at": old.reference_at}
        _audit_event(s, actor, c, e, "corrected",
                     old={k: v for k, v in old_values.items() if v is not None} or None,
                     reason=reason, extra=extra)
        if child is not None and child_e is not None:
            _audit_event(s, actor, child[0], child_e, "corrected", reason=reason,
                         old=child[2])
        return e
