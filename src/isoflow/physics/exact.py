"""The exact path: Bateman in multi-precision arithmetic (mpmath) on a chain's exact matrices.

Used automatically where the float64 path cannot prove its result to the required relative
precision (very short times, deep progeny), and for cumulative decays. Precision adapts to
the cancellation actually met: the sum of the absolute values of the terms is compared with
the result, and the sum is redone with more digits until at least ``GUARD_DIGITS`` survive.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.physics.chains import Chain

GUARD_DIGITS = 20
START_DPS = 34
FloatArray = npt.NDArray[np.float64]


def _mp_number(ctx: Any, x: float) -> Any:
    return ctx.mpf(float(x))  # exact: a double is a binary fraction


def _eigen_coordinates(ctx: Any, ci: list[list[tuple[int, Any]]], n0: FloatArray) -> list[Any]:
    n0_mp = [_mp_number(ctx, v) if v else None for v in n0.tolist()]
    return [ctx.fsum(x * n0_mp[m] for m, x in row if n0_mp[m] is not None) for row in ci]


def _lost_digits(ctx: Any, values: list[Any], scales: list[Any], weights: FloatArray,
                 floor_rel: float) -> float:
    """Digits lost to cancellation in the significant entries (value vs sum of |terms|)."""
    mags = np.array([abs(float(v)) for v in values])
    total_atoms, total_act = mags.sum(), float(mags @ weights)
    lost = 0.0
    for j, (value, scale) in enumerate(zip(values, scales, strict=True)):
        if not scale:
            continue
        if mags[j] > floor_rel * total_atoms or mags[j] * weights[j] > floor_rel * total_act:
            lost = max(lost, float(ctx.log10(scale / abs(value))) if value else 1e9)
    return lost


def atoms_exact(chain: Chain, n0: FloatArray, t_s: float, floor_rel: float, *,
                known: FloatArray | None = None, coordinates: dict[int, Any] | None = None
                ) -> FloatArray:
    """N(t) [atoms] for one inventory ``n0`` [atoms] at ``t_s`` [s], correctly rounded to
    float64 for every nuclide above ``floor_rel`` of the total (atoms or activity).

    known: atoms already vouched for by a float path, NaN for the nuclides to compute (only
    those rows are evaluated; the known ones count towards the totals). coordinates: a dict
    kept by the caller across the times of one inventory, caching its eigen-coordinates.
    """
    rows = range(chain.size) if known is None else np.flatnonzero(np.isnan(known)).tolist()
    coordinates = {} if coordinates is None else coordinates
    dps = START_DPS
    while True:
        ctx, lam, c, ci = chain.mp_matrices(dps)
        if dps not in coordinates:
            coordinates[dps] = _eigen_coordinates(ctx, ci, n0)
        y = coordinates[dps]
        t = _mp_number(ctx, t_s)
        w: dict[int, Any] = {}
        values = ([ctx.zero] * chain.size if known is None else
                  [_mp_number(ctx, v) for v in np.nan_to_num(known).tolist()])
        scales = [ctx.zero] * chain.size
        for r in rows:
            terms = []
            for k, x in c[r]:
                if y[k]:
                    if k not in w:
                        w[k] = y[k] * ctx.exp(-lam[k] * t)
                    terms.append(x * w[k])
            values[r] = ctx.fsum(terms)
            scales[r] = ctx.fsum(terms, absolute=True)
        lost = _lost_digits(ctx, values, scales, chain.lam, floor_rel)
        if lost < 1e8 and dps - lost >= GUARD_DIGITS:
            return _to_float(values)
        dps = math.ceil(min(lost, 4 * dps) + GUARD_DIGITS + 5)


def _to_float(values: list[Any]) -> FloatArray:
    out: FloatArray = np.maximum(np.array([float(v) for v in values]), 0.0)
    return out


def cumulative_decays_exact(chain: Chain, n0: FloatArray, t0_s: float, t1_s: float
                            ) -> FloatArray:
    """Number of decays of each nuclide between ``t0_s`` and ``t1_s`` [s]:
    ∫ λ_j N_j(t) dt, for one inventory ``n0`` [atoms] given at time 0."""
    dps = START_DPS
    while True:
        ctx, lam, c, ci = chain.mp_matrices(dps)
        y = _eigen_coordinates(ctx, ci, n0)
        t0, t1 = _mp_number(ctx, t0_s), _mp_number(ctx, t1_s)
        integ = [t1 - t0 if lk == 0 else
                 ctx.exp(-lk * t0) * -ctx.expm1(-lk * (t1 - t0)) / lk for lk in lam]
        values, scales = [], []
        for j, row in enumerate(c):
            terms = [x * y[k] * integ[k] for k, x in row if y[k]] if lam[j] else []
            values.append(lam[j] * ctx.fsum(terms))
            scales.append(lam[j] * ctx.fsum(terms, absolute=True))
        lost = _lost_digits(ctx, values, scales, np.ones(chain.size), 1e-15)
        if lost < 1e8 and dps - lost >= GUARD_DIGITS:
            return _to_float(values)
        dps = math.ceil(min(lost, 4 * dps) + GUARD_DIGITS + 5)
