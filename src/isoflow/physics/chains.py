"""Decay chains and their Bateman eigen-decomposition, computed exactly once per chain.

For the nuclides reachable from a set of parents (closed under decay), in topological order,
the decay matrix ``A`` (``dN/dt = A N``) is lower triangular with ``A[j, j] = -λ_j`` and
``A[j, k] = b_kj λ_k``. Its eigenvectors ``C`` (``A = C · diag(-λ) · C⁻¹``) follow the
recursion ``C[j, i] = Σ_k b_kj λ_k C[k, i] / (λ_j − λ_i)``, in which ``ln 2`` cancels: with
``μ = 1/T½`` every entry is a rational function of the published half-lives. ``C`` and
``C⁻¹`` are therefore computed here *exactly* (Python fractions) and rounded once to float64,
so the float path starts from correctly rounded matrices, and the exact path (mpmath) from
exact ones.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.physics.dataset import get_dataset

LN2 = math.log(2.0)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Matrices:
    """λ, C, C⁻¹ (and their absolute values) rounded once to one floating type, with the
    constants of that type the engine's bounds need."""

    dtype: Any
    eps: float              # unit roundoff
    exp_underflow: float    # exp(-x) == 0 beyond this
    expm1_saturates: float  # expm1(-x) == -1 beyond this
    lam: Any
    c: Any
    c_inv: Any
    c_abs: Any
    c_inv_abs: Any


@dataclass(frozen=True, eq=False)
class KernelArrays:
    """What the compiled kernel reads besides λ and C⁻¹: C and |C| column by column, and for
    each column the row after its last non-zero entry (rows below it are skipped)."""

    ct: FloatArray
    cat: FloatArray
    hi: npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Chain:
    """A decay-closed set of nuclides in topological order, with its eigen-decomposition."""

    nuclides: tuple[str, ...]
    mu_exact: tuple[Fraction, ...]          # 1/T½ [1/s], 0 for stable nuclides
    c_exact: tuple[tuple[Fraction, ...], ...]
    c_inv_exact: tuple[tuple[Fraction, ...], ...]
    lam: FloatArray                          # decay constants [1/s]
    c: FloatArray
    c_inv: FloatArray
    c_abs: FloatArray
    c_inv_abs: FloatArray
    c_is_identity: bool
    index: dict[str, int] = field(default_factory=dict)
    # lazily built derived forms: sparse rows, float64/long-double bundles, mpmath matrices
    _cache: dict[object, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.nuclides)

    def sparse_rows(self) -> list[list[tuple[int, float, float]]]:
        """Per nuclide j, the non-zero (k, C[j,k], |C[j,k]|): the scalar path's loops."""
        rows = self._cache.get("sparse_rows")
        if rows is None:
            rows = [[(k, float(self.c[j, k]), float(self.c_abs[j, k]))
                     for k in range(j + 1) if self.c[j, k] != 0.0] for j in range(self.size)]
            self._cache["sparse_rows"] = rows
        return rows

    @property
    def f64(self) -> Matrices:
        """The float64 bundle (built once: the batched path asks for it on every call)."""
        if "f64" not in self._cache:
            self._cache["f64"] = Matrices(np.float64, 2.0 ** -53, 746.0, 38.0, self.lam,
                                          self.c, self.c_inv, self.c_abs, self.c_inv_abs)
        return self._cache["f64"]  # type: ignore[no-any-return]

    def kernel_arrays(self) -> KernelArrays:
        """C, |C| column-major and the columns' extents, for the compiled kernel (cached)."""
        k = self._cache.get("kernel")
        if k is None:
            nz = self.c != 0.0
            hi = np.array([int(np.flatnonzero(nz[:, j])[-1]) + 1 for j in range(self.size)],
                          dtype=np.int64)
            k = KernelArrays(np.ascontiguousarray(self.c.T), np.ascontiguousarray(self.c_abs.T),
                             hi)
            self._cache["kernel"] = k
        return k

    @property
    def all_columns(self) -> npt.NDArray[np.int64]:
        """0 .. n-1: every nuclide as a column of a dense N(0)."""
        if "all_columns" not in self._cache:
            self._cache["all_columns"] = np.arange(self.size, dtype=np.int64)
        return self._cache["all_columns"]  # type: ignore[no-any-return]

    @property
    def ones(self) -> FloatArray:
        """A scale of 1 per nuclide (atoms out of the kernel)."""
        if "ones" not in self._cache:
            self._cache["ones"] = np.ones(self.size)
        return self._cache["ones"]  # type: ignore[no-any-return]

    def extended(self) -> Matrices | None:
        """The same matrices in the platform's long double (x87 80-bit on x86-64: ~2000x
        less rounding than float64), or None where long double is no wider than double."""
        info = np.finfo(np.longdouble)
        if float(info.eps) >= 2.0 ** -52:
            return None
        if "extended" not in self._cache:
            ctx = decimal.Context(prec=40)
            ln2 = ctx.ln(decimal.Decimal(2))

            def ld(q: Fraction) -> Any:
                return np.longdouble(str(ctx.divide(decimal.Decimal(q.numerator),
                                                    decimal.Decimal(q.denominator))))

            c = np.array([[ld(x) for x in row] for row in self.c_exact], dtype=np.longdouble)
            ci = np.array([[ld(x) for x in row] for row in self.c_inv_exact],
                          dtype=np.longdouble)
            lam = np.array([np.longdouble(str(ctx.multiply(ln2, ctx.divide(
                decimal.Decimal(m.numerator), decimal.Decimal(m.denominator)))))
                for m in self.mu_exact], dtype=np.longdouble)
            unit = float(info.eps) / 2
            self._cache["extended"] = Matrices(np.longdouble, unit, 11350.0,
                                    float(-np.log(unit)) + 2.0, lam, c, ci, np.abs(c),
                                    np.abs(ci))
        return self._cache["extended"]  # type: ignore[no-any-return]

    def mp_matrices(self, dps: int) -> tuple[Any, Any, Any, Any]:
        """(context, λ, sparse rows of C, of C⁻¹) in mpmath at ``dps`` digits (cached)."""
        if ("mp", dps) not in self._cache:
            import mpmath

            ctx = mpmath.MPContext()
            ctx.dps = dps

            def conv(q: Fraction) -> Any:
                return ctx.mpf(q.numerator) / q.denominator

            lam = [ctx.ln2 * conv(m) for m in self.mu_exact]
            # sparse rows [(k, value)] of C and C⁻¹: plain lists index far faster than
            # mpmath matrices
            c = [[(k, conv(x)) for k, x in enumerate(row) if x] for row in self.c_exact]
            ci = [[(k, conv(x)) for k, x in enumerate(row) if x] for row in self.c_inv_exact]
            self._cache[("mp", dps)] = (ctx, lam, c, ci)
        return self._cache[("mp", dps)]  # type: ignore[no-any-return]


def _reachable(parents: tuple[str, ...]) -> tuple[str, ...]:
    """Nuclides reachable from ``parents`` by decay, parents first, in topological order."""
    ds = get_dataset()
    idx = ds.index()
    seen: set[str] = set()
    order: list[str] = []

    def visit(name: str) -> None:
        # depth-first post-order, reversed below: every nuclide before its progeny
        stack: list[tuple[str, int]] = [(name, 0)]
        while stack:
            node, k = stack.pop()
            if k == 0:
                if node in seen:
                    continue
                seen.add(node)
            prog = ds.progeny[idx[node]]
            if k < len(prog):
                stack.append((node, k + 1))
                if prog[k] not in seen:
                    stack.append((prog[k], 0))
            else:
                order.append(node)

    for p in parents:
        visit(p)
    return tuple(reversed(order))


@lru_cache(maxsize=4096)
def chain_for(parents: tuple[str, ...]) -> Chain:
    """The chain of every nuclide reachable from ``parents`` (canonical names, sorted)."""
    ds = get_dataset()
    idx = ds.index()
    names = _reachable(parents)
    pos = {n: i for i, n in enumerate(names)}
    n = len(names)
    mu: list[Fraction] = []
    for x in names:
        hl = ds.half_life_exact[idx[x]]
        mu.append(Fraction(0) if hl is None else 1 / hl)
    # feeders[j] = [(k, b_kj * mu_k)]
    feeders: list[list[tuple[int, Fraction]]] = [[] for _ in range(n)]
    for k, x in enumerate(names):
        for p, b in zip(ds.progeny[idx[x]], ds.branching[idx[x]], strict=True):
            feeders[pos[p]].append((k, b * mu[k]))
    zero = Fraction(0)
    c = [[zero] * n for _ in range(n)]
    for i in range(n):
        c[i][i] = Fraction(1)
        for j in range(i + 1, n):
            s = sum((w * c[k][i] for k, w in feeders[j] if k >= i), zero)
            if s:
                if mu[j] == mu[i]:
                    raise ValueError(f"equal half-lives of {names[i]} and {names[j]} in one "
                                     "chain: the eigen-decomposition does not exist")
                c[j][i] = s / (mu[j] - mu[i])
    # C is unit lower triangular: invert by forward substitution, exactly.
    ci = [[zero] * n for _ in range(n)]
    for i in range(n):
        ci[i][i] = Fraction(1)
        for j in range(i + 1, n):
            s = sum((c[j][k] * ci[k][i] for k in range(i, j) if c[j][k]), zero)
            ci[j][i] = -s
    cf = np.array([[float(x) for x in row] for row in c], dtype=np.float64)
    cif = np.array([[float(x) for x in row] for row in ci], dtype=np.float64)
    lam = np.array([LN2 * float(m) for m in mu], dtype=np.float64)
    return Chain(
        nuclides=names,
        mu_exact=tuple(mu),
        c_exact=tuple(tuple(r) for r in c),
        c_inv_exact=tuple(tuple(r) for r in ci),
        lam=lam,
        c=cf,
        c_inv=cif,
        c_abs=np.abs(cf),
        c_inv_abs=np.abs(cif),
        c_is_identity=bool(np.array_equal(cf, np.eye(n))),
        index=pos,
    )


def clear_caches() -> None:
    chain_for.cache_clear()
