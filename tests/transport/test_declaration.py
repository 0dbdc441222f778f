"""The shipper's declaration for class 7: the UN number of the package chosen, the activity in
Bq and Ci, both languages, the certification wording, and refusals naming the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isoflow.errors import InvalidInput
from isoflow.transport.classification import Content, classify
from isoflow.transport.declaration import (
    CERTIFICATION_EN,
    CI_BQ,
    DEFAULT_EMERGENCY_CONTACT,
    Party,
    activity_text,
    build,
    un_number_for,
)

GBQ, TBQ = 1e9, 1e12
SUPPLIER = Party("Test Isotopes", "Obninsk site")
HAVANA = Party("Hospital Hermanos Ameijeiras", "CU")


def _line(d, key):  # type: ignore[no-untyped-def]
    return next(x for x in d.lines if x.key == key)


def test_a_type_a_liquid_by_passenger_aircraft() -> None:
    c = [Content("Mo-99", 400 * GBQ, "liquid")]
    r = classify(c, surface_sv_h=0.3e-3, at_1m_sv_h=0.008e-3)
    d = build(reference="SH-1", consignor=SUPPLIER, consignee=HAVANA, contents=c,
              package_type=r.package, mode="air-passenger", label=r.label,
              transport_index=r.transport_index)
    assert d.required and d.un_number == "UN2915" == r.un_number
    assert d.proper_shipping_name.startswith("Radioactive material, Type A package, non-special")
    assert "типа A" in d.proper_shipping_name_ru and d.hazard_class == "7"
    assert d.activity_en == "400 GBq (10.81 Ci)"
    assert d.activity_ru == "400 ГБк (10,81 Ки)"
    assert d.label == "II-YELLOW" and _line(d, "label").value_ru == "Категория II-ЖЁЛТАЯ"
    assert _line(d, "transport_index").value_en == "0.8"
    assert _line(d, "transport_index").value_ru == "0,8"
    assert not d.exclusive_use and _line(d, "exclusive_use").value_en == "no"
    assert _line(d, "consignor").value_en == "Test Isotopes, Obninsk site"
    assert _line(d, "consignee").value_ru == "Hospital Hermanos Ameijeiras, CU"
    assert _line(d, "mode").value_en == "Air, passenger aircraft"
    assert _line(d, "special_form").value_ru == "нет"
    assert d.certification_en == CERTIFICATION_EN
    assert CERTIFICATION_EN.startswith("I hereby declare that the contents of this consignment")
    assert d.certification_ru.startswith("Настоящим заявляю")
    assert d.emergency_contact == DEFAULT_EMERGENCY_CONTACT
    assert all(x.label_en and x.label_ru and x.value_en and x.value_ru for x in d.lines)


def test_the_un_number_is_the_package_chosen_not_the_least_needed() -> None:
    c = [Content("Co-60", 300 * GBQ, "solid", special_form=True)]
    r = classify(c, surface_sv_h=1e-3, at_1m_sv_h=0.05e-3)
    assert r.un_number == "UN3332"
    d = build(reference="SH-2", consignor=SUPPLIER, consignee=HAVANA, contents=c,
              package_type="Type B(U)", mode="road", label=r.label,
              transport_index=r.transport_index, emergency_contact="+7 495 000 00 00 (24 h)")
    assert d.un_number == "UN2916" and d.special_form
    assert _line(d, "special_form").value_en == "yes"
    assert d.emergency_contact == "+7 495 000 00 00 (24 h)"
    assert un_number_for("Type A", True) == "UN3332"
    assert un_number_for("Type A", False) == "UN2915"
    assert un_number_for("excepted", False) == "UN2910"


def test_exclusive_use_and_excepted_packages() -> None:
    c = [Content("Co-60", 50 * TBQ, "solid", special_form=True)]
    d = build(reference="SH-3", consignor=SUPPLIER, consignee=HAVANA, contents=c,
              package_type="Type B(U)", mode="road", label="III-YELLOW (exclusive use)",
              transport_index=12.0)
    assert d.exclusive_use and "exclusive use" in _line(d, "exclusive_use").value_en
    assert "исключительного" in _line(d, "exclusive_use").value_ru
    e = build(reference="SH-4", consignor=SUPPLIER, consignee=HAVANA,
              contents=[Content("Mo-99", 10e6, "liquid")], package_type="excepted",
              mode="road", label=None, transport_index=None)
    assert not e.required and e.un_number == "UN2910"
    assert "RADIOACTIVE" in _line(e, "label").value_en


def test_a_mixture_lists_each_nuclide() -> None:
    c = [Content("Mo-99", 100 * GBQ, "liquid"), Content("I-131", 50 * GBQ, "liquid")]
    d = build(reference="SH-5", consignor=SUPPLIER, consignee=HAVANA, contents=c,
              package_type="Type A", mode="air-cargo", label="I-WHITE", transport_index=0.0)
    assert d.nuclides == ("Mo-99", "I-131")
    assert _line(d, "activity").value_en == "Mo-99 100 GBq (2.703 Ci); I-131 50 GBq (1.351 Ci)"
    assert d.activity_bq == pytest.approx(150 * GBQ)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"contents": []}, "contents"),
    ({"mode": "rail"}, "mode"),
    ({"package_type": "Type C"}, "package_type"),
    ({"label": "GREEN"}, "label"),
    ({"contents": [Content("Mo-99", float("nan"), "liquid")]}, "activity"),
    ({"contents": [Content("Mo-99", 1e9, "liquid"), Content("Co-60", 1e9, "solid")]}, "form"),
])
def test_bad_input_names_the_field(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    args = {"reference": "X", "consignor": SUPPLIER, "consignee": HAVANA,
            "contents": [Content("Mo-99", 1e9, "liquid")], "package_type": "Type A",
            "mode": "road", "label": "I-WHITE", "transport_index": 0.0, **kwargs}
    with pytest.raises(InvalidInput) as exc:
        build(**args)
    assert exc.value.field == field


@given(st.floats(min_value=1.0, max_value=1e18))
def test_the_curies_in_brackets_are_the_becquerels(bq: float) -> None:
    text = activity_text(bq)
    si, ci = text.split(" (")
    assert float(ci.removesuffix(" Ci)")) == pytest.approx(bq / CI_BQ, rel=1e-3)
    number, unit = si.split(" ")
    scale = {"PBq": 1e15, "TBq": 1e12, "GBq": 1e9, "MBq": 1e6, "kBq": 1e3, "Bq": 1.0}[unit]
    assert float(number) * scale == pytest.approx(bq, rel=1e-3)
    assert 1 <= float(number) < 1000 or unit == "PBq"
