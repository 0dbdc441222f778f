"""Allocation of production batches to orders when supply falls short (issue #11).

A supply (a batch) has ``available_bq`` of its nuclide at ``available_at`` (capacity × yield).
A demand (an order) needs ``needed_bq`` at its own ``dispatch_at``. Serving ``served`` at
dispatch consumes ``served / exp(-λ (dispatch − available_at))`` of the batch's activity at
``available_at`` (an order dispatched later draws more); an order dispatched before
``available_at`` cannot be served from that batch.

The rule is lexicographic: priority levels in turn (1 first); within a level every order gets
the same fraction ``t`` of its need (pro rata, exact), the largest the remaining supply allows
(at most 1); that fraction is fixed and the next level gets what is left. An order no supply
can reach gets nothing and does not hold its level back.

Two paths: :func:`allocate` (one supply) in closed form per level (one constraint), and
:func:`allocate_many` (several batches of a nuclide serving overlapping orders) as a sequence
of linear programs solved by HiGHS. ``allocate(..., method="lp")`` runs the LP path on one
supply, so the tests check they agree.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from isoflow.planning.milp import Milp

#: the fraction fixed for a level is shaded by this much so the next level's LP stays
#: feasible under HiGHS's tolerances (and a batch is never overdrawn)
_SHADE = 1e-10


@dataclass(frozen=True)
class Supply:
    key: Hashable
    available_bq: float
    available_at: datetime
    decay_constant_per_s: float


@dataclass(frozen=True)
class Demand:
    key: Hashable
    priority: int
    needed_bq: float
    dispatch_at: datetime


@dataclass(frozen=True)
class Share:
    key: Hashable
    priority: int
    needed_bq: float
    allocated_bq: float  # at dispatch
    fraction: float
    #: per supply key: what it gives at dispatch [Bq]
    sources: tuple[tuple[Hashable, float], ...] = ()


@dataclass(frozen=True)
class SupplyUse:
    key: Hashable
    available_bq: float
    used_bq: float  # at available_at
    left_bq: float


@dataclass(frozen=True)
class AllocationResult:
    shares: tuple[Share, ...]
    supplies: tuple[SupplyUse, ...]

    @property
    def shortfall(self) -> bool:
        return any(s.fraction < 1.0 for s in self.shares)


def _check(supplies: Sequence[Supply], demands: Sequence[Demand]) -> None:
    for s in supplies:
        if not (s.available_bq >= 0 and math.isfinite(s.available_bq)):
            raise ValueError(f"supply {s.key!r}: available activity must be finite, >= 0")
        if not (s.decay_constant_per_s >= 0 and math.isfinite(s.decay_constant_per_s)):
            raise ValueError(f"supply {s.key!r}: bad decay constant")
    for d in demands:
        if not (d.needed_bq >= 0 and math.isfinite(d.needed_bq)):
            raise ValueError(f"demand {d.key!r}: need must be finite, >= 0")


def draw_factor(supply: Supply, dispatch_at: datetime) -> float | None:
    """Batch activity at available_at consumed per Bq served at ``dispatch_at`` (1/decay),
    or None if the order leaves before the batch is available (or the factor overflows)."""
    dt = (dispatch_at - supply.available_at).total_seconds()
    if dt < 0:
        return None
    try:
        g = math.exp(supply.decay_constant_per_s * dt)
    except OverflowError:
        return None
    return g if math.isfinite(g) else None


def _levels(demands: Sequence[Demand]) -> list[int]:
    return sorted({d.priority for d in demands})


def allocate(supply: Supply, demands: Sequence[Demand],
             method: Literal["closed", "lp"] = "closed") -> AllocationResult:
    """One batch: per priority level, t = min(1, remaining / Σ need·draw)."""
    if method == "lp":
        return allocate_many([supply], demands)
    _check([supply], demands)
    remaining = supply.available_bq
    fractions: dict[int, float] = {}
    draws = [draw_factor(supply, d.dispatch_at) for d in demands]
    for level in _levels(demands):
        cost = sum(d.needed_bq * g for d, g in zip(demands, draws, strict=True)
                   if d.priority == level and g is not None)
        t = 1.0 if cost <= remaining else max(0.0, remaining / cost)
        fractions[level] = t
        remaining = max(0.0, remaining - t * cost)
    shares = []
    used = 0.0
    for d, g in zip(demands, draws, strict=True):
        t = fractions[d.priority] if g is not None and d.needed_bq > 0 else \
            (1.0 if d.needed_bq == 0 else 0.0)
        got = t * d.needed_bq
        used += got * (g or 0.0)
        shares.append(Share(d.key, d.priority, d.needed_bq, got, t,
                            ((supply.key, got),) if got > 0 else ()))
    used = min(used, supply.available_bq)
    return AllocationResult(tuple(shares), (SupplyUse(supply.key, supply.available_bq, used,
                                                      supply.available_bq - used),))


def allocate_many(supplies: Sequence[Supply], demands: Sequence[Demand]) -> AllocationResult:
    """Several batches of one nuclide and the orders they may serve: a linear program per
    priority level (HiGHS). Variables z[i, j] = fraction of order j's need served from batch
    i; per batch Σ_j z·need·draw / available ≤ 1; per order of the level Σ_i z = t, maximise t
    ≤ 1; orders of the levels already solved keep their fixed fraction."""
    _check(supplies, demands)
    # reachable (supply index, draw) per demand
    reach: list[list[tuple[int, float]]] = []
    for d in demands:
        r = []
        for i, s in enumerate(supplies):
            g = draw_factor(s, d.dispatch_at)
            if g is not None:
                r.append((i, g))
        reach.append(r if d.needed_bq > 0 else [])
    fixed: dict[int, float] = {}  # demand index -> fraction
    z_final: dict[tuple[int, int], float] = {}
    for level in _levels(demands):
        todo = [j for j, d in enumerate(demands) if d.priority == level and reach[j]]
        if not todo:
            continue
        m = Milp()
        t = m.var(0.0, 1.0, cost=-1.0)
        cols: dict[tuple[int, int], int] = {}
        per_supply: dict[int, list[tuple[int, float]]] = {}
        for j in [*fixed, *todo]:
            d = demands[j]
            terms = []
            for i, g in reach[j]:
                c = m.var(0.0, 1.0)
                cols[(i, j)] = c
                terms.append((c, 1.0))
                cap = supplies[i].available_bq
                coeff = d.needed_bq * g / cap if cap > 0 else math.inf
                if not math.isfinite(coeff) or coeff > 1e12:
                    m.upper[c] = 0.0
                    coeff = 0.0
                per_supply.setdefault(i, []).append((c, coeff))
            if j in fixed:
                m.row(terms, fixed[j] * (1.0 - 1e-9), fixed[j])
            else:
                m.row([*terms, (t, -1.0)], 0.0, 0.0)
        for terms in per_supply.values():
            m.row(terms, -math.inf, 1.0)
        status, values, _, _ = m.solve(60.0, 0.0)
        if status == "Infeasible" and fixed:  # the levels held fixed, to HiGHS' tolerance
            for k, lo in enumerate(m.row_lower[:len(fixed)]):
                m.row_lower[k] = max(0.0, lo * (1.0 - 1e-7))
            status, values, _, _ = m.solve(60.0, 0.0)
        if status != "Optimal" or not values:  # pragma: no cover - an LP of this shape is
            raise RuntimeError(f"allocation LP: {status}")  # always feasible (z = t = 0)
        # a level fully served is 1 exactly only when the LP says so to float noise: a
        # fraction just under 1 rounded up would make the next level's LP infeasible
        level_t = 1.0 if values[t] >= 1.0 - 1e-12 else min(1.0, max(0.0, values[t] - _SHADE))
        # HiGHS answers to its tolerances (~1e-7 absolute on t, which for a small fraction is
        # a large relative error): keep its split between batches but scale the level's
        # fraction to exactly what the batches it draws on have left
        fixed_load: dict[int, float] = {}
        level_load: dict[int, float] = {}
        z_sum: dict[int, float] = {}
        for (_, j), c in cols.items():
            z_sum[j] = z_sum.get(j, 0.0) + max(0.0, values[c])
        for (i, j), c in cols.items():
            g = draw_factor(supplies[i], demands[j].dispatch_at) or 0.0
            # the batch's part of the order's service; a level held fixed at its fraction
            part = max(0.0, values[c]) / z_sum[j] if z_sum[j] > 0 else 0.0
            if j in todo:
                level_load[i] = level_load.get(i, 0.0) + part * demands[j].needed_bq * g
            else:
                fixed_load[i] = fixed_load.get(i, 0.0) + \
                    part * fixed[j] * demands[j].needed_bq * g
        room = [(supplies[i].available_bq - fixed_load.get(i, 0.0)) / v
                for i, v in level_load.items() if v > 0]
        if room and values[t] > 1e-12:
            level_t = min(1.0, max(0.0, min(room) * (1.0 - 1e-12)))
        # the crumbs the shading of the levels above left over (under a millionth of the
        # batches) go to no one: a lower priority gets nothing while a higher one is short
        level_cost = sum(demands[j].needed_bq * max(g for _, g in reach[j]) for j in todo)
        if level_t < 1.0 and level_t * level_cost < 1e-6 * sum(x.available_bq
                                                               for x in supplies):
            level_t = 0.0
        for j in todo:
            fixed[j] = level_t
        z_final = {k: max(0.0, values[c]) for k, c in cols.items()}
    return _result(supplies, demands, reach, fixed, z_final)


def _result(supplies: Sequence[Supply], demands: Sequence[Demand],
            reach: list[list[tuple[int, float]]], fixed: dict[int, float],
            z: dict[tuple[int, int], float]) -> AllocationResult:
    """The shares the fractions and split give; never more than a batch holds: the LP is
    feasible only to the solver's tolerance (~1e-7 of a batch), so if a batch comes out
    over, every fraction is scaled down by the same factor (the levels' order and their
    equal shares stay as they were)."""
    result, used = _shares(supplies, demands, reach, fixed, z)
    over = max((u / s.available_bq for s, u in zip(supplies, used, strict=True)
                if s.available_bq > 0), default=0.0)
    if over > 1.0:
        scaled = {j: t / over for j, t in fixed.items()}
        result, _ = _shares(supplies, demands, reach, scaled, z)
    return result


def _shares(supplies: Sequence[Supply], demands: Sequence[Demand],
            reach: list[list[tuple[int, float]]], fixed: dict[int, float],
            z: dict[tuple[int, int], float]) -> tuple[AllocationResult, list[float]]:
    used = [0.0] * len(supplies)
    shares = []
    for j, d in enumerate(demands):
        if d.needed_bq == 0:
            shares.append(Share(d.key, d.priority, 0.0, 0.0, 1.0))
            continue
        t = fixed.get(j, 0.0)
        got = t * d.needed_bq
        zs = [(i, g, z.get((i, j), 0.0)) for i, g in reach[j]]
        total = sum(x for _, _, x in zs)
        sources = []
        for i, g, x in zs:
            part = got * x / total if total > 0 else 0.0
            if part > 0:
                sources.append((supplies[i].key, part))
                used[i] += part * g
        shares.append(Share(d.key, d.priority, d.needed_bq, got, t, tuple(sources)))
    uses = tuple(SupplyUse(s.key, s.available_bq, min(u, s.available_bq),
                           max(0.0, s.available_bq - u)) for s, u in zip(supplies, used,
                                                                          strict=True))
    return AllocationResult(tuple(shares), uses), used
