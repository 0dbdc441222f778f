"""Radioactive decay of inventories: the public API of the physics core.

>>> inv = Inventory.from_activities({"Mo-99": "10 GBq"})
>>> later = inv.decay("6 h")
>>> round(later.activities_bq()["Tc-99m"] / 1e9, 3)   # in-growth from a pure Mo-99 source
4.228

Times are seconds (floats), strings with units (``"6 h"``, ``"5 ky"``, ``"PT6H"``) or
``timedelta``; activities are Bq (floats) or strings with units (``"10 GBq"``, ``"27 mCi"``);
masses are g or strings (``"1 mg"``); amounts of substance mol or strings (``"2 mmol"``).
Output methods named as in radioactivedecay (``activities``, ``masses``, ``moles``,
``activity_fractions``, ``mass_fractions``, ``mole_fractions``) take its unit names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from isoflow.errors import InvalidInput
from isoflow.physics.chains import Chain, chain_for
from isoflow.physics.engine import solve_atoms, solve_atoms_one
from isoflow.physics.exact import cumulative_decays_exact
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.units import (
    CI_BQ,
    Kind,
    parse_activity,
    parse_duration,
    parse_durations,
    parse_quantity,
    unit_factor,
)

AVOGADRO = 6.02214076e23  # [1/mol], exact (SI 2019)
FloatArray = npt.NDArray[np.float64]
Duration = str | float | int | timedelta


def _duration(value: Duration, field: str = "time") -> float:
    t = value if type(value) is float else parse_duration(value, field=field)
    if t < 0:
        raise InvalidInput(f"time {value!r} is before the inventory's reference time; "
                           "decay runs forward only", field=field)
    return t


def _times(values: Sequence[Duration] | npt.ArrayLike) -> FloatArray:
    times = parse_durations(values)
    if times.ndim != 1:
        times = times.reshape(-1)
    if times.size and times.min() < 0:
        raise InvalidInput("times must be >= 0 s (decay runs forward from the reference "
                           "time)", field="times")
    return times


class Inventory:
    """Amounts of nuclides at a reference time (t = 0), closed under decay.

    Holds atoms of every nuclide reachable from the given ones; activities, masses and any
    later state are computed from them. Immutable: :meth:`decay` returns a new inventory.
    """

    __slots__ = ("_chain", "_n0", "_y", "_z")

    def __init__(self, atoms: Mapping[str, float]) -> None:
        names, values = _normalise(atoms, "atoms")
        chain = chain_for(tuple(sorted(names)))
        n0 = np.zeros(chain.size)
        for name, value in zip(names, values, strict=True):
            n0[chain.index[name]] += value
        self._set(chain, n0)

    def _set(self, chain: Chain, n0: FloatArray) -> None:
        self._chain = chain
        self._n0 = n0
        self._y: FloatArray | None = None
        self._z: FloatArray | None = None

    @classmethod
    def _from_chain(cls, chain: Chain, n0: FloatArray) -> Inventory:
        inv = cls.__new__(cls)
        inv._set(chain, n0)
        return inv

    # ------------------------------------------------------------ construction
    @classmethod
    def from_atoms(cls, atoms: Mapping[str, float]) -> Inventory:
        """From numbers of atoms by nuclide."""
        return cls(atoms)

    @classmethod
    def from_activities(cls, activities: Mapping[str, str | float]) -> Inventory:
        """From activities by nuclide: floats [Bq] or strings with units ("10 GBq")."""
        return cls._from_quantities(activities, ("activity",), "inventory")

    @classmethod
    def from_masses(cls, masses: Mapping[str, str | float]) -> Inventory:
        """From masses by nuclide: floats [g] or strings with units ("1 mg", "5 µg")."""
        return cls._from_quantities(masses, ("mass",), "masses")

    @classmethod
    def from_moles(cls, moles: Mapping[str, str | float]) -> Inventory:
        """From amounts of substance by nuclide: floats [mol] or strings ("2 mmol")."""
        return cls._from_quantities(moles, ("moles",), "moles")

    @classmethod
    def from_amounts(cls, amounts: Mapping[str, str | float]) -> Inventory:
        """From an activity, a mass or moles of each nuclide, told apart by the unit:
        {"Mo-99": "10 GBq", "Co-60": "1 mg", "Tc-99": "2 umol"}; a float is Bq."""
        return cls._from_quantities(amounts, ("activity", "mass", "moles"), "inventory")

    @classmethod
    def _from_quantities(cls, amounts: Mapping[str, str | float], kinds: tuple[Kind, ...],
                         what: str) -> Inventory:
        if not isinstance(amounts, Mapping) or not amounts:
            raise InvalidInput("the inventory is empty: give at least one nuclide", field=what)
        atoms: dict[str, float] = {}
        for name, value in amounts.items():
            nuc = get_nuclide(name)
            field = f"{what}.{name}"
            kind, amount = parse_quantity(value, kinds, field=field)
            if kind == "activity":
                if nuc.stable:
                    if amount == 0:
                        continue
                    raise InvalidInput(f"{nuc.name} is stable and has no activity; give its "
                                       "mass or moles instead", field=field)
                n = amount / nuc.decay_constant_per_s
            elif kind == "mass":
                n = amount / nuc.atomic_mass_g_per_mol * AVOGADRO
            else:
                n = amount * AVOGADRO
            atoms[nuc.name] = atoms.get(nuc.name, 0.0) + n
        if not atoms:
            raise InvalidInput("the inventory is empty: give at least one radionuclide",
                               field=what)
        return cls(atoms)

    # ------------------------------------------------------------ state at t = 0
    @property
    def nuclides(self) -> tuple[str, ...]:
        """Every nuclide of the chain, parents before progeny."""
        return self._chain.nuclides

    def atoms(self) -> dict[str, float]:
        """Number of atoms of every chain nuclide (radioactivedecay's ``numbers()``)."""
        return dict(zip(self._chain.nuclides, self._n0.tolist(), strict=True))

    def _by_nuclide(self, values: FloatArray, per_unit: float = 1.0) -> dict[str, float]:
        return dict(zip(self._chain.nuclides, (values / per_unit).tolist(), strict=True))

    def _molar_g_per_mol(self) -> FloatArray:
        return np.array([get_nuclide(n).atomic_mass_g_per_mol for n in self._chain.nuclides])

    def activities(self, unit: str = "Bq") -> dict[str, float]:
        """Activity of every chain nuclide in ``unit`` (an activity unit: "Bq", "MBq", "mCi",
        "dpm"...); 0 for stable ones."""
        return self._by_nuclide(self._chain.lam * self._n0,
                                unit_factor(unit, ("activity",))[1])

    def masses(self, unit: str = "g") -> dict[str, float]:
        """Mass of every chain nuclide in ``unit`` (a mass unit: "g", "mg", "µg", "kg"...)."""
        return self._by_nuclide(self._n0 * self._molar_g_per_mol() / AVOGADRO,
                                unit_factor(unit, ("mass",))[1])

    def moles(self, unit: str = "mol") -> dict[str, float]:
        """Amount of substance of every chain nuclide in ``unit`` ("mol", "mmol", "umol"...)."""
        return self._by_nuclide(self._n0 / AVOGADRO, unit_factor(unit, ("moles",))[1])

    def activity_fractions(self) -> dict[str, float]:
        """Each chain nuclide's share of the total activity [1]."""
        return self._fractions(self._chain.lam * self._n0, "activity")

    def mass_fractions(self) -> dict[str, float]:
        """Each chain nuclide's share of the total mass [1]."""
        return self._fractions(self._n0 * self._molar_g_per_mol(), "mass")

    def mole_fractions(self) -> dict[str, float]:
        """Each chain nuclide's share of the atoms (= of the moles) [1]."""
        return self._fractions(self._n0, "moles")

    def _fractions(self, values: FloatArray, what: str) -> dict[str, float]:
        total = float(values.sum())
        if not total > 0:
            raise InvalidInput(f"the inventory's total {what} is 0, so its {what} fractions "
                               "are undefined", field=None)
        return self._by_nuclide(values, total)

    def activities_bq(self) -> dict[str, float]:
        """Activity [Bq] of every chain nuclide (0 for stable ones)."""
        return dict(zip(self._chain.nuclides, (self._chain.lam * self._n0).tolist(),
                        strict=True))

    def activity_bq(self, nuclide: str) -> float:
        i = self._chain.index.get(get_nuclide(nuclide).name)
        return 0.0 if i is None else float(self._chain.lam[i] * self._n0[i])

    def total_activity_bq(self) -> float:
        return float(self._chain.lam @ self._n0)

    def masses_g(self) -> dict[str, float]:
        """Mass [g] of every chain nuclide."""
        return self._by_nuclide(self._n0 * self._molar_g_per_mol() / AVOGADRO)

    # ------------------------------------------------------------ decay
    def _yz(self) -> tuple[FloatArray, FloatArray]:
        if self._y is None or self._z is None:
            self._y = self._chain.c_inv @ self._n0
            self._z = 2.0 * (self._chain.c_inv_abs @ np.abs(self._n0))
        return self._y, self._z

    def decay(self, dt: Duration) -> Inventory:
        """The inventory ``dt`` later (seconds, "6 h", "PT6H" or a timedelta; >= 0)."""
        t = _duration(dt, "dt")
        y, z = self._yz()
        return Inventory._from_chain(self._chain,
                                     solve_atoms_one(self._chain, self._n0, y, z, t))

    def atoms_at(self, times_s: Sequence[Duration] | npt.ArrayLike
                 ) -> tuple[list[str], FloatArray]:
        """Atoms at many times: (names, array of shape (n_times, n_nuclides))."""
        times = _times(times_s)
        atoms = solve_atoms(self._chain, self._n0[None, :], times)[0]
        return list(self._chain.nuclides), atoms

    def activities_bq_at(self, times_s: Sequence[Duration] | npt.ArrayLike
                         ) -> tuple[list[str], FloatArray]:
        """Activities [Bq] at many times: (names, array of shape (n_times, n_nuclides))."""
        times = _times(times_s)
        a = solve_atoms(self._chain, self._n0[None, :], times, scale=self._chain.lam)[0]
        return list(self._chain.nuclides), a

    def cumulative_decays(self, t0: Duration, t1: Duration) -> dict[str, float]:
        """Number of decays of each nuclide between ``t0`` and ``t1`` after the reference."""
        a, b = _duration(t0, "t0"), _duration(t1, "t1")
        if b < a:
            raise InvalidInput("t1 must not be before t0", field="t1")
        out = cumulative_decays_exact(self._chain, self._n0, a, b)
        return dict(zip(self._chain.nuclides, out.tolist(), strict=True))

    def time_until_below(self, threshold_bq: str | float, *, horizon_s: float = 1e30
                         ) -> float:
        """Seconds until the total activity falls, for good, to ``threshold_bq`` or below
        (decay-in-storage release). 0 if it already is and never rises above it again."""
        return time_until_below(self, parse_activity(threshold_bq, field="threshold"),
                                horizon_s=horizon_s)

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}: {a:.4g} Bq" for n, a in self.activities_bq().items() if a)
        return f"Inventory({parts})"


def _normalise(amounts: Mapping[str, float], what: str) -> tuple[list[str], list[float]]:
    if not isinstance(amounts, Mapping) or not amounts:
        raise InvalidInput(f"the inventory is empty: give {what} by nuclide", field=what)
    names, values = [], []
    for name, value in amounts.items():
        nuc = get_nuclide(name)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value < 0:
            raise InvalidInput(f"{what} of {nuc.name} must be a finite number >= 0, got "
                               f"{value!r}", field=f"{what}.{name}")
        names.append(nuc.name)
        values.append(float(value))
    return names, values


# ---------------------------------------------------------------- batch evaluation
def batch_activities(parents: Sequence[str], initial_bq: npt.ArrayLike,
                     times_s: Sequence[Duration] | npt.ArrayLike
                     ) -> tuple[list[str], FloatArray]:
    """Activities [Bq] of many inventories of the same parents at many times.

    initial_bq : (n_inventories, n_parents) [Bq] at t = 0; times_s : (n_times,) [s].
    Returns (names, array of shape (n_inventories, n_times, n_nuclides)).
    """
    nucs = [get_nuclide(p) for p in parents]
    if len({n.name for n in nucs}) != len(nucs):
        raise InvalidInput("each parent may be listed once", field="parents")
    a0 = np.asarray(initial_bq, dtype=np.float64)
    if a0.ndim == 1:
        a0 = a0[None, :]
    if a0.ndim != 2 or a0.shape[1] != len(nucs):
        raise InvalidInput(f"initial activities must have shape (n_inventories, {len(nucs)})"
                           f", got {a0.shape}", field="initial_bq")
    if not np.all(np.isfinite(a0)) or np.any(a0 < 0):
        raise InvalidInput("initial activities must be finite and >= 0", field="initial_bq")
    for nuc in nucs:
        if nuc.stable:
            raise InvalidInput(f"{nuc.name} is stable and has no activity", field="parents")
    times = _times(times_s)
    chain = chain_for(tuple(sorted(n.name for n in nucs)))
    # atoms of the parents only, with their chain columns (no dense (m, n) array)
    n0 = a0 / np.array([nuc.decay_constant_per_s for nuc in nucs])
    cols = np.array([chain.index[nuc.name] for nuc in nucs], dtype=np.int64)
    return list(chain.nuclides), solve_atoms(chain, n0, times, scale=chain.lam, cols=cols)


# ---------------------------------------------------------------- single-nuclide helpers
def decay_factor(nuclide: str, dt: Duration) -> float:
    """exp(-λ·dt): the fraction of a nuclide's own activity left after ``dt`` (no progeny)."""
    lam = get_nuclide(nuclide).decay_constant_per_s
    return math.exp(-lam * parse_duration(dt, field="dt"))


def precalibrated_activity_bq(nuclide: str, activity_bq: str | float, lead: Duration) -> float:
    """The activity [Bq] needed now to have ``activity_bq`` of ``nuclide`` after ``lead``."""
    lam = get_nuclide(nuclide).decay_constant_per_s
    lead_s = parse_duration(lead, field="lead")
    return parse_activity(activity_bq) * math.exp(lam * lead_s)


def time_to_decay_to_s(nuclide: str, from_bq: str | float, to_bq: str | float) -> float:
    """Seconds for a nuclide's own activity to fall from ``from_bq`` to ``to_bq``."""
    nuc = get_nuclide(nuclide)
    a0, a1 = parse_activity(from_bq, field="from"), parse_activity(to_bq, field="to")
    if nuc.stable:
        raise InvalidInput(f"{nuc.name} is stable and never decays", field="nuclide")
    if a1 <= 0:
        raise InvalidInput("the target activity must be > 0 (it is reached only after "
                           "infinite time)", field="to")
    return max(0.0, math.log(a0 / a1) / nuc.decay_constant_per_s)


def time_until_below(inv: Inventory, threshold_bq: float, *, horizon_s: float = 1e30) -> float:
    """Seconds until the total activity of ``inv`` is at or below ``threshold_bq`` for good.

    Progeny can make the total rise before it falls, so the last crossing is found: the
    total is sampled on a log grid up to ``horizon_s``, then bisected.
    """
    if threshold_bq <= 0:
        raise InvalidInput("the threshold must be > 0 Bq", field="threshold")
    grid = np.concatenate([[0.0], np.logspace(-3, math.log10(horizon_s), 600)])
    _, a = inv.activities_bq_at(grid)
    total = a.sum(axis=1)
    above = np.flatnonzero(total > threshold_bq)
    if above.size == 0:
        return 0.0
    last = int(above[-1])
    if last == grid.size - 1:
        raise InvalidInput(f"the activity stays above {threshold_bq:.4g} Bq beyond "
                           f"{horizon_s:.3g} s", field="threshold")
    lo, hi = float(grid[last]), float(grid[last + 1])
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if inv.decay(mid).total_activity_bq() > threshold_bq:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return hi


# ---------------------------------------------------------------- Mo-99 six-day curies
SIX_DAYS_S = 6 * 86400.0


def six_day_ci_to_eop_bq(six_day_ci: float) -> float:
    """Mo-99 activity [Bq] at the end of processing (EOP) of an amount sold as ``six_day_ci``
    "6-day curies": curies of Mo-99 left 6 days (144 h) after EOP (NAP 12569 glossary)."""
    if not (math.isfinite(six_day_ci) and six_day_ci >= 0):
        raise InvalidInput("six-day curies must be a finite number >= 0", field="six_day_ci")
    return six_day_ci * CI_BQ / decay_factor("Mo-99", SIX_DAYS_S)


def eop_bq_to_six_day_ci(eop_bq: str | float) -> float:
    """Six-day curies of Mo-99 [6-day Ci] from its activity at the end of processing."""
    return parse_activity(eop_bq, field="eop_activity") * decay_factor("Mo-99", SIX_DAYS_S) / CI_BQ
