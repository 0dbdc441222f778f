"""The department's journals and records, read from what the hot lab wrote (issue #10, item 7).

Two Russian statutory journals (SanPiN 2.6.1.3288-15; /work/shared/reference/radiopharmacy.md
§2.5) and the NRC record sets of 10 CFR 35 subpart L:

- ``receipts_and_use`` — "Журнал учёта поступления и расхода радиоактивных веществ": every
  receipt of radioactive material from outside (a ledger receipt that is not a transfer) and
  every use of it (an elution, a kit preparation, a dose drawn, any other withdrawal or
  transfer, an administration, a disposal, activity put to waste) with the container's
  remaining decay-corrected balance just after it;
- ``administrations`` — "Журнал введения РФП пациентам" (SanPiN App. 10);
- ``dosage_records`` (35.2063), ``breakthrough_records`` (35.2204),
  ``decay_in_storage_records`` (35.2092), ``calibrator_records`` (35.2060).

Each function takes ``(db, actor, *, site_id=None, since, until)`` (aware times; the period is
``since <= t < until``), needs READ, sees the actor's organisation only (another
organisation's site is NotFound) and returns frozen rows in time order. Every row carries its
site's time zone so exports write local times with their offset. Nothing is computed that the
records do not hold: the effective dose of the administrations journal is "not computed"
(no dose coefficients are invented). ``to_csv`` writes one journal as CSV for Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import ledger as rules
from isoflow.domain.ledger import EventKind
from isoflow.domain.roles import Actor, Permission
from isoflow.errors import InvalidInput
from isoflow.services.clock import aware_utc
from isoflow.services.ledger_records import decay_constant, domain_event
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import (
    Administration,
    Appointment,
    CalibratorCheck,
    Dose,
    DoseCalibrator,
    Elution,
    GeneratorRecord,
    Kit,
    KitPreparation,
    Patient,
    Prescription,
    Procedure,
    WasteContainer,
    WasteItem,
)
from isoflow.store.models import Container, LedgerEvent, Site

NOT_COMPUTED = "not computed"


# ------------------------------------------------------------------ rows
@dataclass(frozen=True)
class ReceiptUseRow:
    """One line of the receipts-and-use journal. ``entry``: 'receipt' or 'use'; ``operation``:
    receipt, elution, kit_preparation, dose_drawn, transfer, withdrawal, administration,
    disposal, waste."""

    at: datetime
    zone: str
    site_id: int
    entry: str
    operation: str
    container_id: int
    container_label: str
    nuclide: str
    compound: str
    activity_bq: float
    volume_ml: float | None
    #: what the container holds just after the line, decay-corrected to ``at`` [Bq]
    balance_bq: float | None
    serial: str | None
    supplier: str | None
    document: str | None
    recorded_by: str


@dataclass(frozen=True)
class AdministrationRow:
    at: datetime
    zone: str
    site_id: int
    administration_id: int
    org_id: int
    patient_id: int
    record_number: str
    patient_name: str
    age_years: int
    accession_number: str
    radiopharmaceutical: str
    nuclide: str
    volume_ml: float
    activity_bq: float
    prescribed_bq: float
    procedure: str
    repeat: bool
    route: str
    administered_by: str
    flagged: bool
    effective_dose: str = NOT_COMPUTED


@dataclass(frozen=True)
class DosageRow:
    at: datetime
    zone: str
    site_id: int
    dose_id: int
    radiopharmaceutical: str
    record_number: str
    patient_name: str
    prescribed_bq: float | None
    determined_bq: float
    determined_by: str


@dataclass(frozen=True)
class BreakthroughRow:
    at: datetime
    zone: str
    site_id: int
    elution_id: int
    generator_serial: str | None
    eluate_bq: float
    mo99_bq: float
    #: None when the eluate's activity is not positive (no ratio to state)
    ratio_kbq_per_mbq: float | None
    passed: bool | None
    measured_by: str


@dataclass(frozen=True)
class DecayInStorageRow:
    at: datetime
    zone: str
    site_id: int
    waste_id: int
    label: str
    nuclides: str
    instrument: str | None
    background_usv_h: float | None
    surface_usv_h: float | None
    surveyed_at: datetime | None
    surveyed_by: str | None
    disposed_by: str | None


@dataclass(frozen=True)
class CalibratorRow:
    at: datetime
    zone: str
    site_id: int
    check_id: int
    calibrator: str
    model: str
    serial: str
    test: str
    nuclide: str | None
    expected_bq: float | None
    measured_bq: float | None
    deviation: float | None
    passed: bool
    performed_by: str


# ------------------------------------------------------------------ common
@dataclass(frozen=True)
class _Scope:
    since: datetime
    until: datetime
    sites: dict[int, Site]

    def zone(self, site_id: int) -> str:
        return self.sites[site_id].timezone

    @property
    def site_ids(self) -> list[int]:
        return list(self.sites)


def _period(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    since, until = aware_utc(since, "since"), aware_utc(until, "until")
    if until <= since:
        raise InvalidInput("until must be after since", field="until")
    return since, until


def _scope(s: Session, actor: Actor, site_id: int | None, since: datetime,
           until: datetime) -> _Scope:
    actor.require(Permission.READ)
    since, until = _period(since, until)
    if site_id is not None:
        site = visible_site(s, actor, site_id)
        return _Scope(since, until, {site.id: site})
    q = select(Site).order_by(Site.id)
    if actor.org_id is not None:
        q = q.where(Site.org_id == actor.org_id)
    return _Scope(since, until, {site.id: site for site in s.scalars(q)})


def _in(column: Any, scope: _Scope) -> Any:
    return (column >= scope.since) & (column < scope.until)


def _name(p: Patient) -> str:
    return f"{p.family_name} {p.given_name}"


def _age(birth: date, at: datetime, zone: str) -> int:
    day = at.astimezone(ZoneInfo(zone)).date()
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# ------------------------------------------------------------------ receipts and use
def _events(s: Session, container_ids: Sequence[int]) -> dict[int, list[LedgerEvent]]:
    out: dict[int, list[LedgerEvent]] = {cid: [] for cid in container_ids}
    for chunk in range(0, len(container_ids), 500):
        ids = container_ids[chunk:chunk + 500]
        for e in s.scalars(select(LedgerEvent).where(LedgerEvent.container_id.in_(ids))
                           .order_by(LedgerEvent.container_id, LedgerEvent.seq)):
            out[e.container_id].append(e)
    return out


def receipts_and_use(db: Database, actor: Actor, *, site_id: int | None = None,
                     since: datetime, until: datetime) -> list[ReceiptUseRow]:
    """Receipts of radioactive material (not transfers) and its uses in the period, with the
    container's balance just after each line. Voided events are left out; corrected ones
    appear as corrected. The compound/form is the generator type or the container's kind
    and label; the accompanying document is the receipt's note (there is no column of its
    own)."""
    with db.read() as s:
        scope = _scope(s, actor, site_id, since, until)
        if not scope.sites:
            return []
        containers = {c.id: c for c in s.scalars(
            select(Container).where(Container.site_id.in_(scope.site_ids),
                                    Container.received_at < scope.until))}
        events = _events(s, list(containers))
        generators = {g.container_id: g for g in s.scalars(
            select(GeneratorRecord).where(GeneratorRecord.container_id.in_(list(containers))))}
        elutions = list(s.scalars(select(Elution).where(
            Elution.eluate_container_id.in_(list(containers)))))
        eluates = {e.eluate_container_id for e in elutions}
        kit_names = {int(v): str(n) for v, n in s.execute(
            select(KitPreparation.vial_container_id, Kit.radiopharmaceutical)
            .join(Kit, Kit.id == KitPreparation.kit_id)
            .where(KitPreparation.vial_container_id.in_(list(containers))))}
        syringes = set(s.scalars(select(Dose.syringe_container_id)
                                 .where(Dose.syringe_container_id.in_(list(containers)))))
        admins = list(s.execute(
            select(Administration, Dose.syringe_container_id, Dose.volume_ml)
            .join(Dose, Dose.id == Administration.dose_id)
            .where(Dose.syringe_container_id.in_(list(containers)),
                   _in(Administration.administered_at, scope))))
        waste = list(s.execute(
            select(WasteItem, WasteContainer.site_id, WasteContainer.label)
            .join(WasteContainer, WasteContainer.id == WasteItem.waste_id)
            .where(WasteContainer.site_id.in_(scope.site_ids),
                   _in(WasteItem.added_at, scope))))

    def compound(c: Container) -> str:
        g = generators.get(c.id)
        if g is not None:
            return g.generator_type
        if c.id in kit_names:
            return kit_names[c.id]
        return c.label

    def balance(c: Container, at: datetime) -> float:
        dom = [domain_event(e) for e in events[c.id]]
        return max(rules.holding_at(decay_constant(c.nuclide), dom, at).activity_bq, 0.0)

    rows: list[ReceiptUseRow] = []

    def line(c: Container, at: datetime, entry: str, operation: str, activity: float,
             volume: float | None, by: str, *, document: str | None = None) -> None:
        g = generators.get(c.id)
        rows.append(ReceiptUseRow(
            at=at, zone=scope.zone(c.site_id), site_id=c.site_id, entry=entry,
            operation=operation, container_id=c.id, container_label=c.label,
            nuclide=c.nuclide, compound=compound(c), activity_bq=activity, volume_ml=volume,
            balance_bq=balance(c, at), serial=None if g is None else g.serial,
            supplier=None if g is None else g.supplier, document=document, recorded_by=by))

    administered_syringes = {cid for _, cid, _ in admins}
    for c in containers.values():
        stored = events[c.id]
        by_id = {e.id: e for e in stored}
        for e in rules.effective_events([domain_event(x) for x in stored]):
            if not (scope.since <= e.occurred_at < scope.until):
                continue
            row = by_id[e.id]
            if e.kind is EventKind.RECEIPT:
                if c.source_container_id is None and c.id not in eluates:
                    line(c, e.occurred_at, "receipt", "receipt", e.activity_bq or 0.0,
                         e.volume_ml, row.recorded_by, document=row.note)
            elif e.kind is EventKind.WITHDRAWAL:
                into = row.counterpart_container_id
                if (into is None and c.id in administered_syringes) or into in eluates:
                    continue  # the administration's or the elution's own line says it
                op = ("kit_preparation" if into in kit_names
                      else "dose_drawn" if into in syringes else "transfer"
                      if into is not None else "withdrawal")
                line(c, e.occurred_at, "use", op, e.activity_bq or 0.0, e.volume_ml,
                     row.recorded_by)
            elif e.kind is EventKind.DISPOSAL:
                line(c, e.occurred_at, "use", "disposal", 0.0, None, row.recorded_by,
                     document=row.note)
    for el in elutions:
        if scope.since <= el.eluted_at < scope.until:
            line(containers[el.eluate_container_id], el.eluted_at, "use", "elution",
                 el.measured_bq, el.volume_ml, el.performed_by)
    for a, syringe_id, volume in admins:
        line(containers[syringe_id], a.administered_at, "use", "administration", a.net_bq,
             volume, a.administered_by)
    for item, site, label in waste:
        rows.append(ReceiptUseRow(
            at=item.added_at, zone=scope.zone(site), site_id=site, entry="use",
            operation="waste", container_id=item.source_container_id or 0,
            container_label=label, nuclide=item.nuclide,
            compound=item.description or label, activity_bq=item.activity_bq, volume_ml=None,
            balance_bq=None, serial=None, supplier=None, document=None,
            recorded_by=item.added_by))
    rows.sort(key=lambda r: (r.at, r.entry != "receipt", r.container_id))
    return rows


# ------------------------------------------------------------------ patients
def _dose_query(scope: _Scope) -> Any:
    return (select(Administration, Dose, Appointment, Patient, Procedure)
            .join(Dose, Dose.id == Administration.dose_id)
            .join(Appointment, Appointment.id == Administration.appointment_id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .join(Procedure, Procedure.id == Appointment.procedure_id)
            .where(Appointment.site_id.in_(scope.site_ids)))


def administrations(db: Database, actor: Actor, *, site_id: int | None = None,
                    since: datetime, until: datetime) -> list[AdministrationRow]:
    """SanPiN App. 10: who received what, when, how much. ``repeat``: the patient had the
    same procedure administered before (in any period)."""
    with db.read() as s:
        scope = _scope(s, actor, site_id, since, until)
        if not scope.sites:
            return []
        found = list(s.execute(_dose_query(scope).where(_in(Administration.administered_at,
                                                            scope))
                               .order_by(Administration.administered_at, Administration.id)))
        earlier: dict[tuple[int, int], datetime] = {}
        patients = list({p.id for *_, p, _ in found})
        if patients:
            for pid, proc, at in s.execute(
                    select(Appointment.patient_id, Appointment.procedure_id,
                           Administration.administered_at)
                    .join(Administration, Administration.appointment_id == Appointment.id)
                    .where(Appointment.patient_id.in_(patients))):
                key = (pid, proc)
                earlier[key] = min(at, earlier.get(key, at))
    return [AdministrationRow(
        at=a.administered_at, zone=scope.zone(ap.site_id), site_id=ap.site_id,
        administration_id=a.id, org_id=a.org_id, patient_id=p.id,
        record_number=p.record_number,
        patient_name=_name(p), age_years=_age(p.birth_date, a.administered_at,
                                              scope.zone(ap.site_id)),
        accession_number=ap.accession_number, radiopharmaceutical=proc.radiopharmaceutical,
        nuclide=proc.nuclide, volume_ml=d.volume_ml, activity_bq=a.net_bq,
        prescribed_bq=a.prescribed_bq, procedure=proc.name,
        repeat=earlier[(p.id, proc.id)] < a.administered_at, route=a.route,
        administered_by=a.administered_by, flagged=a.flagged)
        for a, d, ap, p, proc in found]


def dosage_records(db: Database, actor: Actor, *, site_id: int | None = None,
                   since: datetime, until: datetime) -> list[DosageRow]:
    """10 CFR 35.2063: each dosage determined (assayed) before administration, with the
    prescription and who drew and assayed it (the dose's ``drawn_by``: no separate column)."""
    with db.read() as s:
        scope = _scope(s, actor, site_id, since, until)
        if not scope.sites:
            return []
        found = list(s.execute(
            select(Dose, Appointment, Patient, Procedure, Prescription.activity_bq)
            .join(Appointment, Appointment.id == Dose.appointment_id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .join(Procedure, Procedure.id == Appointment.procedure_id)
            .outerjoin(Prescription, Prescription.appointment_id == Appointment.id)
            .where(Appointment.site_id.in_(scope.site_ids), Dose.assayed_bq.is_not(None),
                   Dose.assayed_at.is_not(None), _in(Dose.assayed_at, scope))
            .order_by(Dose.assayed_at, Dose.id)))
    return [DosageRow(
        at=d.assayed_at, zone=scope.zone(ap.site_id), site_id=ap.site_id,  # type: ignore[arg-type]
        dose_id=d.id,
        radiopharmaceutical=proc.radiopharmaceutical, record_number=p.record_number,
        patient_name=_name(p), prescribed_bq=rx, determined_bq=float(d.assayed_bq or 0.0),
        determined_by=d.drawn_by)
        for d, ap, p, proc, rx in found]


# ------------------------------------------------------------------ hot lab
def breakthrough_records(db: Database, actor: Actor, *, site_id: int | None = None,
                         since: datetime, until: datetime) -> list[BreakthroughRow]:
    """10 CFR 35.2204: the Mo-99 measured in each eluate, as kBq Mo-99 per MBq Tc-99m at
    elution, with the time and who measured it. Elutions without a Mo-99 reading are not
    records of a measurement and are left out."""
    with db.read() as s:
        scope = _scope(s, actor, site_id, since, until)
        if not scope.sites:
            return []
        found = list(s.execute(
            select(Elution, Container.site_id, GeneratorRecord.serial)
            .join(Container, Container.id == Elution.generator_container_id)
            .outerjoin(GeneratorRecord,
                       GeneratorRecord.container_id == Elution.generator_container_id)
            .where(Container.site_id.in_(scope.site_ids), Elution.mo99_bq.is_not(None),
                   _in(Elution.eluted_at, scope))
            .order_by(Elution.eluted_at, Elution.id)))
    return [BreakthroughRow(
        at=e.eluted_at, zone=scope.zone(site), site_id=site, elution_id=e.id,
        generator_serial=serial, eluate_bq=e.measured_bq, mo99_bq=float(e.mo99_bq or 0.0),
        ratio_kbq_per_mbq=(float(e.mo99_bq or 0.0) / 1e3) / (e.measured_bq / 1e6)
        if e.measured_bq > 0 else None,
        passed=e.breakthrough_passed, measured_by=e.performed_by)
        for e, site, serial in found]


def decay_in_storage_records(db: Database, actor: Actor, *, site_id: int | None = None,
                             since: datetime, until: datetime) -> list[DecayInStorageRow]:
    """10 CFR 35.2092: each waste container disposed of in the period: the date, the survey
    instrument, the background and surface readings, who surveyed, and its radionuclides."""
    with db.read() as s:
        scope = _scope(s, actor, site_id, since, until)
        if not scope.sites:
            return []
        found = list(s.scalars(
            select(WasteContainer)
            .where(WasteContainer.site_id.in_(scope.site_ids),
                   WasteContainer.disposed_at.is_not(None),
                   _in(WasteContainer.disposed_at, scope))
            .order_by(WasteContainer.disposed_at, WasteContainer.id)))
        nuclides: dict[int, set[str]] = {}
        if found:
            for wid, n in s.execute(select(WasteItem.waste_id, WasteItem.nuclide)
                                    .where(WasteItem.waste_id.in_([w.id for w in found]))):
                nuclides.setdefault(wid, set()).add(n)
    return [DecayInStorageRow(
        at=w.disposed_at, zone=scope.zone(w.site_id), site_id=w.site_id,  # type: ignore[arg-type]
        waste_id=w.id, label=w.label, nuclides=", ".join(sorted(nuclides.get(w.id, ()))),
        instrument=w.instrument, background_usv_h=w.background_usv_h,
        surface_usv_h=w.surface_usv_h, surveyed_at=w.surveyed_at, surveyed_by=w.surveyed_by,
        disposed_by=w.disposed_by) for w in found]


def calibrator_records(db: Database, actor: Actor, *, site_id: int | None = None,
                       since: datetime, until: datetime) -> list[CalibratorRow]:
    """10 CFR 35.2060: each calibrator test: the instrument's model and serial, the date,
    the results and who performed it."""
    with db.read() as s:
        scope = _scope(s, actor, site_id, since, until)
        if not scope.sites:
            return []
        found = list(s.execute(
            select(CalibratorCheck, DoseCalibrator)
            .join(DoseCalibrator, DoseCalibrator.id == CalibratorCheck.calibrator_id)
            .where(DoseCalibrator.site_id.in_(scope.site_ids),
                   _in(CalibratorCheck.performed_at, scope))
            .order_by(CalibratorCheck.performed_at, CalibratorCheck.id)))
    return [CalibratorRow(
        at=c.performed_at, zone=scope.zone(cal.site_id), site_id=cal.site_id, check_id=c.id,
        calibrator=cal.name, model=cal.model, serial=cal.serial, test=c.kind,
        nuclide=c.nuclide, expected_bq=c.expected_bq, measured_bq=c.measured_bq,
        deviation=c.deviation, passed=c.passed, performed_by=c.performed_by)
        for c, cal in found]


# ------------------------------------------------------------------ columns and CSV
@dataclass(frozen=True)
class Column:
    """A journal's column: the row's attribute (or ``number``: the line number), its title in
    English and in Russian, and how a value is written (``unit``: 'MBq', 'kBq/MBq'...)."""

    key: str
    en: str
    ru: str
    unit: str | None = None

    def title(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True)
class Journal:
    name: str
    title_en: str
    title_ru: str
    reference: str
    #: statutory Russian journal: printed in Russian whatever the interface language
    russian: bool
    read: Callable[..., Sequence[Any]]
    columns: tuple[Column, ...]

    def title(self, lang: str) -> str:
        return self.title_ru if self.russian or lang == "ru" else self.title_en


N = Column("number", "No.", "№ п/п")
JOURNALS: dict[str, Journal] = {j.name: j for j in (
    Journal("receipts-and-use", "Receipt and use of radioactive substances",
            "Журнал учёта поступления и расхода радиоактивных веществ",
            "СанПиН 2.6.1.3288-15; ОСПОРБ-99/2010", True, receipts_and_use, (
                N, Column("at", "Date and time", "Дата и время"),
                Column("entry", "Entry", "Приход / расход"),
                Column("operation", "Operation", "Операция"),
                Column("nuclide", "Radionuclide", "Радионуклид"),
                Column("compound", "Compound, form", "Соединение, форма"),
                Column("container_id", "Container", "Контейнер"),
                Column("serial", "Passport / serial no.", "№ паспорта / серийный №"),
                Column("supplier", "Supplier", "Поставщик"),
                Column("document", "Accompanying document", "Сопроводительный документ"),
                Column("activity_bq", "Activity, MBq", "Активность, МБк", "MBq"),
                Column("volume_ml", "Volume, mL", "Объём, мл", "mL"),
                Column("balance_bq", "Balance, MBq", "Остаток, МБк", "MBq"),
                Column("recorded_by", "Recorded by", "Ф.И.О. исполнителя"))),
    Journal("administrations", "Administration of radiopharmaceuticals to patients",
            "Журнал введения РФП пациентам", "СанПиН 2.6.1.3288-15, прил. 10", True,
            administrations, (
                N, Column("at", "Date and time of administration", "Дата и время введения"),
                Column("patient_name", "Patient full name", "Ф.И.О. пациента"),
                Column("age_years", "Age", "Возраст"),
                Column("accession_number", "Protocol no.", "№ протокола"),
                Column("radiopharmaceutical", "Radiopharmaceutical", "РФП"),
                Column("volume_ml", "Volume, mL", "Объём, мл", "mL"),
                Column("activity_bq", "Activity, MBq", "Активность, МБк", "MBq"),
                Column("procedure", "Region examined", "Область исследования"),
                Column("repeat", "First or repeat study", "Первичное / повторное"),
                Column("effective_dose", "Effective dose, mSv", "Эффективная доза, мЗв"),
                Column("administered_by", "Administered by", "Ф.И.О. исполнителя"))),
    Journal("dosages", "Records of dosages", "Записи о дозировках", "10 CFR 35.2063", False,
            dosage_records, (
                N, Column("at", "Date and time determined", "Дата и время измерения"),
                Column("radiopharmaceutical", "Radiopharmaceutical", "РФП"),
                Column("record_number", "Patient ID", "ID пациента"),
                Column("patient_name", "Patient name", "Ф.И.О. пациента"),
                Column("prescribed_bq", "Prescribed dosage, MBq", "Назначено, МБк", "MBq"),
                Column("determined_bq", "Determined dosage, MBq", "Измерено, МБк", "MBq"),
                Column("determined_by", "Determined by", "Кто измерил"))),
    Journal("breakthrough", "Molybdenum-99 breakthrough", "Проскок молибдена-99",
            "10 CFR 35.2204", False, breakthrough_records, (
                N, Column("at", "Date and time of elution", "Дата и время элюирования"),
                Column("generator_serial", "Generator serial", "Серийный № генератора"),
                Column("eluate_bq", "Tc-99m, MBq", "Tc-99m, МБк", "MBq"),
                Column("mo99_bq", "Mo-99, kBq", "Mo-99, кБк", "kBq"),
                Column("ratio_kbq_per_mbq", "Ratio, kBq/MBq", "Отношение, кБк/МБк", "ratio"),
                Column("passed", "Within limit", "В пределах нормы"),
                Column("measured_by", "Measured by", "Кто измерил"))),
    Journal("decay-in-storage", "Decay-in-storage disposals",
            "Удаление отходов после выдержки на распад", "10 CFR 35.2092", False,
            decay_in_storage_records, (
                N, Column("at", "Date of disposal", "Дата удаления"),
                Column("label", "Container", "Контейнер"),
                Column("nuclides", "Radionuclides", "Радионуклиды"),
                Column("instrument", "Survey instrument", "Прибор"),
                Column("background_usv_h", "Background, µSv/h", "Фон, мкЗв/ч"),
                Column("surface_usv_h", "Surface, µSv/h", "На поверхности, мкЗв/ч"),
                Column("surveyed_by", "Surveyed by", "Кто измерил"))),
    Journal("calibrators", "Dose calibrator checks", "Проверки дозкалибратора",
            "10 CFR 35.2060", False, calibrator_records, (
                N, Column("at", "Date and time", "Дата и время"),
                Column("calibrator", "Calibrator", "Дозкалибратор"),
                Column("model", "Model", "Модель"), Column("serial", "Serial", "Серийный №"),
                Column("test", "Test", "Проверка"), Column("nuclide", "Nuclide", "Нуклид"),
                Column("expected_bq", "Expected, MBq", "Ожидалось, МБк", "MBq"),
                Column("measured_bq", "Measured, MBq", "Измерено, МБк", "MBq"),
                Column("deviation", "Deviation, %", "Отклонение, %", "percent"),
                Column("passed", "Passed", "Годен"),
                Column("performed_by", "Performed by", "Кто выполнил"))),
)}

_WORDS = {
    "en": {True: "yes", False: "no", "receipt": "receipt", "use": "use",
           "repeat": {True: "repeat", False: "first"}},
    "ru": {True: "да", False: "нет", "receipt": "приход", "use": "расход",
           "repeat": {True: "повторное", False: "первичное"}},
}
OPERATIONS = {
    "receipt": ("receipt", "поступление"), "elution": ("elution", "элюирование"),
    "kit_preparation": ("kit preparation", "приготовление РФП из набора"),
    "dose_drawn": ("dose drawn", "фасовка дозы"), "transfer": ("transfer", "перенос"),
    "withdrawal": ("withdrawal", "расход"), "administration": ("administration", "введение"),
    "disposal": ("disposal", "списание"), "waste": ("to waste", "в отходы"),
}


def journal(name: str) -> Journal:
    try:
        return JOURNALS[name]
    except KeyError:
        raise InvalidInput(f"unknown journal {name!r}; one of: {', '.join(JOURNALS)}",
                           field="name") from None


def cell(row: Any, column: Column, lang: str, number: int = 0) -> str:
    """A value as written in a journal: times ISO 8601 in the site's zone with the offset,
    activities in MBq (kBq for Mo-99), booleans as words, empty for nothing."""
    if column.key == "number":
        return str(number)
    value = getattr(row, column.key)
    words = _WORDS["ru" if lang == "ru" else "en"]
    if value is None:
        return ""
    if column.key == "effective_dose":
        return "не рассчитывается" if lang == "ru" else NOT_COMPUTED
    if column.key == "repeat":
        return str(words["repeat"][bool(value)])  # type: ignore[index]
    if column.key == "entry":
        return str(words[value])
    if column.key == "operation":
        en, ru = OPERATIONS.get(value, (value, value))
        return str(ru if lang == "ru" else en)
    if isinstance(value, bool):
        return str(words[value])
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(row.zone)).isoformat(timespec="seconds")
    if isinstance(value, float):
        scaled = {"MBq": 1e-6, "kBq": 1e-3, "percent": 100.0}.get(column.unit or "", 1.0)
        return f"{value * scaled:.6g}"
    return str(value)


def to_csv(rows: Iterable[Any], columns: Sequence[Column], lang: str = "en") -> str:
    """One journal as CSV: UTF-8 with a byte-order mark (Excel reads it as UTF-8), a header
    row of the column titles in ``lang``, one line per row, numbered from 1."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([c.title(lang) for c in columns])
    for i, row in enumerate(rows, 1):
        w.writerow([cell(row, c, lang, i) for c in columns])
    return out.getvalue()


def as_dict(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values (times ISO 8601 in UTC... with the site's zone named)."""
    out: dict[str, Any] = {}
    for f in fields(row):
        v = getattr(row, f.name)
        out[f.name] = v.isoformat() if isinstance(v, datetime) else v
    return out


def read(db: Database, actor: Actor, name: str, *, site_id: int | None = None,
         since: datetime, until: datetime) -> list[Any]:
    """The rows of the journal called ``name`` (a key of JOURNALS)."""
    return list(journal(name).read(db, actor, site_id=site_id, since=since, until=until))
