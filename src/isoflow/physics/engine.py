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
and never negative; or, what is left after ~1000 half-lives, below ``UNDERFLOW_REL`` of the
inventory's atoms, out of float64's range relative to it). Any other point is recomputed the
same way in long double (x87 80-bit on x86-64, ~2000x less rounding), and what even that
cannot vouch for on the exact path (:mod:`isoflow.physics.exact`): no path prints a number
it cannot vouch for. With the compiled kernel each retry recomputes only the nuclides of the
point that the previous pass could not vouch for.

Columns whose ``exp(-λt)`` underflows to zero (or whose ``expm1`` saturates at -1) over a
whole block of times are folded out of the products, which is exact and saves most of the
work for long chains at long times; times are sorted into blocks so that this happens.

The float64 pass has two implementations with the same forms and trust test: the compiled
kernel ``_bateman.c`` (built by ``pip install``; one fused pass per block of points, a
sharper rigorous bound derived in its header, a bound valid over a whole block of times that
spares most rows a bound per point, and its own long-double retry of only the nuclides it
could not vouch for), used whenever it is importable, and the numpy blocks below, which
remain the reference and the fallback (the tests run both).

Results are (inventories, times, nuclides) arrays laid out with the points (the times, or the
inventories when there are more of them) running fastest: both passes evaluate a nuclide
along a block of points, so it is written with contiguous stores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.physics.chains import Chain, Matrices
from isoflow.physics.exact import atoms_exact

KERNEL: ModuleType | None  # the compiled kernel; tests set it to None for the numpy path
try:
    from isoflow.physics import _bateman as KERNEL
except ImportError:  # pragma: no cover - built by pip install; numpy path otherwise
    KERNEL = None

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TRUST_REL = 1e-9     # relative error a float path must prove (its bound is rigorous)
FLOOR_REL = 1e-15    # below this share of the totals a nuclide is insignificant
# below this share of the inventory's atoms an amount is out of float64's range relative to
# it (what is left of a radionuclide after ~1000 half-lives): reported as 0 or as computed,
# never negative, with no relative guarantee
UNDERFLOW_REL = 2.0 ** -990
EPS = 2.0 ** -53
BLOCK_ELEMENTS = 1 << 13  # smallest block of points x nuclides in a large problem
SMALL_PROBLEM = 1 << 16   # up to this many outputs, one block


@dataclass
class EngineStats:
    """Counts of (inventory, time) points by path, for benchmarks and diagnostics."""

    float_points: int = 0
    extended_points: int = 0
    exact_points: int = 0

    def reset(self) -> None:
        self.float_points = self.extended_points = self.exact_points = 0


STATS = EngineStats()


@lru_cache(maxsize=4)
def _underflow(dtype: Any) -> tuple[float, float, float]:
    """(smallest normal, x beyond which exp(-x) is below it, smallest subnormal) of a
    floating type: below the smallest normal, roundings are absolute (<= 1 subnormal)."""
    info = np.finfo(dtype)
    if dtype is np.float64:  # plain floats: the scalar path's loops stay in Python floats
        return float(info.tiny), float(-np.log(info.tiny)), float(info.smallest_subnormal)
    return info.tiny, float(-np.log(info.tiny)), info.smallest_subnormal


def _underflow_bound(chain: Chain, mx: Matrices, z: FloatArray, t_max: float) -> Any:
    """What the bound needs for underflow: every rounding below the smallest normal is off by
    up to a subnormal (a few per entry), and exp(-λt) below it has no relative accuracy
    at all, so such terms are bounded by tiny·max|C_rk|·Σ_k z_k as a whole."""
    tiny, exp_tiny, sub = _underflow(mx.dtype)
    extra = 3 * (chain.size + 1) * sub
    if float(np.max(chain.lam)) * t_max >= exp_tiny:
        extra = extra + tiny * np.max(mx.c_abs, axis=1)[:, None] * z.sum(axis=0)
    return extra


def _gamma(chain: Chain, mx: Matrices, t_max: float) -> FloatArray:
    """Per-column rounding factor of the bound (C, C⁻¹ and λ correctly rounded; exp to 1 ulp)."""
    return (chain.size + 4) * mx.eps * (2.5 + 1.5 * mx.lam * t_max)  # type: ignore[no-any-return]


def _check(chain: Chain, v: FloatArray, b: FloatArray) -> BoolArray:
    """Columns (points) of ``v`` (atoms, nuclides x points) that the bound ``b`` vouches
    for; insignificant entries of trusted points are clamped to >= 0 in place."""
    ok = v >= b * (1.0 / TRUST_REL)  # never a negative value (nor -0.0 == 0 tricks)
    trusted: BoolArray = np.asarray(ok.all(axis=0))
    bad = np.flatnonzero(~trusted)
    if bad.size == 0:
        return trusted
    lam = chain.lam[:, None]
    avr, br = np.abs(v[:, bad]), b[:, bad]
    tot_atoms = avr.sum(axis=0)
    tot_act = chain.lam @ avr
    with np.errstate(divide="ignore", invalid="ignore"):
        atoms_equiv = np.where(lam > 0, tot_act / np.where(lam > 0, lam, 1.0), np.inf)
    floor = np.maximum(FLOOR_REL * np.minimum(atoms_equiv, tot_atoms),
                       UNDERFLOW_REL * tot_atoms)
    point_ok = (ok[:, bad] | ((avr + br) <= floor)).all(axis=0)
    trusted[bad] = point_ok
    clamp = bad[point_ok]
    if clamp.size:
        v[:, clamp] = np.maximum(v[:, clamp], 0.0)
    return trusted


def solve_atoms(chain: Chain, n0: FloatArray, times: FloatArray, *, exact: bool = False,
                scale: FloatArray | None = None, cols: npt.NDArray[np.int64] | None = None
                ) -> FloatArray:
    """Atoms of every chain nuclide for each inventory at each time (times ``scale`` per
    nuclide if given, e.g. λ for activities, at no extra pass).

    n0 : (m, n) initial atoms in chain order, or (m, p) for the chain nuclides ``cols`` only
    (the others start at 0: many inventories of a few parents need no dense array);
    times : (t,) [s], >= 0. Returns (m, t, n) float64, laid out in memory so that the
    points of the larger of m and t run fastest (a transposed view, as both passes
    evaluate a nuclide along a block of points: the result is written with contiguous stores).
    """
    m, n = n0.shape[0], chain.size
    nt = times.shape[0]
    out = _points_fastest(m, nt, n)
    if m == 0 or nt == 0:
        return out
    if cols is None:
        cols = chain.all_columns
    if KERNEL is not None and not exact:
        if m > 1 and cols.size == 1 and _scalable(n0):
            np.multiply(n0[:, :1, None], _unit_solution(chain, cols, times, scale, m),
                        out=out)
        else:
            _solve_kernel(KERNEL, chain, n0, cols, times, out, scale)
        return out
    n0 = _dense(chain, n0, cols)
    if exact:
        for i in range(m):
            for k in range(nt):
                out[i, k] = atoms_exact(chain, n0[i], float(times[k]), FLOOR_REL)
        STATS.exact_points += m * nt
    else:
        _solve_numpy(chain, n0, times, out)
    if scale is not None:
        out *= scale
    return out


def _scalable(n0: FloatArray) -> bool:
    """Amounts of one parent that its unit solution can be scaled to without leaving
    float64's comfortable range (0, or 1e-200 .. 1e200 atoms)."""
    col = n0[:, 0]
    return bool(np.all((col == 0.0) | ((col >= 1e-200) & (col <= 1e200))))


def _unit_solution(chain: Chain, cols: npt.NDArray[np.int64], times: FloatArray,
                   scale: FloatArray | None, m: int) -> FloatArray:
    """(1, t, n): the solution for one atom of the single parent ``cols[0]``.

    Inventories of a single parent are proportional, and so are their solutions: each is
    this one times its amount, and so are its guarantees (1e-9 relative, or FLOOR_REL and
    UNDERFLOW_REL of its own totals), the scaling adding one rounding as the scaling by λ
    does. The engine's counts are kept per point produced (``m`` inventories)."""
    before = (STATS.float_points, STATS.extended_points, STATS.exact_points)
    unit = solve_atoms(chain, np.ones((1, 1)), times, scale=scale, cols=cols)
    STATS.float_points += (m - 1) * (STATS.float_points - before[0])
    STATS.extended_points += (m - 1) * (STATS.extended_points - before[1])
    STATS.exact_points += (m - 1) * (STATS.exact_points - before[2])
    return unit


def _points_fastest(m: int, nt: int, n: int) -> FloatArray:
    """An empty (m, nt, n) result whose times (nt >= m) or inventories run fastest."""
    if nt >= m:
        return np.empty((m, n, nt)).transpose(0, 2, 1)
    return np.empty((n, nt, m)).transpose(2, 1, 0)


def _layout(out: FloatArray) -> tuple[int, int, int]:
    """Element strides (inventory, time, nuclide) of a float64 result."""
    si, st, sr = (s // 8 for s in out.strides)
    return si, st, sr


def _base(out: FloatArray) -> FloatArray:
    """The C-contiguous array a result (itself or a transposed view) lives in."""
    base = out if out.flags.c_contiguous else out.base
    if not isinstance(base, np.ndarray) or not base.flags.c_contiguous or base.size != out.size:
        raise ValueError("the result must be contiguous or a transposed contiguous array")
    return base


def _dense(chain: Chain, n0: FloatArray, cols: npt.NDArray[np.int64]) -> FloatArray:
    """N(0) as (m, n) in chain order from its (m, p) columns ``cols`` (as given if dense)."""
    if n0.shape[1] == chain.size and np.array_equal(cols, chain.all_columns):
        return n0
    dense = np.zeros((n0.shape[0], chain.size))
    for q, col in enumerate(cols.tolist()):
        dense[:, col] += n0[:, q]
    return dense


def _solve_kernel(kernel: ModuleType, chain: Chain, n0: FloatArray,
                  cols: npt.NDArray[np.int64], times: FloatArray, out: FloatArray,
                  scale: FloatArray | None) -> None:
    """The compiled float64 pass (both forms where needed, so no float64 retry), then the
    long-double and exact retries of the points it could not vouch for."""
    m, nt, _ = out.shape
    k = chain.kernel_arrays()
    ok = np.empty(m * nt, dtype=np.uint8)
    factor = chain.ones if scale is None else np.ascontiguousarray(scale, dtype=np.float64)
    n0c = np.ascontiguousarray(n0, dtype=np.float64)
    tc = np.ascontiguousarray(times, dtype=np.float64)
    base, layout = _base(out), _layout(out)  # the kernel writes the contiguous base
    bad = kernel.solve(chain.lam, k.ct, k.cat, chain.c_inv, chain.c_inv_abs, k.hi, EPS, n0c,
                       cols, tc, factor, base, ok, layout)
    retried = left = bad
    if bad:
        ext = chain.extended()
        if ext is not None:  # the long-double retry, also compiled
            points = np.flatnonzero(ok == 0).astype(np.int64)
            left = kernel.solve_ld(ext.lam, ext.c, ext.c_inv, n0c, cols, tc, points, factor,
                                   base, ok, layout)
        # what is still untrusted holds the atoms vouched for and NaN for the rest: only those
        # nuclides are computed exactly (an inventory's coordinates once for all its times)
        coordinates: dict[int, Any] = {}
        last = -1
        for p in np.flatnonzero(ok == 0).tolist() if left else ():
            i, j = divmod(p, nt)
            if i != last:
                row, coordinates, last = _dense(chain, n0c[i:i + 1], cols)[0], {}, i
            out[i, j] = atoms_exact(chain, row, float(times[j]), FLOOR_REL,
                                    known=np.array(out[i, j]), coordinates=coordinates) * factor
    STATS.float_points += m * nt - retried
    STATS.extended_points += retried - left
    STATS.exact_points += left


def _solve_numpy(chain: Chain, n0: FloatArray, times: FloatArray, out: FloatArray) -> None:
    """The numpy float64 pass in blocks, a float64 retry in tight blocks, then long double
    and exact."""
    m, nt, n = out.shape
    n0t = np.ascontiguousarray(n0.T)                 # (n, m): points along rows
    yt = chain.c_inv @ n0t                           # eigen-coordinates
    zt = 2.0 * (chain.c_inv_abs @ np.abs(n0t))       # bound on |y| + its rounding error
    f64 = chain.f64
    total = m * nt * n
    # one block for small problems; else blocks of 1/16 of the output, so the working
    # buffers stay below the output's own size
    per_block = (nt * m if total <= SMALL_PROBLEM
                 else max(256, max(BLOCK_ELEMENTS, total // 16) // n))
    untrusted: list[tuple[int, int]] = []
    if nt >= m:  # blocks of times, inventory by inventory
        ordered = bool(np.all(times[1:] >= times[:-1]))
        order = np.arange(nt) if ordered else np.argsort(times, kind="stable")
        sorted_t = times if ordered else times[order]
        for i in range(m):
            for t0 in range(0, nt, per_block):
                tb = sorted_t[t0:t0 + per_block]
                vt, ok = _solve_points(chain, f64, n0t[:, i:i + 1], yt[:, i:i + 1],
                                       zt[:, i:i + 1], tb)
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
                vt, ok = _solve_points(chain, f64, n0t[:, sl], yt[:, sl], zt[:, sl], tk)
                out[sl, k] = vt.T
                untrusted.extend((i0 + int(i), k) for i in np.flatnonzero(~ok))
    untrusted = _retry(chain, f64, n0, times, untrusted, out)  # tight blocks, both forms
    retried = len(untrusted)
    untrusted = _retry(chain, chain.extended(), n0, times, untrusted, out)
    for i, k in untrusted:
        out[i, k] = atoms_exact(chain, n0[i], float(times[k]), FLOOR_REL)
    STATS.float_points += m * nt - retried
    STATS.extended_points += retried - len(untrusted)
    STATS.exact_points += len(untrusted)


def _solve_points(chain: Chain, mx: Matrices, n0: FloatArray, y: FloatArray, z: FloatArray,
                  t: FloatArray, *, both_forms: bool = False) -> tuple[FloatArray, BoolArray]:
    """Both float forms for a block of points, the better-bounded one per entry, the check.

    Layout is nuclides x points, so every elementwise pass runs along contiguous rows.
    Either one inventory (n0, y, z of shape (n, 1)) at the times ``t`` (r,), or many
    inventories (n, r) at one time (``t`` of shape (1,)). ``mx`` gives the floating type
    (float64, or long double for points float64 could not vouch for).
    Returns (atoms (n, r), trusted (r,)).
    """
    lam, c, c_abs = mx.lam, mx.c, mx.c_abs
    t = t.astype(mx.dtype, copy=False)
    t_min, t_max = t.min(), t.max()
    gz = z * _gamma(chain, mx, t_max)[:, None]   # (n, 1|r)
    live_e = _columns(lam * t_min < mx.exp_underflow)
    # the expm1 form serves the nuclides that are slow over the whole block (accumulators,
    # stable end-members); the others need it only at very short times, which the long
    # double retry covers
    acc = slice(None) if both_forms else _columns(lam * t_max <= 1.0)
    sat = lam * t_min >= mx.expm1_saturates
    live_m = _columns(~sat)
    one_inventory = y.shape[1] == 1 and t.size > 1
    if one_inventory:  # one inventory, many times: the bound's factor point by point
        nlt = np.multiply.outer(-lam, t)         # (n, r)
        g0 = (chain.size + 4) * mx.eps
        gpt = g0 * (2.5 - 1.5 * nlt)             # γ_k(t_j) = g0 (2.5 + 1.5 λ_k t_j)
        e = np.exp(nlt[live_e])
        v_e = (c[:, live_e] * y[live_e, 0]) @ e
        b_e = (c_abs[:, live_e] * z[live_e, 0]) @ (gpt[live_e] * e)
    else:  # many inventories, one time
        nl = -lam * t[0]
        e = np.exp(nl[live_e])[:, None]
        v_e = c[:, live_e] @ (y[live_e] * e)
        b_e = c_abs[:, live_e] @ (gz[live_e] * e)
    b_e += _underflow_bound(chain, mx, z, t_max)
    if isinstance(acc, slice) or acc.size:
        ca, caa = c[acc], c_abs[acc]
        if one_inventory:
            mt = np.expm1(nlt[live_m])  # <= 0: |mt| = -mt, folded into the matrix
            v_m = (ca[:, live_m] * y[live_m, 0]) @ mt
            b_m = (caa[:, live_m] * -z[live_m, 0]) @ (gpt[live_m] * mt)
        else:
            mt = np.expm1(nl[live_m])[:, None]
            v_m = ca[:, live_m] @ (y[live_m] * mt)
            b_m = caa[:, live_m] @ (gz[live_m] * np.abs(mt))
        v_m += n0[acc]
        if sat.any():  # saturated columns: expm1 = -1 exactly
            v_m -= ca[:, sat] @ y[sat]
            b_m += ((caa[:, sat] * z[sat, 0]) @ gpt[sat] if one_inventory
                    else caa[:, sat] @ gz[sat])
        b_m += 2 * mx.eps * np.abs(v_m) + 3 * (chain.size + 1) * _underflow(mx.dtype)[2]
        ve_acc, be_acc = v_e[acc], b_e[acc]  # views when acc is a slice
        use_m = b_m < be_acc
        np.copyto(ve_acc, v_m, where=use_m)
        np.copyto(be_acc, b_m, where=use_m)
        if not isinstance(acc, slice):
            v_e[acc], b_e[acc] = ve_acc, be_acc
    if t_min == 0:  # N(0) is the input itself, exactly
        zero = (t == 0) if one_inventory else slice(None)
        v_e[:, zero] = n0
        b_e[:, zero] = 0.0
    return v_e, _check(chain, v_e, b_e)


def _retry(chain: Chain, mx: Matrices | None, n0: FloatArray, times: FloatArray,
           points: list[tuple[int, int]], out: FloatArray) -> list[tuple[int, int]]:
    """Recompute untrusted (inventory, time) points with both forms on every nuclide in the
    floating type of ``mx`` (bounds point by point); return those still untrusted."""
    if mx is None or not points:
        return points
    by_inventory: dict[int, list[int]] = {}
    for i, k in points:
        by_inventory.setdefault(i, []).append(k)
    left: list[tuple[int, int]] = []
    for i, ks in by_inventory.items():
        n0l = n0[i].astype(mx.dtype)[:, None]
        yl = mx.c_inv @ n0l
        zl = 2 * (mx.c_inv_abs @ np.abs(n0l))
        idx = np.array(ks)
        if idx.size == 1:  # the many-times layout needs two points: repeat the one
            idx = np.repeat(idx, 2)
        v, ok = _solve_points(chain, mx, n0l, yl, zl, times[idx], both_forms=True)
        out[i, idx[ok]] = v[:, ok].T.astype(np.float64, copy=False)
        left.extend(sorted({(i, int(k)) for k in idx[~ok]}))
    return left


def _columns(mask: BoolArray) -> slice | npt.NDArray[np.intp]:
    """The True positions: a slice when contiguous (views, not copies), else indices."""
    idx = np.flatnonzero(mask)
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


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
    # (float64 rounding, same bound as the array path, underflow included)
    _, exp_tiny, sub = _underflow(np.float64)
    under_m = 3 * (chain.size + 1) * sub
    if max(lam) * t >= exp_tiny:
        under = _underflow_bound(chain, chain.f64, z[:, None], t)
        under_e = np.broadcast_to(under, (chain.size, 1))[:, 0].tolist()
    else:
        under_e = [under_m] * chain.size
    v: list[float] = []
    bounds: list[float] = []
    ok = True
    for j, row in enumerate(chain.sparse_rows()):
        se = sm = 0.0
        be, bm = under_e[j], under_m
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
        ok = ok and value >= bound * (1.0 / TRUST_REL)  # never a negative value
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
    elif KERNEL is not None:
        return solve_atoms(chain, n0[None, :], np.array([t]))[0, 0]  # type: ignore[no-any-return]
    else:
        v, ok = _solve_points(chain, chain.f64, n0[:, None], y[:, None], z[:, None],
                              np.array([t]), both_forms=True)
        if ok[0]:
            STATS.float_points += 1
            return v[:, 0]
    out: FloatArray = n0[None, None, :].copy()
    if not _retry(chain, chain.extended(), n0[None, :], np.array([t]), [(0, 0)], out):
        STATS.extended_points += 1
        result: FloatArray = out[0, 0]
        return result
    STATS.exact_points += 1
    return atoms_exact(chain, n0, t, FLOOR_REL)
