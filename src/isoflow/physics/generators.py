"""Radionuclide generators: a parent/daughter column, its elutions and its eluates.

The column is an inventory of atoms (parent, daughter, and the daughter element's long-lived
ground state such as the Tc-99 carrier) that decays by the decay engine. An elution removes
the fraction ``efficiency`` of every atom of the daughter's *element* (Tc-99m and Tc-99
alike: they are chemically identical); between elutions the column decays and the daughter
grows in. Nothing here is tabulated: every number follows from the decay data (half-lives
and branching, ICRP-107 by default).

Pure functions work in seconds from the moment the column was last clean; the thin
:class:`Generator` wraps them with timezone-aware datetimes. Units are in brackets.

>>> from datetime import datetime, UTC
>>> g = Generator.create("Mo-99/Tc-99m", "10 GBq", datetime(2026, 3, 2, 12, tzinfo=UTC))
>>> round(g.expected_eluate(datetime(2026, 3, 3, 12, tzinfo=UTC)).daughter_bq / 1e9, 2)
6.71
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.errors import InvalidInput, LimitExceeded
from isoflow.physics.decay import AVOGADRO, Inventory
from isoflow.physics.nuclides import get_nuclide
from isoflow.physics.units import parse_activity, parse_datetime, parse_duration

FloatArray = npt.NDArray[np.float64]

#: The pairs the catalogue and the planner are built for (any parent -> direct radioactive
#: daughter of the decay data is accepted by :func:`get_pair`).
KNOWN_PAIRS: tuple[str, ...] = ("Mo-99/Tc-99m", "Ge-68/Ga-68", "W-188/Re-188", "Sr-82/Rb-82")

#: Default time between the column's last clean elution and the calibration time when the
#: lot does not say (manufacturer tables assume 24 h since the previous elution: Poltechnet).
DEFAULT_CLEAN_BEFORE_CALIBRATION_S = 24 * 3600.0


# ---------------------------------------------------------------- the nuclide pair
@dataclass(frozen=True)
class NuclidePair:
    """A generator's parent and (direct, radioactive) daughter, e.g. Mo-99/Tc-99m."""

    parent: str
    daughter: str

    @property
    def label(self) -> str:
        return f"{self.parent}/{self.daughter}"

    @property
    def element(self) -> str:
        """Chemical symbol of the daughter: what an elution removes (e.g. "Tc")."""
        return get_nuclide(self.daughter).element

    @property
    def branching(self) -> float:
        """Fraction of parent decays that feed the daughter [1] (Mo-99 -> Tc-99m 0.8773)."""
        return _branching(self.parent, self.daughter)


@lru_cache(maxsize=64)
def _branching(parent: str, daughter: str) -> float:
    return sum(p.branching for p in get_nuclide(parent).progeny if p.nuclide == daughter)


def get_pair(text: str | NuclidePair) -> NuclidePair:
    """A pair from ``"Mo-99/Tc-99m"`` (any nuclide spelling: ``"99Mo/99mTc"``).

    The daughter must be a direct radioactive progeny of the parent in the decay data.
    """
    if isinstance(text, NuclidePair):
        return text
    if not isinstance(text, str) or text.count("/") != 1:
        raise InvalidInput(f"generator pair {text!r} must be 'parent/daughter', e.g. "
                           f"{', '.join(KNOWN_PAIRS)}", field="pair")
    left, right = (s.strip() for s in text.split("/"))
    try:
        parent, daughter = get_nuclide(left), get_nuclide(right)
    except InvalidInput as exc:
        raise InvalidInput(f"generator pair {text!r}: {exc.message}", field="pair") from None
    if parent.stable or daughter.stable:
        raise InvalidInput(f"generator pair {text!r}: both nuclides must be radioactive",
                           field="pair")
    if daughter.name not in {p.nuclide for p in parent.progeny}:
        feeds = ", ".join(p.nuclide for p in parent.progeny) or "nothing"
        raise InvalidInput(f"generator pair {text!r}: {daughter.name} is not a decay product "
                           f"of {parent.name} (it decays to {feeds})", field="pair")
    return NuclidePair(parent.name, daughter.name)


# ---------------------------------------------------------------- pure column functions
def _element_of(name: str) -> str:
    return get_nuclide(name).element


def _lam(names: Sequence[str]) -> FloatArray:
    return np.array([get_nuclide(n).decay_constant_per_s for n in names])


def column_atoms(pair: NuclidePair, parent_atoms: float, elutions: Sequence[tuple[float, float]],
                 times_s: npt.ArrayLike) -> tuple[list[str], FloatArray, list[FloatArray]]:
    """Atoms on the column at ``times_s`` [s] after it was clean (parent only).

    ``elutions`` are (time [s], efficiency [1]) sorted by time; the state at a time equal to
    an elution's is the state *after* it. Returns (nuclide names, atoms of shape
    (n_times, n_nuclides), eluted atoms of each elution as vectors over the same names).
    """
    times = np.atleast_1d(np.asarray(times_s, dtype=np.float64))
    inv = Inventory.from_atoms({pair.parent: parent_atoms})
    names = list(inv.nuclides)
    removable = np.array([_element_of(n) == pair.element for n in names])
    starts = [0.0]
    segments = [inv]
    removed: list[FloatArray] = []
    for t_e, eff in elutions:
        state = segments[-1].decay(t_e - starts[-1])
        atoms = np.array([state.atoms().get(n, 0.0) for n in names])
        take = np.where(removable, atoms * eff, 0.0)
        removed.append(take)
        starts.append(t_e)
        segments.append(Inventory.from_atoms(dict(zip(names, (atoms - take).tolist(),
                                                      strict=True))))
    out = np.zeros((times.size, len(names)))
    which = np.searchsorted(np.asarray(starts), times, side="right") - 1
    for k in np.unique(which):
        if k < 0:
            continue  # before the column was clean: not defined, left at zero
        sel = which == k
        seg_names, atoms = segments[k].atoms_at(times[sel] - starts[k])
        order = [seg_names.index(n) for n in names]
        out[sel] = atoms[:, order]
    return names, out, removed


def ingrowth_fraction_of_maximum(pair: NuclidePair | str, elapsed_s: npt.ArrayLike) -> FloatArray:
    """Daughter activity on a column eluted clean ``elapsed_s`` [s] ago, as a fraction [1] of
    the maximum it reaches (at :func:`time_of_maximum_s`) — the "% of maximum" table."""
    p = get_pair(pair)
    t = np.atleast_1d(np.asarray(elapsed_s, dtype=np.float64))
    inv = Inventory.from_activities({p.parent: 1.0})
    names, act = inv.activities_bq_at(np.append(t, time_of_maximum_s(p)))
    col = act[:, names.index(p.daughter)]
    return np.asarray(col[:-1] / col[-1], dtype=np.float64)


def time_of_maximum_s(pair: NuclidePair | str, residual_daughter_bq: float = 0.0,
                      parent_bq: float = 1.0) -> float:
    """Time [s] after an elution at which the daughter activity on the column peaks.

    ``parent_bq`` [Bq] and ``residual_daughter_bq`` [Bq] are the column's state right after
    the elution. The peak is where production equals decay, b·λp·Np = λd·Nd; it is found by
    bisection on the decay engine's atoms (the derivative changes sign once). Returns 0 if
    the daughter activity already falls (residual above the transient equilibrium).
    """
    p = get_pair(pair)
    lam_p = get_nuclide(p.parent).decay_constant_per_s
    lam_d = get_nuclide(p.daughter).decay_constant_per_s
    b = p.branching
    if lam_d <= lam_p:
        raise InvalidInput(f"{p.label}: the daughter outlives the parent, so its activity "
                           "never peaks (no transient equilibrium)", field="pair")
    inv = Inventory.from_activities({p.parent: parent_bq, p.daughter: residual_daughter_bq})

    def rising(t: float) -> bool:
        atoms = inv.decay(t).atoms()
        return b * lam_p * atoms[p.parent] > lam_d * atoms[p.daughter]

    if not rising(0.0):
        return 0.0
    lo, hi = 0.0, 1.0 / lam_d
    while rising(hi):
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if rising(mid):
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return 0.5 * (lo + hi)


def daughter_atom_fraction(pair: NuclidePair | str, elapsed_s: npt.ArrayLike) -> FloatArray:
    """Share [1] of the daughter among all atoms of its element on a column eluted
    *completely* ``elapsed_s`` [s] ago, e.g. N(Tc-99m)/N(Tc) — the carrier-Tc table."""
    p = get_pair(pair)
    t = np.atleast_1d(np.asarray(elapsed_s, dtype=np.float64))
    names, atoms = Inventory.from_activities({p.parent: 1.0}).atoms_at(t)
    same = [i for i, n in enumerate(names) if _element_of(n) == p.element]
    total = atoms[:, same].sum(axis=1)
    return np.asarray(atoms[:, names.index(p.daughter)] / total, dtype=np.float64)


# ---------------------------------------------------------------- records and results
@dataclass(frozen=True)
class Elution:
    """One elution: when [UTC], the fraction of the daughter element removed [1], volume [mL]."""

    at: datetime
    efficiency: float
    volume_ml: float | None = None


@dataclass(frozen=True)
class Eluate:
    """What an elution yields at its time ``at``.

    ``daughter_bq`` [Bq]; ``daughter_fraction`` = N(daughter)/N(all atoms of its element)
    [1]; ``element_mass_g`` [g] all of the element (e.g. Tc-99m + Tc-99 carrier);
    ``concentration_bq_per_ml`` [Bq/mL] (None without a volume); ``expires_at`` from the
    generator type's eluate shelf life (None if unknown; see isoflow.domain.breakthrough for
    the jurisdiction's rule).
    """

    at: datetime
    daughter: str
    daughter_bq: float
    daughter_atoms: float
    element_atoms: float
    daughter_fraction: float
    element_mass_g: float
    efficiency: float
    volume_ml: float | None
    concentration_bq_per_ml: float | None
    expires_at: datetime | None
    since_previous_elution_s: float


#: the calendar span the generator and planning code accepts (decay over centuries is
#: physics, but a generator dated 0001 or 9999 is a typing error, and datetime arithmetic
#: near those limits overflows)
YEAR_MIN, YEAR_MAX = 1900, 2200


def aware_datetime(value: datetime | str, field: str) -> datetime:
    """A timezone-aware UTC datetime (naive input refused) between 1900 and 2200."""
    t = parse_datetime(value, field=field)
    if not YEAR_MIN <= t.year <= YEAR_MAX:
        raise InvalidInput(f"{t.isoformat()} is outside the years {YEAR_MIN}-{YEAR_MAX}",
                           field=field)
    return t


_aware = aware_datetime


def _fraction(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not 0.0 < value <= 1.0:
        raise InvalidInput(f"elution efficiency {value!r} must be a fraction in (0, 1], "
                           "e.g. 0.9", field=field)
    return float(value)


# ---------------------------------------------------------------- the generator
@dataclass(frozen=True)
class Generator:
    """A generator column: nominal parent activity at a calibration time plus its elutions.

    Immutable: :meth:`elute` returns a new generator with the elution appended. The column is
    taken as clean (parent only) at ``column_clean_at`` (by default 24 h before calibration,
    the manufacturers' convention), the parent activity scaled back from the calibration.
    """

    pair: NuclidePair
    parent_activity_bq: float
    calibration_at: datetime
    expires_at: datetime | None = None
    elutions: tuple[Elution, ...] = ()
    column_clean_at: datetime | None = None
    efficiency: float = 0.9
    eluate_volume_ml: float | None = None
    eluate_shelf_life_s: float | None = None
    max_elutions: int | None = None
    type_key: str | None = None
    lot: str | None = None

    # ------------------------------------------------------------ construction
    @classmethod
    def create(cls, pair: str | NuclidePair, parent_activity: str | float,
               calibration_at: datetime | str, *, expires_at: datetime | str | None = None,
               elutions: Sequence[Elution] = (), column_clean_at: datetime | str | None = None,
               efficiency: float = 0.9, eluate_volume_ml: float | None = None,
               eluate_shelf_life: str | float | None = None, max_elutions: int | None = None,
               type_key: str | None = None, lot: str | None = None) -> Generator:
        """Validate and build; activities with units ("10 GBq"), datetimes aware or ISO."""
        p = get_pair(pair)
        a0 = parse_activity(parent_activity, field="parent_activity")
        if a0 <= 0:
            raise InvalidInput("parent activity must be > 0", field="parent_activity")
        cal = _aware(calibration_at, "calibration_at")
        exp = None if expires_at is None else _aware(expires_at, "expires_at")
        clean = (cal - timedelta(seconds=DEFAULT_CLEAN_BEFORE_CALIBRATION_S)
                 if column_clean_at is None else _aware(column_clean_at, "column_clean_at"))
        if exp is not None and exp <= clean:
            raise InvalidInput(f"expiry {exp.isoformat()} is before the column was loaded",
                               field="expires_at")
        shelf = None if eluate_shelf_life is None else parse_duration(
            eluate_shelf_life, field="eluate_shelf_life")
        if shelf is not None and not 0 < shelf <= 366 * 86400:
            raise InvalidInput("eluate shelf life must be > 0 and at most a year",
                               field="eluate_shelf_life")
        if eluate_volume_ml is not None and not (math.isfinite(eluate_volume_ml)
                                                 and eluate_volume_ml > 0):
            raise InvalidInput("eluate volume must be > 0 mL", field="eluate_volume_ml")
        if max_elutions is not None and max_elutions < 1:
            raise InvalidInput("maximum number of elutions must be >= 1",
                               field="max_elutions")
        gen = cls(p, a0, cal, exp, (), clean, _fraction(efficiency, "efficiency"),
                  eluate_volume_ml, shelf, max_elutions, type_key, lot)
        for i, e in enumerate(sorted(elutions, key=lambda e: e.at)):
            gen, _ = gen.elute(e.at, e.efficiency, e.volume_ml, _field=f"elutions[{i}]")
        return gen

    # ------------------------------------------------------------ internals
    @property
    def clean_at(self) -> datetime:
        return self.column_clean_at or (
            self.calibration_at - timedelta(seconds=DEFAULT_CLEAN_BEFORE_CALIBRATION_S))

    def _s(self, t: datetime) -> float:
        return (t - self.clean_at).total_seconds()

    @property
    def parent_atoms_clean(self) -> float:
        """Parent atoms when the column was clean."""
        lam = get_nuclide(self.pair.parent).decay_constant_per_s
        back = (self.calibration_at - self.clean_at).total_seconds()
        return self.parent_activity_bq / lam * math.exp(lam * back)

    def _history(self) -> list[tuple[float, float]]:
        return [(self._s(e.at), e.efficiency) for e in self.elutions]

    def _check_time(self, t: datetime, field: str) -> float:
        s = self._s(t)
        if s < 0:
            raise InvalidInput(f"{t.isoformat()} is before the column's clean reference "
                               f"{self.clean_at.isoformat()}", field=field)
        return s

    # ------------------------------------------------------------ state at times
    def activities_at(self, times: Sequence[datetime]) -> dict[str, FloatArray]:
        """Activities [Bq] on the column at each time, by nuclide (after elutions at t)."""
        s = np.array([self._check_time(_aware(t, "t"), "t") for t in times])
        names, atoms, _ = column_atoms(self.pair, self.parent_atoms_clean, self._history(), s)
        act = atoms * _lam(names)
        return {n: act[:, i] for i, n in enumerate(names)}

    def atoms_at(self, t: datetime | str) -> dict[str, float]:
        """Atoms on the column at ``t`` (after any elution at ``t``)."""
        s = self._check_time(_aware(t, "t"), "t")
        names, atoms, _ = column_atoms(self.pair, self.parent_atoms_clean, self._history(), [s])
        return dict(zip(names, atoms[0].tolist(), strict=True))

    def parent_activity_bq_at(self, t: datetime | str) -> float:
        """Parent activity [Bq] at ``t``."""
        lam = get_nuclide(self.pair.parent).decay_constant_per_s
        return self.parent_activity_bq * math.exp(
            -lam * (_aware(t, "t") - self.calibration_at).total_seconds())

    def daughter_activity_bq_at(self, t: datetime | str) -> float:
        """Daughter activity [Bq] sitting on the column at ``t``."""
        atoms = self.atoms_at(t)
        return atoms[self.pair.daughter] * get_nuclide(self.pair.daughter).decay_constant_per_s

    # ------------------------------------------------------------ elutions
    def last_elution_before(self, t: datetime) -> Elution | None:
        i = bisect.bisect_left([e.at for e in self.elutions], t)
        return self.elutions[i - 1] if i else None

    def expected_eluate(self, at: datetime | str, efficiency: float | None = None,
                        volume_ml: float | None = None, *, _field: str = "at") -> Eluate:
        """What an elution at ``at`` would give (the column's state just before it)."""
        t = _aware(at, _field)
        eff = self.efficiency if efficiency is None else _fraction(
            efficiency, f"{_field}.efficiency")
        if volume_ml is not None and not (math.isfinite(volume_ml) and volume_ml > 0):
            raise InvalidInput("eluate volume must be > 0 mL", field=f"{_field}.volume_ml")
        s = self._check_time(t, _field)
        if self.expires_at is not None and t > self.expires_at:
            raise LimitExceeded(f"generator {self.lot or self.type_key or self.pair.label} "
                                f"expired at {self.expires_at.isoformat()}; it may not be "
                                f"eluted at {t.isoformat()}", field=_field)
        hist = [(ts, e) for ts, e in self._history() if ts < s]
        names, atoms, _ = column_atoms(self.pair, self.parent_atoms_clean, hist, [s])
        n = atoms[0]
        same = np.array([_element_of(x) == self.pair.element for x in names])
        taken = np.where(same, n * eff, 0.0)
        d = names.index(self.pair.daughter)
        lam_d = get_nuclide(self.pair.daughter).decay_constant_per_s
        molar = np.array([get_nuclide(x).atomic_mass_g_per_mol for x in names])
        element_atoms = float(taken.sum())
        vol = volume_ml if volume_ml is not None else self.eluate_volume_ml
        bq = float(taken[d] * lam_d)
        prev = self.last_elution_before(t)
        since = (t - (prev.at if prev else self.clean_at)).total_seconds()
        expires = (None if self.eluate_shelf_life_s is None
                   else t + timedelta(seconds=self.eluate_shelf_life_s))
        return Eluate(at=t, daughter=self.pair.daughter, daughter_bq=bq,
                      daughter_atoms=float(taken[d]), element_atoms=element_atoms,
                      daughter_fraction=float(taken[d]) / element_atoms if element_atoms else 0.0,
                      element_mass_g=float(taken @ molar) / AVOGADRO, efficiency=eff,
                      volume_ml=vol, concentration_bq_per_ml=None if vol is None else bq / vol,
                      expires_at=expires, since_previous_elution_s=since)

    def elute(self, at: datetime | str, efficiency: float | None = None,
              volume_ml: float | None = None, *, _field: str = "at") -> tuple[Generator, Eluate]:
        """Record an elution at ``at``: (the generator after it, the eluate)."""
        t = _aware(at, _field)
        if self.elutions and t <= self.elutions[-1].at:
            raise InvalidInput(f"elution at {t.isoformat()} is not after the previous one "
                               f"({self.elutions[-1].at.isoformat()})", field=_field)
        if self.max_elutions is not None and len(self.elutions) >= self.max_elutions:
            raise LimitExceeded(f"the generator has had its maximum of {self.max_elutions} "
                                "elutions", field=_field)
        eluate = self.expected_eluate(t, efficiency, volume_ml, _field=_field)
        gen = replace(self, elutions=(*self.elutions, Elution(t, eluate.efficiency, volume_ml)))
        return gen, eluate

    def eluates(self) -> list[Eluate]:
        """The eluate of every recorded elution, in order."""
        gen = replace(self, elutions=())
        out = []
        for i, e in enumerate(self.elutions):
            gen, eluate = gen.elute(e.at, e.efficiency, e.volume_ml, _field=f"elutions[{i}]")
            out.append(eluate)
        return out

    def time_of_maximum(self, after: datetime | str | None = None) -> datetime:
        """When the daughter on the column next peaks, counting from the last elution at or
        before ``after`` (default: the last recorded elution, or the clean time)."""
        ref = self.elutions[-1].at if self.elutions else self.clean_at
        if after is not None:
            t = _aware(after, "after")
            prev = [e.at for e in self.elutions if e.at <= t]
            ref = prev[-1] if prev else self.clean_at
        act = self.activities_at([ref])
        dt = time_of_maximum_s(self.pair, float(act[self.pair.daughter][0]),
                               float(act[self.pair.parent][0]))
        return ref + timedelta(seconds=dt)


# ---------------------------------------------------------------- curves
@dataclass(frozen=True)
class CurvePoint:
    """Parent and daughter activity [Bq] on the column at ``t`` (after an elution at t)."""

    t: datetime
    parent_bq: float
    daughter_bq: float


MAX_CURVE_POINTS = 20_000


def generator_curve(gen: Generator, start: datetime | str, end: datetime | str,
                    step: str | float) -> tuple[list[CurvePoint], list[Eluate]]:
    """Column activities on a grid from ``start`` to ``end`` every ``step`` [s or "30 min"],
    and the eluate of every recorded elution."""
    t0, t1 = _aware(start, "from"), _aware(end, "to")
    step_s = parse_duration(step, field="step")
    if t1 <= t0:
        raise InvalidInput(f"the end {t1.isoformat()} is not after the start "
                           f"{t0.isoformat()}", field="to")
    if step_s <= 0:
        raise InvalidInput("the step must be > 0", field="step")
    n_points = (t1 - t0).total_seconds() / step_s + 1
    if n_points > MAX_CURVE_POINTS:
        raise InvalidInput(f"{n_points:.3g} points requested; at most {MAX_CURVE_POINTS} (use "
                           "a longer step)", field="step")
    n = int(n_points)
    times = [t0 + timedelta(seconds=i * step_s) for i in range(n)]
    act = gen.activities_at(times)
    parent, daughter = act[gen.pair.parent], act[gen.pair.daughter]
    points = [CurvePoint(t, float(p), float(d))
              for t, p, d in zip(times, parent, daughter, strict=True)]
    return points, gen.eluates()


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def curve_document(pair: str, parent: str, reference: str, elute_at: list[str],
                   efficiency: float, to: str, step: str, type_key: str | None = None,
                   start: str | None = None) -> dict[str, Any]:
    """The JSON-ready curve of a generator (CLI ``generator curve --json``, API, web page).

    With ``type_key`` the catalogue type supplies the lot defaults (expiry, volume...)."""
    from isoflow.physics.generator_catalogue import generator_type

    ref = aware_datetime(reference, field="reference")
    end = aware_datetime(to, field="to")
    els = [Elution(aware_datetime(t, field=f"elute_at[{i}]"), efficiency)
           for i, t in enumerate(elute_at)]
    if type_key:
        gt = generator_type(type_key)
        if pair and get_pair(pair) != gt.pair:
            raise InvalidInput(f"generator type {gt.key} is {gt.pair.label}, not {pair}",
                               field="pair")
        gen = gt.generator(parent, ref, efficiency=efficiency, elutions=tuple(els))
    else:
        gen = Generator.create(pair, parent, ref, efficiency=efficiency, elutions=els)
    points, eluates = generator_curve(gen, start or ref, end, step)
    return {
        "pair": gen.pair.label,
        "parent_activity_bq": gen.parent_activity_bq,
        "calibration_at": _iso(gen.calibration_at),
        "expires_at": _iso(gen.expires_at),
        "points": [{"t": _iso(p.t), "parent_bq": p.parent_bq, "daughter_bq": p.daughter_bq}
                   for p in points],
        "elutions": [{"t": _iso(e.at), "eluted_bq": e.daughter_bq,
                      "column_before_bq": e.daughter_bq / e.efficiency,
                      "daughter_fraction": e.daughter_fraction,
                      "since_previous_elution_s": e.since_previous_elution_s,
                      "element_mass_g": e.element_mass_g,
                      "concentration_bq_per_ml": e.concentration_bq_per_ml,
                      "expires_at": _iso(e.expires_at)} for e in eluates],
    }
