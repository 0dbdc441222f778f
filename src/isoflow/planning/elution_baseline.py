"""The habit baseline the planner is compared with.

"Elute daily at a fixed time; order the smallest generator that meets Monday's demand":
one generator of the same size at every delivery, the newest generator on site eluted once
each working day at ``elution_time`` (local), items served in time order from the freshest
eluate that is young enough and has enough left (carrier-sensitive items also need the
previous elution within 24 h and an eluate within 2 h, as in the planner).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from isoflow.physics.generators import Eluate
from isoflow.planning.demand import DemandItem, GeneratorOffer, PlanSettings, validate_demand
from isoflow.planning.elution_plan import Context, ElutionPlan, Position, build_context, evaluate


def _schedule(ctx: Context, size: int, at: time, positions: list[Position]
              ) -> tuple[dict[str, list[datetime]], dict[str, tuple[str, datetime]],
                         dict[str, str]]:
    zone = ZoneInfo(ctx.settings.working_hours.timezone)
    wh = ctx.settings.working_hours
    start = min(p.delivered_at for p in positions)
    end = max(it.needed_at for it in ctx.items)
    times: dict[str, list[datetime]] = {p.id: [] for p in positions}
    eluates: list[tuple[str, datetime, Eluate, list[float]]] = []
    gens = {p.id: ctx.generator(p, ctx.offer.sizes[size].parent_activity_bq)
            for p in positions}
    day = start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        t = datetime.combine(day, at, zone).astimezone(ZoneInfo("UTC"))
        on_site = [p for p in positions if p.delivered_at <= t
                   and (p.expires_at is None or t <= p.expires_at)]
        if day.weekday() in wh.weekdays and on_site:
            newest = max(on_site, key=lambda p: p.delivered_at)
            gens[newest.id], el = gens[newest.id].elute(t)
            times[newest.id].append(t)
            eluates.append((newest.id, t, el, [el.daughter_bq]))
        day += timedelta(days=1)
    assignment: dict[str, tuple[str, datetime]] = {}
    reasons: dict[str, str] = {}
    carrier = timedelta(seconds=ctx.carrier_previous_s)
    for it in sorted(ctx.items, key=lambda i: i.needed_at):
        if it.id in ctx.reasons:
            continue
        for gid, t, el, left in sorted(eluates, key=lambda e: e[1], reverse=True):
            age = (it.needed_at - t).total_seconds()
            if not 0 <= age <= ctx.max_age_s[it.id]:
                continue
            if it.carrier_sensitive and el.since_previous_elution_s > carrier.total_seconds():
                continue
            need = ctx.drawn(it, t)
            if left[0] >= need:
                left[0] -= need
                assignment[it.id] = (gid, t)
                break
        else:
            reasons[it.id] = (f"habit: no eluate of the daily {at.strftime('%H:%M')} elution "
                              "is young enough or has enough left")
    return times, assignment, reasons


def habit_plan(items: Sequence[DemandItem], offer: GeneratorOffer,
               settings: PlanSettings | None = None, now: datetime | None = None,
               elution_time: time = time(7, 30)) -> ElutionPlan:
    """The habit baseline (see the module docstring)."""
    settings = settings or PlanSettings()
    validate_demand(items, now)
    ctx = build_context(items, offer, settings, now)
    positions = [p for p in ctx.positions if p.copy == 0]
    zone = ZoneInfo(settings.working_hours.timezone)
    first_day = min(it.needed_at for it in ctx.items).astimezone(zone).date()
    monday = [it.id for it in ctx.items if it.needed_at.astimezone(zone).date() == first_day]
    order = sorted(range(len(offer.sizes)), key=lambda s: offer.sizes[s].parent_activity_bq)
    chosen = order[-1]
    for s in order:
        _, assignment, _ = _schedule(ctx, s, elution_time, positions)
        if all(i in assignment for i in monday if i not in ctx.reasons):
            chosen = s
            break
    times, assignment, reasons = _schedule(ctx, chosen, elution_time, positions)
    return evaluate(ctx, "habit", "habit", [(p, chosen) for p in positions], times,
                    assignment, reasons)
