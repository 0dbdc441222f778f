"""The user-facing helpers and the Inventory API."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
import radioactivedecay as rd

from isoflow.errors import InvalidInput
from isoflow.physics import (
    Inventory,
    batch_activities,
    decay_factor,
    get_nuclide,
    precalibrated_activity_bq,
    time_to_decay_to_s,
)


def test_inventory_api_shapes() -> None:
    inv = Inventory.from_activities({"Mo-99": "10 GBq"})
    later = inv.decay(6 * 3600)
    assert set(later.activities_bq()) == {"Mo-99", "Tc-99m", "Tc-99", "Ru-99"}
    assert later.decay(0).activities_bq() == later.activities_bq()
    assert inv.decay("6 h").activities_bq() == later.activities_bq()
    assert inv.decay(timedelta(hours=6)).activities_bq() == later.activities_bq()
    names, a = inv.activities_bq_at(np.linspace(0, 86400, 7))
    assert a.shape == (7, len(names)) and names[0] == "Mo-99"
    names2, b = batch_activities(["Mo-99", "Tc-99m"], np.ones((5, 2)) * 1e9, [0, 3600, 7200])
    assert b.shape == (5, 3, len(names2))


def test_masses_and_atoms() -> None:
    inv = Inventory.from_masses({"Co-60": 1.0})
    assert inv.masses_g()["Co-60"] == pytest.approx(1.0)
    assert inv.total_activity_bq() == pytest.approx(get_nuclide("Co-60")
                                                    .specific_activity_bq_per_g(), rel=1e-12)
    assert Inventory.from_atoms({"Tc-99m": 1e12}).atoms()["Tc-99m"] == 1e12


def test_cumulative_decays_match_integral() -> None:
    inv = Inventory.from_activities({"Tc-99m": "1 GBq"})
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    want = 1e9 / lam * (1 - math.exp(-lam * 3600))
    assert inv.cumulative_decays(0, 3600)["Tc-99m"] == pytest.approx(want, rel=1e-12)
    # progeny: numerical integral of the batched activities
    mo = Inventory.from_activities({"Mo-99": "1 GBq"})
    t = np.linspace(0, 86400, 20001)
    names, a = mo.activities_bq_at(t)
    trapz = np.trapezoid(a[:, names.index("Tc-99m")], t)
    assert mo.cumulative_decays(0, 86400)["Tc-99m"] == pytest.approx(trapz, rel=1e-7)


def test_single_nuclide_helpers() -> None:
    assert decay_factor("F-18", "109.77 min") == pytest.approx(0.5, abs=1e-4)
    need = precalibrated_activity_bq("Tc-99m", "740 MBq", "2 h")
    assert need * decay_factor("Tc-99m", "2 h") == pytest.approx(740e6)
    assert time_to_decay_to_s("I-131", "1 GBq", "500 MBq") == pytest.approx(
        get_nuclide("I-131").half_life_s)


def test_decay_in_storage_release() -> None:
    # a pure emitter (P-32 -> stable S-32)
    inv = Inventory.from_activities({"P-32": "1 GBq"})
    t = inv.time_until_below("1 MBq")
    assert t == pytest.approx(math.log(1000) / get_nuclide("P-32").decay_constant_per_s,
                              rel=1e-9)
    # with in-growth the total first rises: the *last* crossing is found
    ge = Inventory.from_atoms({"Ge-68": 1e12})
    t_ge = ge.time_until_below(1.0)
    assert ge.decay(t_ge).total_activity_bq() <= 1.0 + 1e-9
    assert ge.decay(t_ge * 0.99).total_activity_bq() > 1.0


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: Inventory.from_activities({}), "empty"),
    (lambda: Inventory.from_activities({"Ru-99": "1 GBq"}), "stable"),
    (lambda: Inventory.from_activities({"Mo-99": "-1 GBq"}), "negative"),
    (lambda: Inventory.from_activities({"Mo-99": "1 GBq"}).decay(-5), "before"),
    (lambda: Inventory.from_activities({"Mo-99": "1 GBq"}).decay("6 m"), "ambiguous"),
    (lambda: Inventory.from_atoms({"Mo-99": float("nan")}), "finite"),
    (lambda: batch_activities(["Mo-99"], [[1.0, 2.0]], [0]), "shape"),
    (lambda: batch_activities(["Mo-99"], [[-1.0]], [0]), ">= 0"),
    (lambda: Inventory.from_masses({"Co-60": "1 mBq"}), "'mBq' is an activity unit"),
    (lambda: Inventory.from_masses({"Co-60": "1 MG"}), "'mg' = 0.001 g, 'Mg' = 1e+06 g"),
    (lambda: Inventory.from_masses({"Co-60": -1.0}), "negative"),
    (lambda: Inventory.from_moles({"Co-60": "1 mg"}), "'mg' is a mass unit"),
    (lambda: Inventory.from_activities({"Co-60": "1 mg"}), "'mg' is a mass unit"),
    (lambda: Inventory.from_amounts({"Co-60": "1 Gy"}), "gigayear, and only in a time"),
    (lambda: Inventory.from_amounts({"Ru-99": "1 MBq"}), "stable"),
    (lambda: Inventory.from_masses({"Co-60": "1 mg"}).masses("MBq"), "unknown mass unit"),
    (lambda: Inventory.from_masses({"Ru-99": 1.0}).activity_fractions(), "total activity is 0"),
])
def test_bad_input_is_a_clear_error(call, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        call()
    assert fragment in err.value.message


# ---------------------------------------------------------------- masses, moles, fractions
def test_amounts_with_units() -> None:
    """Masses and moles in and out of an inventory, with radioactivedecay's unit names."""
    mg = Inventory.from_masses({"Co-60": "1 mg"})
    assert mg.masses_g()["Co-60"] == pytest.approx(1e-3, rel=1e-14)
    assert mg.masses("mg")["Co-60"] == pytest.approx(1.0, rel=1e-14)
    assert mg.masses("µg")["Co-60"] == pytest.approx(1e3, rel=1e-14)
    assert Inventory.from_masses({"Co-60": "1 ug"}).atoms() == pytest.approx(
        Inventory.from_masses({"Co-60": 1e-6}).atoms(), rel=1e-14)
    mol = Inventory.from_moles({"Tc-99m": "2 nmol"})
    assert mol.moles()["Tc-99m"] == pytest.approx(2e-9, rel=1e-14)
    assert mol.moles("nmol")["Tc-99m"] == pytest.approx(2.0, rel=1e-14)
    assert mol.atoms()["Tc-99m"] == pytest.approx(2e-9 * 6.02214076e23, rel=1e-14)
    low = Inventory.from_activities({"Tc-99m": "1 mBq"})
    assert low.activities("mBq")["Tc-99m"] == pytest.approx(1.0, rel=1e-14)
    assert low.activities("dpm")["Tc-99m"] == pytest.approx(0.06, rel=1e-14)
    mixed = Inventory.from_amounts({"Mo-99": "10 GBq", "Co-60": "1 mg", "Ru-99": "2 umol",
                                    "Cs-137": 5.0})
    assert mixed.activity_bq("Mo-99") == pytest.approx(1e10, rel=1e-14)
    assert mixed.activity_bq("Cs-137") == pytest.approx(5.0, rel=1e-14)  # a bare number: Bq
    assert mixed.masses("mg")["Co-60"] == pytest.approx(1.0, rel=1e-14)
    assert mixed.moles("umol")["Ru-99"] == pytest.approx(2.0, rel=1e-14)


def _rd_inventory() -> rd.Inventory:
    return (rd.Inventory({"Mo-99": 10.0}, "GBq") + rd.Inventory({"Co-60": 1.0}, "mg")
            + rd.Inventory({"U-238": 3.0}, "umol") + rd.Inventory({"Ru-99": 1.0}, "ng"))


@pytest.mark.parametrize("dt", ["0 s", "3 d", "5 y"])
def test_moles_masses_and_fractions_match_radioactivedecay(dt: str) -> None:
    ours = Inventory.from_amounts({"Mo-99": "10 GBq", "Co-60": "1 mg", "U-238": "3 umol",
                                   "Ru-99": "1 ng"}).decay(dt)
    number, unit = dt.split()
    theirs = _rd_inventory().decay(float(number), unit)
    for method, args in [("moles", ("umol",)), ("masses", ("mg",)), ("activities", ("MBq",)),
                         ("mass_fractions", ()), ("activity_fractions", ()),
                         ("mole_fractions", ())]:
        got, want = getattr(ours, method)(*args), getattr(theirs, method)(*args)
        significant = {n: v for n, v in want.items() if v > 1e-12 * max(want.values())}
        assert significant, method
        for name, value in significant.items():
            assert got[name] == pytest.approx(value, rel=1e-9), (method, name)
        assert all(abs(got.get(n, 0.0)) <= 1e-12 * max(want.values()) + 1e-300
                   for n in want if n not in significant), method


def test_fractions_sum_to_one() -> None:
    inv = Inventory.from_amounts({"Mo-99": "1 GBq", "Co-60": "1 mg"}).decay("2 d")
    for fractions in (inv.activity_fractions(), inv.mass_fractions(), inv.mole_fractions()):
        assert sum(fractions.values()) == pytest.approx(1.0, rel=1e-12)
        assert set(fractions) == set(inv.nuclides)
    assert inv.activity_fractions()["Ni-60"] == 0.0
