"""Possession limits of each site's radioactive-material licence (per nuclide and total)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain.licence import PossessionLimit, overlaps
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import REASON_MAX, REFERENCE_MAX, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.models import LicenceLimit


@dataclass(frozen=True)
class LicenceLimitView:
    id: int
    org_id: int
    site_id: int
    reference: str
    nuclide: str | None
    limit_bq: float
    valid_from: datetime
    valid_to: datetime | None
    created_at: datetime


def limit_view(x: LicenceLimit) -> LicenceLimitView:
    return LicenceLimitView(id=x.id, org_id=x.org_id, site_id=x.site_id, reference=x.reference,
                            nuclide=x.nuclide, limit_bq=x.limit_bq, valid_from=x.valid_from,
                            valid_to=x.valid_to, created_at=x.created_at)


def as_domain(x: LicenceLimit) -> PossessionLimit:
    return PossessionLimit(id=x.id, nuclide=x.nuclide, limit_bq=x.limit_bq,
                           valid_from=x.valid_from, valid_to=x.valid_to, reference=x.reference)


def site_limits(s: Session, site_id: int) -> list[PossessionLimit]:
    return [as_domain(x) for x in s.scalars(select(LicenceLimit)
                                             .where(LicenceLimit.site_id == site_id))]


def add_limit(db: Database, actor: Actor, *, site_id: int, nuclide: str | None,
              limit_bq: float, valid_from: datetime | None = None,
              valid_to: datetime | None = None, reference: str = "") -> LicenceLimitView:
    """A possession limit [Bq] for ``nuclide`` (None: the total of all nuclides) at a site.
    Limits for the same nuclide may not overlap in time: end the old one first."""
    actor.require(Permission.MANAGE_LICENCES)
    canon = None if nuclide is None else get_nuclide(nuclide).name
    if not limit_bq > 0 or limit_bq == float("inf"):
        raise InvalidInput("a possession limit must be a positive, finite activity",
                           field="limit_bq")
    start = now() if valid_from is None else aware_utc(valid_from, "valid_from")
    valid_to = None if valid_to is None else aware_utc(valid_to, "valid_to")
    if valid_to is not None and valid_to <= start:
        raise InvalidInput("valid_to must be after valid_from", field="valid_to")
    reference = clean_text(reference or "", field="reference", max_length=REFERENCE_MAX,
                           required=False)
    with db.write() as s:
        site = visible_site(s, actor, site_id, lock=True)
        new = PossessionLimit(id=0, nuclide=canon, limit_bq=float(limit_bq), valid_from=start,
                              valid_to=valid_to, reference=reference)
        for old in site_limits(s, site.id):
            if overlaps(new, old):
                raise Conflict(f"site {site.name!r} already has a {old.describe()}; end it "
                               "before adding another for the same period", field="nuclide")
        row = LicenceLimit(org_id=site.org_id, site_id=site.id, reference=reference,
                           nuclide=canon, limit_bq=float(limit_bq), valid_from=start,
                           valid_to=valid_to, created_at=now())
        s.add(row)
        s.flush()
        audit.record(s, actor, org_id=site.org_id, entity_type="licence_limit",
                     entity_id=row.id, action="created",
                     new={"site_id": site.id, "nuclide": canon, "limit_bq": row.limit_bq,
                          "valid_from": start, "valid_to": valid_to, "reference": reference})
        return limit_view(row)


def _visible(s: Session, actor: Actor, limit_id: int, *, lock: bool = False) -> LicenceLimit:
    row = s.get(LicenceLimit, limit_id, with_for_update=lock)
    if row is None or not actor.sees(row.org_id):
        raise NotFound(f"no licence limit {limit_id}", field="licence_id")
    return row


def list_limits(db: Database, actor: Actor, *, site_id: int | None = None
                ) -> list[LicenceLimitView]:
    actor.require(Permission.READ)
    q = select(LicenceLimit).order_by(LicenceLimit.id)
    if actor.org_id is not None:
        q = q.where(LicenceLimit.org_id == actor.org_id)
    with db.read() as s:
        if site_id is not None:
            q = q.where(LicenceLimit.site_id == visible_site(s, actor, site_id).id)
        return [limit_view(x) for x in s.scalars(q)]


def get_limit(db: Database, actor: Actor, limit_id: int) -> LicenceLimitView:
    actor.require(Permission.READ)
    with db.read() as s:
        return limit_view(_visible(s, actor, limit_id))


def end_limit(db: Database, actor: Actor, limit_id: int, *, valid_to: datetime,
              reason: str) -> LicenceLimitView:
    """End a limit's validity at ``valid_to`` (an amended or expired licence). A limit is never
    extended or deleted: add a new one."""
    actor.require(Permission.MANAGE_LICENCES)
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("say why the limit ends", field="reason")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    valid_to = aware_utc(valid_to, "valid_to")
    with db.write() as s:
        row = _visible(s, actor, limit_id, lock=True)
        if valid_to <= row.valid_from:
            raise InvalidInput("valid_to must be after valid_from", field="valid_to")
        if row.valid_to is not None and valid_to > row.valid_to:
            raise Conflict("a limit's validity can be shortened, not extended; add a new limit",
                           field="valid_to")
        old = row.valid_to
        row.valid_to = valid_to
        audit.record(s, actor, org_id=row.org_id, entity_type="licence_limit", entity_id=row.id,
                     action="updated", old={"valid_to": old}, new={"valid_to": valid_to},
                     reason=reason)
        return limit_view(row)
