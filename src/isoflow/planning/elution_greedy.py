"""A fast constructive plan that starts the MILP (a warm start), on the MILP's own column model.

Order combinations are tried from the cheapest; for each, items are served in time order
from an open eluate when one has enough left, else from a new just-in-time elution of the
generator that yields most. The first combination that serves every feasible item wins.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from isoflow.planning.elution_plan import Context, Position, eligible_slots

GBQ = 1e9

#: Unit curves of a position: (slots, no-elution daughter, decay factor, in-growth) per GBq.
Curves = tuple[list[int], list[float], list[float], list[float]]


@dataclass
class _Column:
    pos: Position
    size: int
    amount: float                      # nominal parent [GBq]
    ks: list[int]
    d_free: list[float]
    f: list[float]
    h: list[float]
    eff: float
    eluted: dict[int, float] = field(default_factory=dict)   # index in ks -> E [GBq]
    _after_last: tuple[int, float] | None = None   # (last elution index, D just after it)

    def state(self) -> list[tuple[float, float]]:
        """(D before, E) at every slot for the current elutions."""
        out = []
        d = self.amount * self.d_free[0]
        for i in range(len(self.ks)):
            e = self.eff * d if i in self.eluted else 0.0
            out.append((d, e))
            if i + 1 < len(self.ks):
                d = (d - e) * self.f[i] + self.amount * self.h[i]
        return out

    def yield_if_eluted(self, i: int) -> float:
        """E [GBq] of an elution at index ``i`` (after every recorded elution)."""
        start, d = 0, self.amount * self.d_free[0]
        if self.eluted:
            last = max(self.eluted)
            if self._after_last is None or self._after_last[0] != last:
                dd = self.amount * self.d_free[0]
                for j in range(last + 1):
                    if j in self.eluted:
                        dd -= self.eff * dd
                    if j < last:
                        dd = dd * self.f[j] + self.amount * self.h[j]
                self._after_last = (last, dd)
            start, d = self._after_last
            d = d * self.f[start] + self.amount * self.h[start] if i > start else d
            start += 1
        for j in range(start, i):
            d = d * self.f[j] + self.amount * self.h[j]
        return self.eff * d


def _serve_all(ctx: Context, cols: list[_Column], elig_of: Callable[[str, str], set[int]],
               stop_on_failure: bool = True, smallest: bool = False
               ) -> tuple[dict[str, tuple[int, int]], int]:
    """Greedy service; returns item id -> (column index, slot) and how many were served."""
    gap = timedelta(seconds=ctx.settings.min_interval_s)
    carrier = timedelta(seconds=ctx.carrier_previous_s)
    left: dict[tuple[int, int], float] = {}
    served: dict[str, tuple[int, int]] = {}
    feasible = sorted((it for it in ctx.items if it.id not in ctx.reasons),
                      key=lambda it: it.needed_at)

    def carrier_ok(c: _Column, i: int) -> bool:
        t = ctx.slots[c.ks[i]]
        return any(j < i and t - ctx.slots[c.ks[j]] <= carrier for j in c.eluted)

    for it in feasible:
        best: tuple[int, int] | None = None
        for ci, c in enumerate(cols):
            elig = elig_of(it.id, c.pos.id)
            for i in sorted(c.eluted, reverse=True):
                k = c.ks[i]
                if k not in elig or (it.carrier_sensitive and not carrier_ok(c, i)):
                    continue
                if left[(ci, i)] >= ctx.drawn(it, ctx.slots[k]) / GBQ:
                    if best is None or ctx.slots[k] > ctx.slots[cols[best[0]].ks[best[1]]]:
                        best = (ci, i)
                    break
        if best is None:
            options = []
            for ci, c in enumerate(cols):
                last = max(c.eluted) if c.eluted else None
                elig = elig_of(it.id, c.pos.id)
                for i, k in enumerate(c.ks):
                    if k not in elig:
                        continue
                    if last is not None and ctx.slots[k] - ctx.slots[c.ks[last]] < gap:
                        continue
                    if it.carrier_sensitive and not (
                            last is not None and ctx.slots[k] - ctx.slots[c.ks[last]] <= carrier):
                        continue
                    y = c.yield_if_eluted(i)
                    if y >= ctx.drawn(it, ctx.slots[k]) / GBQ:
                        options.append((ctx.slots[k], y, ci, i))
            if not options:
                if stop_on_failure:
                    return served, len(served)
                continue
            if smallest:
                latest = max(o[0] for o in options)
                _, y, ci, i = min(o for o in options if o[0] == latest)
            else:
                _, y, ci, i = max(options)
            cols[ci].eluted[i] = y
            left[(ci, i)] = y
            best = (ci, i)
        ci, i = best
        left[best] -= ctx.drawn(it, ctx.slots[cols[ci].ks[i]]) / GBQ
        served[it.id] = (ci, cols[ci].ks[i])
    return served, len(served)


def _by_total_price(options: list[list[tuple[float, tuple[int, ...]]]]
                    ) -> Iterator[tuple[tuple[float, tuple[int, ...]], ...]]:
    """One option per delivery, in increasing total price, generated lazily (best-first over
    the sorted option lists: the product is far too large to sort for many deliveries)."""
    start = (0,) * len(options)
    heap = [(sum(o[0][0] for o in options), start)]
    seen = {start}
    while heap:
        price, idx = heapq.heappop(heap)
        yield tuple(options[d][i] for d, i in enumerate(idx))
        for d in range(len(options)):
            if idx[d] + 1 < len(options[d]):
                nxt = (*idx[:d], idx[d] + 1, *idx[d + 1:])
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (price - options[d][idx[d]][0]
                                          + options[d][idx[d] + 1][0], nxt))


def greedy_order(ctx: Context, curves: Callable[[Position], Curves], waste_weight: float,
                 max_tries: int = 4000, deadline: float | None = None
                 ) -> tuple[list[_Column], dict[str, tuple[int, int]]] | None:
    """The order, tried by price, that the greedy serves completely at the least price plus
    ``waste_weight`` [price per GBq] times its unused eluate; None if none serves all."""
    sizes = ctx.offer.sizes
    n_feasible = sum(1 for it in ctx.items if it.id not in ctx.reasons)
    by_delivery: dict[int, list[Position]] = {}
    for p in ctx.positions:
        by_delivery.setdefault(p.delivery, []).append(p)
    per_delivery: list[list[tuple[float, tuple[int, ...]]]] = []
    for d in sorted(by_delivery):
        opts: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
        for n in range(1, len(by_delivery[d]) + 1):
            for picks in itertools.combinations_with_replacement(range(len(sizes)), n):
                desc = tuple(sorted(picks, key=lambda s: -sizes[s].parent_activity_bq))
                opts.append((sum(sizes[s].price for s in desc), desc))
        per_delivery.append(sorted(opts))
    combos = _by_total_price(per_delivery)
    items = {it.id: it for it in ctx.items}
    positions = {p.id: p for p in ctx.positions}
    cache: dict[tuple[str, str], set[int]] = {}

    def elig_of(iid: str, pid: str) -> set[int]:
        key = (iid, pid)
        if key not in cache:
            cache[key] = set(eligible_slots(ctx, items[iid], positions[pid]))
        return cache[key]

    w = waste_weight
    best: tuple[float, list[_Column], dict[str, tuple[int, int]]] | None = None
    for tries, combo_ in enumerate(combos):
        combo: tuple[tuple[float, tuple[int, ...]], ...] = tuple(combo_)
        price = sum(c[0] for c in combo)
        if tries >= max_tries or (best is not None and (
                price >= best[0] or (deadline is not None and time.perf_counter() > deadline))):
            break
        for smallest in (False, True):
            cols = []
            for d, option in zip(sorted(by_delivery), combo, strict=True):
                for copy, s in enumerate(option[1]):
                    pos = by_delivery[d][copy]
                    ks, d_free, f, h = curves(pos)
                    if ks:
                        cols.append(_Column(pos, s, sizes[s].parent_activity_bq / GBQ, ks,
                                            d_free, f, h, ctx.efficiency))
            if not cols:
                break
            served, n = _serve_all(ctx, cols, elig_of, smallest=smallest)
            if n < n_feasible:
                continue
            drawn = sum(ctx.drawn(items[iid], ctx.slots[k]) for iid, (_, k) in served.items())
            eluted = sum(e for c in cols for _, e in c.state())
            score = price + w * (eluted - drawn / GBQ)
            if best is None or score < best[0]:
                best = (score, cols, served)
    return None if best is None else (best[1], best[2])
