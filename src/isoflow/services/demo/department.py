"""The demo department's week (issue #10 item 9), through the ordinary services and as the
demo's own users — the physician prescribes, the technologist elutes, draws and administers,
the radiopharmacist prepares and releases kits with her signature, the radiation-safety officer
runs the calibrator QC and the waste — so the audit trail reads like a real department's.
Each record is written with the clock set to the time it stands for (``clock.as_of``), so
signatures and audit entries carry those times.

What it writes, dated relative to the anchor day (isoflow.services.demo.history.anchor_day):

- the default catalogue (procedures and kits), two SPECT cameras ``SPECT1`` and ``SPECT2``,
  a dose calibrator;
- calibrator QC: accuracy within the year, linearity within the quarter, constancy with the
  Cs-137 check source every working morning;
- GT-4K generators delivered on the first working day and then every Monday, Wednesday and
  Friday, each with its package survey; the elutions the day plan asks for
  (isoflow.services.day_plan), each eluate measured a little above the model's prediction,
  with its Mo-99 breakthrough and aluminium tests;
- the week's appointments (isoflow.services.demo.department_days: 20–30 a day, all Tc-99m,
  children dosed by the EANM card), prescribed up to the first working day after the anchor
  day;
- for each working day up to the anchor day, the kit vials the day plan asks for (prepared,
  RCP tested, released by the radiopharmacist's signature) and every dose drawn, assayed and
  administered as planned — on
  the anchor day only those due by 11:00, so that everything lies in the past;
  one administration outside the ±20 % tolerance, recorded with its reason for the RSO;
- a decay-in-storage waste container with the week's syringe residues.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from isoflow.domain.roles import Actor
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import (
    catalogue,
    day_plan,
    doses,
    elutions,
    kits,
    ledger,
    quality,
    schedule,
    waste,
)
from isoflow.services.clock import as_of
from isoflow.services.demo.department_days import DemoAppointment, day_bookings, working_days
from isoflow.services.demo.history import (
    GENERATOR_BQ,
    GENERATOR_TYPE,
    HOSPITAL_TIMEZONE,
    SUPPLIER_TIMEZONE,
    at,
)
from isoflow.store.db import Database

MBQ = 1e6
#: on the anchor day, what is due up to this local time is done
CUTOFF = time(11, 0)
#: the dose calibrator's Cs-137 check source: 7.4 MBq on its certificate date
CHECK_SOURCE_BQ, CHECK_SOURCE_REFERENCE = 7.4 * MBQ, datetime.fromisoformat(
    "2021-03-01T12:00:00+00:00")
TC99M_LAMBDA = math.log(2) / get_nuclide("Tc-99m").half_life_s


@dataclass(frozen=True)
class Staff:
    admin: Actor
    physician: Actor
    technologist: Actor
    radiopharmacist: Actor
    rph_password: str
    rso: Actor


def _local(day: date, hh: int, mm: int) -> datetime:
    """``hh:mm`` in Bishkek on ``day``, in UTC."""
    return at(day, 0, hh, mm, HOSPITAL_TIMEZONE)


def department_history(db: Database, staff: Staff, site_id: int, anchor: date) -> None:
    """Write the department's week (see the module docstring)."""
    admin = staff.admin
    days = working_days(anchor)
    with as_of(_local(days[0], 7, 0) - timedelta(days=7)):
        catalogue.install_defaults(db, admin)
        cameras = [catalogue.add_camera(db, admin, site_id=site_id, name=f"SPECT {i}",
                                        ae_title=f"SPECT{i}").id for i in (1, 2)]
        calibrator = catalogue.add_calibrator(db, admin, site_id=site_id,
                                              name="Hot-lab dose calibrator",
                                              model="Capintec CRC-25R", serial="25R-61342").id
    procedures = {p.code: p for p in catalogue.list_procedures(db, admin)}
    _calibrator_qc(db, staff.rso, calibrator, days[0])
    appointments = _book_the_week(db, staff, procedures, cameras, days)
    with as_of(_local(days[0], 7, 0)):
        bin_id = waste.open_waste(db, staff.rso, site_id=site_id,
                                  label=f"Decay-in-storage bin, week of {days[0]:%d.%m.%Y}").id
    kit_ids = {k.code: k.id for k in catalogue.list_kits(db, admin)}
    flagged = False
    ahead = [d for d in days if d > anchor][:1]  # the next working day: prescribed already
    for n, day in enumerate(days):
        if day > anchor and day not in ahead:
            break
        _prescribe(db, staff, appointments[day], _local(day, 7, 0) if day <= anchor
                   else _local(anchor, 10, 30))
        if day > anchor:
            break
        _constancy(db, staff.rso, calibrator, day, n)
        if n == 0 or day.weekday() in (0, 2, 4):
            _receive_generator(db, staff.technologist, site_id, day)
        cutoff = CUTOFF if day == anchor else time(23, 59)
        flagged = _run_the_day(db, staff, site_id, day, cutoff, kit_ids, calibrator, bin_id,
                               flag_one=not flagged) or flagged


def _run_the_day(db: Database, staff: Staff, site_id: int, day: date, cutoff: time,
                 kit_ids: dict[str, int], calibrator: int, bin_id: int, *,
                 flag_one: bool) -> bool:
    """Follow the day plan up to ``cutoff``: elutions, kit vials, draws and injections."""
    plan = day_plan.plan_day(db, staff.technologist, site_id=site_id, day=day)
    limit = at(day, 0, cutoff.hour, cutoff.minute, HOSPITAL_TIMEZONE)
    tech, rph = staff.technologist, staff.radiopharmacist
    sources: dict[str, int] = {}
    for e in plan.elutions:
        if e.recorded or e.at > limit:
            continue
        generator = int(e.generator_id.lstrip("G"))
        first = not elutions.generator_detail(db, tech, generator, at=e.at).elutions
        with as_of(e.at + timedelta(minutes=5)):
            measured = elutions.predict(db, tech, generator, at=e.at) * 1.03
            done = elutions.elute(db, tech, generator, eluted_at=e.at, volume_ml=e.volume_ml,
                                  measured_bq=measured,
                                  mo99_bq=measured * 0.02e-3 if first else None,
                                  aluminium_ug_per_ml=2.0 if first else None,
                                  calibrator_id=calibrator)
        sources[e.id] = done.eluate_container_id
    for v in plan.vials:
        if v.prepare_at > limit or v.elution_id not in sources:
            continue
        with as_of(v.prepare_at + timedelta(minutes=2)):
            prep = kits.prepare_kit(db, rph, kit_id=kit_ids[v.kit_code],
                                    kit_lot=f"{v.kit_code}-{day:%y%m%d}-{v.id}",
                                    eluate_container_id=sources[v.elution_id],
                                    prepared_at=v.prepare_at, activity_bq=v.activity_bq,
                                    volume_ml=v.eluate_volume_ml)
        with as_of(v.rcp_at):
            kits.record_rcp(db, rph, prep.id, rcp_fraction=0.97, tested_at=v.rcp_at)
        with as_of(v.release_at):
            kits.release_kit(db, rph, prep.id, password=staff.rph_password,
                             comment="RCP 97 %; appearance and pH conform")
        sources[v.id] = prep.vial_container_id
    flagged = False
    for d in plan.draws:
        if d.injection_at > limit or d.source_id not in sources or d.appointment_id is None:
            continue
        with as_of(d.draw_at + timedelta(minutes=1)):
            dose = doses.draw_dose(db, tech, appointment_id=d.appointment_id,
                                   source_container_id=sources[d.source_id],
                                   drawn_at=d.draw_at, calibrator_id=calibrator)
            assayed_at = d.draw_at + timedelta(minutes=1)
            assayed = dose.wanted_bq * math.exp(
                -TC99M_LAMBDA * (assayed_at - d.injection_at).total_seconds())
            doses.assay_dose(db, tech, dose.id, assayed_bq=assayed * (1 + _wobble(d.dose_id)),
                             assayed_at=assayed_at, calibrator_id=calibrator)
        residual, reason = 0.03 * dose.wanted_bq, None
        if flag_one and not flagged and dose.wanted_bq > 400 * MBQ:
            # the line clotted: a third of the dose stayed in the syringe — recorded with a
            # reason and flagged for the radiation-safety officer
            residual, flagged = 0.35 * dose.wanted_bq, True
            reason = ("Partial injection: the line clotted and about a third of the dose "
                      "stayed in the syringe; imaging went ahead, physician informed")
        with as_of(d.injection_at + timedelta(minutes=3)):
            given = doses.administer(db, tech, dose.id, administered_at=d.injection_at,
                                     residual_bq=residual,
                                     residual_at=d.injection_at + timedelta(minutes=2),
                                     reason=reason)
            waste.add_waste(db, staff.rso, bin_id, nuclide="Tc-99m", activity_bq=residual,
                            reference_at=given.residual_at,
                            description=f"Syringe residue, dose {dose.id}")
    return flagged


def _wobble(key: str) -> float:
    """A calibrator reading a little off the book value (within ±3 %), fixed per dose."""
    return ((sum(map(ord, key)) % 13) - 6) / 200.0


def _cs137(t: datetime, factor: float) -> float:
    lam = math.log(2) / get_nuclide("Cs-137").half_life_s
    return CHECK_SOURCE_BQ * math.exp(-lam * (t - CHECK_SOURCE_REFERENCE).total_seconds()) \
        * factor


def _calibrator_qc(db: Database, rso: Actor, calibrator: int, first: date) -> None:
    """Accuracy within the year, linearity (decay method) within the quarter."""
    t = _local(first, 7, 30) - timedelta(days=120)
    with as_of(t + timedelta(minutes=10)):
        quality.record_accuracy(db, rso, calibrator, performed_at=t, nuclide="Cs-137",
                                reference_bq=CHECK_SOURCE_BQ,
                                reference_at=CHECK_SOURCE_REFERENCE,
                                measured_bq=_cs137(t, 1.012))
    start = _local(first, 8, 0) - timedelta(days=40)
    readings = [(start + timedelta(hours=8 * k),
                 3.7e9 * math.exp(-TC99M_LAMBDA * 8 * 3600 * k) * (1 + 0.004 * (-1) ** k))
                for k in range(8)]
    with as_of(readings[-1][0] + timedelta(minutes=10)):
        quality.record_linearity(db, rso, calibrator, readings=readings, nuclide="Tc-99m")


def _constancy(db: Database, rso: Actor, calibrator: int, day: date, n: int) -> None:
    t = _local(day, 6, 45)
    with as_of(t + timedelta(minutes=2)):
        quality.record_constancy(db, rso, calibrator, performed_at=t, nuclide="Cs-137",
                                 reference_bq=CHECK_SOURCE_BQ,
                                 reference_at=CHECK_SOURCE_REFERENCE,
                                 measured_bq=_cs137(t, 1.0 + 0.006 * ((n % 3) - 1)))


Booked = list[tuple[DemoAppointment, schedule.AppointmentView]]


def _book_the_week(db: Database, staff: Staff, procedures: dict[str, catalogue.ProcedureView],
                   cameras: list[int], days: list[date]) -> dict[date, Booked]:
    """The week's bookings, made at the reception the week before."""
    booked: dict[date, Booked] = defaultdict(list)
    with as_of(_local(days[0], 9, 0) - timedelta(days=5)):
        for day in days:
            for a in day_bookings(day):
                patient = schedule.patient_by_record(db, staff.technologist, a.record_number) \
                    or schedule.register_patient(
                        db, staff.technologist, record_number=a.record_number,
                        family_name=a.family_name, given_name=a.given_name,
                        birth_date=a.birth_date, sex=a.sex, weight_kg=a.weight_kg)
                view = schedule.book(db, staff.technologist, patient_id=patient.id,
                                     procedure_id=procedures[a.procedure].id,
                                     camera_id=cameras[a.camera - 1],
                                     scheduled_at=_local(day, a.at.hour, a.at.minute),
                                     weight_kg=a.weight_kg)
                booked[day].append((a, view))
    return booked


def _prescribe(db: Database, staff: Staff, day: Booked, when: datetime) -> None:
    with as_of(when):
        for a, view in day:
            rx = None if a.prescribe_mbq is None else a.prescribe_mbq * MBQ
            schedule.prescribe(db, staff.physician, view.id, activity_bq=rx)


def _receive_generator(db: Database, tech: Actor, site_id: int, day: date) -> None:
    """A GT-4K delivered in the morning, calibrated for noon Moscow time of ``day``; the
    generators on site but the newest (kept as a reserve) go back to the supplier in the new
    one's transport package (a disposal in the ledger)."""
    received = _local(day, 6, 30)
    with as_of(received + timedelta(minutes=10)):
        for g in elutions.list_generators(db, tech, site_id=site_id)[1:]:
            if g.received_at < received:
                ledger.dispose(db, tech, g.container_id, at=received,
                               note=f"Generator {g.serial} returned to Isotope Export Co. in "
                                    "its transport package with the new delivery")
    with as_of(received + timedelta(minutes=20)):
        elutions.receive_generator(
            db, tech, site_id=site_id, generator_type=GENERATOR_TYPE,
            serial=f"GT4K-{day:%y%m%d}-07", activity_bq=GENERATOR_BQ,
            calibration_at=at(day, 0, 12, 0, SUPPLIER_TIMEZONE), received_at=received,
            surface_usv_h=38.0, at_1m_usv_h=0.9, wipe_bq_per_100cm2=0.05,
            supplier="Isotope Export Co.")
