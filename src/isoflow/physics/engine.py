"""The batched Bateman engine: many inventories x many times in one numpy evaluation.

On the chain reachable from the inputs, two algebraically equal float64 forms are evaluated
for every (inventory, time, nuclide), each with one transcendental per (nuclide, time) and one
matrix product:

* the exp form ``N(t) = C · (exp(-λt) ⊙ y)`` with ``y = C⁻¹ N(0)``, accurate where a nuclide's
  value is dominated by decaying terms (late times, short-lived members);
* the expm1 form ``N(t) = N(0) + C · (expm1(-λt) ⊙ y)``, which removes the zeroth-order
  cancellation that ruins in-growing progeny and stable end-members at short times.

Alongside each, a rigorous rounding-error bound is computed with the same product on absolute
values (all terms non-negative, so the bound itself is accurate); each entry takes the form
with the smaller bound. A point (inventory, time) is trusted when every nuclide's bound is
below ``TRUST_REL`` of its value, or the nuclide is insignificant (its activity and its atoms
below ``FLOOR_REL`` of the inventory's totals, where it is reported to that absolute precision
and never negative). Any other point is recomputed on the exact path
(:mod:`isoflow.physics.exact`): the float path never prints a number it cannot vouch for.

Columns whose ``exp(-λt)`` underflows to zero (or whose ``expm1`` saturates at -1) over a
whole block of times are folded out of the products, which is exact and saves most of the
work for long chains at long times; times are sorted into blocks so that this happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from isoflow.physics.chains import Chain
from isoflow.physics.exact import atoms_exact

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TRUST_REL = 5e-10    # relative error the float path must prove (the bound is rigorous)
FLOOR_REL = 1e-15    # below this share of the totals a nuclide is insignificant
EPS = 2.0 ** -53
EXP_UNDERFLOW = 746.0  # exp(-x) == 0.0 in float64 for x > 745.13
BLOCK_ELEMENTS = 1 << 13  # points x nuclides per block: working buffers stay small


@dataclass
class EngineStats:
    """Counts of (inventory, time) points by path, for benchmarks and diagnostics."""

    float_points: int = 0
    exact_points: int = 0

    def reset(self) -> None:
        self.float_points = self.exact_points = 0


STATS = EngineStats()


def _gamma(chain: Chain, lam: FloatArray, t_max: float) -> FloatArray:
    """Per-column rounding factor of the bound (C, C⁻¹ and λ correctly rounded; exp to 1 ulp)."""
    return (chain.size + 4) * EPS * (2.5 + 1.5 * lam * t_max)


def _check(chain: Chain, v: FloatArray, b: FloatArray) -> BoolArray:
    """Columns (points) of ``v`` (atoms, nuclides x points) that the bound ``b`` vouches
    for; insignificant entries of trusted points are clamped to >= 0 in place."""
    av = np.abs(v)
    ok = b <= TRUST_REL * av
    trusted: BoolArray = np.asarray(ok.all(axis=0))
    bad = np.flatnonzero(~trusted)
    if bad.size == 0:
        return trusted
    lam = chain.lam[:, None]
    avr, br = av[:, bad], b[:, bad]
    tot_atoms = avr.sum(axis=0)
    tot_act = chain.lam @ avr
    with np.errstate(divide="ignore", invalid="ignore"):
        atoms_equiv = np.where(lam > 0, tot_act / np.where(lam > 0, lam, 1.0), np.inf)
    floor = FLOOR_REL * np.minimum(atoms_equiv, tot_atoms)
    point_ok = (ok[:, bad] | ((avr + br) <= floor)).all(axis=0)
    trusted[bad] = point_ok
    clamp = bad[point_ok]
    if clamp.size:
        v[:, clamp] = np.maximum(v[:, clamp], 0.0)
    return trusted


def solve_atoms(chain: Chain, n0: FloatArray, times: FloatArray, *, exact: bool = False
                ) -> FloatArray:
    """Atoms of every chain nuclide for each inventory at each time.

    n0 : (m, n) initial atoms in chain order; times : (t,) [s], >= 0.
    Returns (m, t, n) float64.
    """
    m, n = n0.shape
    nt = times.shape[0]
    out = np.empty((m, nt, n), dtype=np.float64)
    if m == 0 or nt == 0:
        return out
    if exact:
        for i in range(m):
            for k in range(nt):
                out[i, k] = atoms_exact(chain, n0[i], float(times[k]), FLOOR_REL)
        STATS.exact_points += m * nt
        return out
    n0t = np.ascontiguousarray(n0.T)                 # (n, m): points along rows
    yt = chain.c_inv @ n0t                           # eigen-coordinates
    zt = 2.0 * (chain.c_inv_abs @ np.abs(n0t))       # bound on |y| + its rounding error
    per_block = max(256, BLOCK_ELEMENTS // n)
    untrusted: list[tuple[int, int]] = []
    if nt >= m:  # blocks of times, inventory by inventory
        ordered = bool(np.all(times[1:] >= times[:-1]))
        order = np.arange(nt) if ordered else np.argsort(times, kind="stable")
        sorted_t = times if ordered else times[order]
        for i in range(m):
            for t0 in range(0, nt, per_block):
                tb = sorted_t[t0:t0 + per_block]
                vt, ok = _solve_points(chain, n0t[:, i:i + 1], yt[:, i:i + 1], zt[:, i:i + 1],
                                       tb)
                idx = order[t0:t0 + tb.size]
                if ordered:
                    out[i, t0:t0 + tb.size] = vt.T
                else:
                    out[i, idx] = vt.T
                untrusted.extend((i, int(k)) for k in idx[~ok])
    else:  # blocks of inventories, time by time
        for k in range(nt):
            tk = times[k:k + 1]
            for i0 in range(0, m, per_block):
                sl = slice(i0, i0 + per_block)
                vt, ok = _solve_points(chain, n0t[:, sl], yt[:, sl], zt[:, sl], tk)
                out[sl, k] = vt.T
                untrusted.extend((i0 + int(i), k) for i in np.flatnonzero(~ok))
    for i, k in untrusted:
        out[i, k] = atoms_exact(chain, n0[i], float(times[k]), FLOOR_REL)
    STATS.exact_points += len(untrusted)
    STATS.float_points += m * nt - len(untrusted)
    return out


EXPM1_SATURATES = 38.0  # expm1(-x) == -1.0 in float64 for x > 37.43


def _solve_points(chain: Chain, n0: FloatArray, y: FloatArray, z: FloatArray, t: FloatArray
                  ) -> tuple[FloatArray, BoolArray]:
    """Both float forms for a block of points, the better-bounded one per entry, the check.

    Layout is nuclides x points, so every elementwise pass runs along contiguous rows.
    Either one inventory (n0, y, z of shape (n, 1)) at the times ``t`` (r,), or many
    inventories (n, r) at one time (``t`` of shape (1,)). Returns (atoms (n, r), trusted (r,)).
    """
    lam = chain.lam
    c, c_abs = chain.c, chain.c_abs
    t_min, t_max = float(t.min()), float(t.max())
    g = _gamma(chain, lam, t_max)[:, None]
    gz = z * g                                   # (n, 1|r)
    live_e = _columns(lam * t_min < EXP_UNDERFLOW)
    sat = lam * t_min >= EXPM1_SATURATES
    live_m = _columns(~sat)
    if y.shape[1] == 1 and t.size > 1:  # one inventory, many times
        nlt = np.multiply.outer(-lam, t)         # (n, r)
        e = np.exp(nlt[live_e])
        mt = np.expm1(nlt[live_m])
        v_e = (c[:, live_e] * y[live_e, 0]) @ e
        b_e = (c_abs[:, live_e] * gz[live_e, 0]) @ e
        v_m = (c[:, live_m] * y[live_m, 0]) @ mt
        b_m = (c_abs[:, live_m] * gz[live_m, 0]) @ np.abs(mt)
    else:  # many inventories, one time
        nl = -lam * float(t[0])
        e = np.exp(nl[live_e])[:, None]
        mt = np.expm1(nl[live_m])[:, None]
        v_e = c[:, live_e] @ (y[live_e] * e)
        b_e = c_abs[:, live_e] @ (gz[live_e] * e)
        v_m = c[:, live_m] @ (y[live_m] * mt)
        b_m = c_abs[:, live_m] @ (gz[live_m] * np.abs(mt))
    v_m += n0
    if sat.any():  # saturated columns: expm1 = -1 exactly
        v_m -= c[:, sat] @ y[sat]
        b_m += c_abs[:, sat] @ gz[sat]
    b_m += 2 * EPS * np.abs(v_m)
    use_m = b_m < b_e
    np.copyto(v_e, v_m, where=use_m)
    np.copyto(b_e, b_m, where=use_m)
    return v_e, _check(chain, v_e, b_e)


def _columns(mask: BoolArray) -> slice | npt.NDArray[np.intp]:
    return slice(None) if mask.all() else np.flatnonzero(mask)


SCALAR_MAX_NUCLIDES = 8  # below this, plain Python floats beat numpy's per-call overhead


def _solve_one_scalar(chain: Chain, n0: FloatArray, y: FloatArray, z: FloatArray, t: float
                      ) -> list[float] | None:
    """Both forms for one inventory at one time in plain floats; None if not trusted."""
    lam = chain.lam.tolist()
    g0 = (chain.size + 4) * EPS
    e = [math.exp(-lk * t) for lk in lam]
    m = [math.expm1(-lk * t) for lk in lam]
    yl, n0l = y.tolist(), n0.tolist()
    gz = [zk * g0 * (2.5 + 1.5 * lk * t) for zk, lk in zip(z.tolist(), lam, strict=True)]
    v: list[float] = []
    bounds: list[float] = []
    ok = True
    for j, row in enumerate(chain.sparse_rows()):
        se = be = sm = bm = 0.0
        for k, c, ca in row:
            cy, cg = c * yl[k], ca * gz[k]
            se += cy * e[k]
            be += cg * e[k]
            sm += cy * m[k]
            bm -= cg * m[k]  # m <= 0
        sm += n0l[j]
        bm += 2 * EPS * abs(sm)
        value, bound = (sm, bm) if bm < be else (se, be)
        v.append(value)
        bounds.append(bound)
        ok = ok and bound <= TRUST_REL * abs(value)
    if ok:
        return v
    va = np.array(v)[:, None]
    if _check(chain, va, np.array(bounds)[:, None])[0]:
        return va[:, 0].tolist()  # type: ignore[no-any-return]
    return None


def solve_atoms_one(chain: Chain, n0: FloatArray, y: FloatArray, z: FloatArray, t: float
                    ) -> FloatArray:
    """One inventory at one time (what a single ``decay`` call needs)."""
    if t == 0.0:
        return n0.copy()
    if chain.size <= SCALAR_MAX_NUCLIDES:
        scalar = _solve_one_scalar(chain, n0, y, z, t)
        if scalar is not None:
            STATS.float_points += 1
            return np.array(scalar)
    else:
        v, ok = _solve_points(chain, n0[:, None], y[:, None], z[:, None], np.array([t]))
        if ok[0]:
            STATS.float_points += 1
            return v[:, 0]
    STATS.exact_points += 1
    return atoms_exact(chain, n0, t, FLOOR_REL)
