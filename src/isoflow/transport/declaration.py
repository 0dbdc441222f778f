"""The content of a shipper's declaration for dangerous goods, class 7 (radioactive material),
in English and Russian on one page (the declaration is bilingual whatever the reader's UI
language).

It is built from a package's classification (isoflow.transport.classification) and the
parties: the consignor (the supplier and its site), the consignee (the customer and its
country), the UN number and proper shipping name **of the package type chosen** (a Type A
load may travel in a Type B(U) package, which then is UN2916), class 7, the radionuclides,
physical and chemical form, special form or not, the activity at dispatch in Bq with an SI
prefix and in Ci in brackets, the label category, the transport index, "exclusive use" when
so, the mode, the emergency contact, and the shipper's certification (IATA DGR 8.1.6.12
wording). Sources: the project's reference ``supply-chain-and-transport.md`` §2.2–2.4 (an
excepted package needs no declaration: ``required`` is then False and the page says so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from isoflow.errors import InvalidInput
from isoflow.physics.units import format_activity
from isoflow.transport.classification import (
    CONVEYANCE_TI,
    PACKAGES,
    SHIPPING_NAMES,
    UN_NUMBERS,
    Content,
)

CI_BQ = 3.7e10
HAZARD_CLASS = "7"

CERTIFICATION_EN = (
    "I hereby declare that the contents of this consignment are fully and accurately "
    "described above by the proper shipping name, and are classified, packaged, marked and "
    "labelled/placarded, and are in all respects in proper condition for transport according "
    "to applicable international and national governmental regulations.")
CERTIFICATION_RU = (
    "Настоящим заявляю, что содержимое данного груза полностью и точно описано выше "
    "надлежащим отгрузочным наименованием, классифицировано, упаковано, маркировано и "
    "снабжено знаками опасности/информационными табло и во всех отношениях находится в "
    "надлежащем состоянии для перевозки в соответствии с применимыми международными и "
    "национальными правительственными правилами.")
DEFAULT_EMERGENCY_CONTACT = (
    "24-hour emergency contact: the consignor's radiation safety officer (see the consignor's "
    "address)")

SHIPPING_NAMES_RU = {
    "UN2910": "Радиоактивный материал, освобождённая упаковка — ограниченное количество "
              "материала",
    "UN2915": "Радиоактивный материал, упаковка типа A, не в особой форме, неделящийся или "
              "делящийся-освобождённый",
    "UN3332": "Радиоактивный материал, упаковка типа A, в особой форме, неделящийся или "
              "делящийся-освобождённый",
    "UN2916": "Радиоактивный материал, упаковка типа B(U), неделящийся или "
              "делящийся-освобождённый",
}
PACKAGE_NAMES = {"excepted": ("Excepted package", "Освобождённая упаковка"),
                 "Type A": ("Type A package", "Упаковка типа A"),
                 "Type B(U)": ("Type B(U) package", "Упаковка типа B(U)")}
LABEL_NAMES = {
    "I-WHITE": ("Category I-WHITE", "Категория I-БЕЛАЯ"),
    "II-YELLOW": ("Category II-YELLOW", "Категория II-ЖЁЛТАЯ"),
    "III-YELLOW": ("Category III-YELLOW", "Категория III-ЖЁЛТАЯ"),
    "III-YELLOW (exclusive use)": ("Category III-YELLOW (exclusive use)",
                                   "Категория III-ЖЁЛТАЯ (исключительное использование)"),
}
MODE_NAMES = {"road": ("Road", "Автомобильный транспорт"),
              "air-passenger": ("Air, passenger aircraft", "Воздушный, пассажирское воздушное "
                                                           "судно"),
              "air-cargo": ("Air, cargo aircraft only", "Воздушный, только грузовое воздушное "
                                                        "судно")}
FORM_NAMES = {"solid": ("solid", "твёрдое вещество"), "liquid": ("liquid", "жидкость"),
              "gas": ("gas", "газ")}
#: chemical form by physical form when nothing better is known
CHEMICAL_FORMS = {"solid": ("sealed metal source", "закрытый металлический источник"),
                  "liquid": ("aqueous solution", "водный раствор"),
                  "gas": ("gas", "газ")}
_RU_UNITS = {"PBq": "ПБк", "TBq": "ТБк", "GBq": "ГБк", "MBq": "МБк", "kBq": "кБк", "Bq": "Бк"}


@dataclass(frozen=True)
class Party:
    name: str
    place: str  # a site's name, a country


@dataclass(frozen=True)
class Line:
    """One row of the declaration: its key, its label and value in English and Russian."""

    key: str
    label_en: str
    label_ru: str
    value_en: str
    value_ru: str


@dataclass(frozen=True)
class Declaration:
    reference: str
    required: bool  # False for an excepted package (no declaration is needed)
    consignor: Party
    consignee: Party
    un_number: str
    proper_shipping_name: str
    proper_shipping_name_ru: str
    hazard_class: str
    package_type: str
    nuclides: tuple[str, ...]
    form: str
    special_form: bool
    activity_bq: float
    activity_en: str
    activity_ru: str
    label: str | None
    transport_index: float | None
    exclusive_use: bool
    mode: str
    emergency_contact: str
    certification_en: str
    certification_ru: str
    lines: tuple[Line, ...]


def un_number_for(package_type: str, special_form: bool) -> str:
    """The UN number of a package type (Type A of special-form contents only: UN3332)."""
    if package_type not in PACKAGES:
        raise InvalidInput(f"package {package_type!r} is not one of {', '.join(PACKAGES)}",
                           field="package_type")
    if package_type == "Type A" and special_form:
        return UN_NUMBERS["Type A special form"]
    return UN_NUMBERS[package_type]


def activity_text(bq: float, *, russian: bool = False) -> str:
    """``"1.5 TBq (40.54 Ci)"`` — the SI-prefixed becquerels and the curies in brackets; in
    Russian with a decimal comma and Russian unit symbols (ТБк, Ки)."""
    if isinstance(bq, bool) or not math.isfinite(bq) or bq < 0:
        raise InvalidInput("an activity must be a finite number, not negative",
                           field="activity")
    si = format_activity(bq)
    ci = f"{bq / CI_BQ:.4g} Ci"
    if not russian:
        return f"{si} ({ci})"
    number, unit = si.split(" ")
    ci_number = ci.split(" ")[0]
    return f"{number.replace('.', ',')} {_RU_UNITS.get(unit, unit)} " \
           f"({ci_number.replace('.', ',')} Ки)"


def _ti_text(ti: float | None) -> str:
    return "—" if ti is None else f"{ti:g}"


def build(*, reference: str, consignor: Party, consignee: Party, contents: Sequence[Content],
          package_type: str, mode: str, label: str | None, transport_index: float | None,
          emergency_contact: str | None = None) -> Declaration:
    """The declaration of a package of ``contents`` (activities at dispatch) in a
    ``package_type`` package by ``mode``, labelled ``label`` with ``transport_index``."""
    if not contents:
        raise InvalidInput("a declaration needs the package's contents", field="contents")
    if mode not in CONVEYANCE_TI:
        raise InvalidInput(f"conveyance {mode!r} is not one of {', '.join(CONVEYANCE_TI)}",
                           field="mode")
    if label is not None and label not in LABEL_NAMES:
        raise InvalidInput(f"label {label!r} is not one of {', '.join(LABEL_NAMES)}",
                           field="label")
    forms = {c.form for c in contents}
    if len(forms) != 1 or next(iter(forms)) not in FORM_NAMES:
        raise InvalidInput("a declared package holds one physical form: solid, liquid or gas",
                           field="form")
    form = next(iter(forms))
    special = all(c.special_form for c in contents)
    for c in contents:
        if isinstance(c.activity_bq, bool) or not math.isfinite(c.activity_bq) \
                or c.activity_bq <= 0:
            raise InvalidInput(f"the activity of {c.nuclide} must be a positive number",
                               field="activity")
    un = un_number_for(package_type, special)
    total = math.fsum(c.activity_bq for c in contents)
    nuclides = tuple(dict.fromkeys(c.nuclide for c in contents))
    contact = (emergency_contact or "").strip() or DEFAULT_EMERGENCY_CONTACT
    exclusive = label == "III-YELLOW (exclusive use)"
    chem_en, chem_ru = CHEMICAL_FORMS[form] if special or form != "solid" \
        else ("solid, non-special form", "твёрдое вещество, не в особой форме")
    per_nuclide_en = "; ".join(f"{c.nuclide} {activity_text(c.activity_bq)}"
                               for c in contents)
    per_nuclide_ru = "; ".join(f"{c.nuclide} {activity_text(c.activity_bq, russian=True)}"
                               for c in contents)
    label_en, label_ru = LABEL_NAMES[label] if label is not None else (
        "none (excepted package, marked RADIOACTIVE inside)",
        "нет (освобождённая упаковка, маркировка «РАДИОАКТИВНО» внутри)")
    mode_en, mode_ru = MODE_NAMES[mode]
    lines = (
        Line("consignor", "Shipper (consignor)", "Грузоотправитель",
             f"{consignor.name}, {consignor.place}", f"{consignor.name}, {consignor.place}"),
        Line("consignee", "Consignee", "Грузополучатель",
             f"{consignee.name}, {consignee.place}", f"{consignee.name}, {consignee.place}"),
        Line("un_number", "UN number", "Номер ООН", un, un),
        Line("shipping_name", "Proper shipping name", "Надлежащее отгрузочное наименование",
             SHIPPING_NAMES[un], SHIPPING_NAMES_RU[un]),
        Line("class", "Class", "Класс", HAZARD_CLASS, HAZARD_CLASS),
        Line("package", "Package type", "Тип упаковки", *PACKAGE_NAMES[package_type]),
        Line("nuclides", "Radionuclide(s)", "Радионуклид(ы)", ", ".join(nuclides),
             ", ".join(nuclides)),
        Line("form", "Physical and chemical form", "Физическая и химическая форма",
             f"{FORM_NAMES[form][0]}, {chem_en}", f"{FORM_NAMES[form][1]}, {chem_ru}"),
        Line("special_form", "Special form", "Особая форма",
             "yes" if special else "no", "да" if special else "нет"),
        Line("activity", "Activity at dispatch", "Активность на момент отправки",
             per_nuclide_en if len(contents) > 1 else activity_text(total),
             per_nuclide_ru if len(contents) > 1 else activity_text(total, russian=True)),
        Line("label", "Label", "Знак опасности", label_en, label_ru),
        Line("transport_index", "Transport index", "Транспортный индекс",
             _ti_text(transport_index), _ti_text(transport_index).replace(".", ",")),
        Line("exclusive_use", "Exclusive use", "Исключительное использование",
             "yes — exclusive use shipment" if exclusive else "no",
             "да — перевозка в условиях исключительного использования" if exclusive
             else "нет"),
        Line("mode", "Mode of transport", "Вид транспорта", mode_en, mode_ru),
        Line("emergency", "Emergency contact", "Аварийный контакт", contact, contact),
    )
    return Declaration(
        reference=reference, required=package_type != "excepted", consignor=consignor,
        consignee=consignee, un_number=un, proper_shipping_name=SHIPPING_NAMES[un],
        proper_shipping_name_ru=SHIPPING_NAMES_RU[un], hazard_class=HAZARD_CLASS,
        package_type=package_type, nuclides=nuclides, form=form, special_form=special,
        activity_bq=total, activity_en=activity_text(total),
        activity_ru=activity_text(total, russian=True), label=label,
        transport_index=transport_index, exclusive_use=exclusive, mode=mode,
        emergency_contact=contact, certification_en=CERTIFICATION_EN,
        certification_ru=CERTIFICATION_RU, lines=lines)
