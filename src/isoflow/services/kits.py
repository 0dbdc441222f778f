"""Kit preparation (issue #10, item 4): a cold kit labelled from a Tc-99m eluate, its
radiochemical-purity test and its release by a radiopharmacist's electronic signature.

The labelled vial is a ledger container filled by a transfer from the eluate, written in the
same transaction as the ``KitPreparation`` row and the audit entries, exactly as
``ledger.withdraw(..., into_kind="vial")`` writes a transfer. The rules are
isoflow.domain.dispensing; limits come from the kit's catalogue row and the site's
jurisdiction profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import dispensing as rules
from isoflow.domain import ledger as ledger_rules
from isoflow.domain.jurisdictions import JurisdictionProfile, get_profile
from isoflow.domain.ledger import EventKind
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import LABEL_MAX, NOTE_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from isoflow.services import audit, signatures
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger import _append, _audit_event, _new_container, _overdraw
from isoflow.services.ledger_records import (
    ContainerRow,
    EventView,
    decay_constant,
    domain_event,
    ledger_cache,
    ledger_of,
    lock_for_append,
)
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import Elution, Kit, KitPreparation
from isoflow.store.models import Container, Site

LOT_MAX = 60


# ------------------------------------------------------------------ shared helpers
def positive(value: float | None, field: str, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, int | float) and math.isfinite(value) and (
        value >= 0 if allow_zero else value > 0)
    if not ok:
        raise InvalidInput(f"{field} must be a {'non-negative' if allow_zero else 'positive'}"
                           f" finite number, not {value!r}", field=field)
    assert value is not None
    return float(value)


def note_of(value: str | None, field: str = "note") -> str | None:
    return clean_optional_text(value, field=field, max_length=NOTE_MAX, multiline=True)


def profile_of(s: Session, site_id: int) -> JurisdictionProfile:
    site = s.get(Site, site_id)
    assert site is not None
    return get_profile(site.jurisdiction)


def day_bounds(s: Session, site_id: int, day: date) -> tuple[datetime, datetime]:
    """The site's local day as [start, end) in UTC."""
    site = s.get(Site, site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return aware_utc(start, "day"), aware_utc(start + timedelta(days=1), "day")


@dataclass(frozen=True)
class Transfer:
    """A transfer written inside a use case's transaction; ``committed()`` after commit."""

    source: ContainerRow
    target: ContainerRow
    withdrawal: EventView

    def committed(self, db: Database) -> None:
        ledger_cache(db).appended(self.source.id, self.withdrawal.seq,
                                  domain_event(self.withdrawal))


def transfer(db: Database, s: Session, actor: Actor, source: ContainerRow,
             events: list[ledger_rules.LedgerEvent], *, at: datetime, activity_bq: float,
             volume_ml: float | None, into_kind: str, label: str,
             note: str | None) -> Transfer:
    """Take ``activity_bq`` (and ``volume_ml``) from the locked ``source`` at ``at`` into a new
    container, as ``ledger.withdraw(..., into_kind=...)`` does; LimitExceeded naming
    activity_bq if it would overdraw."""
    ledger_rules.check_not_before_receipt(events, at, "transfer")
    lam = decay_constant(source.nuclide)
    holding = ledger_rules.holding_at(lam, events, at)
    if holding.voided or holding.disposed:
        raise Conflict(f"container {source.id} holds nothing at {at.isoformat()} (disposed "
                       "of or voided)", field="source_container_id")
    prospective = [*events, ledger_rules.LedgerEvent(
        id=max(e.id for e in events) + 1, kind=EventKind.WITHDRAWAL, occurred_at=at,
        activity_bq=activity_bq, volume_ml=volume_ml)]
    try:
        ledger_rules.check_consistent(lam, prospective)
    except LimitExceeded:
        raise _overdraw(source, events, at, activity_bq, volume_ml) from None
    target, _ = _new_container(s, actor, org_id=source.org_id, site_id=source.site_id,
                               kind=into_kind, nuclide=source.nuclide,
                               label=clean_text(label[:LABEL_MAX], field="label",
                                                max_length=LABEL_MAX),
                               received_at=at, activity_bq=activity_bq, reference_at=at,
                               volume_ml=volume_ml, note=note, source_container_id=source.id)
    e = _append(s, actor, source, kind=EventKind.WITHDRAWAL, at=at, activity_bq=activity_bq,
                volume_ml=volume_ml, note=note, counterpart_container_id=target.id)
    _audit_event(s, actor, source, e, "transferred")
    return Transfer(source=source, target=target, withdrawal=e)


def eluted_at_of(s: Session, container: ContainerRow) -> tuple[datetime, Elution | None]:
    """When the eluate was eluted: its Elution row's time, else its receipt."""
    elution = s.scalar(select(Elution).where(Elution.eluate_container_id == container.id))
    return (container.received_at if elution is None else elution.eluted_at), elution


def check_eluate_usable(elution: Elution | None, at: datetime, field: str) -> None:
    """An eluate whose elution failed the breakthrough or aluminium test, or is past its
    ``use_until``, is not used."""
    if elution is None:
        return
    if elution.breakthrough_passed is False:
        raise InvalidInput("the eluate failed the Mo-99 breakthrough test", field=field)
    if elution.aluminium_passed is False:
        raise InvalidInput("the eluate failed the aluminium test", field=field)
    if elution.use_until is not None and at > elution.use_until:
        raise InvalidInput(f"the eluate may be used until {elution.use_until.isoformat()} "
                           "(breakthrough limit)", field=field)


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class KitPreparationView:
    id: int
    org_id: int
    site_id: int
    kit_id: int
    kit_code: str
    kit_name: str
    radiopharmaceutical: str
    kit_lot: str
    vial_container_id: int
    eluate_container_id: int
    prepared_at: datetime
    activity_bq: float
    volume_ml: float
    expires_at: datetime
    rcp_min: float
    rcp_fraction: float | None
    rcp_passed: bool | None
    rcp_at: datetime | None
    status: str
    prepared_by: str
    released_by: str | None
    released_at: datetime | None
    signature_id: int | None
    note: str | None
    #: what the vial holds at ``at`` (decay-corrected, after the doses drawn)
    at: datetime
    activity_now_bq: float
    volume_now_ml: float | None
    expired: bool


def _view(db: Database, s: Session, p: KitPreparation, kit: Kit,
          at: datetime | None = None) -> KitPreparationView:
    t = now() if at is None else at
    c = s.get(Container, p.vial_container_id)
    assert c is not None
    events = ledger_of(db, s, c)
    holding = ledger_rules.holding_at(decay_constant(c.nuclide), events, t)
    return KitPreparationView(
        id=p.id, org_id=p.org_id, site_id=c.site_id, kit_id=kit.id, kit_code=kit.code,
        kit_name=kit.name, radiopharmaceutical=kit.radiopharmaceutical, kit_lot=p.kit_lot,
        vial_container_id=p.vial_container_id, eluate_container_id=p.eluate_container_id,
        prepared_at=p.prepared_at, activity_bq=p.activity_bq, volume_ml=p.volume_ml,
        expires_at=p.expires_at, rcp_min=kit.rcp_min, rcp_fraction=p.rcp_fraction,
        rcp_passed=p.rcp_passed, rcp_at=p.rcp_at, status=p.status, prepared_by=p.prepared_by,
        released_by=p.released_by, released_at=p.released_at, signature_id=p.signature_id,
        note=p.note, at=t, activity_now_bq=holding.activity_bq,
        volume_now_ml=holding.volume_ml, expired=t > p.expires_at)


def _record(p: KitPreparation) -> dict[str, object]:
    return {k: v for k, v in (
        ("kit_id", p.kit_id), ("kit_lot", p.kit_lot), ("vial_container_id", p.vial_container_id),
        ("eluate_container_id", p.eluate_container_id), ("prepared_at", p.prepared_at),
        ("activity_bq", p.activity_bq), ("volume_ml", p.volume_ml),
        ("expires_at", p.expires_at), ("rcp_fraction", p.rcp_fraction),
        ("rcp_passed", p.rcp_passed), ("rcp_at", p.rcp_at), ("status", p.status),
        ("released_by", p.released_by), ("released_at", p.released_at),
        ("signature_id", p.signature_id), ("note", p.note)) if v is not None}


def _visible_preparation(s: Session, actor: Actor, preparation_id: int, *,
                         lock: bool = False) -> tuple[KitPreparation, Kit]:
    p = s.get(KitPreparation, preparation_id, with_for_update=lock)
    if p is None or not actor.sees(p.org_id):
        raise NotFound(f"no kit preparation {preparation_id}", field="preparation_id")
    kit = s.get(Kit, p.kit_id)
    assert kit is not None
    return p, kit


# ------------------------------------------------------------------ writing
def prepare_kit(db: Database, actor: Actor, *, kit_id: int, kit_lot: str,
                eluate_container_id: int, prepared_at: datetime, activity_bq: float,
                volume_ml: float, note: str | None = None) -> KitPreparationView:
    """Label a kit vial with ``activity_bq`` [Bq] in ``volume_ml`` [mL] of the eluate at
    ``prepared_at``: a transfer from the eluate into a new "vial" container, the preparation
    row (status "prepared", its expiry) and the audit trail, in one transaction."""
    actor.require(Permission.PREPARE)
    actor.require(Permission.LEDGER_WRITE)
    lot = clean_text(kit_lot, field="kit_lot", max_length=LOT_MAX)
    t = aware_utc(prepared_at, "prepared_at")
    activity = positive(activity_bq, "activity_bq")
    volume = positive(volume_ml, "volume_ml")
    note = note_of(note)
    with db.write() as s:
        kit = s.get(Kit, kit_id)
        if kit is None or not actor.sees(kit.org_id):
            raise NotFound(f"no kit {kit_id}", field="kit_id")
        if not kit.active:
            raise Conflict(f"kit {kit.name!r} is no longer in use", field="kit_id")
        source = lock_for_append(s, actor, eluate_container_id)
        if source.org_id != kit.org_id:
            raise NotFound(f"no container {eluate_container_id}", field="eluate_container_id")
        if source.kind != "vial" or source.nuclide != kit.nuclide:
            raise InvalidInput(f"container {source.id} is not a {kit.nuclide} eluate vial",
                               field="eluate_container_id")
        if s.scalar(select(KitPreparation.id).where(
                KitPreparation.vial_container_id == source.id)) is not None:
            raise InvalidInput(f"container {source.id} is a kit vial, not an eluate",
                               field="eluate_container_id")
        profile = profile_of(s, source.site_id)
        eluted_at, elution = eluted_at_of(s, source)
        check_eluate_usable(elution, t, "eluate_container_id")
        previous = None
        if elution is not None:
            previous = s.scalar(select(Elution.eluted_at).where(
                Elution.generator_container_id == elution.generator_container_id,
                Elution.eluted_at < elution.eluted_at).order_by(Elution.eluted_at.desc())
                .limit(1))
        expiry_rule = profile.eluate_expiry.get(kit.nuclide)
        carrier_age = profile.carrier_sensitive_max_eluate_age
        carrier_prev = profile.carrier_sensitive_previous_elution
        limits = rules.KitLimits(
            name=kit.name, max_activity_bq=kit.max_activity_bq, max_volume_ml=kit.max_volume_ml,
            max_eluate_age_s=kit.max_eluate_age_s, carrier_sensitive=kit.carrier_sensitive,
            eluate_expiry_s=None if expiry_rule is None else expiry_rule.seconds,
            carrier_max_eluate_age_s=None if carrier_age is None else carrier_age.seconds,
            carrier_previous_elution_s=None if carrier_prev is None else carrier_prev.seconds)
        rules.check_kit_preparation(limits, prepared_at=t, eluted_at=eluted_at,
                                    activity_bq=activity, volume_ml=volume,
                                    previous_elution_at=previous,
                                    elution_known=elution is not None)
        events = ledger_of(db, s, source)
        moved = transfer(db, s, actor, source, events, at=t, activity_bq=activity,
                         volume_ml=volume, into_kind="vial", label=f"{kit.name} {lot}",
                         note=note)
        expires = rules.kit_expiry(t, kit.shelf_life_s, eluted_at, limits.eluate_expiry_s)
        p = KitPreparation(org_id=kit.org_id, kit_id=kit.id, kit_lot=lot,
                           vial_container_id=moved.target.id, eluate_container_id=source.id,
                           prepared_at=t, activity_bq=activity, volume_ml=volume,
                           expires_at=expires, status="prepared",
                           prepared_by=actor.username, note=note)
        s.add(p)
        s.flush()
        audit.record(s, actor, org_id=p.org_id, entity_type="kit_preparation", entity_id=p.id,
                     action="prepared", new=_record(p))
        pid = p.id
    moved.committed(db)
    return get_kit_preparation(db, actor, pid)


def record_rcp(db: Database, actor: Actor, preparation_id: int, *, rcp_fraction: float,
               tested_at: datetime) -> KitPreparationView:
    """The radiochemical purity (a fraction) of the labelled kit: passed at or above the
    kit's minimum; a failed test rejects the kit."""
    actor.require(Permission.PREPARE)
    fraction = positive(rcp_fraction, "rcp_fraction", allow_zero=True)
    if fraction > 1:
        raise InvalidInput("rcp_fraction is a fraction between 0 and 1 (0.95 = 95 %)",
                           field="rcp_fraction")
    t = aware_utc(tested_at, "tested_at")
    with db.write() as s:
        p, kit = _visible_preparation(s, actor, preparation_id, lock=True)
        if p.status != "prepared":
            raise Conflict(f"kit preparation {p.id} is {p.status}; its RCP cannot be "
                           "recorded again", field="preparation_id")
        if t < p.prepared_at:
            raise InvalidInput("tested_at is before the kit was prepared", field="tested_at")
        old = _record(p)
        p.rcp_fraction, p.rcp_at = fraction, t
        p.rcp_passed = rules.rcp_passed(fraction, kit.rcp_min)
        if not p.rcp_passed:
            p.status = "rejected"
        audit.record(s, actor, org_id=p.org_id, entity_type="kit_preparation", entity_id=p.id,
                     action="rcp_passed" if p.rcp_passed else "rcp_failed", old=old,
                     new=_record(p))
        return _view(db, s, p, kit)


def release_kit(db: Database, actor: Actor, preparation_id: int, *, password: str,
                comment: str | None = None) -> KitPreparationView:
    """Release the kit for use by an electronic signature meaning "released" on its vial
    (21 CFR 11.50): needs a passed RCP and an unexpired kit; a wrong password (401) changes
    nothing."""
    actor.require(Permission.RELEASE)
    comment = note_of(comment, "comment")
    t = now()
    with db.read() as s:
        p, _ = _visible_preparation(s, actor, preparation_id)
        vial_id = p.vial_container_id
        if p.status != "prepared":
            raise Conflict(f"kit preparation {p.id} is {p.status}", field="preparation_id")
        if not p.rcp_passed:
            raise Conflict("the kit needs a passed RCP test before release",
                           field="preparation_id")
        if t > p.expires_at:
            raise Conflict(f"the kit expired at {p.expires_at.isoformat()}",
                           field="preparation_id")
    sig = signatures.sign(db, actor, password=password, entity_type="container",
                          entity_id=vial_id, meaning="released", comment=comment)
    with db.write() as s:
        p, kit = _visible_preparation(s, actor, preparation_id, lock=True)
        if p.status != "prepared":  # released by someone else meanwhile
            raise Conflict(f"kit preparation {p.id} is {p.status}", field="preparation_id")
        old = _record(p)
        p.status, p.released_by, p.released_at, p.signature_id = (
            "released", actor.username, sig.signed_at, sig.id)
        audit.record(s, actor, org_id=p.org_id, entity_type="kit_preparation", entity_id=p.id,
                     action="released", old=old, new=_record(p), reason=comment)
        return _view(db, s, p, kit)


# ------------------------------------------------------------------ reading
def get_kit_preparation(db: Database, actor: Actor, preparation_id: int,
                        at: datetime | None = None) -> KitPreparationView:
    actor.require(Permission.READ)
    t = None if at is None else aware_utc(at, "at")
    with db.read() as s:
        p, kit = _visible_preparation(s, actor, preparation_id)
        return _view(db, s, p, kit, t)


def list_kit_preparations(db: Database, actor: Actor, *, site_id: int | None = None,
                          day: date | None = None,
                          at: datetime | None = None) -> list[KitPreparationView]:
    """The kit preparations (newest first), of a site and the site's local day if given."""
    actor.require(Permission.READ)
    t = None if at is None else aware_utc(at, "at")
    q = (select(KitPreparation, Kit).join(Kit, Kit.id == KitPreparation.kit_id)
         .join(Container, Container.id == KitPreparation.vial_container_id)
         .order_by(KitPreparation.prepared_at.desc(), KitPreparation.id.desc()).limit(500))
    if actor.org_id is not None:
        q = q.where(KitPreparation.org_id == actor.org_id)
    with db.read() as s:
        if site_id is not None:
            q = q.where(Container.site_id == visible_site(s, actor, site_id).id)
        if day is not None:
            if site_id is None:
                raise InvalidInput("a day needs the site whose day it is", field="site_id")
            start, end = day_bounds(s, site_id, day)
            q = q.where(KitPreparation.prepared_at >= start, KitPreparation.prepared_at < end)
        return [_view(db, s, p, kit, t) for p, kit in s.execute(q).all()]


def usable_vials(db: Database, actor: Actor, *, site_id: int,
                 at: datetime | None = None) -> list[KitPreparationView]:
    """Released, unexpired kit vials of the site that still hold activity."""
    t = now() if at is None else aware_utc(at, "at")
    return [v for v in list_kit_preparations(db, actor, site_id=site_id, at=t)
            if v.status == "released" and not v.expired and v.activity_now_bq > 0]


def kit_choices(db: Database, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the organisation's active kits."""
    actor.require(Permission.READ)
    q = select(Kit).where(Kit.active.is_(True)).order_by(Kit.name)
    if actor.org_id is not None:
        q = q.where(Kit.org_id == actor.org_id)
    with db.read() as s:
        return [(k.id, f"{k.name} ({k.code})") for k in s.scalars(q)]


def eluate_choices(db: Database, actor: Actor, *, site_id: int,
                   at: datetime | None = None) -> list[tuple[int, str, float]]:
    """(container id, label, activity at ``at``) of the site's Tc-99m vials that are not kit
    vials and still hold activity (the eluates), newest first."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    kit_vials = select(KitPreparation.vial_container_id)
    with db.read() as s:
        site = visible_site(s, actor, site_id)
        rows = list(s.scalars(select(Container).where(
            Container.site_id == site.id, Container.kind == "vial",
            Container.nuclide == "Tc-99m", Container.received_at <= t,
            Container.received_at >= t - timedelta(days=2), Container.id.not_in(kit_vials))
            .order_by(Container.received_at.desc()).limit(50)))
        out = []
        for c in rows:
            h = ledger_rules.holding_at(decay_constant(c.nuclide), ledger_of(db, s, c), t)
            if h.activity_bq > 0 and not h.disposed:
                out.append((c.id, c.label, h.activity_bq))
        return out
