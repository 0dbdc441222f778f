"""The elution schedule MILP for a fixed order, as a network of elution intervals.

For a generator of known nominal activity ``A``, an elution at slot ``k`` that follows one at
slot ``i`` yields exactly

    E_k = Y_ik + (1 - ε)·f_ik·E_i,

the daughter grown in from the parent since ``i`` (``Y_ik``, eluted with efficiency ε) plus
what the incomplete elution at ``i`` left behind, decayed (``f_ik``). A binary ``z_ik`` picks
the interval (a path from the delivered column through the elutions); ``W_ik = z_ik·E_i``
carries the previous eluate along its interval, and flow conservation forces it to the whole
``E_i``. Each elution is thus always a full elution, also in the LP relaxation, which keeps
the bound on waste meaningful — unlike a big-M "E = ε·D if eluted" model, whose relaxation
elutes partially and proves nothing about waste. Intervals are limited to 4 days.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from isoflow.physics.decay import Inventory, decay_factor
from isoflow.planning.elution_greedy import Curves, _Column
from isoflow.planning.elution_plan import Context, eligible_slots
from isoflow.planning.milp import INF, Milp

GBQ = 1e9
#: an interval into a slot: (z, in-growth yield Y, carry W or None, tail slot or None, (1-ε)·f)
_In = tuple[int, float, int | None, int | None, float]
MAX_INTERVAL_S = 4 * 86400.0
#: share of the time limit spent improving the warm start day by day before the full solve
LNS_SHARE = 0.75


def solve_fixed_order(ctx: Context, cols: Sequence[_Column], curves: dict[str, Curves],
                      served: dict[str, tuple[int, int]], w: float, time_limit_s: float,
                      gap: float
                      ) -> tuple[str, dict[str, list[datetime]], dict[str, tuple[str, datetime]],
                                 float, float, dict[str, int]]:
    """Schedule and assignment for the generators in ``cols`` (sizes fixed), warm-started
    from the greedy service ``served``. Returns (status, elution times by generator,
    item -> (generator, elution time), gap, seconds, model size)."""
    m = Milp(no_probing=True)
    eps = 1e-4
    eff = ctx.efficiency
    names_g: list[str] = []
    in_arcs: dict[tuple[str, int], list[_In]] = {}
    out_arcs: dict[tuple[str, int], list[tuple[int, int]]] = {}
    sink: dict[tuple[str, int], int] = {}
    emax: dict[tuple[str, int], float] = {}
    arc_of: dict[tuple[str, int | None, int], tuple[int, int | None]] = {}
    carrier = timedelta(seconds=ctx.carrier_previous_s)
    min_gap = ctx.settings.min_interval_s
    grow = Inventory.from_activities({ctx.gtype.pair.parent: 1.0})
    for col in cols:
        pid = col.pos.id
        names_g.append(pid)
        ks, d_free = curves[pid][0], curves[pid][1]
        times = [ctx.slots[k] for k in ks]
        parent = [col.amount * p for p in _parent_unit(col, ks, ctx)]
        src = []
        for b in range(len(ks)):
            y = eff * col.amount * d_free[b]
            emax[(pid, b)] = y
            v = m.binary(eps + w * y)
            src.append((v, 1.0))
            in_arcs.setdefault((pid, b), []).append((v, y, None, None, 0.0))
            arc_of[(pid, None, b)] = (v, None)
        m.row(src, 0.0, 1.0)
        pairs = [(a, b) for a in range(len(ks)) for b in range(a + 1, len(ks))
                 if min_gap <= (times[b] - times[a]).total_seconds() <= MAX_INTERVAL_S]
        if pairs:
            gaps = np.array([(times[b] - times[a]).total_seconds() for a, b in pairs])
            names, act = grow.activities_bq_at(gaps)
            g = act[:, names.index(ctx.daughter)]
            for (a, b), dt, gv in zip(pairs, gaps.tolist(), g.tolist(), strict=True):
                y = eff * parent[a] * gv
                c = (1.0 - eff) * decay_factor(ctx.daughter, dt)
                v = m.binary(eps + w * y)
                carry = m.var(0.0, emax[(pid, a)], w * c)
                in_arcs[(pid, b)].append((v, y, carry, a, c))
                out_arcs.setdefault((pid, a), []).append((v, carry))
                arc_of[(pid, a, b)] = (v, carry)
                m.row([(carry, 1.0), (v, -emax[(pid, a)])], -INF, 0.0)
        for b in range(len(ks)):
            ins = in_arcs[(pid, b)]
            outs = out_arcs.get((pid, b), [])
            # out-flow <= in-flow (an elution has at most one successor)
            if outs:
                m.row([(v, 1.0) for v, _ in outs] + [(v, -1.0) for v, *_ in ins], -INF, 0.0)
            # the eluate E_b is carried whole along the successor arc, or to the sink
            s = m.var(0.0, emax[(pid, b)])
            sink[(pid, b)] = s
            m.row([(c, 1.0) for _, c in outs] + [(s, 1.0)] + _elution_terms(ins, -1.0),
                  0.0, 0.0)
            m.row([(s, 1.0)] + [(v, emax[(pid, b)]) for v, _ in outs], -INF, emax[(pid, b)])
        if ctx.gtype.max_elutions.value is not None:
            m.row([(v, 1.0) for (p2, _, _), (v, _) in arc_of.items() if p2 == pid],
                  0.0, float(ctx.gtype.max_elutions.value))

    feasible = [it for it in ctx.items if it.id not in ctx.reasons]
    penalty = 1.0 + w * sum(emax.values())
    assign: dict[tuple[str, int, str], int] = {}
    capacity: dict[tuple[str, int], list[tuple[int, float]]] = {}
    unmet: dict[str, int] = {}
    for it in feasible:
        cover: list[tuple[int, float]] = []
        for col in cols:
            pid = col.pos.id
            ks = curves[pid][0]
            index = {k: b for b, k in enumerate(ks)}
            for k in eligible_slots(ctx, it, col.pos):
                if k not in index:
                    continue
                b = index[k]
                r = ctx.drawn(it, ctx.slots[k]) / GBQ
                ins = in_arcs[(pid, b)]
                if r > emax[(pid, b)]:
                    continue
                a = m.binary(-w * r)
                assign[(pid, b, it.id)] = a
                cover.append((a, 1.0))
                capacity.setdefault((pid, b), []).append((a, r))
                m.row([(a, 1.0)] + [(v, -1.0) for v, *_ in ins], -INF, 0.0)
                if it.carrier_sensitive:
                    recent = [(v, -1.0) for v, _, _, tail, _ in ins if tail is not None
                              and ctx.slots[k] - ctx.slots[ks[tail]] <= carrier]
                    m.row([(a, 1.0), *recent], -INF, 0.0)
        u = m.var(0.0, 1.0, penalty)
        unmet[it.id] = u
        m.row([*cover, (u, 1.0)], 1.0, 1.0)
    for (pid, b), terms in capacity.items():
        m.row(terms + _elution_terms(in_arcs[(pid, b)], -1.0), -INF, 0.0)

    start = _warm_start(m, cols, curves, served, arc_of, sink, assign, unmet)
    t0 = time.perf_counter()
    if start is not None:
        start = _improve_by_days(ctx, m, start, curves, arc_of, assign, gap,
                                 deadline=t0 + LNS_SHARE * time_limit_s)
    status, val, gap_found, _ = m.solve(max(0.2, time_limit_s - (time.perf_counter() - t0)),
                                        gap, start)
    # the objective (waste value + tiny elution cost + penalties) is >= 0, so a dual bound
    # below 0 proves nothing: the gap is then 1 (100 %)
    gap_found = min(1.0, gap_found)
    secs = time.perf_counter() - t0
    model = {"columns": len(m.lower), "rows": len(m.row_lower), "integers": sum(m.integer),
             "nonzeros": len(m.value), "intervals": len(arc_of),
             "assignment_binaries": len(assign), "slots": len(ctx.slots)}
    times_out: dict[str, list[datetime]] = {}
    assignment: dict[str, tuple[str, datetime]] = {}
    if val:
        for (pid, _, b), (v, _) in arc_of.items():
            if val[v] > 0.5:
                times_out.setdefault(pid, []).append(ctx.slots[curves[pid][0][b]])
        for (pid, b, iid), a in assign.items():
            if val[a] > 0.5:
                assignment[iid] = (pid, ctx.slots[curves[pid][0][b]])
    return status, {k: sorted(v) for k, v in times_out.items()}, assignment, gap_found, secs, \
        model


def _elution_terms(ins: list[_In], sign: float) -> list[tuple[int, float]]:
    """E_b as linear terms: Σ Y·z + (1-ε)·f·W over the intervals into b."""
    out: list[tuple[int, float]] = []
    for v, y, carry, _, c in ins:
        out.append((v, sign * y))
        if carry is not None:
            out.append((carry, sign * c))
    return out


def _parent_unit(col: _Column, ks: list[int], ctx: Context) -> list[float]:
    gen = ctx.generator(col.pos, GBQ)
    act = gen.activities_at([ctx.slots[k] for k in ks])
    return [float(v) / GBQ for v in act[ctx.gtype.pair.parent]]


def _warm_start(m: Milp, cols: Sequence[_Column], curves: dict[str, Curves],
                served: dict[str, tuple[int, int]],
                arc_of: dict[tuple[str, int | None, int], tuple[int, int | None]],
                sink: dict[tuple[str, int], int], assign: dict[tuple[str, int, str], int],
                unmet: dict[str, int]) -> list[float] | None:
    start = [0.0] * len(m.lower)
    for col in cols:
        pid = col.pos.id
        state = col.state()
        seq = sorted(col.eluted)
        prev: int | None = None
        for b in seq:
            key = (pid, prev, b)
            if key not in arc_of:
                return None   # the greedy used an interval the model does not have
            v, carry = arc_of[key]
            start[v] = 1.0
            if carry is not None and prev is not None:
                start[carry] = state[prev][1]
            prev = b
        if prev is not None:
            start[sink[(pid, prev)]] = state[prev][1]
    index = {c.pos.id: {k: b for b, k in enumerate(curves[c.pos.id][0])} for c in cols}
    for iid, (ci, k) in served.items():
        pid = cols[ci].pos.id
        akey = (pid, index[pid][k], iid)
        if akey not in assign:
            return None
        start[assign[akey]] = 1.0
    for iid, u in unmet.items():
        start[u] = 0.0 if iid in served else 1.0
    return start


def _improve_by_days(ctx: Context, m: Milp, start: list[float], curves: dict[str, Curves],
                     arc_of: dict[tuple[str, int | None, int], tuple[int, int | None]],
                     assign: dict[tuple[str, int, str], int], gap: float, deadline: float
                     ) -> list[float]:
    """Neighbourhood search: re-optimise one working day at a time (its elutions, the
    intervals into and out of them, and its items) with everything else pinned to the
    incumbent — each sub-problem is small — sweeping over the horizon until a sweep brings
    nothing or time runs out. Returns the best solution found (never worse than ``start``)."""
    zone = ZoneInfo(ctx.settings.working_hours.timezone)
    day_of = [t.astimezone(zone).date() for t in ctx.slots]
    days = sorted(set(day_of))
    best = start
    best_obj = float(np.dot(m.cost, best))
    improved = True
    while improved and days:
        improved = False
        for n, day in enumerate(days):
            remaining = deadline - time.perf_counter()
            if remaining <= 0.05:
                return best
            fixed: dict[int, float] = {}
            for (pid, tail, head), (v, _) in arc_of.items():
                ks = curves[pid][0]
                if day_of[ks[head]] != day and (tail is None or day_of[ks[tail]] != day):
                    fixed[v] = round(best[v])
            for (pid, b, _), a in assign.items():
                if day_of[curves[pid][0][b]] != day:
                    fixed[a] = round(best[a])
            _, val, _, _ = m.solve(max(0.05, remaining / (len(days) - n)), gap, best, fixed)
            if val:
                obj = float(np.dot(m.cost, val))
                if obj < best_obj * (1 - 1e-6) - 1e-12:
                    best, best_obj, improved = val, obj, True
    return best
