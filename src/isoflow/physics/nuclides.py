"""Nuclide lookup by any usual spelling, with half-life, decay modes and progeny.

``get_nuclide("99mTc")``, ``get_nuclide("Technetium-99m")``, ``get_nuclide("tc99m")`` all give
the ``Tc-99m`` of the dataset in use. An unknown name raises :class:`InvalidInput` that
suggests close names.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from isoflow.errors import InvalidInput
from isoflow.physics.dataset import get_dataset
from isoflow.physics.elements import BY_KEY, atomic_number, element_name

LN2 = math.log(2.0)

# "Tc-99m", "Tc99m", "tc 99m", "Technetium-99m"  |  "99mTc", "99m-Tc", "99m Tc"
_ELEMENT_FIRST = re.compile(r"^([A-Za-z]+)[\s\-_]*(\d{1,3})\s*([mnMN]?)$")
_MASS_FIRST = re.compile(r"^(\d{1,3})\s*([mnMN]?)[\s\-_]*([A-Za-z]+)$")


@dataclass(frozen=True)
class Progeny:
    nuclide: str
    branching: float
    mode: str


@dataclass(frozen=True)
class Nuclide:
    """A nuclide of the decay dataset. ``half_life_s`` is ``inf`` for a stable one."""

    name: str
    element: str
    atomic_number: int
    mass_number: int
    state: str
    half_life_s: float
    half_life_text: str
    atomic_mass_g_per_mol: float
    progeny: tuple[Progeny, ...]
    modes: tuple[str, ...]
    fission_branching: float

    @property
    def stable(self) -> bool:
        return not math.isfinite(self.half_life_s)

    @property
    def decay_constant_per_s(self) -> float:
        """λ = ln 2 / T½ [1/s]; 0 for a stable nuclide."""
        return 0.0 if self.stable else LN2 / self.half_life_s

    @property
    def element_name(self) -> str:
        return element_name(self.element)

    def specific_activity_bq_per_g(self) -> float:
        """A/m = λ N_A / M [Bq/g]."""
        return self.decay_constant_per_s * 6.02214076e23 / self.atomic_mass_g_per_mol


def _canonical(symbol: str, mass: str, state: str) -> str:
    return f"{symbol}-{int(mass)}{state.lower()}"


def canonical_names(text: str) -> list[str]:
    """Dataset spellings (``Tc-99m``) a usual spelling can mean, most likely first: in
    ``99Mo`` the ``M`` is the element's, in ``99mTc`` the ``m`` is the isomer's."""
    s = text.strip()
    m = _ELEMENT_FIRST.match(s)
    readings: list[tuple[str, str, str]] = []
    if m:
        el, mass, state = m.groups()
        readings.append((el, mass, state))
    else:
        m = _MASS_FIRST.match(s)
        if not m:
            return []
        mass, state, el = m.groups()
        readings.append((el, mass, state))
        if state:
            readings.append((state + el, mass, ""))
    out = []
    for el, mass, state in readings:
        symbol = BY_KEY.get(el.lower())
        if symbol is not None:
            out.append(_canonical(symbol, mass, state))
    return out


def canonical_name(text: str) -> str | None:
    """The most likely dataset spelling of a usual spelling, or None if it does not parse."""
    names = canonical_names(text)
    return names[0] if names else None


@lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    return get_dataset().index()


@lru_cache(maxsize=4096)
def get_nuclide(name: str) -> Nuclide:
    """The nuclide called ``name`` in any usual spelling; InvalidInput if unknown."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a nuclide name is required, e.g. 'Tc-99m'", field="nuclide")
    ds = get_dataset()
    idx = _index()
    readings = canonical_names(name)
    canon = next((r for r in readings if r in idx), readings[0] if readings else None)
    if canon is None or canon not in idx:
        raise InvalidInput(_unknown_message(name, canon), field="nuclide")
    i = idx[canon]
    symbol, rest = canon.split("-")
    mass = int(re.match(r"\d+", rest).group())  # type: ignore[union-attr]
    hl = ds.half_life_exact[i]
    return Nuclide(
        name=canon,
        element=symbol,
        atomic_number=atomic_number(symbol),
        mass_number=mass,
        state=rest[len(str(mass)):],
        half_life_s=math.inf if hl is None else float(hl),
        half_life_text=ds.half_life_text[i],
        atomic_mass_g_per_mol=float(ds.atomic_mass_g_per_mol[i]),
        progeny=tuple(Progeny(p, float(b), m) for p, b, m in
                      zip(ds.progeny[i], ds.branching[i], _modes_of(i), strict=True)),
        modes=ds.modes[i],
        fission_branching=float(ds.fission_fraction[i]),
    )


def _modes_of(i: int) -> tuple[str, ...]:
    # modes[i] lists every mode including spontaneous fission (which has no progeny entry)
    ds = get_dataset()
    out: list[str] = []
    mode_iter = iter(ds.modes[i])
    for _ in ds.progeny[i]:
        mode = next(mode_iter)
        while mode == "SF":
            mode = next(mode_iter)
        out.append(mode)
    return tuple(out)


def _unknown_message(name: str, canon: str | None) -> str:
    names = get_dataset().nuclides
    candidates: list[str] = []
    if canon is not None:
        candidates = difflib.get_close_matches(canon, names, n=4, cutoff=0.6)
        symbol = canon.split("-")[0]
        if not candidates:
            same = [n for n in names if n.split("-")[0] == symbol]
            mass = int(re.sub(r"\D", "", canon.split("-")[1]) or 0)
            same.sort(key=lambda n: abs(int(re.sub(r"\D", "", n.split("-")[1])) - mass))
            candidates = same[:4]
    else:
        candidates = difflib.get_close_matches(name.strip(), names, n=4, cutoff=0.5)
    hint = f"; did you mean {', '.join(candidates)}?" if candidates else (
        "; write it as element and mass number, e.g. 'Tc-99m', '99mTc' or 'Technetium-99m'")
    return f"unknown nuclide {name!r}{hint}"


def radionuclide_names() -> tuple[str, ...]:
    """Every radioactive nuclide of the dataset, in the dataset's order."""
    ds = get_dataset()
    return tuple(n for n, h in zip(ds.nuclides, ds.half_life_exact, strict=True) if h is not None)


def clear_caches() -> None:
    get_nuclide.cache_clear()
    _index.cache_clear()
