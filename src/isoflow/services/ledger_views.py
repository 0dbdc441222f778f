"""What the ledger pages read: containers found by nuclide, kind, site and disposal (with a
count, for paging), a container with its events as the events table shows them (which
correction corrects what, which rows are voided, which measurement was flagged), and the
container's activity over time for its chart.

The chart's curve is the ledger's own balance (isoflow.domain.ledger)

    A(t) = A_ref · exp(-λ (t - t_ref)) - Σ_{t_i <= t} a_i · exp(-λ (t - t_i))      [Bq]

evaluated over many times at once with numpy: the withdrawals' decayed running sum
R_j = R_{j-1} · exp(-λ (t_j - t_{j-1})) + a_j is formed once, and every time t takes the
last R_j before it decayed to t (no exponent is ever positive, so nothing overflows). The
values at the events and at ``at`` are those of :func:`isoflow.domain.ledger.holding_at`
(a test holds them to it); pages only draw what this returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
from sqlalchemy import ColumnElement, Table, and_, exists, func, select
from sqlalchemy.orm import aliased

from isoflow.domain import ledger as rules
from isoflow.domain.ledger import CONTAINER_KINDS, EventKind
from isoflow.domain.roles import Actor, Permission
from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger_records import (
    ContainerRow,
    ContainerView,
    EventView,
    container_view,
    decay_constant,
    half_life_s,
    ledger_cache,
    ledger_of,
    not_found,
)
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent, Site

_CT = cast(Table, Container.__table__)
_ET = cast(Table, LedgerEvent.__table__)


# ------------------------------------------------------------------ the list
@dataclass(frozen=True)
class ContainerItem:
    """A row of the containers list: the container now, its site, and whether one of its
    measurements was flagged as departing from the book value."""

    container: ContainerView
    site_name: str
    timezone: str
    discrepancy: bool


@dataclass(frozen=True)
class ContainerList:
    items: list[ContainerItem]
    #: how many containers match the filters (all pages)
    total: int
    limit: int
    offset: int
    at: datetime


def _disposal_stands() -> ColumnElement[bool]:
    """SQL: the container has a disposal whose latest correction (if any) does not void it."""
    d = _ET.alias("d")
    c = _ET.alias("c")
    c2 = _ET.alias("c2")
    latest_void = exists(select(c.c.id).where(
        c.c.corrects_event_id == d.c.id, c.c.void.is_(True),
        ~exists(select(c2.c.id).where(c2.c.corrects_event_id == d.c.id, c2.c.seq > c.c.seq))))
    return exists(select(d.c.id).where(d.c.container_id == _CT.c.id, d.c.kind == "disposal",
                                       ~latest_void))


def _flagged() -> ColumnElement[bool]:
    """SQL: one of the container's measurements was flagged as a discrepancy."""
    m = _ET.alias("m")
    return exists(select(m.c.id).where(m.c.container_id == _CT.c.id, m.c.discrepancy.is_(True)))


def canonical_nuclide(name: str | None) -> str | None:
    """A filter's nuclide in the ledger's spelling ('tc99m' -> 'Tc-99m'); InvalidInput if
    unknown."""
    if name is None or not name.strip():
        return None
    return get_nuclide(name.strip()).name


def find_containers(db: Database, actor: Actor, *, nuclide: str | None = None,
                    kind: str | None = None, site_id: int | None = None,
                    disposed: bool | None = None, at: datetime | None = None,
                    limit: int = 50, offset: int = 0) -> ContainerList:
    """The containers the actor sees that match every filter given (newest first), what
    each holds at ``at`` (default now), and how many match in all."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    if kind is not None and kind not in CONTAINER_KINDS:
        raise InvalidInput(f"unknown container kind {kind!r}; one of: "
                           f"{', '.join(CONTAINER_KINDS)}", field="kind")
    canon = canonical_nuclide(nuclide)
    limit = max(1, min(int(limit), 500))
    offset = max(0, int(offset))
    where = []
    if actor.org_id is not None:
        where.append(_CT.c.org_id == actor.org_id)
    if canon is not None:
        where.append(_CT.c.nuclide == canon)
    if kind is not None:
        where.append(_CT.c.kind == kind)
    if site_id is not None:
        where.append(_CT.c.site_id == site_id)
    if disposed is not None:
        stands = _disposal_stands()
        where.append(stands if disposed else ~stands)
    site = aliased(Site)
    q = (select(*ContainerRowColumns, site.name, site.timezone,
                _flagged().label("flagged"))
         .join(site, site.id == _CT.c.site_id).where(and_(True, *where))
         .order_by(_CT.c.id.desc()).limit(limit).offset(offset))
    count_q = select(func.count()).select_from(_CT).where(and_(True, *where))
    with db.read() as s:
        total = int(s.execute(count_q).scalar_one())
        rows = list(s.execute(q))
        items = []
        for r in rows:
            c = ContainerRow(*r[:len(ContainerRowColumns)])
            items.append(ContainerItem(container=container_view(c, ledger_of(db, s, c), t),
                                       site_name=r[-3], timezone=r[-2],
                                       discrepancy=bool(r[-1])))
    return ContainerList(items=items, total=total, limit=limit, offset=offset, at=t)


ContainerRowColumns = (_CT.c.id, _CT.c.org_id, _CT.c.site_id, _CT.c.kind, _CT.c.nuclide,
                       _CT.c.label, _CT.c.received_at, _CT.c.source_container_id,
                       _CT.c.event_count)


def nuclides_in_ledger(db: Database, actor: Actor) -> list[str]:
    """The nuclides the actor's containers hold or held (for a filter's choices)."""
    actor.require(Permission.READ)
    q = select(_CT.c.nuclide).distinct().order_by(_CT.c.nuclide)
    if actor.org_id is not None:
        q = q.where(_CT.c.org_id == actor.org_id)
    with db.read() as s:
        return list(s.scalars(q))


# ------------------------------------------------------------------ one container
@dataclass(frozen=True)
class EventRow:
    """An event as the events table shows it."""

    event: EventView
    #: a measurement that departed from the book value by more than the site's tolerance
    discrepancy: bool
    #: voided by a later correction (the last correction of it voids it)
    voided: bool
    #: seq of the event this correction corrects
    corrects_seq: int | None
    #: seqs of the corrections of this event
    corrected_by: tuple[int, ...]


@dataclass(frozen=True)
class CurveMarker:
    seq: int
    kind: str
    at: datetime
    #: the book activity just after the event (a measurement: the reading) [Bq]
    activity_bq: float
    #: what the event says: the activity withdrawn or read, the received activity [Bq]
    amount_bq: float | None
    volume_ml: float | None
    #: the book value a measurement is compared with [Bq]
    book_bq: float | None = None


@dataclass(frozen=True)
class ActivityCurve:
    """The container's activity over time (for its chart) [s since the epoch, Bq]."""

    container_id: int
    nuclide: str
    times: list[datetime]
    activities_bq: list[float]
    markers: list[CurveMarker]
    at: datetime
    activity_at_bq: float


@dataclass(frozen=True)
class ContainerDetail:
    container: ContainerView
    site_name: str
    timezone: str
    #: relative departure of a measurement from the book value flagged as a discrepancy
    measurement_tolerance: float
    events: list[EventRow]
    curve: ActivityCurve


def _curve_window(c: ContainerRow, events: list[rules.LedgerEvent],
                  at: datetime) -> tuple[datetime, datetime]:
    """From receipt to disposal, or to ``at`` plus a few half-lives (no more than the
    container's age again, and at least a day, so a sealed source's chart stays readable)."""
    start = c.received_at
    disposed = rules.disposed_at(events)
    if disposed is not None and disposed <= at:
        end = disposed + max((disposed - start) * 0.05, timedelta(minutes=30))
    else:
        last = max(e.occurred_at for e in events)
        base = max(at, last)
        ahead = min(timedelta(seconds=min(3 * half_life_s(c.nuclide), 3e9)),
                    max(base - start, timedelta(days=1)))
        end = base + ahead
    return start, max(end, start + timedelta(minutes=10))


def _balance_many(lam: float, eff: list[rules.LedgerEvent], ts: np.ndarray) -> np.ndarray:
    """The ledger's balance at each of ``ts`` [s since the epoch] (withdrawals up to each
    time counted), before any disposal and rounding: vectorised _balance."""
    rec = next(e for e in eff if e.kind is EventKind.RECEIPT)
    assert rec.activity_bq is not None and rec.reference_s is not None
    arg = np.clip(-lam * (ts - rec.reference_s), -745.0, 700.0)
    out = rec.activity_bq * np.exp(arg)
    taken = sorted((e.occurred_s, e.activity_bq or 0.0) for e in eff
                   if e.kind is EventKind.WITHDRAWAL)
    if taken:
        ti = np.fromiter((w[0] for w in taken), float, len(taken))
        ai = np.fromiter((w[1] for w in taken), float, len(taken))
        # R_j: the withdrawals up to j decayed to t_j
        steps = np.exp(-lam * np.diff(ti))
        running = np.empty_like(ai)
        acc = 0.0
        for j in range(len(ai)):
            acc = (acc * steps[j - 1] if j else 0.0) + ai[j]
            running[j] = acc
        k = np.searchsorted(ti, ts, side="right") - 1
        has = k >= 0
        kk = np.where(has, k, 0)
        out = out - np.where(has, running[kk] * np.exp(-lam * np.maximum(ts - ti[kk], 0.0)),
                             0.0)
    return out


def _curve(c: ContainerRow, events: list[rules.LedgerEvent], at: datetime,
           points: int) -> ActivityCurve:
    lam = decay_constant(c.nuclide)
    eff = rules.effective_events(events)
    rec = next((e for e in eff if e.kind is EventKind.RECEIPT), None)
    start, end = _curve_window(c, events, at)
    if rec is None:  # a voided transfer's container: it never held anything
        return ActivityCurve(container_id=c.id, nuclide=c.nuclide, times=[start, end],
                             activities_bq=[0.0, 0.0], markers=[], at=at, activity_at_bq=0.0)
    assert rec.activity_bq is not None and rec.reference_at is not None
    s0, s1 = start.timestamp(), end.timestamp()
    disposal = next((e for e in eff if e.kind is EventKind.DISPOSAL), None)
    # a grid, the current moment, and each withdrawal and disposal twice (just before and
    # at it), so every step is drawn vertically
    steps = [e.occurred_s for e in eff
             if e.kind in (EventKind.WITHDRAWAL, EventKind.DISPOSAL) and s0 <= e.occurred_s <= s1]
    before = np.asarray(steps) - 1e-3
    grid = np.linspace(s0, s1, max(2, points))
    ts = np.unique(np.concatenate([grid, before, np.asarray(steps),
                                   [min(max(at.timestamp(), s0), s1)]]))
    a = _balance_many(lam, eff, ts)
    tol = rules.RELATIVE_TOLERANCE * rec.activity_bq * np.exp(
        np.clip(-lam * (ts - rec.reference_at.timestamp()), -745.0, 700.0))
    a = np.where(np.abs(a) <= tol, 0.0, a)
    if disposal is not None:
        a = np.where(ts >= disposal.occurred_s, 0.0, a)
    a = np.maximum(a, 0.0)
    times = [datetime.fromtimestamp(float(x), UTC) for x in ts]
    # the markers: the book value just after each event (before a disposal: what was
    # disposed of), a measurement at its reading with the book value beside it
    seq_of = {e.id: i + 1 for i, e in enumerate(events)}
    ref_s = rec.reference_at.timestamp()
    at_events = _balance_many(lam, eff, np.fromiter((e.occurred_s for e in eff), float,
                                                    len(eff)))
    markers = []
    for e, book in zip(eff, at_events.tolist(), strict=True):
        book = max(book, 0.0) if abs(book) > rules.RELATIVE_TOLERANCE * rec.activity_bq \
            * math.exp(max(-lam * (e.occurred_s - ref_s), -745.0)) else 0.0
        y = (e.activity_bq or 0.0) if e.kind is EventKind.MEASUREMENT else book
        markers.append(CurveMarker(
            seq=seq_of.get(e.id, 0), kind=e.kind.value, at=e.occurred_at, activity_bq=y,
            amount_bq=e.activity_bq, volume_ml=e.volume_ml,
            book_bq=book if e.kind is EventKind.MEASUREMENT else None))
    return ActivityCurve(container_id=c.id, nuclide=c.nuclide, times=times,
                         activities_bq=[float(x) for x in a], markers=markers, at=at,
                         activity_at_bq=rules.holding_at(lam, events, at).activity_bq)


def _visible(db: Database, actor: Actor, container_id: int
             ) -> tuple[ContainerRow, list[rules.LedgerEvent]]:
    actor.require(Permission.READ)
    c, events = ledger_cache(db).container(db, container_id)
    if c is None or not actor.sees(c.org_id):
        raise not_found(container_id)
    return c, events


def activity_curve(db: Database, actor: Actor, container_id: int, points: int = 200,
                   at: datetime | None = None) -> ActivityCurve:
    """The container's activity from receipt to disposal, or to ``at`` (default now) plus a
    few half-lives, at ``points`` times and just before and at each withdrawal; its events
    as markers."""
    t = now() if at is None else aware_utc(at, "at")
    c, events = _visible(db, actor, container_id)
    return _curve(c, events, t, points)


_EVENT_ROW = select(
    _ET.c.id, _ET.c.container_id, _ET.c.seq, _ET.c.kind, _ET.c.occurred_at, _ET.c.recorded_at,
    _ET.c.recorded_by, _ET.c.activity_bq, _ET.c.volume_ml, _ET.c.reference_at,
    _ET.c.corrects_event_id, _ET.c.void, _ET.c.reason, _ET.c.note,
    _ET.c.counterpart_container_id, _ET.c.discrepancy)


def container_detail(db: Database, actor: Actor, container_id: int, *, points: int = 200,
                     at: datetime | None = None) -> ContainerDetail:
    """Everything the container page shows: the container at ``at`` (default now), its site,
    its events as rows of the table, and its activity curve."""
    t = now() if at is None else aware_utc(at, "at")
    c, events = _visible(db, actor, container_id)
    with db.read() as s:
        site = s.execute(select(Site.name, Site.timezone, Site.measurement_tolerance)
                         .where(Site.id == c.site_id)).one()
        rows = s.execute(_EVENT_ROW.where(_ET.c.container_id == c.id,
                                          _ET.c.seq <= c.event_count)
                         .order_by(_ET.c.seq)).all()
    stored = [(EventView(*r[:15]), bool(r[15])) for r in rows]
    seq_of = {e.id: e.seq for e, _ in stored}
    corrected_by: dict[int, list[int]] = {}
    last_correction: dict[int, EventView] = {}
    for e, _flag in stored:
        if e.kind == EventKind.CORRECTION.value and e.corrects_event_id is not None:
            corrected_by.setdefault(e.corrects_event_id, []).append(e.seq)
            last_correction[e.corrects_event_id] = e
    table = [EventRow(event=e, discrepancy=flag,
                      voided=(last_correction[e.id].void if e.id in last_correction else False),
                      corrects_seq=(seq_of.get(e.corrects_event_id)
                                    if e.corrects_event_id is not None else None),
                      corrected_by=tuple(corrected_by.get(e.id, ())))
             for e, flag in stored]
    tolerance = site[2]
    return ContainerDetail(
        container=container_view(c, events, t), site_name=site[0], timezone=site[1],
        measurement_tolerance=0.1 if tolerance is None or not math.isfinite(tolerance)
        else float(tolerance),
        events=table, curve=_curve(c, events, t, points))
