"""The department's default catalogue: the packaged data parses, every reference row is there
with its values, the ranges are coherent, the EANM rows are the reference's, and the rules of a
catalogue row refuse what they should."""

from __future__ import annotations

import csv
from typing import Any

import pytest

from isoflow.domain import department_catalogue as cat
from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide

MBQ = 1e6

#: the codes of reference/clinical_procedures.csv, in its order (written out here, so a lost
#: or renamed row fails)
REFERENCE_CODES = (
    "BONE_BISPHOSPHONATE", "MPI_TETRO_STRESS", "MPI_TETRO_REST", "MPI_1DAY", "MPI_2DAY",
    "THYROID_TCO4", "MECKEL_TCO4", "LUNG_PERF_MAA", "LUNG_VENT_DTPA", "RENAL_DTPA",
    "RENAL_MAG3", "RENAL_DMSA", "BRAIN_HMPAO", "BRAIN_ECD", "WBC_HMPAO", "SLN_BREAST",
    "SLN_MELANOMA", "GI_BLEED_RBC", "GATED_BLOOD_POOL", "HEPATOBILIARY_IDA",
    "PARATHYROID_MIBI", "GA68_DOTATOC", "GA68_DOTATATE", "GA68_PSMA11",
)

#: EANM class, baseline, minimum [MBq] as the reference gives them (clinical-data.md §a)
REFERENCE_EANM = {
    "BONE_BISPHOSPHONATE": ("B", 35, 40),
    "RENAL_MAG3": ("A", 11.9, 15),
    "RENAL_DMSA": ("B", 6.8, 18.5),
    "BRAIN_HMPAO": ("B", 51.8, 100),
    "WBC_HMPAO": ("B", 35, 40),
}

#: a few adult ranges [MBq] from the reference, min/typical/max
REFERENCE_ADULT = {
    "BONE_BISPHOSPHONATE": (300, 500, 740),
    "THYROID_TCO4": (20, None, 80),
    "RENAL_MAG3": (100, 100, 200),
    "MPI_1DAY": (None, 1000, None),
    "GA68_DOTATOC": (111, 148, 185),
    "PARATHYROID_MIBI": (None, None, None),
}


def _by_code() -> dict[str, cat.DefaultProcedure]:
    return {p.code: p for p in cat.default_procedures()}


def test_every_reference_row_is_a_default_procedure() -> None:
    procs = cat.default_procedures()
    assert tuple(p.code for p in procs) == REFERENCE_CODES
    rows = list(csv.DictReader(cat.procedures_csv().splitlines()))
    assert len(rows) == len(procs)
    for row, p in zip(rows, procs, strict=True):
        assert p.name == row["procedure_name"] and p.source.startswith(row["source"].strip())
        assert p.radiopharmaceutical == row["radiopharmaceutical"]


def test_adult_ranges_are_the_references_in_bq() -> None:
    procs = _by_code()
    for code, (lo, typ, hi) in REFERENCE_ADULT.items():
        p = procs[code]
        got = (p.adult_min_bq, p.adult_typical_bq, p.adult_max_bq)
        want = tuple(None if x is None else x * MBQ for x in (lo, typ, hi))
        assert got == pytest.approx(want), code


def test_eanm_rows_match_the_reference() -> None:
    procs = _by_code()
    for code, p in procs.items():
        if code in REFERENCE_EANM:
            cls, base, mini = REFERENCE_EANM[code]
            assert p.eanm_class == cls, code
            assert p.eanm_baseline_bq == pytest.approx(base * MBQ), code
            assert p.eanm_min_bq == pytest.approx(mini * MBQ), code
        else:
            assert (p.eanm_class, p.eanm_baseline_bq, p.eanm_min_bq) == (None, None, None), code


def test_default_ranges_are_coherent_and_pass_the_rules() -> None:
    for p in cat.default_procedures():
        cat.check_procedure_values(p.fields())
        values = [x for x in (p.adult_min_bq, p.adult_typical_bq, p.adult_max_bq)
                  if x is not None]
        assert values == sorted(values), p.code
        assert get_nuclide(p.nuclide).name == p.nuclide
    for k in cat.default_kits():
        cat.check_kit_values(k.fields())
        assert get_nuclide(k.nuclide).name == k.nuclide
        assert k.verified == (not k.unverified)
        for name in k.unverified:
            assert name in k.fields(), (k.code, name)
        if not k.verified:
            assert "verified: False" in k.source


def test_every_procedure_kit_is_a_default_kit_of_the_same_nuclide() -> None:
    kits = {k.code: k for k in cat.default_kits()}
    assert len(kits) == len(cat.default_kits())
    for p in cat.default_procedures():
        if p.kit_code is not None:
            assert kits[p.kit_code].nuclide == p.nuclide, p.code
    procs = _by_code()
    # pertechnetate is the eluate itself
    assert procs["THYROID_TCO4"].kit_code is None and procs["MECKEL_TCO4"].kit_code is None
    assert procs["LUNG_PERF_MAA"].kit_code == "MAA"
    assert procs["BONE_BISPHOSPHONATE"].kit_code == "MDP"


def test_macrotech_and_hmpao_carry_the_references_limits() -> None:
    kits = {k.code: k for k in cat.default_kits()}
    maa = kits["MAA"]
    assert maa.particles_per_vial == 3.0e6
    assert (maa.min_particles_per_dose, maa.max_particles_per_dose) == (6.0e4, 7.0e5)
    # 148 MBq per mL at most, in the volume that keeps >= 0.37e6 particles per mL
    assert maa.max_activity_bq / maa.max_volume_ml <= 148 * MBQ + 1e-6
    assert maa.particles_per_vial / maa.max_volume_ml >= 0.37e6
    hmpao = kits["HMPAO"]
    assert hmpao.carrier_sensitive and hmpao.max_eluate_age_s == 2 * 3600
    assert not hmpao.verified and "max_eluate_age_s" in hmpao.unverified
    assert sum(k.carrier_sensitive for k in kits.values()) == 1


def _proc(**over: Any) -> dict[str, Any]:
    v = _by_code()["RENAL_DMSA"].fields()
    v.update(over)
    return v


@pytest.mark.parametrize(("over", "field"), [
    ({"adult_min_bq": 0.0}, "adult_min_bq"),
    ({"adult_max_bq": -1.0}, "adult_max_bq"),
    ({"adult_min_bq": 200e6, "adult_max_bq": 100e6}, "adult_min_bq"),
    ({"adult_typical_bq": 10e6}, "adult_typical_bq"),
    ({"adult_typical_bq": 500e6}, "adult_typical_bq"),
    ({"adult_typical_bq": float("nan")}, "adult_typical_bq"),
    ({"eanm_class": "D"}, "eanm_class"),
    ({"eanm_baseline_bq": None}, "eanm_baseline_bq"),
    ({"eanm_min_bq": None}, "eanm_min_bq"),
    ({"eanm_class": None}, "eanm_class"),
    ({"duration_min": 0}, "duration_min"),
    ({"uptake_min": -5}, "uptake_min"),
    ({"adult_min_bq": "30"}, "adult_min_bq"),
])
def test_procedure_rules_refuse(over: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        cat.check_procedure_values(_proc(**over))
    assert e.value.field == field


def test_procedure_without_any_eanm_or_range_is_accepted() -> None:
    cat.check_procedure_values(_proc(eanm_class=None, eanm_baseline_bq=None, eanm_min_bq=None,
                                     adult_min_bq=None, adult_max_bq=None,
                                     adult_typical_bq=None))


def _kit(**over: Any) -> dict[str, Any]:
    v = {k.code: k for k in cat.default_kits()}["MAA"].fields()
    v.update(over)
    return v


@pytest.mark.parametrize(("over", "field"), [
    ({"max_activity_bq": 0.0}, "max_activity_bq"),
    ({"max_volume_ml": 0.0}, "max_volume_ml"),
    ({"shelf_life_s": 0.0}, "shelf_life_s"),
    ({"max_eluate_age_s": -1.0}, "max_eluate_age_s"),
    ({"rcp_min": 0.0}, "rcp_min"),
    ({"rcp_min": 1.01}, "rcp_min"),
    ({"carrier_sensitive": "yes"}, "carrier_sensitive"),
    ({"min_particles_per_dose": 8e5}, "min_particles_per_dose"),
    ({"particles_per_vial": None}, "particles_per_vial"),
    ({"min_particles_per_dose": 4e6, "max_particles_per_dose": 5e6}, "min_particles_per_dose"),
])
def test_kit_rules_refuse(over: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        cat.check_kit_values(_kit(**over))
    assert e.value.field == field


def test_rcp_of_one_is_accepted() -> None:
    cat.check_kit_values(_kit(rcp_min=1.0))
