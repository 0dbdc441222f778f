"""Doses and administrations on SQLite and PostgreSQL: drawing for the planned time, the
vial's remaining activity, expired or unreleased kits, the eluate for pertechnetate, the
assay, administration after the draw only and only once, the ±20 % flag with and without a
reason, the RSO's review; refusals name the field and write nothing."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import doses, ledger, schedule
from isoflow.store.department_models import Administration, Appointment, Dose
from isoflow.store.models import AuditEntry, Container
from tests.department_world import MBQ, make_department
from tests.dispensing_world import HOUR, appointment, eluate, kit, t0

LAM = math.log(2) / get_nuclide("Tc-99m").half_life_s


@pytest.fixture
def dep(db):
    return make_department(db)


@pytest.fixture
def ready(db, dep):
    """A released MDP vial (5000 MBq in 5 mL at t0) and a bone scan at t0 + 2 h (500 MBq)."""
    at = t0()
    vial = kit(db, dep, eluate(db, dep, at), at)
    appt = appointment(db, dep, at + 2 * HOUR)
    return at, vial, appt


def _counts(db):
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Dose, Administration, Container, AuditEntry))


def _draw(db, dep, appt, source, at, role="technologist", **kw):
    return doses.draw_dose(db, dep.actors[role], appointment_id=appt,
                           source_container_id=source, drawn_at=at, **kw)


def test_draw_for_the_planned_time(db, dep, ready) -> None:
    at, vial, appt = ready
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    # 500 MBq wanted at t0+2h, drawn at t0+1h from 5000 MBq/5 mL (t0) decayed 1 h:
    # volume = 500 e^{λ·1h} / (1000 e^{-λ·1h}) = 0.5 e^{2λ·1h} mL
    assert d.volume_ml == pytest.approx(0.5 * math.exp(LAM * 7200), rel=1e-12)
    assert d.wanted_bq == 500 * MBQ and d.planned_at == at + 2 * HOUR
    assert d.drawn_bq == pytest.approx(500 * MBQ * math.exp(LAM * 3600), rel=1e-12)
    assert "Ivanova Anna" in d.syringe_label and "Tc-99m MDP/HDP" in d.syringe_label
    syringe = ledger.get_container(db, dep.actors["viewer"], d.syringe_container_id,
                                   at=at + 2 * HOUR)
    assert syringe.kind == "syringe"
    assert syringe.activity_bq == pytest.approx(500 * MBQ, rel=1e-9)
    with db.read() as s:
        assert s.get(Appointment, appt).status == "drawn"
    with pytest.raises(Conflict) as err:
        _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    assert err.value.field == "appointment_id"


def test_dose_above_the_vials_remaining_activity(db, dep, ready) -> None:
    at, vial, appt = ready
    before = _counts(db)
    with pytest.raises(LimitExceeded) as err:
        _draw(db, dep, appt, vial.vial_container_id, at + HOUR, activity_bq=4900 * MBQ)
    assert err.value.field == "activity_bq"
    assert _counts(db) == before


def test_refused_sources(db, dep) -> None:
    at = t0()
    e = eluate(db, dep, at, ml=20)
    unreleased = kit(db, dep, e, at, release=False, ml=4)
    maa = kit(db, dep, e, at, code="MAA", mbq=1000, ml=4)
    dmsa = kit(db, dep, e, at, code="DMSA", mbq=500, ml=4)  # expires at t0 + 4 h
    appt = appointment(db, dep, at + 2 * HOUR)
    renal = appointment(db, dep, at + 5 * HOUR, code="RENAL_DMSA", mbq=100, record="MRN-2")
    before = _counts(db)
    with pytest.raises(Conflict) as err:
        _draw(db, dep, appt, unreleased.vial_container_id, at + HOUR)
    assert err.value.field == "source_container_id"
    with pytest.raises(InvalidInput, match="MDP kit vial") as err:
        _draw(db, dep, appt, maa.vial_container_id, at + HOUR)
    with pytest.raises(InvalidInput):
        _draw(db, dep, appt, e, at + HOUR)  # the bone agent is not the eluate
    with pytest.raises(InvalidInput, match="expires") as err:
        _draw(db, dep, renal, dmsa.vial_container_id, at + HOUR)
    assert err.value.field == "source_container_id"
    with pytest.raises(InvalidInput) as err:
        _draw(db, dep, appt, unreleased.vial_container_id, (at + HOUR).replace(tzinfo=None))
    assert err.value.field == "drawn_at"
    with pytest.raises(InvalidInput) as err:
        _draw(db, dep, appt, maa.vial_container_id, at + HOUR, planned_at=at)
    assert err.value.field == "planned_at"
    assert _counts(db) == before


def test_pertechnetate_from_the_eluate_and_roles(db, dep) -> None:
    at = t0()
    e = eluate(db, dep, at)
    appt = appointment(db, dep, at + HOUR, code="THYROID", mbq=80)
    with pytest.raises(Forbidden):
        _draw(db, dep, appt, e, at + HOUR / 2, role="physician")
    d = _draw(db, dep, appt, e, at + HOUR / 2, role="radiopharmacist")
    assert d.source_container_id == e and d.status == "drawn"


def test_no_prescription_and_tenancy(db, dep) -> None:
    at = t0()
    vial = kit(db, dep, eluate(db, dep, at), at)
    tech = dep.actors["technologist"]
    p = schedule.patient_by_record(db, tech, "MRN-9") or schedule.register_patient(
        db, tech, record_number="MRN-9", family_name="Petrov", given_name="Ivan",
        birth_date=at.date().replace(year=1960), sex="M")
    a = schedule.book(db, tech, patient_id=p.id,
                      procedure_id=dep.procedure_ids["BONE_BISPHOSPHONATE"],
                      camera_id=dep.camera_ids[0], scheduled_at=at + 2 * HOUR)
    with pytest.raises(Conflict, match="prescription"):
        _draw(db, dep, a.id, vial.vial_container_id, at + HOUR)
    other = make_department(db, "Other Hospital", ae_titles=("OTH1",))
    with pytest.raises(NotFound):
        doses.draw_dose(db, other.actors["technologist"], appointment_id=a.id,
                        source_container_id=vial.vial_container_id, drawn_at=at + HOUR)


def test_calibrator_qc_warns_or_refuses(db, dep, ready) -> None:
    at, vial, appt = ready
    other = make_department(db, "Other Hospital", ae_titles=("OTH1",))
    with pytest.raises(NotFound) as err:
        _draw(db, dep, appt, vial.vial_container_id, at + HOUR,
              calibrator_id=other.calibrator_id)
    assert err.value.field == "calibrator_id"
    # RU: a calibrator never tested is overdue, which warns
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR, calibrator_id=dep.calibrator_id)
    assert d.warnings and "calibrator" in d.warnings[0]


def test_administer_net_and_flags(db, dep, ready) -> None:
    at, vial, appt = ready
    tech = dep.actors["technologist"]
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    d = doses.assay_dose(db, tech, d.id, assayed_bq=d.drawn_bq, assayed_at=at + HOUR)
    assert d.assayed_bq == pytest.approx(500 * MBQ * math.exp(LAM * 3600))
    with pytest.raises(InvalidInput) as err:
        doses.administer(db, tech, d.id, administered_at=at + HOUR / 2)
    assert err.value.field == "administered_at"
    with pytest.raises(InvalidInput) as err:
        doses.administer(db, tech, d.id, administered_at=(at + 2 * HOUR).replace(tzinfo=None))
    assert err.value.field == "administered_at"
    with pytest.raises(Forbidden):
        doses.administer(db, dep.actors["radiopharmacist"], d.id, administered_at=at + 2 * HOUR)
    x = doses.administer(db, tech, d.id, administered_at=at + 2 * HOUR, residual_bq=10 * MBQ,
                         residual_at=at + 2 * HOUR + timedelta(minutes=5))
    # 500 MBq at 2 h minus 10 MBq measured 5 min later decayed back to 2 h
    net = 500 * MBQ - 10 * MBQ * math.exp(LAM * 300)
    assert x.net_bq == pytest.approx(net, rel=1e-9)
    assert x.deviation == pytest.approx(net / (500 * MBQ) - 1)
    assert not x.flagged
    with db.read() as s:
        assert s.get(Appointment, appt).status == "administered"
    syringe = ledger.get_container(db, dep.actors["viewer"], d.syringe_container_id,
                                   at=at + 3 * HOUR)
    assert syringe.disposed
    with pytest.raises(Conflict, match="twice"):
        doses.administer(db, tech, d.id, administered_at=at + 2 * HOUR)


def test_twenty_percent_flag_needs_a_reason(db, dep, ready) -> None:
    at, vial, appt = ready
    tech = dep.actors["technologist"]
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    before = _counts(db)
    with pytest.raises(InvalidInput) as err:  # 30 % of the dose stays in the syringe
        doses.administer(db, tech, d.id, administered_at=at + 2 * HOUR,
                         residual_bq=150 * MBQ)
    assert err.value.field == "reason"
    assert _counts(db) == before
    x = doses.administer(db, tech, d.id, administered_at=at + 2 * HOUR, residual_bq=150 * MBQ,
                         reason="extravasation")
    assert x.flagged and x.deviation == pytest.approx(-0.3, rel=1e-6)
    with db.read() as s:
        assert s.scalar(select(AuditEntry.action).where(
            AuditEntry.entity_type == "administration")) == "administration_flagged"
    assert [a.id for a in doses.list_administrations(db, dep.actors["rso"],
                                                     flagged_only=True)] == [x.id]
    with pytest.raises(Forbidden):
        doses.review_administration(db, tech, x.id, note="seen")
    r = doses.review_administration(db, dep.actors["rso"], x.id, note="seen, instructed")
    assert r.reviewed_by == dep.usernames["rso"] and "seen, instructed" in r.note
    with pytest.raises(Conflict):
        doses.review_administration(db, dep.actors["rso"], x.id, note="again")


def test_within_twenty_percent_is_not_flagged(db, dep, ready) -> None:
    at, vial, appt = ready
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    x = doses.administer(db, dep.actors["technologist"], d.id, administered_at=at + 2 * HOUR,
                         residual_bq=90 * MBQ)  # -18 %
    assert not x.flagged and x.reason is None


def test_range_prescription_flags_outside_the_range(db, dep) -> None:
    at = t0()
    vial = kit(db, dep, eluate(db, dep, at), at)
    appt = appointment(db, dep, at + 2 * HOUR, mbq=500, lo=450, hi=550)
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    with pytest.raises(InvalidInput) as err:  # 440 MBq: -12 %, inside ±20 % but below 450
        doses.administer(db, dep.actors["technologist"], d.id,
                         administered_at=at + 2 * HOUR, residual_bq=60 * MBQ)
    assert err.value.field == "reason"


def test_lists(db, dep, ready) -> None:
    at, vial, appt = ready
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    assert [x.id for x in doses.list_doses(db, dep.actors["viewer"],
                                           site_id=dep.site_id)] == [d.id]
    assert doses.get_dose(db, dep.actors["viewer"], d.id).appointment_id == appt
    other = make_department(db, "Other Hospital", ae_titles=("OTH1",))
    with pytest.raises(NotFound):
        doses.get_dose(db, other.actors["viewer"], d.id)
    assert doses.list_doses(db, other.actors["viewer"]) == []


def test_discard_frees_the_appointment(db, dep, ready) -> None:
    at, vial, appt = ready
    tech = dep.actors["technologist"]
    d = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    with pytest.raises(InvalidInput) as err:
        doses.discard_dose(db, tech, d.id, at=at + HOUR, reason="  ")
    assert err.value.field == "reason"
    x = doses.discard_dose(db, tech, d.id, at=at + HOUR, reason="dropped")
    assert x.status == "discarded"
    assert ledger.get_container(db, tech, d.syringe_container_id, at=at + HOUR).disposed
    with pytest.raises(Conflict):
        doses.administer(db, tech, d.id, administered_at=at + 2 * HOUR)
    again = _draw(db, dep, appt, vial.vial_container_id, at + HOUR)
    assert again.status == "drawn"
