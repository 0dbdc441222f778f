"""What a department or supplier has on hand now, against its licence: the dashboard's data.

Activities are computed at the moment asked for, from the ledger and decay (nothing physical
is stored "current", DESIGN.md invariant 2); each possession limit in force is set against
what the site holds of its nuclide (or of everything, for a total limit); limits that end
within the warning window are listed so they can be renewed in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from isoflow.domain.roles import Actor, Permission
from isoflow.services import licences
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger import site_holdings
from isoflow.services.licences import LicenceLimitView, as_domain
from isoflow.store.db import Database
from isoflow.store.models import LicenceLimit, Organisation, Site

#: Licences ending within this many days are shown as expiring.
EXPIRY_WARNING_DAYS = 60


@dataclass(frozen=True)
class SiteOnHand:
    site_id: int
    site_name: str
    org_name: str
    timezone: str
    jurisdiction: str
    #: nuclide -> activity held at ``at`` [Bq], largest first
    holdings_bq: dict[str, float]


@dataclass(frozen=True)
class LimitUsage:
    limit: LicenceLimitView
    site_name: str
    timezone: str
    held_bq: float

    @property
    def fraction(self) -> float:
        return self.held_bq / self.limit.limit_bq


@dataclass(frozen=True)
class Overview:
    at: datetime
    sites: list[SiteOnHand]
    usage: list[LimitUsage]
    expiring: list[LimitUsage]


def overview(db: Database, actor: Actor, at: datetime | None = None, *,
             expiring_within_days: int = EXPIRY_WARNING_DAYS) -> Overview:
    """Holdings of each site the actor sees at ``at`` (default now), the usage of every
    possession limit in force then, and the limits ending within ``expiring_within_days``."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    horizon = t + timedelta(days=expiring_within_days)
    q = select(Site, Organisation.name).join(Organisation, Organisation.id == Site.org_id)
    if actor.org_id is not None:
        q = q.where(Site.org_id == actor.org_id)
    sites: list[SiteOnHand] = []
    usage: list[LimitUsage] = []
    expiring: list[LimitUsage] = []
    with db.read() as s:
        for site, org_name in s.execute(q.order_by(Organisation.name, Site.name)):
            held = site_holdings(db, s, site.id, t)
            sites.append(SiteOnHand(
                site_id=site.id, site_name=site.name, org_name=org_name,
                timezone=site.timezone, jurisdiction=site.jurisdiction,
                holdings_bq=dict(sorted(held.items(), key=lambda kv: -kv[1]))))
            limits = s.scalars(select(LicenceLimit).where(LicenceLimit.site_id == site.id)
                               .order_by(LicenceLimit.nuclide, LicenceLimit.valid_from))
            for x in limits:
                if not as_domain(x).in_force(t):
                    continue
                amount = sum(held.values()) if x.nuclide is None else held.get(x.nuclide, 0.0)
                u = LimitUsage(limit=licences.limit_view(x), site_name=site.name,
                               timezone=site.timezone, held_bq=amount)
                usage.append(u)
                if x.valid_to is not None and x.valid_to <= horizon:
                    expiring.append(u)
    expiring.sort(key=lambda u: u.limit.valid_to or horizon)
    return Overview(at=t, sites=sites, usage=usage, expiring=expiring)
