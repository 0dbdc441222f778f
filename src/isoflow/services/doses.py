"""Patient doses (issue #10, item 4): drawn into a syringe from a released kit vial (or the
eluate, for a procedure without a kit), assayed in the dose calibrator, and administered —
what the patient received is the assay minus the residual, both decay-corrected to the
administration, compared with the prescription; outside the profile's tolerance it needs a
reason and is flagged for the radiation-safety officer.

Every step is one transaction with its ledger events and audit entries: the syringe is a
ledger container filled by a transfer, the administration a withdrawal from it and the
residual its disposal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import dispensing as rules
from isoflow.domain import ledger as ledger_rules
from isoflow.domain.ledger import EventKind
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from isoflow.physics.units import format_activity
from isoflow.services import audit, kits
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger import _append, _audit_event, _judge_measurement
from isoflow.services.ledger_records import (
    decay_constant,
    domain_event,
    ledger_cache,
    ledger_of,
    lock_for_append,
)
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import (
    Administration,
    Appointment,
    Dose,
    DoseCalibrator,
    Kit,
    KitPreparation,
    Patient,
    Prescription,
    Procedure,
)
from isoflow.store.models import Container, Site

ROUTE_MAX = 40


@dataclass(frozen=True)
class DoseView:
    id: int
    org_id: int
    site_id: int
    appointment_id: int
    accession_number: str
    patient_id: int
    patient_name: str
    record_number: str
    procedure_name: str
    radiopharmaceutical: str
    nuclide: str
    source_container_id: int
    syringe_container_id: int
    syringe_label: str
    drawn_at: datetime
    planned_at: datetime
    wanted_bq: float
    #: activity drawn at drawn_at (the wanted activity decay-corrected back)
    drawn_bq: float
    volume_ml: float
    assayed_bq: float | None
    assayed_at: datetime | None
    calibrator_id: int | None
    status: str
    drawn_by: str
    note: str | None
    prescribed_bq: float
    prescribed_min_bq: float | None
    prescribed_max_bq: float | None
    particles: float | None = None
    warnings: tuple[str, ...] = ()
    administration_id: int | None = None


@dataclass(frozen=True)
class AdministrationView:
    id: int
    org_id: int
    dose_id: int
    appointment_id: int
    patient_name: str
    radiopharmaceutical: str
    administered_at: datetime
    residual_bq: float
    residual_at: datetime
    net_bq: float
    prescribed_bq: float
    deviation: float
    flagged: bool
    reason: str | None
    route: str
    administered_by: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    note: str | None


def _dose_view(s: Session, d: Dose, *, warnings: tuple[str, ...] = (),
               particles: float | None = None) -> DoseView:
    a = s.get(Appointment, d.appointment_id)
    assert a is not None
    patient, procedure = s.get(Patient, a.patient_id), s.get(Procedure, a.procedure_id)
    rx = s.scalar(select(Prescription).where(Prescription.appointment_id == a.id))
    syringe = s.get(Container, d.syringe_container_id)
    assert patient is not None and procedure is not None and rx is not None and syringe
    lam = decay_constant(syringe.nuclide)
    adm = s.scalar(select(Administration.id).where(Administration.dose_id == d.id))
    return DoseView(
        id=d.id, org_id=d.org_id, site_id=a.site_id, appointment_id=a.id,
        accession_number=a.accession_number, patient_id=patient.id,
        patient_name=f"{patient.family_name} {patient.given_name}",
        record_number=patient.record_number, procedure_name=procedure.name,
        radiopharmaceutical=procedure.radiopharmaceutical, nuclide=syringe.nuclide,
        source_container_id=d.source_container_id,
        syringe_container_id=d.syringe_container_id, syringe_label=syringe.label,
        drawn_at=d.drawn_at, planned_at=d.planned_at, wanted_bq=d.wanted_bq,
        drawn_bq=rules.activity_to_draw(d.wanted_bq, lam, d.drawn_at, d.planned_at),
        volume_ml=d.volume_ml, assayed_bq=d.assayed_bq, assayed_at=d.assayed_at,
        calibrator_id=d.calibrator_id, status=d.status, drawn_by=d.drawn_by, note=d.note,
        prescribed_bq=rx.activity_bq, prescribed_min_bq=rx.min_bq,
        prescribed_max_bq=rx.max_bq, particles=particles, warnings=warnings,
        administration_id=adm)


def _administration_view(s: Session, x: Administration) -> AdministrationView:
    a = s.get(Appointment, x.appointment_id)
    assert a is not None
    patient, procedure = s.get(Patient, a.patient_id), s.get(Procedure, a.procedure_id)
    assert patient is not None and procedure is not None
    return AdministrationView(
        id=x.id, org_id=x.org_id, dose_id=x.dose_id, appointment_id=x.appointment_id,
        patient_name=f"{patient.family_name} {patient.given_name}",
        radiopharmaceutical=procedure.radiopharmaceutical, administered_at=x.administered_at,
        residual_bq=x.residual_bq, residual_at=x.residual_at, net_bq=x.net_bq,
        prescribed_bq=x.prescribed_bq, deviation=x.deviation, flagged=x.flagged,
        reason=x.reason, route=x.route, administered_by=x.administered_by,
        reviewed_by=x.reviewed_by, reviewed_at=x.reviewed_at, note=x.note)


def _dose_record(d: Dose) -> dict[str, object]:
    return {k: v for k, v in (
        ("appointment_id", d.appointment_id), ("source_container_id", d.source_container_id),
        ("syringe_container_id", d.syringe_container_id), ("drawn_at", d.drawn_at),
        ("planned_at", d.planned_at), ("wanted_bq", d.wanted_bq), ("volume_ml", d.volume_ml),
        ("assayed_bq", d.assayed_bq), ("assayed_at", d.assayed_at),
        ("calibrator_id", d.calibrator_id), ("status", d.status), ("note", d.note))
        if v is not None}


def _visible_dose(s: Session, actor: Actor, dose_id: int, *, lock: bool = False) -> Dose:
    d = s.get(Dose, dose_id, with_for_update=lock)
    if d is None or not actor.sees(d.org_id):
        raise NotFound(f"no dose {dose_id}", field="dose_id")
    return d


def _calibrator_qc(s: Session, actor: Actor, calibrator_id: int | None, org_id: int,
                   at: datetime, site_id: int) -> list[str]:
    """Dose-calibrator QC at ``at``: blocking problems refuse (Conflict naming
    calibrator_id); warnings are returned."""
    if calibrator_id is None:
        return []
    cal = s.get(DoseCalibrator, calibrator_id)
    if cal is None or cal.org_id != org_id or not actor.sees(cal.org_id):
        raise NotFound(f"no dose calibrator {calibrator_id}", field="calibrator_id")
    try:
        from isoflow.services.quality import dispensing_problems
    except ImportError:  # the QC slice is not there
        return []
    blocking, warnings = dispensing_problems(s, cal.id, at, kits.profile_of(s, site_id))
    if blocking:
        raise Conflict("; ".join(blocking), field="calibrator_id")
    return list(warnings)


def _label(s: Session, patient: Patient, procedure: Procedure, site_id: int, wanted: float,
           planned_at: datetime) -> str:
    site = s.get(Site, site_id)
    assert site is not None
    local = planned_at.astimezone(ZoneInfo(site.timezone))
    return (f"{patient.family_name} {patient.given_name} ({patient.record_number}) · "
            f"{procedure.radiopharmaceutical} · {format_activity(wanted)} at "
            f"{local:%Y-%m-%d %H:%M} {site.timezone}")


# ------------------------------------------------------------------ drawing
def draw_dose(db: Database, actor: Actor, *, appointment_id: int, source_container_id: int,
              drawn_at: datetime, activity_bq: float | None = None,
              planned_at: datetime | None = None, calibrator_id: int | None = None,
              note: str | None = None) -> DoseView:
    """Draw the dose for an appointment at ``drawn_at`` so that ``activity_bq`` (default: the
    prescription's) is in the syringe at ``planned_at`` (default: the appointment's time)."""
    actor.require(Permission.DISPENSE)
    actor.require(Permission.LEDGER_WRITE)
    t = aware_utc(drawn_at, "drawn_at")
    planned = None if planned_at is None else aware_utc(planned_at, "planned_at")
    wanted_in = None if activity_bq is None else kits.positive(activity_bq, "activity_bq")
    note = kits.note_of(note)
    with db.write() as s:
        a = s.get(Appointment, appointment_id, with_for_update=True)
        if a is None or not actor.sees(a.org_id):
            raise NotFound(f"no appointment {appointment_id}", field="appointment_id")
        if a.status == "cancelled":
            raise Conflict(f"appointment {a.id} was cancelled", field="appointment_id")
        if s.scalar(select(Dose.id).where(Dose.appointment_id == a.id,
                                          Dose.status != "discarded")) is not None:
            raise Conflict(f"a dose was already drawn for appointment {a.id}",
                           field="appointment_id")
        rx = s.scalar(select(Prescription).where(Prescription.appointment_id == a.id))
        if rx is None:
            raise Conflict(f"appointment {a.id} has no prescription; a physician prescribes "
                           "the activity first", field="appointment_id")
        procedure, patient = s.get(Procedure, a.procedure_id), s.get(Patient, a.patient_id)
        assert procedure is not None and patient is not None
        planned = a.scheduled_at if planned is None else planned
        wanted = rx.activity_bq if wanted_in is None else wanted_in
        if planned < t:
            raise InvalidInput("planned_at is before the dose is drawn", field="planned_at")
        source = lock_for_append(s, actor, source_container_id)
        if source.org_id != a.org_id:
            raise NotFound(f"no container {source_container_id}",
                           field="source_container_id")
        if source.site_id != a.site_id:
            raise InvalidInput(f"container {source.id} is at another site",
                               field="source_container_id")
        if source.nuclide != procedure.nuclide or source.kind != "vial":
            raise InvalidInput(f"container {source.id} is not a {procedure.nuclide} vial",
                               field="source_container_id")
        prep = s.scalar(select(KitPreparation).where(
            KitPreparation.vial_container_id == source.id))
        particles: float | None = None
        warnings: list[str] = []
        if procedure.kit_code is not None:
            kit = None if prep is None else s.get(Kit, prep.kit_id)
            if prep is None or kit is None or kit.code != procedure.kit_code:
                raise InvalidInput(f"{procedure.name} is drawn from a {procedure.kit_code} "
                                   f"kit vial; container {source.id} is not one",
                                   field="source_container_id")
            if prep.status != "released":
                raise Conflict(f"kit vial {source.id} is {prep.status}, not released",
                               field="source_container_id")
            if planned > prep.expires_at:
                raise InvalidInput(f"kit vial {source.id} expires at "
                                   f"{prep.expires_at.isoformat()}, before the dose is "
                                   "given", field="source_container_id")
        else:
            if prep is not None:
                raise InvalidInput(f"{procedure.name} is drawn from the eluate; container "
                                   f"{source.id} is a kit vial", field="source_container_id")
            eluted_at, elution = kits.eluted_at_of(s, source)
            kits.check_eluate_usable(elution, planned, "source_container_id")
            rule = kits.profile_of(s, source.site_id).eluate_expiry.get(source.nuclide)
            expiry = rules.eluate_expiry(eluted_at, None if rule is None else rule.seconds)
            if expiry is not None and planned > expiry:
                raise InvalidInput(f"the eluate expires at {expiry.isoformat()}, before the "
                                   "dose is given", field="source_container_id")
        events = ledger_of(db, s, source)
        ledger_rules.check_not_before_receipt(events, t, "transfer")
        lam = decay_constant(source.nuclide)
        holding = ledger_rules.holding_at(lam, events, t)
        conc = holding.concentration_bq_per_ml
        if holding.volume_ml is None:
            raise InvalidInput(f"container {source.id} has no recorded volume",
                               field="source_container_id")
        drawn = rules.activity_to_draw(wanted, lam, t, planned)
        if conc is None or drawn > ledger_rules.available_at(lam, events, t).activity_bq:
            avail = ledger_rules.available_at(lam, events, t)
            raise LimitExceeded(
                f"{format_activity(drawn)} must be drawn at {t.isoformat()} for "
                f"{format_activity(wanted)} at {planned.isoformat()}; container {source.id} "
                f"has {format_activity(avail.activity_bq)} available then",
                field="activity_bq", available_activity_bq=avail.activity_bq)
        volume = drawn / conc
        if prep is not None:
            kit = s.get(Kit, prep.kit_id)
            assert kit is not None
            if kit.particles_per_vial is not None:
                particles = rules.particles_per_dose(kit.particles_per_vial, volume,
                                                     prep.volume_ml)
                if not rules.particles_within(particles, kit.min_particles_per_dose,
                                              kit.max_particles_per_dose):
                    warnings.append(f"{particles:.3g} particles in the dose, outside "
                                    f"{kit.min_particles_per_dose or 0:.3g}–"
                                    f"{kit.max_particles_per_dose or math.inf:.3g}")
        warnings += _calibrator_qc(s, actor, calibrator_id, a.org_id, t, a.site_id)
        moved = kits.transfer(db, s, actor, source, events, at=t, activity_bq=drawn,
                              volume_ml=volume, into_kind="syringe",
                              label=_label(s, patient, procedure, a.site_id, wanted, planned),
                              note=note)
        d = Dose(org_id=a.org_id, appointment_id=a.id, source_container_id=source.id,
                 syringe_container_id=moved.target.id, drawn_at=t, planned_at=planned,
                 wanted_bq=wanted, volume_ml=volume, calibrator_id=calibrator_id,
                 status="drawn", drawn_by=actor.username, note=note)
        s.add(d)
        old_status, a.status = a.status, "drawn"
        s.flush()
        audit.record(s, actor, org_id=d.org_id, entity_type="dose", entity_id=d.id,
                     action="drawn", new={**_dose_record(d), "warnings": warnings or None})
        audit.record(s, actor, org_id=a.org_id, entity_type="appointment", entity_id=a.id,
                     action="status_changed", old={"status": old_status},
                     new={"status": "drawn"})
        view = _dose_view(s, d, warnings=tuple(warnings), particles=particles)
    moved.committed(db)
    return view


def assay_dose(db: Database, actor: Actor, dose_id: int, *, assayed_bq: float,
               assayed_at: datetime, calibrator_id: int | None = None,
               note: str | None = None) -> DoseView:
    """The syringe measured in the dose calibrator: a ledger measurement (a reading off the
    book by more than the site's tolerance needs a note and is flagged)."""
    actor.require(Permission.DISPENSE)
    actor.require(Permission.LEDGER_WRITE)
    activity = kits.positive(assayed_bq, "assayed_bq")
    t = aware_utc(assayed_at, "assayed_at")
    note = kits.note_of(note)
    with db.write() as s:
        d = _visible_dose(s, actor, dose_id, lock=True)
        if d.status != "drawn":
            raise Conflict(f"dose {d.id} is {d.status}", field="dose_id")
        if t < d.drawn_at:
            raise InvalidInput("assayed_at is before the dose was drawn", field="assayed_at")
        a = s.get(Appointment, d.appointment_id)
        assert a is not None
        warnings = _calibrator_qc(s, actor, calibrator_id, d.org_id, t, a.site_id)
        c = lock_for_append(s, actor, d.syringe_container_id)
        events = ledger_of(db, s, c)
        discrepancy, extra = _judge_measurement(s, c, events, t, activity, note,
                                                note_field="note")
        e = _append(s, actor, c, kind=EventKind.MEASUREMENT, at=t, activity_bq=activity,
                    note=note, discrepancy=discrepancy)
        _audit_event(s, actor, c, e, "measured_discrepancy" if discrepancy else "measured",
                     extra=extra)
        old = _dose_record(d)
        d.assayed_bq, d.assayed_at = activity, t
        if calibrator_id is not None:
            d.calibrator_id = calibrator_id
        audit.record(s, actor, org_id=d.org_id, entity_type="dose", entity_id=d.id,
                     action="assayed", old=old, new=_dose_record(d))
        view = _dose_view(s, d, warnings=tuple(warnings))
    ledger_cache(db).appended(c.id, e.seq, domain_event(e))
    return view


# ------------------------------------------------------------------ administering
def administer(db: Database, actor: Actor, dose_id: int, *, administered_at: datetime,
               residual_bq: float = 0.0, residual_at: datetime | None = None,
               route: str = "intravenous", reason: str | None = None,
               note: str | None = None) -> AdministrationView:
    """Record the administration: net = assay (or the syringe's book activity) minus the
    residual, both decay-corrected to ``administered_at``; outside the prescription's
    tolerance it needs ``reason`` and is flagged for the RSO. The ledger: the net withdrawn
    from the syringe, then the syringe disposed of with its residual."""
    actor.require(Permission.ADMINISTER)
    t = aware_utc(administered_at, "administered_at")
    residual = kits.positive(residual_bq, "residual_bq", allow_zero=True)
    r_at = t if residual_at is None else aware_utc(residual_at, "residual_at")
    route = clean_text(route, field="route", max_length=ROUTE_MAX)
    reason = clean_optional_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    note = kits.note_of(note)
    with db.write() as s:
        d = _visible_dose(s, actor, dose_id, lock=True)
        if s.scalar(select(Administration.id).where(Administration.dose_id == d.id)) \
                is not None or d.status == "administered":
            raise Conflict(f"dose {d.id} was already administered; a dose is never "
                           "administered twice", field="dose_id")
        if d.status != "drawn":
            raise Conflict(f"dose {d.id} is {d.status}", field="dose_id")
        if t < d.drawn_at:
            raise InvalidInput(f"administered_at is before the dose was drawn at "
                               f"{d.drawn_at.isoformat()}", field="administered_at")
        if r_at < d.drawn_at:
            raise InvalidInput("residual_at is before the dose was drawn", field="residual_at")
        a = s.get(Appointment, d.appointment_id, with_for_update=True)
        rx = s.scalar(select(Prescription).where(Prescription.appointment_id == d.appointment_id))
        assert a is not None and rx is not None
        c = lock_for_append(s, actor, d.syringe_container_id)
        events = ledger_of(db, s, c)
        lam = decay_constant(c.nuclide)
        if d.assayed_bq is not None and d.assayed_at is not None:
            assay, assay_at = d.assayed_bq, d.assayed_at
        else:
            assay, assay_at = ledger_rules.holding_at(lam, events, t).activity_bq, t
        net = rules.net_administered(lam, assay_bq=assay, assayed_at=assay_at,
                                     residual_bq=residual, residual_at=r_at,
                                     administered_at=t)
        if net <= 0:
            raise InvalidInput(f"the residual ({format_activity(residual)}) is not less than "
                               f"the dose ({format_activity(assay)})", field="residual_bq")
        flagged = rules.outside_prescription(net, rx.activity_bq, min_bq=rx.min_bq,
                                             max_bq=rx.max_bq,
                                             tolerance=kits.profile_of(s, a.site_id)
                                             .administration_tolerance)
        dev = rules.deviation(net, rx.activity_bq)
        if flagged and not reason:
            raise InvalidInput(f"{format_activity(net)} administered is {dev:+.1%} off the "
                               f"prescribed {format_activity(rx.activity_bq)}, outside the "
                               "tolerance: say why in reason", field="reason", deviation=dev)
        holding = ledger_rules.holding_at(lam, events, t)
        avail = ledger_rules.available_at(lam, events, t)
        taken = min(net, avail.activity_bq)
        volume = None
        if holding.volume_ml is not None and holding.activity_bq > 0:
            volume = min(holding.volume_ml, holding.volume_ml * taken / holding.activity_bq)
        appended = []
        if taken > 0:
            w = _append(s, actor, c, kind=EventKind.WITHDRAWAL, at=t, activity_bq=taken,
                        volume_ml=volume, note="administered")
            _audit_event(s, actor, c, w, "withdrawn")
            appended.append(w)
            events = [*events, domain_event(w)]
            c = lock_for_append(s, actor, c.id)
        disposal_at = max(t, r_at)
        e = _append(s, actor, c, kind=EventKind.DISPOSAL, at=disposal_at,
                    note=f"syringe residual {format_activity(residual)}")
        ledger_rules.check_consistent(lam, [*events, domain_event(e)])
        _audit_event(s, actor, c, e, "disposed")
        appended.append(e)
        x = Administration(org_id=d.org_id, dose_id=d.id, appointment_id=a.id,
                           administered_at=t, residual_bq=residual, residual_at=r_at,
                           net_bq=net, prescribed_bq=rx.activity_bq, deviation=dev,
                           flagged=flagged, reason=reason, route=route,
                           administered_by=actor.username, note=note)
        s.add(x)
        d.status = "administered"
        old_status, a.status = a.status, "administered"
        s.flush()
        audit.record(s, actor, org_id=x.org_id, entity_type="administration", entity_id=x.id,
                     action="administration_flagged" if flagged else "administered",
                     new={"dose_id": d.id, "administered_at": t, "net_bq": net,
                          "prescribed_bq": rx.activity_bq, "deviation": dev,
                          "residual_bq": residual, "residual_at": r_at, "route": route,
                          "flagged": flagged}, reason=reason)
        audit.record(s, actor, org_id=a.org_id, entity_type="appointment", entity_id=a.id,
                     action="status_changed", old={"status": old_status},
                     new={"status": "administered"})
        view = _administration_view(s, x)
    for ev in appended:
        ledger_cache(db).appended(c.id, ev.seq, domain_event(ev))
    return view


def discard_dose(db: Database, actor: Actor, dose_id: int, *, at: datetime,
                 reason: str) -> DoseView:
    """Discard a drawn dose that will not be given: the syringe is disposed of, the dose is
    "discarded" and the appointment is "prescribed" again (a new dose may be drawn)."""
    actor.require(Permission.DISPENSE)
    actor.require(Permission.LEDGER_WRITE)
    t = aware_utc(at, "at")
    why = clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        d = _visible_dose(s, actor, dose_id, lock=True)
        if d.status != "drawn":
            raise Conflict(f"dose {d.id} is {d.status}", field="dose_id")
        if t < d.drawn_at:
            raise InvalidInput("at is before the dose was drawn", field="at")
        a = s.get(Appointment, d.appointment_id, with_for_update=True)
        assert a is not None
        c = lock_for_append(s, actor, d.syringe_container_id)
        events = ledger_of(db, s, c)
        e = _append(s, actor, c, kind=EventKind.DISPOSAL, at=t, note=f"discarded: {why}")
        ledger_rules.check_consistent(decay_constant(c.nuclide), [*events, domain_event(e)])
        _audit_event(s, actor, c, e, "disposed")
        old = _dose_record(d)
        d.status = "discarded"
        if a.status == "drawn":
            a.status = "prescribed"
        audit.record(s, actor, org_id=d.org_id, entity_type="dose", entity_id=d.id,
                     action="discarded", old=old, new=_dose_record(d), reason=why)
        view = _dose_view(s, d)
    ledger_cache(db).appended(c.id, e.seq, domain_event(e))
    return view


def review_administration(db: Database, actor: Actor, administration_id: int, *,
                          note: str) -> AdministrationView:
    """The RSO marks a flagged administration reviewed, saying what was found."""
    actor.require(Permission.QUALITY)
    text = clean_text(note, field="note", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        x = s.get(Administration, administration_id, with_for_update=True)
        if x is None or not actor.sees(x.org_id):
            raise NotFound(f"no administration {administration_id}",
                           field="administration_id")
        if not x.flagged:
            raise Conflict(f"administration {x.id} is not flagged", field="administration_id")
        if x.reviewed_at is not None:
            raise Conflict(f"administration {x.id} was reviewed by {x.reviewed_by}",
                           field="administration_id")
        x.reviewed_by, x.reviewed_at = actor.username, now()
        x.note = f"{x.note}\n\nReview: {text}" if x.note else f"Review: {text}"
        audit.record(s, actor, org_id=x.org_id, entity_type="administration", entity_id=x.id,
                     action="reviewed", new={"reviewed_by": x.reviewed_by,
                                             "reviewed_at": x.reviewed_at}, reason=text)
        return _administration_view(s, x)


# ------------------------------------------------------------------ reading
def get_dose(db: Database, actor: Actor, dose_id: int) -> DoseView:
    actor.require(Permission.READ)
    with db.read() as s:
        return _dose_view(s, _visible_dose(s, actor, dose_id))


def _in_day(s: Session, actor: Actor, q, column, site_id: int | None,  # type: ignore[no-untyped-def]
            day: date | None):
    if site_id is not None:
        q = q.where(Appointment.site_id == visible_site(s, actor, site_id).id)
    if day is not None:
        if site_id is None:
            raise InvalidInput("a day needs the site whose day it is", field="site_id")
        start, end = kits.day_bounds(s, site_id, day)
        q = q.where(column >= start, column < end)
    return q


def list_doses(db: Database, actor: Actor, *, site_id: int | None = None,
               day: date | None = None) -> list[DoseView]:
    actor.require(Permission.READ)
    q = (select(Dose).join(Appointment, Appointment.id == Dose.appointment_id)
         .order_by(Dose.planned_at, Dose.id).limit(500))
    if actor.org_id is not None:
        q = q.where(Dose.org_id == actor.org_id)
    with db.read() as s:
        q = _in_day(s, actor, q, Dose.planned_at, site_id, day)
        return [_dose_view(s, d) for d in s.scalars(q)]


def list_administrations(db: Database, actor: Actor, *, site_id: int | None = None,
                         day: date | None = None,
                         flagged_only: bool = False) -> list[AdministrationView]:
    actor.require(Permission.READ)
    q = (select(Administration).join(Appointment,
                                     Appointment.id == Administration.appointment_id)
         .order_by(Administration.administered_at.desc(), Administration.id.desc()).limit(500))
    if actor.org_id is not None:
        q = q.where(Administration.org_id == actor.org_id)
    if flagged_only:
        q = q.where(Administration.flagged.is_(True))
    with db.read() as s:
        q = _in_day(s, actor, q, Administration.administered_at, site_id, day)
        return [_administration_view(s, x) for x in s.scalars(q)]


def appointments_to_draw(db: Database, actor: Actor, *, site_id: int,
                         day: date) -> list[tuple[int, str]]:
    """(appointment id, description) of the site's day with a prescription and no dose."""
    actor.require(Permission.READ)
    with db.read() as s:
        start, end = kits.day_bounds(s, visible_site(s, actor, site_id).id, day)
        rows = s.execute(select(Appointment, Patient, Procedure)
                         .join(Patient, Patient.id == Appointment.patient_id)
                         .join(Procedure, Procedure.id == Appointment.procedure_id)
                         .where(Appointment.site_id == site_id,
                                Appointment.status == "prescribed",
                                Appointment.scheduled_at >= start,
                                Appointment.scheduled_at < end)
                         .order_by(Appointment.scheduled_at)).all()
        return [(a.id, f"{a.accession_number} · {p.family_name} {p.given_name} · {pr.name}")
                for a, p, pr in rows]
