from __future__ import annotations

import math

import pytest

from isoflow.errors import InvalidInput
from isoflow.physics import get_nuclide
from isoflow.physics.nuclides import radionuclide_names


@pytest.mark.parametrize("spelling", ["Tc-99m", "Tc99m", "tc-99m", "99mTc", "Technetium-99m",
                                      "99m-Tc", "TC-99M", " technetium 99m "])
def test_spellings(spelling: str) -> None:
    assert get_nuclide(spelling).name == "Tc-99m"


@pytest.mark.parametrize(("spelling", "name"), [("99Mo", "Mo-99"), ("99mo", "Mo-99"),
                                                ("99MTc", "Tc-99m"), ("60Co", "Co-60"),
                                                ("131-I", "I-131"), ("Iodine-131", "I-131")])
def test_mass_first_spellings(spelling: str, name: str) -> None:
    assert get_nuclide(spelling).name == name


def test_properties() -> None:
    tc = get_nuclide("Tc-99m")
    assert not tc.stable and tc.atomic_number == 43 and tc.mass_number == 99
    assert tc.state == "m" and tc.element_name == "Technetium"
    assert [p.nuclide for p in tc.progeny] == ["Tc-99", "Ru-99"]
    assert tc.modes == ("IT", "β-")
    assert tc.decay_constant_per_s == pytest.approx(math.log(2) / (6.015 * 3600))
    ru = get_nuclide("Ru-99")
    assert ru.stable and ru.decay_constant_per_s == 0 and ru.progeny == ()
    u = get_nuclide("U-238")
    assert u.fission_branching > 0 and "SF" in u.modes


def test_dataset_size() -> None:
    assert len(radionuclide_names()) == 1252  # ICRP-107


@pytest.mark.parametrize(("bad", "suggests"), [("Tc-98m", "Tc-99m"), ("Mo-990", "Mo-99"),
                                               ("Iodine-13", "I-13")])
def test_unknown_names_suggest_close_ones(bad: str, suggests: str) -> None:
    with pytest.raises(InvalidInput) as err:
        get_nuclide(bad)
    assert bad in err.value.message and suggests in err.value.message
    assert err.value.field == "nuclide"


@pytest.mark.parametrize("bad", ["", "foo", "Technetium", "Xq-12", "99"])
def test_nonsense_is_a_clear_error(bad: str) -> None:
    with pytest.raises(InvalidInput, match="nuclide"):
        get_nuclide(bad)
