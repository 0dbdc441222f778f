"""Co-60 irradiation centres: the installed activity of a centre over time and when to order
new cobalt (issue #11, item 6). Pure: no database, no clock.

A centre's installed activity at ``t`` is the sum over the sources installed at ``t``
(``installed_at <= t < removed_at``) of each source's activity decayed from its reference
time: A(t) = Σ Aᵢ·exp(−λ(t − refᵢ)). Between two installations or removals A(t) is a single
exponential, so the moment it falls below the customer's minimum is solved exactly.

Figures used (the supplier's reference note, /work/shared/reference/supply-chain-and-transport.md,
§0 "Numbers to hard-code" and §3 "Co-60 gamma irradiation facilities"):

* Co-60 T½ 5.2714 y: **12.32 %/yr** decay, ≈1.09 %/month, **7.2 % left after 20 y** [D]
  (the half-life itself is taken from the package's ICRP-107 data, 5.2712 y);
* holding a loading L needs ≈0.1232·L per year of new Co-60: **≈123 kCi/yr for 1 MCi**,
  370 kCi/yr for 3 MCi [D];
* Co-59 targets are irradiated in power reactors for **12–36 months** [V, GIPA], so new
  cobalt must be ordered that long before it is needed: the default lead time here is 18
  months (configurable, 0–120);
* sources are retired at about 6–12 % of their initial activity, after 16–21 years [V/D].

A replenishment proposal: the date D the total falls below the minimum; order by D minus
the lead time; add enough Co-60 (its activity stated at D) to bring the total at D back to
minimum × (1 + margin).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from isoflow.domain.ledger import decay_factor
from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide

YEAR_S = 365.25 * 86400.0
#: Co-60 decay constant [1/s] from the package's nuclide data (T½ 5.2712 y)
CO60_LAMBDA_PER_S: float = get_nuclide("Co-60").decay_constant_per_s
#: the reference's procurement lead time: 12–36 months of target irradiation
DEFAULT_LEAD_MONTHS = 18
LEAD_MONTHS_RANGE = (0, 120)
DEFAULT_MARGIN = 0.10
MARGIN_RANGE = (0.0, 10.0)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def annual_decay_fraction(decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> float:
    """The fraction of its activity a source loses in a year (Co-60: 0.1232)."""
    return 1.0 - math.exp(-decay_constant_per_s * YEAR_S)


def remaining_fraction(years: float, decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> float:
    """The fraction left after ``years`` (Co-60, 20 y: 0.072)."""
    return math.exp(-decay_constant_per_s * years * YEAR_S)


def annual_replenishment_bq(loading_bq: float,
                            decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> float:
    """New activity per year that holds an installed loading steady (1 MCi: ≈123 kCi/yr)."""
    return loading_bq * annual_decay_fraction(decay_constant_per_s)


@dataclass(frozen=True)
class Source:
    """An installed sealed source: its activity at ``reference_at``, installed at
    ``installed_at`` and removed at ``removed_at`` (None: still installed)."""

    activity_bq: float
    reference_at: datetime
    installed_at: datetime
    removed_at: datetime | None = None

    def installed(self, t: datetime) -> bool:
        return self.installed_at <= t and (self.removed_at is None or t < self.removed_at)

    def activity_at(self, t: datetime,
                    decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> float:
        seconds = (t - self.reference_at).total_seconds()
        return self.activity_bq * decay_factor(decay_constant_per_s, seconds,
                                               field="reference_at")


def activity_at(sources: Iterable[Source], t: datetime,
                decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> float:
    """A(t): the total activity [Bq] of the sources installed at ``t``."""
    return math.fsum(x.activity_at(t, decay_constant_per_s) for x in sources if x.installed(t))


def add_months(t: datetime, months: int) -> datetime:
    """``t`` moved by whole calendar months (the day clamped to the month's last);
    InvalidInput beyond the calendar (years 1–9999)."""
    index = t.year * 12 + (t.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise InvalidInput("that date is beyond the calendar (years 1-9999)", field="years")
    month += 1
    next_first = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - timedelta(days=1)).day
    return t.replace(year=year, month=month, day=min(t.day, last_day))


def projection(sources: Sequence[Source], start: datetime, years: int,
               decay_constant_per_s: float = CO60_LAMBDA_PER_S
               ) -> list[tuple[datetime, float]]:
    """(time, A(time)) at ``start`` and every calendar month after it for ``years`` years."""
    if not 1 <= years <= 100:
        raise InvalidInput("a projection spans 1 to 100 years", field="years")
    return [(t, activity_at(sources, t, decay_constant_per_s))
            for t in (add_months(start, k) for k in range(12 * years + 1))]


def date_below(sources: Sequence[Source], minimum_bq: float, start: datetime,
               decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> datetime | None:
    """The first time at or after ``start`` at which A(t) is below ``minimum_bq``
    (``start`` itself if it already is); None if never (a minimum of 0) or not before the
    year 9999."""
    if not minimum_bq > 0:
        return None
    events = sorted({x for s in sources for x in (s.installed_at, s.removed_at)
                     if x is not None and x > start})
    a = start
    for b in [*events, None]:
        total = activity_at(sources, a, decay_constant_per_s)
        if total < minimum_bq:
            return a
        seconds = math.log(total / minimum_bq) / decay_constant_per_s
        limit = ((_LATEST if b is None else b) - a).total_seconds()
        if seconds < limit:
            t = a + timedelta(seconds=seconds)
            # decay reaching the minimum just at a change (to float and microsecond
            # rounding) is not below it: at an installation the total rises there
            if b is None or t < b:
                return t
        if b is None:
            return None
        a = b
    return None  # pragma: no cover - the loop returns at its last interval


@dataclass(frozen=True)
class Proposal:
    """New Co-60 to order: ``add_bq`` stated at ``needed_at`` (when the total would fall
    below the minimum), ordered by ``order_by`` (``needed_at`` minus the lead time)."""

    needed_at: datetime
    order_by: datetime
    lead_months: int
    margin: float
    minimum_bq: float
    target_bq: float
    installed_at_need_bq: float
    add_bq: float
    annual_decay_fraction: float
    annual_replenishment_bq: float

    def due(self, now: datetime) -> bool:
        """The order date has come (or gone)."""
        return self.order_by <= now


def check_lead_and_margin(lead_months: int, margin: float) -> None:
    lo, hi = LEAD_MONTHS_RANGE
    if isinstance(lead_months, bool) or not isinstance(lead_months, int) \
            or not lo <= lead_months <= hi:
        raise InvalidInput(f"the procurement lead time is {lo}-{hi} whole months "
                           "(the reference says 12-36)", field="lead_months")
    mlo, mhi = MARGIN_RANGE
    if not (isinstance(margin, int | float) and math.isfinite(margin) and mlo <= margin <= mhi):
        raise InvalidInput(f"the margin is a fraction from {mlo:g} to {mhi:g}", field="margin")


def propose(sources: Sequence[Source], minimum_bq: float, start: datetime, *,
            lead_months: int = DEFAULT_LEAD_MONTHS, margin: float = DEFAULT_MARGIN,
            decay_constant_per_s: float = CO60_LAMBDA_PER_S) -> Proposal | None:
    """The replenishment proposal, or None if the total never falls below ``minimum_bq``."""
    check_lead_and_margin(lead_months, margin)
    needed = date_below(sources, minimum_bq, start, decay_constant_per_s)
    if needed is None:
        return None
    try:
        order_by = add_months(needed, -lead_months)
    except InvalidInput:
        order_by = needed
    there = activity_at(sources, needed, decay_constant_per_s)
    target = minimum_bq * (1.0 + margin)
    return Proposal(needed_at=needed, order_by=order_by, lead_months=lead_months,
                    margin=float(margin), minimum_bq=minimum_bq, target_bq=target,
                    installed_at_need_bq=there, add_bq=max(0.0, target - there),
                    annual_decay_fraction=annual_decay_fraction(decay_constant_per_s),
                    annual_replenishment_bq=annual_replenishment_bq(target,
                                                                    decay_constant_per_s))
