"""The supplier's Co-60 irradiation centres (issue #11, item 6): the sources installed at each
customer of kind "irradiation_centre", the centre's total activity now and projected, the
date it falls below the customer's minimum (``Customer.min_installed_bq``) and the
replenishment proposal (isoflow.domain.irradiation).

Installing and removing a source is a record of what stands at the customer's site, kept by
logistics (SHIP) or sales (SELL); reading is for every role. Tenancy: a customer or source of
another organisation is a NotFound."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from isoflow.domain import irradiation as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import REASON_MAX, clean_text
from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.store.db import Database
from isoflow.store.supplier_models import Customer, InstalledSource

SERIAL_MAX = 80
#: nuclides an irradiation centre's sources may be (the issue's scope: Co-60 pencils)
SOURCE_NUCLIDES = ("Co-60",)
MAX_YEARS = 50
#: a certificate's reference time within this of the installation (no overflow later)
MAX_REFERENCE_GAP_S = 100 * rules.YEAR_S


@dataclass(frozen=True)
class SourceView:
    id: int
    org_id: int
    customer_id: int
    serial: str
    nuclide: str
    activity_bq: float
    reference_at: datetime
    installed_at: datetime
    removed_at: datetime | None
    #: its activity at the time asked about (0 if not installed then)
    activity_now_bq: float
    installed_now: bool


@dataclass(frozen=True)
class ProposalView:
    needed_at: datetime
    order_by: datetime
    due: bool
    lead_months: int
    margin: float
    minimum_bq: float
    target_bq: float
    installed_at_need_bq: float
    add_bq: float
    annual_decay_fraction: float
    annual_replenishment_bq: float


@dataclass(frozen=True)
class CentreView:
    customer_id: int
    org_id: int
    code: str
    name: str
    country: str
    timezone: str
    at: datetime
    minimum_bq: float | None
    installed_now_bq: float
    sources_installed: int
    below_at: datetime | None
    proposal: ProposalView | None


@dataclass(frozen=True)
class ProjectionPoint:
    at: datetime
    activity_bq: float


@dataclass(frozen=True)
class CentreDetail:
    centre: CentreView
    sources: list[SourceView]
    years: int
    projection: list[ProjectionPoint]


def _require_writer(actor: Actor) -> None:
    if not (actor.can(Permission.SHIP) or actor.can(Permission.SELL)):
        raise Forbidden(f"role {actor.role.value!r} may not record installed sources "
                        "(logistics or sales do)")


def _centre_row(s: Session, actor: Actor, customer_id: int, *, lock: bool = False) -> Customer:
    row = s.get(Customer, customer_id, with_for_update=lock)
    if row is None or not actor.sees(row.org_id):
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    return row


def _domain(x: InstalledSource) -> rules.Source:
    return rules.Source(activity_bq=x.activity_bq, reference_at=x.reference_at,
                        installed_at=x.installed_at, removed_at=x.removed_at)


def _source_view(x: InstalledSource, at: datetime) -> SourceView:
    d = _domain(x)
    on = d.installed(at)
    return SourceView(id=x.id, org_id=x.org_id, customer_id=x.customer_id, serial=x.serial,
                      nuclide=x.nuclide, activity_bq=x.activity_bq,
                      reference_at=x.reference_at, installed_at=x.installed_at,
                      removed_at=x.removed_at,
                      activity_now_bq=d.activity_at(at) if on else 0.0, installed_now=on)


def _proposal_view(p: rules.Proposal | None, at: datetime) -> ProposalView | None:
    if p is None:
        return None
    return ProposalView(needed_at=p.needed_at, order_by=p.order_by, due=p.due(at),
                        lead_months=p.lead_months, margin=p.margin, minimum_bq=p.minimum_bq,
                        target_bq=p.target_bq, installed_at_need_bq=p.installed_at_need_bq,
                        add_bq=p.add_bq, annual_decay_fraction=p.annual_decay_fraction,
                        annual_replenishment_bq=p.annual_replenishment_bq)


def _centre_view(c: Customer, sources: list[InstalledSource], at: datetime, lead_months: int,
                 margin: float) -> CentreView:
    domain = [_domain(x) for x in sources]
    minimum = c.min_installed_bq
    proposal = None
    if minimum is not None and minimum > 0:
        proposal = rules.propose(domain, minimum, at, lead_months=lead_months, margin=margin)
    return CentreView(customer_id=c.id, org_id=c.org_id, code=c.code, name=c.name,
                      country=c.country, timezone=c.timezone, at=at, minimum_bq=minimum,
                      installed_now_bq=rules.activity_at(domain, at),
                      sources_installed=sum(1 for x in domain if x.installed(at)),
                      below_at=None if proposal is None else proposal.needed_at,
                      proposal=_proposal_view(proposal, at))


def _at(at: datetime | None) -> datetime:
    return now() if at is None else aware_utc(at, "at")


def install_source(db: Database, actor: Actor, customer_id: int, *, serial: str,
                   activity_bq: float, reference_at: datetime, installed_at: datetime,
                   nuclide: str = "Co-60") -> SourceView:
    """Record a sealed source installed at an irradiation centre: its activity [Bq] at
    ``reference_at`` (the certificate's), installed at ``installed_at``. 422: a customer that
    is not an irradiation centre, a nuclide other than Co-60, a non-positive activity, a
    naive time; 409: the serial is already recorded at this customer."""
    _require_writer(actor)
    serial = clean_text(serial, field="serial", max_length=SERIAL_MAX)
    canon = get_nuclide(nuclide).name
    if canon not in SOURCE_NUCLIDES:
        raise InvalidInput(f"an irradiation centre's sources are {', '.join(SOURCE_NUCLIDES)}"
                           f", not {canon}", field="nuclide")
    if isinstance(activity_bq, bool) or not isinstance(activity_bq, int | float) \
            or not math.isfinite(activity_bq) or not 0 < activity_bq <= 1e30:
        raise InvalidInput("a source's activity must be a positive, finite number of Bq",
                           field="activity_bq")
    reference_at = aware_utc(reference_at, "reference_at")
    installed_at = aware_utc(installed_at, "installed_at")
    if abs((reference_at - installed_at).total_seconds()) > MAX_REFERENCE_GAP_S:
        raise InvalidInput("the reference time of a source's activity must be within 100 "
                           "years of its installation", field="reference_at")
    with db.write() as s:
        c = _centre_row(s, actor, customer_id, lock=True)
        if c.kind != "irradiation_centre":
            raise InvalidInput(f"customer {c.code} is a {c.kind.replace('_', ' ')}, not an "
                               "irradiation centre", field="customer_id")
        taken = s.scalar(select(func.count()).select_from(InstalledSource).where(
            InstalledSource.customer_id == c.id, InstalledSource.serial == serial))
        if taken:
            raise Conflict(f"a source with serial {serial!r} is already recorded at "
                           f"{c.code}", field="serial")
        row = InstalledSource(org_id=c.org_id, customer_id=c.id, serial=serial, nuclide=canon,
                              activity_bq=float(activity_bq), reference_at=reference_at,
                              installed_at=installed_at, removed_at=None)
        s.add(row)
        s.flush()
        audit.record(s, actor, org_id=c.org_id, entity_type="installed_source",
                     entity_id=row.id, action="created",
                     new={"customer_id": c.id, "serial": serial, "nuclide": canon,
                          "activity_bq": row.activity_bq, "reference_at": reference_at,
                          "installed_at": installed_at})
        return _source_view(row, now())


def remove_source(db: Database, actor: Actor, source_id: int, *, at: datetime,
                  reason: str) -> SourceView:
    """Record that a source left the centre at ``at`` (returned for recycling, replaced...).
    422: ``at`` not after its installation, no reason; 409: already removed."""
    _require_writer(actor)
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("say why the source was removed", field="reason")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    at = aware_utc(at, "at")
    with db.write() as s:
        row = s.get(InstalledSource, source_id, with_for_update=True)
        if row is None or not actor.sees(row.org_id):
            raise NotFound(f"no installed source {source_id}", field="source_id")
        if row.removed_at is not None:
            raise Conflict(f"source {row.serial!r} was already removed at "
                           f"{row.removed_at.isoformat()}", field="source_id")
        if at <= row.installed_at:
            raise InvalidInput(f"a removal must be after the installation at "
                               f"{row.installed_at.isoformat()}", field="at")
        row.removed_at = at
        audit.record(s, actor, org_id=row.org_id, entity_type="installed_source",
                     entity_id=row.id, action="updated", old={"removed_at": None},
                     new={"removed_at": at}, reason=reason)
        return _source_view(row, now())


def _sources_by_customer(s: Session, customer_ids: list[int]) -> dict[int, list[InstalledSource]]:
    out: dict[int, list[InstalledSource]] = {i: [] for i in customer_ids}
    if customer_ids:
        for x in s.scalars(select(InstalledSource)
                           .where(InstalledSource.customer_id.in_(customer_ids))
                           .order_by(InstalledSource.installed_at, InstalledSource.id)):
            out[x.customer_id].append(x)
    return out


def list_centres(db: Database, actor: Actor, *, at: datetime | None = None,
                 lead_months: int = rules.DEFAULT_LEAD_MONTHS,
                 margin: float = rules.DEFAULT_MARGIN) -> list[CentreView]:
    """Every irradiation centre of the actor's organisation: installed total at ``at``
    (default now), the minimum, the date below it and the proposal."""
    actor.require(Permission.READ)
    rules.check_lead_and_margin(lead_months, margin)
    t = _at(at)
    q = select(Customer).where(Customer.kind == "irradiation_centre").order_by(Customer.name,
                                                                                Customer.id)
    if actor.org_id is not None:
        q = q.where(Customer.org_id == actor.org_id)
    with db.read() as s:
        centres = list(s.scalars(q))
        sources = _sources_by_customer(s, [c.id for c in centres])
        return [_centre_view(c, sources[c.id], t, lead_months, margin) for c in centres]


def centre_detail(db: Database, actor: Actor, customer_id: int, *, years: int = 10,
                  at: datetime | None = None, lead_months: int = rules.DEFAULT_LEAD_MONTHS,
                  margin: float = rules.DEFAULT_MARGIN) -> CentreDetail:
    """One centre: its sources (removed ones too), the projection (monthly for ``years``
    years from ``at``) and the proposal. NotFound if it is not an irradiation centre."""
    actor.require(Permission.READ)
    rules.check_lead_and_margin(lead_months, margin)
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise InvalidInput(f"a projection spans 1 to {MAX_YEARS} years", field="years")
    t = _at(at)
    with db.read() as s:
        c = _centre_row(s, actor, customer_id)
        if c.kind != "irradiation_centre":
            raise NotFound(f"customer {c.code} is not an irradiation centre",
                           field="customer_id")
        rows = _sources_by_customer(s, [c.id])[c.id]
        centre = _centre_view(c, rows, t, lead_months, margin)
        points = rules.projection([_domain(x) for x in rows], t, years)
        return CentreDetail(centre=centre, sources=[_source_view(x, t) for x in rows],
                            years=years,
                            projection=[ProjectionPoint(a, b) for a, b in points])
