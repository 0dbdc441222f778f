"""Published values reproduced from the ICRP-107 data (which decides where evaluations differ)."""

from __future__ import annotations

import pytest

from isoflow.physics import Inventory, decay_factor, get_nuclide
from isoflow.physics.decay import eop_bq_to_six_day_ci, six_day_ci_to_eop_bq
from isoflow.physics.units import CI_BQ


def test_half_lives() -> None:
    # ICRP-107: Tc-99m 6.015 h (ENSDF now 6.0067 h), Mo-99 65.94 h
    assert get_nuclide("Tc-99m").half_life_s / 3600 == pytest.approx(6.015, abs=5e-4)
    assert get_nuclide("Mo-99").half_life_s / 3600 == pytest.approx(65.94, abs=5e-3)
    assert get_nuclide("I-131").half_life_s / 86400 == pytest.approx(8.0207, abs=1e-3)
    assert get_nuclide("Ge-68").half_life_s / 86400 == pytest.approx(270.95, abs=0.01)


def test_tc99m_after_8_hours() -> None:
    assert 100 * decay_factor("Tc-99m", "8 h") == pytest.approx(39.8, abs=0.05)


def test_i131_after_8_days() -> None:
    assert 100 * decay_factor("I-131", "8 d") == pytest.approx(50.1, abs=0.05)


def test_co60_loses_12_3_percent_a_year() -> None:
    assert 100 * (1 - decay_factor("Co-60", "1 y")) == pytest.approx(12.3, abs=0.05)


def test_six_day_curie() -> None:
    assert six_day_ci_to_eop_bq(1.0) / CI_BQ == pytest.approx(4.54, abs=0.005)
    assert eop_bq_to_six_day_ci(f"{4.54} Ci") == pytest.approx(1.0, abs=0.002)


def test_mo99_tc99m_branching_and_equilibrium() -> None:
    mo = get_nuclide("Mo-99")
    tc = {p.nuclide: p.branching for p in mo.progeny}
    assert tc["Tc-99m"] == pytest.approx(0.8773)
    # transient equilibrium: A(Tc-99m)/A(Mo-99) = b λTc/(λTc-λMo) ≈ 0.96
    later = Inventory.from_activities({"Mo-99": "1 GBq"}).decay("7 d").activities_bq()
    assert later["Tc-99m"] / later["Mo-99"] == pytest.approx(0.964, abs=0.002)
