"""The dataset interface: ICRP-107 by default, another dataset pluggable."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pytest

from isoflow.physics import Inventory, get_nuclide
from isoflow.physics.dataset import DecayDataset, get_dataset, use_dataset


def test_default_is_icrp107_with_its_terms() -> None:
    ds = get_dataset()
    assert ds.name == "ICRP-107"
    assert "not-for-profit" in ds.terms
    assert len(ds.nuclides) == 1512 and sum(h is not None for h in ds.half_life_exact) == 1252


@pytest.fixture
def toy_dataset() -> Iterator[DecayDataset]:
    """A two-step chain with round numbers, as a deployment's own evaluation would be."""
    toy = DecayDataset(
        name="toy", terms="test data",
        nuclides=("Mo-99", "Tc-99m", "Tc-99"),
        half_life_exact=(Fraction(240000), Fraction(21600), None),
        half_life_text=("240000 s", "6 h", "stable"),
        atomic_mass_g_per_mol=np.array([98.9, 98.9, 98.9]),
        progeny=(("Tc-99m",), ("Tc-99",), ()),
        branching=((Fraction(1),), (Fraction(1),), ()),
        modes=(("β-",), ("IT",), ()),
        fission_fraction=(Fraction(0), Fraction(0), Fraction(0)),
    )
    original = get_dataset()
    use_dataset(toy)
    try:
        yield toy
    finally:
        use_dataset(original)


def test_another_dataset_can_be_plugged_in(toy_dataset: DecayDataset) -> None:
    assert get_nuclide("Tc-99m").half_life_s == 21600
    inv = Inventory.from_activities({"Mo-99": 1e9})
    t = 3600.0
    l1, l2 = math.log(2) / 240000, math.log(2) / 21600
    bateman = 1e9 * l2 / (l2 - l1) * (math.exp(-l1 * t) - math.exp(-l2 * t))
    assert inv.decay(t).activities_bq()["Tc-99m"] == pytest.approx(bateman, rel=1e-12)


def test_back_to_icrp107_after_the_toy(toy_dataset: DecayDataset) -> None:
    use_dataset(toy_dataset)
    assert get_nuclide("Tc-99m").half_life_s == 21600


def test_icrp107_restored() -> None:
    assert get_nuclide("Tc-99m").half_life_s == 21654.0
