"""SSR-6 package classification against the reference table and hand-worked cases."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from isoflow.errors import InvalidInput
from isoflow.transport.classification import (
    Content,
    activity_at_dispatch,
    check_conveyance,
    check_package,
    classify,
    label_category,
    transport_index,
)
from isoflow.transport.values import parse_dose_rate, table, values_for

GBQ, TBQ = 1e9, 1e12
MSV = 1e-3


def test_the_table_has_every_reference_row_and_the_values_the_reference_quotes() -> None:
    assert len(table()) == 383
    assert (values_for("Mo-99").a1_bq, values_for("Mo-99").a2_bq) == (1 * TBQ, 0.6 * TBQ)
    assert values_for("Co-60").a1_bq == values_for("Co-60").a2_bq == 0.4 * TBQ
    assert values_for("Tc-99m").a2_bq == 4 * TBQ and values_for("I-131").a2_bq == 0.7 * TBQ
    assert sum(math.isinf(v.a1_bq) for v in table().values()) >= 20


def test_mo99_liquid_100_gbq_is_type_a() -> None:
    r = classify([Content("Mo-99", 100 * GBQ, "liquid")])
    assert (r.package, r.un_number) == ("Type A", "UN2915")
    assert r.sum_of_fractions == pytest.approx(100 / 600)
    assert r.label is None and r.transport_index is None


def test_co60_special_form_300_gbq_uses_a1() -> None:
    r = classify([Content("Co-60", 300 * GBQ, "solid", special_form=True)])
    assert (r.package, r.un_number) == ("Type A", "UN3332")
    assert r.sum_of_fractions == pytest.approx(0.75)


def test_a_generator_shipped_two_days_early_is_pushed_over_the_type_a_limit() -> None:
    cal = datetime.fromisoformat("2026-12-10T12:00+03:00")
    disp = datetime.fromisoformat("2026-12-08T12:00+03:00")
    a = activity_at_dispatch("Mo-99", 400 * GBQ, cal, disp)
    assert a / (400 * GBQ) == pytest.approx(1.656, abs=2e-3)  # +65.6 % (reference §2.2)
    assert classify([Content("Mo-99", 400 * GBQ, "liquid")]).package == "Type A"
    r = classify([Content("Mo-99", a, "liquid")], surface_sv_h=0.3 * MSV,
                 at_1m_sv_h=0.008 * MSV)
    assert (r.package, r.un_number, r.transport_index, r.label) == (
        "Type B(U)", "UN2916", 0.8, "II-YELLOW")
    assert r.sum_of_fractions == pytest.approx(1.10, abs=0.01)


def test_excepted_limits_liquid_solid_special_form() -> None:
    # Mo-99 liquid: 1e-4 A2 = 60 MBq; Tc-99m liquid 400 MBq; Co-60 special form 400 MBq
    assert classify([Content("Mo-99", 60e6, "liquid")]).package == "excepted"
    assert classify([Content("Mo-99", 61e6, "liquid")]).package == "Type A"
    assert classify([Content("Tc-99m", 400e6, "liquid")]).un_number == "UN2910"
    assert classify([Content("I-131", 700e6, "solid")]).package == "excepted"
    assert classify([Content("Co-60", 400e6, "solid", True)]).package == "excepted"
    # within the activity limits, but a surface rate above 5 µSv/h makes it Type A
    r = classify([Content("Tc-99m", 100e6, "liquid")], surface_sv_h=6e-6, at_1m_sv_h=0.0)
    assert r.package == "Type A" and r.notes


def test_a_mixture_is_judged_by_the_sum_of_fractions() -> None:
    each_half = [Content("Mo-99", 300 * GBQ, "liquid"), Content("I-131", 350 * GBQ, "liquid")]
    assert classify(each_half).sum_of_fractions == pytest.approx(1.0)
    assert classify(each_half).package == "Type A"
    over = [*each_half, Content("Tc-99m", 40 * GBQ, "liquid")]
    assert classify(over).package == "Type B(U)"
    mixed = [Content("Co-60", 0.2 * TBQ, "solid", True), Content("Mo-99", 0.3 * TBQ, "liquid")]
    r = classify(mixed)
    assert r.sum_of_fractions == pytest.approx(0.5 + 0.5) and r.un_number == "UN2915"


def test_transport_index_rounds_up_to_the_next_tenth() -> None:
    assert transport_index(0.0004 * MSV) == 0.0  # 0.04 <= 0.05
    assert transport_index(0.008 * MSV) == 0.8
    assert transport_index(0.0081 * MSV) == 0.9
    assert transport_index(0.05 * MSV) == 5.0


@pytest.mark.parametrize(("ti", "surface", "label"), [
    (0.0, 0.004 * MSV, "I-WHITE"), (0.0, 0.3 * MSV, "II-YELLOW"), (1.0, 0.004 * MSV,
                                                                   "II-YELLOW"),
    (1.1, 0.1 * MSV, "III-YELLOW"), (0.5, 1.5 * MSV, "III-YELLOW"),
    (11.0, 1.0 * MSV, "III-YELLOW (exclusive use)"),
    (2.0, 5.0 * MSV, "III-YELLOW (exclusive use)"),
])
def test_the_label_is_the_higher_of_the_ti_and_surface_categories(ti, surface, label) -> None:
    assert label_category(ti, surface) == label


def test_refusals_name_the_field() -> None:
    with pytest.raises(InvalidInput) as e:
        label_category(1.0, 11 * MSV)
    assert e.value.field == "surface_dose_rate"
    for bad, field in ((Content("Xx-999", 1e9, "liquid"), "nuclide"),
                       (Content("Mo-99", 0.0, "liquid"), "activity"),
                       (Content("Mo-99", -1.0, "liquid"), "activity"),
                       (Content("Mo-99", 1e9, "plasma"), "form"),
                       (Content("Mo-99", 1e9, "liquid", True), "form")):
        with pytest.raises(InvalidInput) as e:
            classify([bad])
        assert e.value.field == field
    with pytest.raises(InvalidInput) as e:
        activity_at_dispatch("Mo-99", 1e9, datetime(2026, 12, 10, 12), datetime(2026, 12, 8))
    assert e.value.field == "calibrated_at"


def test_a_package_type_below_what_the_contents_need_is_refused() -> None:
    r = classify([Content("Mo-99", 700 * GBQ, "liquid")])
    check_package("Type B(U)", r)
    with pytest.raises(InvalidInput) as e:
        check_package("Type A", r)
    assert e.value.field == "package" and "Type B(U)" in str(e.value)


def test_conveyance_limits() -> None:
    check_conveyance("road", [10.0] * 5)
    with pytest.raises(InvalidInput):
        check_conveyance("road", [10.0] * 5 + [0.1])
    with pytest.raises(InvalidInput):
        check_conveyance("air-passenger", [3.1])
    check_conveyance("air-cargo", [10.0] * 20)
    with pytest.raises(InvalidInput):
        check_conveyance("air-cargo", [10.0] * 20 + [0.1])


def test_dose_rates_need_their_unit() -> None:
    assert parse_dose_rate("0.3 mSv/h", field="x") == pytest.approx(3e-4)
    assert parse_dose_rate("8 µSv/h", field="x") == pytest.approx(8e-6)
    assert parse_dose_rate("2 mrem/h", field="x") == pytest.approx(2e-5)
    for bad in ("0.3", "0.3 mSv", "-1 mSv/h", "nan mSv/h", 0.3, True):
        with pytest.raises(InvalidInput):
            parse_dose_rate(bad, field="x")  # type: ignore[arg-type]
