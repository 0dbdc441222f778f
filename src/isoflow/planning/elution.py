"""The elution and generator-order planner: a MILP on HiGHS (highspy).

Decisions: which size (if any) to order for each generator position of each delivery, when
to elute each generator (on a grid of working-hour slots, by default the just-in-time slot
of each demand item), and which elution serves each demand item. The column is modelled
exactly and linearly: with ``D_k`` the daughter activity on the column just before slot
``k`` and ``E_k`` the eluted activity,

    D_{k+1} = (D_k - E_k)·f(Δ_k) + A·h_k,      E_k = ε·D_k if eluted else 0,

where ``f`` is the daughter's decay over the gap, ``h_k`` the daughter grown in from one unit
of nominal parent activity (both from the decay engine) and ``A`` the nominal parent activity
of the size ordered. ``E_k = ε·D_k·x_k`` is linearised exactly with big-M bounds from the
never-eluted column. Demand item ``j`` served from slot ``k`` draws
``need_j / decay(t_j - t_k)`` at the elution; carrier-sensitive items need an elution of the
same generator within the previous 24 h and an eluate at most 2 h old (jurisdiction profile).

Objective: serve every feasible item (a penalty per unmet item above every other cost), then
the generators' price plus the value of eluted activity nobody draws (``waste_cost_per_gbq``,
by default the median price per GBq on offer), then fewer elutions.

Solving: a constructive search (:mod:`isoflow.planning.elution_greedy`) tries orders by price
and keeps the one it serves completely at the least price + waste. By default that order is
fixed and the schedule and assignment are optimised on the interval-network model of
:mod:`isoflow.planning.elution_arcs` (every elution full, also in the relaxation): first a
neighbourhood search one working day at a time, then the full MILP for the time left. With
``free_order=True`` the big-M model below lets HiGHS change the order too (capped at the
search's price); its relaxation of the order choice is weak, so that needs much longer.
The reported gap is HiGHS's for the problem it solved last. Every activity in the plan comes
from re-simulating the schedule on the physics model; items that cannot be served are listed
with the reason.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import highspy
import numpy as np

from isoflow.physics.decay import Inventory, decay_factor
from isoflow.planning.demand import DemandItem, GeneratorOffer, PlanSettings, validate_demand
from isoflow.planning.elution_arcs import solve_fixed_order
from isoflow.planning.elution_greedy import Curves, greedy_order
from isoflow.planning.elution_plan import (
    Context,
    ElutionPlan,
    Position,
    build_context,
    eligible_slots,
    evaluate,
)
from isoflow.planning.milp import Milp as _Milp

GBQ = 1e9


def _unit_curves(ctx: Context, pos: Position, ks: list[int]
                 ) -> tuple[list[float], list[float], list[float]]:
    """Per GBq nominal parent: the daughter on a never-eluted column at each slot [GBq], and
    over each gap to the next slot the daughter's decay factor ``f`` and the daughter grown
    in from the parent present at the slot ``h`` [GBq] (both from the decay engine)."""
    gen = ctx.generator(pos, GBQ)
    times = [ctx.slots[k] for k in ks]
    act = gen.activities_at(times)
    d_free = (act[ctx.daughter] / GBQ).tolist()
    parent = (act[ctx.gtype.pair.parent] / GBQ).tolist()
    gaps = [(times[i + 1] - times[i]).total_seconds() for i in range(len(times) - 1)]
    f = [decay_factor(ctx.daughter, g) for g in gaps]
    h: list[float] = []
    if gaps:
        names, grown = Inventory.from_activities({ctx.gtype.pair.parent: 1.0}).activities_bq_at(
            np.array(gaps))
        g_unit = grown[:, names.index(ctx.daughter)]
        h = [parent[i] * float(g_unit[i]) for i in range(len(gaps))]
    return d_free, f, h


def plan_elutions(items: Sequence[DemandItem], offer: GeneratorOffer,
                  settings: PlanSettings | None = None, now: datetime | None = None
                  ) -> ElutionPlan:
    """The optimised order and elution plan for a week's demand (see the module docstring)."""
    settings = settings or PlanSettings()
    validate_demand(items, now)
    t_start = time.perf_counter()
    ctx = build_context(items, offer, settings, now)
    sizes = offer.sizes
    prices = [s.price for s in sizes]
    scale = max(prices) or 1.0
    a_gbq = [s.parent_activity_bq / GBQ for s in sizes]
    if settings.waste_cost_per_gbq is not None:
        w = settings.waste_cost_per_gbq / scale
    elif max(prices) > 0:
        w = statistics.median(p / a for p, a in zip(prices, a_gbq, strict=True)) / scale
    else:
        w = 1.0 / max(a_gbq)
    curves: dict[str, Curves] = {}
    for pos in ctx.positions:
        ks = ctx.slots_of(pos)
        curves[pos.id] = (ks, *_unit_curves(ctx, pos, ks)) if ks else (ks, [], [], [])

    warm = greedy_order(ctx, lambda p: curves[p.id], w * scale,
                        deadline=t_start + 0.3 * settings.time_limit_s)
    if warm is not None and not settings.free_order:
        cols, served = warm
        prep = time.perf_counter() - t_start
        status, el_times, assignment, gap_f, _, model = solve_fixed_order(
            ctx, cols, curves, served, w, max(0.5, settings.time_limit_s - prep - 0.1),
            settings.mip_rel_gap)
        model["order_fixed_by_search"] = 1
        if not el_times and not assignment:   # no solution from the solver: keep the search's
            el_times = {c.pos.id: sorted(ctx.slots[c.ks[i]] for i in c.eluted) for c in cols}
            assignment = {iid: (cols[ci].pos.id, ctx.slots[k])
                          for iid, (ci, k) in served.items()}
        why = ("the generators on offer cannot serve it together with the rest of the demand"
               if status == "Optimal"
               else f"not served in the best plan found within the time limit ({status})")
        unmet = {it.id: why for it in ctx.items
                 if it.id not in ctx.reasons and it.id not in assignment}
        return evaluate(ctx, "milp", status, [(c.pos, c.size) for c in cols], el_times,
                        assignment, unmet, time.perf_counter() - t_start, gap_f, model)
    # the order is free here (asked for, or the search found no order serving everything)
    active = list(ctx.positions)
    size_options = {p.id: list(range(len(sizes))) for p in active}
    price_cap = None if warm is None else sum(prices[c.size] for c in warm[0])
    m = _Milp()
    eps = 1e-4
    eff = ctx.efficiency
    inf = highspy.kHighsInf
    y: dict[tuple[str, int], int] = {}
    amount: dict[str, int] = {}
    x: dict[tuple[str, int], int] = {}
    e_var: dict[tuple[str, int], int] = {}
    d_var: dict[tuple[str, int], int] = {}
    bound: dict[tuple[str, int], float] = {}
    for pos in active:
        opts = size_options[pos.id]
        for s in opts:
            y[(pos.id, s)] = m.binary(prices[s] / scale)
        amount[pos.id] = m.var()
        chosen_any = [(y[(pos.id, s)], 1.0) for s in opts]
        m.row(chosen_any, 0.0, 1.0)
        m.row([(amount[pos.id], 1.0)] + [(y[(pos.id, s)], -a_gbq[s]) for s in opts], 0.0, 0.0)
        ks, d_free, f, h = curves[pos.id]
        big_a = max(a_gbq[s] for s in opts)
        d_prev = e_prev = -1
        for i, k in enumerate(ks):
            d = m.var()
            big = eff * big_a * d_free[i]
            xi = m.binary(eps)
            ei = m.var(0.0, big, w)
            x[(pos.id, k)], e_var[(pos.id, k)], d_var[(pos.id, k)] = xi, ei, d
            bound[(pos.id, k)] = big
            if i == 0:
                m.row([(d, 1.0), (amount[pos.id], -d_free[0])], 0.0, 0.0)
            else:
                m.row([(d, 1.0), (d_prev, -f[i - 1]), (e_prev, f[i - 1]),
                       (amount[pos.id], -h[i - 1])], 0.0, 0.0)
            m.row([(ei, 1.0), (d, -eff)], -inf, 0.0)
            m.row([(ei, 1.0), (amount[pos.id], -eff * d_free[i])], -inf, 0.0)
            m.row([(ei, 1.0), (xi, -big)], -inf, 0.0)
            m.row([(d, eff), (ei, -1.0), (xi, big)], -inf, big)
            m.row([(xi, 1.0)] + [(v, -c) for v, c in chosen_any], -inf, 0.0)
            d_prev, e_prev = d, ei
        # at most one elution within any window shorter than the minimum interval
        gap = timedelta(seconds=settings.min_interval_s)
        for i, k in enumerate(ks):
            win = [x[(pos.id, k2)] for k2 in ks[i:] if ctx.slots[k2] - ctx.slots[k] < gap]
            if len(win) > 1:
                m.row([(v, 1.0) for v in win], 0.0, 1.0)
        if ctx.gtype.max_elutions.value is not None and ks:
            m.row([(x[(pos.id, k)], 1.0) for k in ks], 0.0, float(ctx.gtype.max_elutions.value))
    # symmetry: the copies of one delivery in decreasing size
    for pos in active:
        if pos.copy > 0 and len(size_options[pos.id]) > 1:
            prev = next(p for p in active if p.delivery == pos.delivery and p.copy == pos.copy - 1)
            m.row([(amount[prev.id], 1.0), (amount[pos.id], -1.0)], 0.0, inf)
    if price_cap is not None:
        m.row([(v, prices[s]) for (_, s), v in y.items()], 0.0, price_cap + 1e-6)

    penalty = 1.0 + len(active) * max(p / scale for p in prices) + w * sum(bound.values())
    assign: dict[tuple[str, int, str], int] = {}
    capacity: dict[tuple[str, int], list[tuple[int, float]]] = {}
    feasible = [it for it in ctx.items if it.id not in ctx.reasons]
    unmet_var: dict[str, int] = {}
    for it in feasible:
        cover: list[tuple[int, float]] = []
        for pos in active:
            for k in eligible_slots(ctx, it, pos):
                r = ctx.drawn(it, ctx.slots[k]) / GBQ
                if r > bound[(pos.id, k)]:
                    continue
                a = m.binary(-w * r)
                assign[(pos.id, k, it.id)] = a
                cover.append((a, 1.0))
                capacity.setdefault((pos.id, k), []).append((a, r))
                m.row([(a, 1.0), (x[(pos.id, k)], -1.0)], -inf, 0.0)
                if it.carrier_sensitive:
                    lo = ctx.slots[k] - timedelta(seconds=ctx.carrier_previous_s)
                    prev_x = [x[(pos.id, k2)] for k2 in curves[pos.id][0]
                              if lo <= ctx.slots[k2] < ctx.slots[k]]
                    m.row([(a, 1.0)] + [(v, -1.0) for v in prev_x], -inf, 0.0)
        u = m.var(0.0, 1.0, penalty)
        unmet_var[it.id] = u
        m.row([*cover, (u, 1.0)], 1.0, 1.0)
    for key, terms in capacity.items():
        m.row([*terms, (e_var[key], -1.0)], -inf, 0.0)

    start = None
    if warm is not None:
        start = [0.0] * len(m.lower)
        cols, served = warm
        for col in cols:
            pid = col.pos.id
            start[y[(pid, col.size)]] = 1.0
            start[amount[pid]] = col.amount
            for i, (dv, ev) in enumerate(col.state()):
                k = col.ks[i]
                start[d_var[(pid, k)]] = dv
                start[e_var[(pid, k)]] = ev
                start[x[(pid, k)]] = 1.0 if i in col.eluted else 0.0
        for iid, (ci, k) in served.items():
            start[assign[(cols[ci].pos.id, k, iid)]] = 1.0
        for iid, u in unmet_var.items():
            start[u] = 0.0 if iid in served else 1.0
    prep_s = time.perf_counter() - t_start
    status, val, gap_found, _ = m.solve(max(0.5, settings.time_limit_s - prep_s - 0.1),
                                              settings.mip_rel_gap, start)
    total_s = time.perf_counter() - t_start
    model = {"columns": len(m.lower), "rows": len(m.row_lower),
             "integers": sum(m.integer), "nonzeros": len(m.value),
             "assignment_binaries": len(assign), "slots": len(ctx.slots),
             "order_fixed_by_search": 0}
    if not val:
        reasons = {it.id: f"no plan found by the solver ({status})" for it in feasible}
        return evaluate(ctx, "milp", status, [], {}, {}, reasons, total_s, gap_found, model)
    chosen = []
    times: dict[str, list[datetime]] = {}
    for (pid, s), v in y.items():
        if val[v] > 0.5:
            pos = next(p for p in active if p.id == pid)
            chosen.append((pos, s))
            times[pid] = [ctx.slots[k] for k in curves[pid][0] if val[x[(pid, k)]] > 0.5]
    assignment = {iid: (pid, ctx.slots[k]) for (pid, k, iid), a in assign.items()
                  if val[a] > 0.5}
    optimal = status == "Optimal"
    why = ("the generators on offer cannot serve it together with the rest of the demand"
           if optimal else f"not served in the best plan found within the time limit ({status})")
    unmet = {it.id: why for it in feasible if it.id not in assignment}
    return evaluate(ctx, "milp", status, chosen, times, assignment, unmet, total_s,
                    gap_found, model)
