"""Decay-in-storage waste containers (issue #10): open, fill, seal (release date computed by
isoflow.domain.decay_storage), survey and release. The RSO writes (QUALITY); readers read.
Every write is audited ("waste_container"). A ledger container put into the waste is
disposed of in the ledger in the same transaction, with its remaining activity, so the ledger
and the waste agree."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import decay_storage as dis
from isoflow.domain import ledger as rules
from isoflow.domain.jurisdictions import get_profile
from isoflow.domain.ledger import EventKind
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import LABEL_MAX, NOTE_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger import _append, _audit_event
from isoflow.services.ledger_records import (
    decay_constant,
    domain_event,
    ledger_cache,
    ledger_of,
    lock_for_append,
)
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import WasteContainer, WasteItem
from isoflow.store.models import Site

#: a source container's remaining activity and the stated activity may differ by this much
SOURCE_AGREEMENT = 0.01


@dataclass(frozen=True)
class WasteItemView:
    id: int
    nuclide: str
    activity_bq: float
    reference_at: datetime
    activity_now_bq: float
    source_container_id: int | None
    description: str | None
    added_at: datetime
    added_by: str


@dataclass(frozen=True)
class WasteView:
    id: int
    org_id: int
    site_id: int
    timezone: str
    label: str
    status: str
    opened_at: datetime
    sealed_at: datetime | None
    release_at: datetime | None
    activity_now_bq: float
    items: tuple[WasteItemView, ...]
    background_usv_h: float | None
    surface_usv_h: float | None
    instrument: str | None
    surveyed_at: datetime | None
    surveyed_by: str | None
    disposed_at: datetime | None
    created_by: str
    note: str | None


def _content(i: WasteItem) -> dis.WasteContent:
    return dis.WasteContent(i.nuclide, i.activity_bq, i.reference_at)


def _view(s: Session, w: WasteContainer, at: datetime) -> WasteView:
    site = s.get(Site, w.site_id)
    assert site is not None
    rows = list(s.scalars(select(WasteItem).where(WasteItem.waste_id == w.id)
                          .order_by(WasteItem.id)))
    items = tuple(WasteItemView(i.id, i.nuclide, i.activity_bq, i.reference_at,
                                dis.activity_at(_content(i), at), i.source_container_id,
                                i.description, i.added_at, i.added_by) for i in rows)
    return WasteView(id=w.id, org_id=w.org_id, site_id=w.site_id, timezone=site.timezone,
                     label=w.label, status=w.status, opened_at=w.opened_at,
                     sealed_at=w.sealed_at, release_at=w.release_at,
                     activity_now_bq=sum(i.activity_now_bq for i in items), items=items,
                     background_usv_h=w.background_usv_h, surface_usv_h=w.surface_usv_h,
                     instrument=w.instrument, surveyed_at=w.surveyed_at,
                     surveyed_by=w.surveyed_by, disposed_at=w.disposed_at,
                     created_by=w.created_by, note=w.note)


def _visible(s: Session, actor: Actor, waste_id: int) -> WasteContainer:
    w = s.get(WasteContainer, waste_id)
    if w is None or not actor.sees(w.org_id):
        raise NotFound(f"waste container {waste_id} not found")
    return w


def _time(value: datetime | None, field: str) -> datetime:
    t = now() if value is None else aware_utc(value, field)
    if (t - now()).total_seconds() > 300:
        raise InvalidInput(f"{field} is in the future", field=field)
    return t


def _audit(s: Session, actor: Actor, w: WasteContainer, action: str,
           new: dict[str, object]) -> None:
    audit.record(s, actor, org_id=w.org_id, entity_type="waste_container", entity_id=w.id,
                 action=action, new=new)


def open_waste(db: Database, actor: Actor, *, site_id: int, label: str,
               opened_at: datetime | None = None, note: str | None = None) -> WasteView:
    actor.require(Permission.QUALITY)
    label = clean_text(label, field="label", max_length=LABEL_MAX)
    note = clean_optional_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    t = _time(opened_at, "opened_at")
    with db.write() as s:
        site = visible_site(s, actor, site_id)
        w = WasteContainer(org_id=site.org_id, site_id=site.id, label=label, opened_at=t,
                           status="open", created_by=actor.username, note=note)
        s.add(w)
        s.flush()
        _audit(s, actor, w, "opened", {"site_id": site.id, "label": label,
                                       "opened_at": t.isoformat(), "note": note})
        return _view(s, w, t)


def add_waste(db: Database, actor: Actor, waste_id: int, *, nuclide: str | None = None,
              activity_bq: float | None = None, reference_at: datetime | None = None,
              source_container_id: int | None = None,
              description: str | None = None) -> WasteView:
    """Put activity into an open container. With ``source_container_id`` (a ledger container
    of the organisation) its remaining activity at ``reference_at`` (default now) goes in and
    the container is disposed of in the ledger in this transaction; a stated ``activity_bq``
    must agree with it within 1 %."""
    actor.require(Permission.QUALITY)
    description = clean_optional_text(description, field="description", max_length=200)
    t = _time(reference_at, "reference_at")
    if activity_bq is not None and not (math.isfinite(activity_bq) and activity_bq > 0):
        raise InvalidInput(f"activity_bq must be a positive finite number, not "
                           f"{activity_bq!r}", field="activity_bq")
    appended = None
    with db.write() as s:
        w = _visible(s, actor, waste_id)
        if w.status != "open":
            raise Conflict(f"waste container {w.id} is {w.status}: only an open container "
                           "takes waste", field="waste_id")
        profile = get_profile(s.get(Site, w.site_id).jurisdiction)  # type: ignore[union-attr]
        if source_container_id is not None:
            c = lock_for_append(s, actor, source_container_id)
            if nuclide is not None and nuclide != c.nuclide:
                raise InvalidInput(f"container {c.id} holds {c.nuclide}, not {nuclide}",
                                   field="nuclide")
            nuclide = c.nuclide
            dis.half_life_for_storage(nuclide, profile)
            events = ledger_of(db, s, c)
            rules.check_not_before_receipt(events, t, "disposal")
            remaining = rules.holding_at(decay_constant(c.nuclide), events, t).activity_bq
            if remaining <= 0:
                raise Conflict(f"container {c.id} holds nothing at that time",
                               field="source_container_id")
            if activity_bq is not None and abs(activity_bq / remaining - 1) > SOURCE_AGREEMENT:
                raise InvalidInput(f"activity_bq {activity_bq:.4g} Bq does not agree with "
                                   f"container {c.id}'s remaining {remaining:.4g} Bq",
                                   field="activity_bq")
            activity_bq = remaining
            e = _append(s, actor, c, kind=EventKind.DISPOSAL, at=t,
                        note=f"into waste container {w.id}")
            _audit_event(s, actor, c, e, "disposed", extra={"waste_id": w.id})
            appended = (c.id, e.seq, domain_event(e))
        else:
            if nuclide is None or activity_bq is None:
                raise InvalidInput("nuclide and activity_bq are needed without a source "
                                   "container", field="nuclide" if nuclide is None
                                   else "activity_bq")
            dis.half_life_for_storage(nuclide, profile)
        item = WasteItem(org_id=w.org_id, waste_id=w.id, nuclide=nuclide,
                         activity_bq=activity_bq, reference_at=t,
                         source_container_id=source_container_id, added_at=now(),
                         added_by=actor.username, description=description)
        s.add(item)
        s.flush()
        _audit(s, actor, w, "waste_added", {
            "item_id": item.id, "nuclide": nuclide, "activity_bq": activity_bq,
            "reference_at": t.isoformat(), "source_container_id": source_container_id,
            "description": description})
        view = _view(s, w, now())
    if appended is not None:
        ledger_cache(db).appended(*appended)
    return view


def seal_waste(db: Database, actor: Actor, waste_id: int, *,
               sealed_at: datetime | None = None) -> WasteView:
    actor.require(Permission.QUALITY)
    t = _time(sealed_at, "sealed_at")
    with db.write() as s:
        w = _visible(s, actor, waste_id)
        if w.status != "open":
            raise Conflict(f"waste container {w.id} is {w.status} already", field="waste_id")
        if t < w.opened_at:
            raise InvalidInput("sealed_at is before the container was opened",
                               field="sealed_at")
        profile = get_profile(s.get(Site, w.site_id).jurisdiction)  # type: ignore[union-attr]
        items = [_content(i) for i in s.scalars(select(WasteItem)
                                                .where(WasteItem.waste_id == w.id))]
        w.release_at = dis.release_at(items, t, profile)
        w.sealed_at, w.status = t, "sealed"
        s.flush()
        _audit(s, actor, w, "sealed", {"sealed_at": t.isoformat(),
                                       "release_at": w.release_at.isoformat()})
        return _view(s, w, t)


def release_waste(db: Database, actor: Actor, waste_id: int, *, surveyed_at: datetime,
                  background_usv_h: float, surface_usv_h: float,
                  instrument: str) -> WasteView:
    """Record the release survey and the disposal (10 CFR 35.2092). Refused before the
    release date, or when the surface reading is above 1.1 × background."""
    actor.require(Permission.QUALITY)
    t = _time(surveyed_at, "surveyed_at")
    instrument = clean_text(instrument, field="instrument", max_length=200)
    with db.write() as s:
        w = _visible(s, actor, waste_id)
        if w.status != "sealed" or w.release_at is None:
            raise Conflict(f"waste container {w.id} is {w.status}: only a sealed container "
                           "is released", field="waste_id")
        if t < w.release_at:
            raise Conflict(f"waste container {w.id} may be released from "
                           f"{w.release_at:%Y-%m-%d %H:%M} UTC", field="surveyed_at")
        if not dis.survey_passes(background_usv_h, surface_usv_h):
            raise InvalidInput(f"surface reading {surface_usv_h:g} µSv/h is above background "
                               f"{background_usv_h:g} µSv/h × {dis.SURVEY_FACTOR:g}: keep "
                               "the container in storage", field="surface_usv_h")
        w.background_usv_h, w.surface_usv_h, w.instrument = (
            background_usv_h, surface_usv_h, instrument)
        w.surveyed_at, w.surveyed_by = t, actor.username
        w.disposed_at, w.disposed_by, w.status = t, actor.username, "released"
        s.flush()
        _audit(s, actor, w, "released", {
            "surveyed_at": t.isoformat(), "background_usv_h": background_usv_h,
            "surface_usv_h": surface_usv_h, "instrument": instrument})
        return _view(s, w, t)


def list_waste(db: Database, actor: Actor, *, site_id: int | None = None,
               status: str | None = None) -> list[WasteView]:
    actor.require(Permission.READ)
    q = select(WasteContainer).order_by(WasteContainer.id.desc())
    if actor.org_id is not None:
        q = q.where(WasteContainer.org_id == actor.org_id)
    if status is not None:
        if status not in ("open", "sealed", "released"):
            raise InvalidInput(f"unknown status {status!r}", field="status")
        q = q.where(WasteContainer.status == status)
    at = now()
    with db.read() as s:
        if site_id is not None:
            q = q.where(WasteContainer.site_id == visible_site(s, actor, site_id).id)
        return [_view(s, w, at) for w in s.scalars(q)]


def get_waste(db: Database, actor: Actor, waste_id: int,
              at: datetime | None = None) -> WasteView:
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    with db.read() as s:
        return _view(s, _visible(s, actor, waste_id), t)
