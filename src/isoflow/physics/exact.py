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
START_DPS = 40
FloatArray = npt.NDArray[np.float64]


def _mp_number(ctx: Any, x: float) -> Any:
    return ctx.mpf(float(x))  # exact: a double is a binary fraction


def atoms_exact(chain: Chain, n0: FloatArray, t_s: float, floor_rel: float) -> FloatArray:
    """N(t) [atoms] for one inventory ``n0`` [atoms] at ``t_s`` [s], correctly rounded to
    float64 for every nuclide above ``floor_rel`` of the total (atoms or activity)."""
    dps = START_DPS
    while True:
        ctx, lam, c, ci = chain.mp_matrices(dps)
        n = chain.size
        n0_mp = [_mp_number(ctx, v) for v in n0]
        y = [ctx.fsum(ci[k, m] * n0_mp[m] for m in range(k + 1) if n0_mp[m]) for k in range(n)]
        t = _mp_number(ctx, t_s)
        w = [y[k] * ctx.exp(-lam[k] * t) if y[k] else ctx.zero for k in range(n)]
        out = np.empty(n, dtype=np.float64)
        lost = 0.0
        magnitudes = []
        for j in range(n):
            terms = [c[j, k] * w[k] for k in range(j + 1) if w[k] and c[j, k]]
            value = ctx.fsum(terms)
            out[j] = float(value)
            scale = ctx.fsum(abs(x) for x in terms)
            magnitudes.append((value, scale))
        total_atoms = sum(abs(float(v)) for v, _ in magnitudes)
        total_act = sum(abs(float(v)) * float(chain.lam[j]) for j, (v, _) in enumerate(magnitudes))
        for j, (value, scale) in enumerate(magnitudes):
            if not scale:
                continue
            significant = (abs(float(value)) > floor_rel * total_atoms
                           or abs(float(value)) * float(chain.lam[j]) > floor_rel * total_act)
            if significant:
                lost = max(lost, float(ctx.log10(scale / abs(value))) if value else float(dps))
        if dps - lost >= GUARD_DIGITS:
            return np.maximum(out, 0.0)
        dps = int(math.ceil(lost + GUARD_DIGITS + 5))


def cumulative_decays_exact(chain: Chain, n0: FloatArray, t0_s: float, t1_s: float
                            ) -> FloatArray:
    """Number of decays of each nuclide between ``t0_s`` and ``t1_s`` [s]:
    ∫ λ_j N_j(t) dt, for one inventory ``n0`` [atoms] given at time 0."""
    dps = START_DPS
    while True:
        ctx, lam, c, ci = chain.mp_matrices(dps)
        n = chain.size
        n0_mp = [_mp_number(ctx, v) for v in n0]
        y = [ctx.fsum(ci[k, m] * n0_mp[m] for m in range(k + 1) if n0_mp[m]) for k in range(n)]
        t0, t1 = _mp_number(ctx, t0_s), _mp_number(ctx, t1_s)
        integ = []
        for k in range(n):
            if lam[k] == 0:
                integ.append(t1 - t0)
            else:
                integ.append(ctx.exp(-lam[k] * t0) * -ctx.expm1(-lam[k] * (t1 - t0)) / lam[k])
        out = np.empty(n, dtype=np.float64)
        lost = 0.0
        for j in range(n):
            if lam[j] == 0:
                out[j] = 0.0
                continue
            terms = [c[j, k] * y[k] * integ[k] for k in range(j + 1) if y[k] and c[j, k]]
            value = ctx.fsum(terms)
            scale = ctx.fsum(abs(x) for x in terms)
            if value:
                lost = max(lost, float(ctx.log10(scale / abs(value))))
            out[j] = float(lam[j] * value)
        if dps - lost >= GUARD_DIGITS:
            return np.maximum(out, 0.0)
        dps = int(math.ceil(lost + GUARD_DIGITS + 5))
