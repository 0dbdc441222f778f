"""Possession limits of a site's radioactive-material licence.

A site's licence sets, for a period, a limit per radionuclide and optionally a limit on the
total of all radionuclides (e.g. a US NRC licence under 10 CFR 30/35 lists each nuclide with
its possession limit; "any byproduct material permitted by 35.100" carries a total). A nuclide
is authorised at a time if a limit names it, or a total limit applies. Holdings are
decay-corrected at the moment of receipt (DESIGN.md invariant 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from isoflow.errors import Forbidden, LimitExceeded
from isoflow.physics.units import format_activity


@dataclass(frozen=True)
class PossessionLimit:
    """``nuclide`` None is the limit on the total of all nuclides [Bq]."""

    id: int
    nuclide: str | None
    limit_bq: float
    valid_from: datetime
    valid_to: datetime | None
    reference: str = ""

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)

    def describe(self) -> str:
        what = self.nuclide or "all nuclides"
        ref = f" {self.reference!r}" if self.reference else ""
        until = f" to {self.valid_to.isoformat()}" if self.valid_to else ""
        return (f"licence{ref} limit of {format_activity(self.limit_bq)} for {what} "
                f"(valid from {self.valid_from.isoformat()}{until})")


def overlaps(a: PossessionLimit, b: PossessionLimit) -> bool:
    """Two limits for the same nuclide (or both totals) whose validity periods meet."""
    if a.nuclide != b.nuclide:
        return False
    a_end, b_end = a.valid_to, b.valid_to
    return (b_end is None or a.valid_from < b_end) and (a_end is None or b.valid_from < a_end)


def limits_in_force(limits: Iterable[PossessionLimit], nuclide: str,
                    at: datetime) -> tuple[PossessionLimit | None, PossessionLimit | None]:
    """(the limit for ``nuclide``, the total limit) in force at ``at``; either may be None."""
    own = total = None
    for lim in limits:
        if not lim.in_force(at):
            continue
        if lim.nuclide == nuclide:
            own = lim
        elif lim.nuclide is None:
            total = lim
    return own, total


def check_receipt(*, site: str, nuclide: str, activity_bq: float, at: datetime,
                  holdings_bq: Mapping[str, float],
                  limits: Iterable[PossessionLimit]) -> None:
    """Refuse a receipt of ``activity_bq`` of ``nuclide`` at ``at`` that the site's licence
    does not authorise or whose limit it would exceed, given the decay-corrected
    ``holdings_bq`` (nuclide -> Bq) of the site just before the receipt."""
    limits = list(limits)
    own, total = limits_in_force(limits, nuclide, at)
    when = at.isoformat()
    if own is None and total is None:
        raise Forbidden(f"site {site!r} holds no licence for {nuclide} in force at {when}; "
                        "add a possession limit first", field="nuclide")
    held = holdings_bq.get(nuclide, 0.0)
    if own is not None and held + activity_bq > own.limit_bq:
        raise LimitExceeded(
            f"receiving {format_activity(activity_bq)} of {nuclide} at {when} would bring "
            f"site {site!r} to {format_activity(held + activity_bq)} of {nuclide} "
            f"(it holds {format_activity(held)}, decay-corrected), above the "
            f"{own.describe()}",
            field="activity_bq", held_bq=held, receipt_bq=activity_bq, limit_bq=own.limit_bq,
            nuclide=nuclide)
    if total is not None:
        held_all = sum(holdings_bq.values())
        if held_all + activity_bq > total.limit_bq:
            raise LimitExceeded(
                f"receiving {format_activity(activity_bq)} of {nuclide} at {when} would bring "
                f"site {site!r} to {format_activity(held_all + activity_bq)} in total "
                f"(it holds {format_activity(held_all)}, decay-corrected), above the "
                f"{total.describe()}",
                field="activity_bq", held_bq=held_all, receipt_bq=activity_bq,
                limit_bq=total.limit_bq, nuclide=None)


def check_measurement(*, site: str, nuclide: str, activity_bq: float, at: datetime,
                      limits: Iterable[PossessionLimit]) -> None:
    """Refuse a reading of ``activity_bq`` of ``nuclide`` at ``at`` that alone is above the
    limit for that nuclide or the total limit in force then: no container of the site can
    hold more than its licence allows, so such a reading is a mistake (a unit, a digit).
    A reading the licence allows but that departs from the book value is kept and flagged
    (isoflow.domain.ledger.departs_from_book). With no limit in force, nothing to compare."""
    own, total = limits_in_force(list(limits), nuclide, at)
    for lim in (own, total):
        if lim is not None and activity_bq > lim.limit_bq:
            raise LimitExceeded(
                f"a measurement of {format_activity(activity_bq)} of {nuclide} at "
                f"{at.isoformat()} is above the {lim.describe()} of site {site!r}: no "
                "container there may hold that much; check the reading and its unit",
                field="activity_bq", measured_bq=activity_bq, limit_bq=lim.limit_bq,
                nuclide=lim.nuclide)


def check_holdings_raised(*, site: str, nuclide: str, at: datetime,
                          before_bq: Mapping[str, float], after_bq: Mapping[str, float],
                          limits: Iterable[PossessionLimit], what: str, field: str) -> None:
    """Refuse a change to the records (``what``, e.g. "voiding withdrawal 12") that raises
    the site's decay-corrected holdings at ``at`` (nuclide -> Bq, ``before_bq`` and
    ``after_bq``) above a limit in force then. A holding it does not raise is left alone,
    even if a later, smaller limit now finds it above."""
    own, total = limits_in_force(list(limits), nuclide, at)
    when = at.isoformat()
    slack = 1e-9  # relative: the same sums computed twice
    held, was = after_bq.get(nuclide, 0.0), before_bq.get(nuclide, 0.0)
    if own is not None and held > own.limit_bq * (1 + slack) and held > was * (1 + slack):
        raise LimitExceeded(
            f"{what} would bring site {site!r} to {format_activity(held)} of {nuclide} at "
            f"{when} (decay-corrected; {format_activity(was)} as recorded), above the "
            f"{own.describe()}", field=field, held_bq=held, limit_bq=own.limit_bq,
            nuclide=nuclide)
    if total is not None:
        held_all, was_all = sum(after_bq.values()), sum(before_bq.values())
        if held_all > total.limit_bq * (1 + slack) and held_all > was_all * (1 + slack):
            raise LimitExceeded(
                f"{what} would bring site {site!r} to {format_activity(held_all)} in total at "
                f"{when} (decay-corrected; {format_activity(was_all)} as recorded), above the "
                f"{total.describe()}", field=field, held_bq=held_all, limit_bq=total.limit_bq,
                nuclide=None)
