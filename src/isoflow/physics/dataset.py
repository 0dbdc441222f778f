"""Nuclear decay data behind one small interface.

The default dataset is ICRP Publication 107 (half-lives, decay modes, branching) with atomic
masses from AME2020/NUBASE2020, as shipped inside the ``radioactivedecay`` package
(``icrp107_ame2020_nubase2020/decay_data.npz``). Only that data file is read: importing
``radioactivedecay`` itself would load SymPy and take seconds.

ICRP-107 terms: the data may be used for educational, research and not-for-profit purposes;
commercial deployments must obtain ICRP's permission or plug in another dataset. To plug one
in, build a :class:`DecayDataset` (for example with :func:`load_npz` on a file of the same
layout) and pass it to :func:`use_dataset`.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

#: Seconds in one unit of the half-life units used by the data files. The year is the
#: ICRP-107 year of 365.2422 days, the convention ``radioactivedecay`` applies too.
YEAR_DAYS = Fraction("365.2422")
_TIME_UNIT_S: dict[str, Fraction] = {
    "ps": Fraction(1, 10**12), "ns": Fraction(1, 10**9), "us": Fraction(1, 10**6),
    "μs": Fraction(1, 10**6), "ms": Fraction(1, 1000), "s": Fraction(1), "m": Fraction(60),
    "h": Fraction(3600), "d": Fraction(86400), "y": 86400 * YEAR_DAYS,
    "ky": 86400 * YEAR_DAYS * 10**3, "My": 86400 * YEAR_DAYS * 10**6,
    "By": 86400 * YEAR_DAYS * 10**9, "Gy": 86400 * YEAR_DAYS * 10**9,
    "Ty": 86400 * YEAR_DAYS * 10**12, "Py": 86400 * YEAR_DAYS * 10**15,
}


@dataclass(frozen=True)
class DecayDataset:
    """Decay data for a set of nuclides (radioactive and stable).

    ``half_life_exact[i]`` is the half-life [s] as an exact fraction of the published decimal
    (``None`` for a stable nuclide); ``half_life_s`` the same as float64 (``inf`` if stable).
    ``progeny[i]``/``branching[i]``/``modes[i]`` list the direct daughters of nuclide *i*
    (spontaneous fission, which has no single daughter, is kept in ``modes`` only).
    """

    name: str
    terms: str
    nuclides: tuple[str, ...]
    half_life_exact: tuple[Fraction | None, ...]
    half_life_text: tuple[str, ...]
    atomic_mass_g_per_mol: npt.NDArray[np.float64]
    progeny: tuple[tuple[str, ...], ...]
    branching: tuple[tuple[Fraction, ...], ...]
    modes: tuple[tuple[str, ...], ...]
    fission_fraction: tuple[Fraction, ...]

    @property
    def half_life_s(self) -> npt.NDArray[np.float64]:
        return np.array([math.inf if h is None else float(h) for h in self.half_life_exact])

    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.nuclides)}


def load_npz(path: Path, name: str, terms: str) -> DecayDataset:
    """Read a dataset file in ``radioactivedecay``'s ``decay_data.npz`` layout."""
    raw = np.load(path, allow_pickle=True)
    nuclides = tuple(str(n) for n in raw["nuclides"])
    half_lives: list[Fraction | None] = []
    texts: list[str] = []
    for value, unit, text in raw["hldata"]:
        if not math.isfinite(float(value)):
            half_lives.append(None)
        else:
            half_lives.append(Fraction(repr(float(value))) * _TIME_UNIT_S[str(unit)])
        texts.append(str(text))
    progeny, branching, modes, fission = [], [], [], []
    for prog, bfs, mds in zip(raw["progeny"], raw["bfs"], raw["modes"], strict=True):
        keep = [(str(p), Fraction(repr(float(b))), str(m))
                for p, b, m in zip(prog, bfs, mds, strict=True)]
        progeny.append(tuple(p for p, _, _ in keep if p != "SF"))
        branching.append(tuple(b for p, b, _ in keep if p != "SF"))
        modes.append(tuple(m for _, _, m in keep))
        fission.append(sum((b for p, b, _ in keep if p == "SF"), Fraction(0)))
    return DecayDataset(
        name=name,
        terms=terms,
        nuclides=nuclides,
        half_life_exact=tuple(half_lives),
        half_life_text=tuple(texts),
        atomic_mass_g_per_mol=np.asarray(raw["masses"], dtype=np.float64),
        progeny=tuple(progeny),
        branching=tuple(branching),
        modes=tuple(modes),
        fission_fraction=tuple(fission),
    )


ICRP107_TERMS = (
    "ICRP Publication 107 nuclear decay data (with AME2020/NUBASE2020 masses), as shipped in "
    "the radioactivedecay package. ICRP permits use for educational, research and "
    "not-for-profit purposes; other use needs ICRP's permission."
)


def load_icrp107() -> DecayDataset:
    """The ICRP-107 dataset from the installed ``radioactivedecay`` package (not imported)."""
    spec = importlib.util.find_spec("radioactivedecay")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the radioactivedecay package (ICRP-107 data) is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "icrp107_ame2020_nubase2020"
    return load_npz(folder / "decay_data.npz", "ICRP-107", ICRP107_TERMS)


_active: DecayDataset | None = None


def get_dataset() -> DecayDataset:
    """The dataset in use (ICRP-107 unless :func:`use_dataset` chose another)."""
    global _active
    if _active is None:
        _active = load_icrp107()
    return _active


def use_dataset(dataset: DecayDataset) -> None:
    """Plug in another dataset for the whole process (clears every cache built on the old)."""
    global _active
    _active = dataset
    from isoflow.physics import chains, nuclides

    nuclides.clear_caches()
    chains.clear_caches()
