"""The batched Bateman engine: many inventories x many times in one numpy evaluation.

``N(t) = C · diag(exp(-λt)) · C⁻¹ · N(0)`` on the chain reachable from the inputs. The float64
path is one ``exp`` per (nuclide, time) and one matrix product; alongside it a rigorous
rounding-error bound is computed with the same product on absolute values (all terms are
non-negative there, so the bound itself is accurate). A point (inventory, time) is trusted
when every nuclide's bound is below ``TRUST_REL`` of its value, or the nuclide is
insignificant (its activity and its atoms below ``FLOOR_REL`` of the inventory's totals,
where it is reported to that absolute precision and never negative). Any other point is
recomputed on the exact path (:mod:`isoflow.physics.exact`): the float path never prints a
number it cannot vouch for.

Columns whose ``exp(-λt)`` underflows to exactly zero over a whole block of times (short-lived
members at long times) are dropped from the product, which is exact and saves most of the
work for long chains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from isoflow.physics.chains import Chain
from isoflow.physics.exact import atoms_exact

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TRUST_REL = 1e-10    # relative error the float path must prove for a significant nuclide
FLOOR_REL = 1e-15    # below this share of the totals a nuclide is insignificant
EPS = 2.0 ** -53
EXP_UNDERFLOW = 746.0  # exp(-x) == 0.0 in float64 for x > 745.13
BLOCK_ELEMENTS = 1 << 15  # working buffers per block, so peak memory stays near the output


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
    """Rows of ``v`` (atoms) that the bound ``b`` vouches for; insignificant entries of
    trusted rows are clamped to >= 0 in place."""
    av = np.abs(v)
    ok = b <= TRUST_REL * av
    bad_rows = np.flatnonzero(~ok.all(axis=1))
    trusted = np.ones(v.shape[0], dtype=bool)
    if bad_rows.size == 0:
        return trusted
    lam = chain.lam
    avr, br = av[bad_rows], b[bad_rows]
    tot_atoms = avr.sum(axis=1)
    tot_act = avr @ lam
    with np.errstate(divide="ignore", invalid="ignore"):
        atoms_equiv = np.where(lam > 0, tot_act[:, None] / np.where(lam > 0, lam, 1.0), np.inf)
    floor = FLOOR_REL * np.minimum(atoms_equiv, tot_atoms[:, None])
    small = (avr + br) <= floor
    row_ok = (ok[bad_rows] | small).all(axis=1)
    trusted[bad_rows] = row_ok
    clamp_rows = bad_rows[row_ok]
    if clamp_rows.size:
        sub = v[clamp_rows]
        np.maximum(sub, 0.0, out=sub)
        v[clamp_rows] = sub
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
    y = n0 @ chain.c_inv.T                     # (m, n) eigen-coordinates
    z = 2.0 * (np.abs(n0) @ chain.c_inv_abs.T)  # bound on |y| + its rounding error
    rows_per_block = max(1, BLOCK_ELEMENTS // n)
    untrusted: list[tuple[int, int]] = []
    if nt >= m:  # blocks of times, inventory by inventory
        for i in range(m):
            for t0 in range(0, nt, rows_per_block):
                tb = times[t0:t0 + rows_per_block]
                block = out[i, t0:t0 + tb.shape[0]]
                ok = _solve_block_times(chain, y[i], z[i], tb, block)
                block[tb == 0.0] = n0[i]
                ok |= tb == 0.0
                untrusted.extend((i, t0 + int(k)) for k in np.flatnonzero(~ok))
    else:  # blocks of inventories, time by time
        for k in range(nt):
            t = float(times[k])
            for i0 in range(0, m, rows_per_block):
                yb, zb = y[i0:i0 + rows_per_block], z[i0:i0 + rows_per_block]
                block = out[i0:i0 + yb.shape[0], k]
                if t == 0.0:
                    block[:] = n0[i0:i0 + yb.shape[0]]
                    continue
                ok = _solve_block_inventories(chain, yb, zb, t, block)
                untrusted.extend((i0 + int(i), k) for i in np.flatnonzero(~ok))
    for i, k in untrusted:
        out[i, k] = atoms_exact(chain, n0[i], float(times[k]), FLOOR_REL)
    STATS.exact_points += len(untrusted)
    STATS.float_points += m * nt - len(untrusted)
    return out


def _live(chain: Chain, t_min: float) -> FloatArray | slice:
    if t_min <= 0.0:
        return slice(None)
    live = chain.lam * t_min < EXP_UNDERFLOW
    return slice(None) if live.all() else np.flatnonzero(live)  # type: ignore[return-value]


def _solve_block_times(chain: Chain, y: FloatArray, z: FloatArray, tb: FloatArray,
                       out: FloatArray) -> BoolArray:
    """One inventory at the times ``tb``; writes atoms into ``out`` (len(tb), n)."""
    cols = _live(chain, float(tb.min()))
    lam = chain.lam[cols]
    e = np.exp(np.multiply.outer(tb, -lam))
    cy = chain.c[:, cols] * y[cols]
    np.matmul(e, cy.T, out=out)
    gz = chain.c_abs[:, cols] * (z[cols] * _gamma(chain, lam, float(tb.max())))
    bound = e @ gz.T
    return _check(chain, out, bound)


def _solve_block_inventories(chain: Chain, y: FloatArray, z: FloatArray, t: float,
                             out: FloatArray) -> BoolArray:
    """Many inventories at one time ``t``; writes atoms into ``out`` (len(y), n)."""
    cols = _live(chain, t)
    lam = chain.lam[cols]
    e = np.exp(-lam * t)
    np.matmul(y[:, cols] * e, chain.c[:, cols].T, out=out)
    ce = chain.c_abs[:, cols] * (e * _gamma(chain, lam, t))
    bound = z[:, cols] @ ce.T
    return _check(chain, out, bound)


def solve_atoms_one(chain: Chain, n0: FloatArray, y: FloatArray, z: FloatArray, t: float
                    ) -> FloatArray:
    """The lean path for one inventory at one time (what a single ``decay`` call needs)."""
    if t == 0.0:
        return n0.copy()
    e = np.exp(-chain.lam * t)
    v = chain.c @ (e * y)
    bound = chain.c_abs @ (e * z * _gamma(chain, chain.lam, t))
    av = np.abs(v)
    if np.all(bound <= TRUST_REL * av):
        STATS.float_points += 1
        return v
    v2 = v[None, :]
    if _check(chain, v2, bound[None, :])[0]:
        STATS.float_points += 1
        return v2[0]
    STATS.exact_points += 1
    return atoms_exact(chain, n0, t, FLOOR_REL)
