"""Patients, appointments and prescriptions on SQLite and PostgreSQL: validation, tenancy,
roles, the EANM card for a child, the site's local day, every write audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.services import audit, schedule
from isoflow.store.department_models import Appointment, Dose, Patient, Prescription
from isoflow.store.models import AuditEntry
from tests.department_world import MBQ, make_department

BISHKEK = ZoneInfo("Asia/Bishkek")
DAY = date(2027, 3, 10)
NINE = datetime(2027, 3, 10, 9, 0, tzinfo=BISHKEK)
ADULT_BORN = date(1970, 5, 1)
CHILD_BORN = date(2019, 1, 1)  # 8 years on DAY


@pytest.fixture
def dep(db):
    return make_department(db)


def _patient(db, dep, record="MRN-1", born=ADULT_BORN, weight=None, family="Ivanova"):
    return schedule.register_patient(db, dep.actors["technologist"], record_number=record,
                                     family_name=family, given_name="Anna", birth_date=born,
                                     sex="F", weight_kg=weight)


def _book(db, dep, patient, code="BONE_BISPHOSPHONATE", at=NINE, camera=0, weight=None,
          role="technologist"):
    return schedule.book(db, dep.actors[role], patient_id=patient.id,
                         procedure_id=dep.procedure_ids[code], camera_id=dep.camera_ids[camera],
                         scheduled_at=at, weight_kg=weight)


def _audit_actions(db, entity_type):
    with db.read() as s:
        return [r.action for r in s.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == entity_type).order_by(AuditEntry.seq))]


def _count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ patients
def test_register_find_update_patient(db, dep) -> None:
    p = _patient(db, dep, weight=61.5)
    assert (p.record_number, p.family_name, p.sex, p.weight_kg) == ("MRN-1", "Ivanova", "F", 61.5)
    _patient(db, dep, record="MRN-2", family="Petrov")
    assert [x.record_number for x in schedule.find_patients(db, dep.actors["viewer"],
                                                            text="ivan")] == ["MRN-1"]
    assert [x.record_number for x in schedule.find_patients(db, dep.actors["viewer"],
                                                            text="mrn-2")] == ["MRN-2"]
    assert len(schedule.find_patients(db, dep.actors["viewer"])) == 2
    assert schedule.find_patients(db, dep.actors["viewer"], text="%") == []
    u = schedule.update_patient(db, dep.actors["physician"], p.id, weight_kg=63.0,
                                family_name="Ivanova-Smirnova")
    assert (u.weight_kg, u.family_name) == (63.0, "Ivanova-Smirnova")
    assert schedule.get_patient(db, dep.actors["viewer"], p.id).weight_kg == 63.0
    cleared = schedule.update_patient(db, dep.actors["technologist"], p.id, weight_kg=None)
    assert cleared.weight_kg is None
    assert _audit_actions(db, "patient") == ["registered", "registered", "updated", "updated"]
    _patient(db, dep, record="MRN-3", family="Асанова")  # Cyrillic, any case, both databases
    for needle in ("асанова", "АСАНОВА", "Асан"):
        assert [x.record_number for x in schedule.find_patients(
            db, dep.actors["viewer"], text=needle)] == ["MRN-3"], needle


@pytest.mark.parametrize("weight", [0, 500, float("nan")])
def test_impossible_weight_is_refused_naming_weight_kg(db, dep, weight) -> None:
    with pytest.raises(InvalidInput) as e:
        _patient(db, dep, weight=weight)
    assert e.value.field == "weight_kg"
    assert _count(db, Patient) == 0


@pytest.mark.parametrize("born", [date(1899, 12, 31), date.today() + timedelta(days=2)])
def test_birth_date_out_of_range_is_refused(db, dep, born) -> None:
    with pytest.raises(InvalidInput) as e:
        _patient(db, dep, born=born)
    assert e.value.field == "birth_date"
    assert _count(db, Patient) == 0


def test_bad_sex_blank_name_duplicate_record(db, dep) -> None:
    tech = dep.actors["technologist"]
    with pytest.raises(InvalidInput) as e:
        schedule.register_patient(db, tech, record_number="X", family_name="A", given_name="B",
                                  birth_date=ADULT_BORN, sex="X")
    assert e.value.field == "sex"
    with pytest.raises(InvalidInput) as e:
        schedule.register_patient(db, tech, record_number="X", family_name="  ",
                                  given_name="B", birth_date=ADULT_BORN, sex="M")
    assert e.value.field == "family_name"
    _patient(db, dep)
    with pytest.raises(Conflict) as e:
        _patient(db, dep)
    assert e.value.field == "record_number"
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    assert _patient(db, other).record_number == "MRN-1"  # unique per organisation only


def test_patient_roles_and_tenancy(db, dep) -> None:
    with pytest.raises(Forbidden):
        _patient_as(db, dep, "viewer")
    with pytest.raises(Forbidden):
        _patient_as(db, dep, "rso")
    p = _patient(db, dep)
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        schedule.get_patient(db, other.actors["viewer"], p.id)
    with pytest.raises(NotFound):
        schedule.update_patient(db, other.actors["technologist"], p.id, weight_kg=50.0)
    assert schedule.find_patients(db, other.actors["viewer"]) == []


def _patient_as(db, dep, role):
    return schedule.register_patient(db, dep.actors[role], record_number="R", family_name="A",
                                     given_name="B", birth_date=ADULT_BORN, sex="U")


# ------------------------------------------------------------------ booking
def test_book_generates_accession_and_takes_the_cameras_site(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    assert a.status == "scheduled" and a.site_id == dep.site_id
    assert a.scheduled_at == NINE.astimezone(UTC)
    assert a.accession_number.startswith("A270310") and len(a.accession_number) <= 16
    assert a.patient.record_number == "MRN-1" and a.procedure.code == "BONE_BISPHOSPHONATE"
    assert a.camera.ae_title == "SPECT1" and a.prescription is None and a.warnings == []
    b = _book(db, dep, p, at=NINE + timedelta(hours=2))
    assert b.accession_number != a.accession_number
    assert _audit_actions(db, "appointment") == ["booked", "booked"]


def test_camera_overlap_is_a_warning_not_a_refusal(db, dep) -> None:
    p = _patient(db, dep)
    first = _book(db, dep, p)
    second = _book(db, dep, p, at=NINE + timedelta(minutes=15))
    assert len(second.warnings) == 1 and first.accession_number in second.warnings[0]
    other_camera = _book(db, dep, p, at=NINE, camera=1)
    assert other_camera.warnings == []
    after = _book(db, dep, p, at=NINE + timedelta(minutes=60))
    assert after.warnings == []


def test_naive_time_unknown_procedure_other_orgs_camera(db, dep) -> None:
    p = _patient(db, dep)
    with pytest.raises(InvalidInput) as e:
        _book(db, dep, p, at=datetime(2027, 3, 10, 9, 0))
    assert e.value.field == "scheduled_at"
    with pytest.raises(NotFound) as e:
        schedule.book(db, dep.actors["technologist"], patient_id=p.id, procedure_id=999_999,
                      camera_id=dep.camera_ids[0], scheduled_at=NINE)
    assert e.value.field == "procedure_id"
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    with pytest.raises(NotFound) as e:
        schedule.book(db, dep.actors["technologist"], patient_id=p.id,
                      procedure_id=dep.procedure_ids["THYROID"],
                      camera_id=other.camera_ids[0], scheduled_at=NINE)
    assert e.value.field == "camera_id"
    with pytest.raises(NotFound) as e:
        schedule.book(db, dep.actors["technologist"], patient_id=p.id,
                      procedure_id=other.procedure_ids["THYROID"],
                      camera_id=dep.camera_ids[0], scheduled_at=NINE)
    assert e.value.field == "procedure_id"
    with pytest.raises(NotFound):  # another organisation's patient
        _book(db, other, p)
    with pytest.raises(Forbidden):
        _book(db, dep, p, role="viewer")
    assert _count(db, Appointment) == 0


def test_inactive_procedure_or_camera_is_refused(db, dep) -> None:
    from isoflow.store.department_models import Camera, Procedure
    p = _patient(db, dep)
    with db.write() as s:
        s.get(Procedure, dep.procedure_ids["THYROID"]).active = False
        s.get(Camera, dep.camera_ids[1]).active = False
    with pytest.raises(InvalidInput) as e:
        _book(db, dep, p, code="THYROID")
    assert e.value.field == "procedure_id"
    with pytest.raises(InvalidInput) as e:
        _book(db, dep, p, camera=1)
    assert e.value.field == "camera_id"


def test_reschedule_and_cancel(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    later = NINE + timedelta(days=1)
    r = schedule.reschedule(db, dep.actors["technologist"], a.id, scheduled_at=later,
                            camera_id=dep.camera_ids[1], reason="camera service")
    assert r.scheduled_at == later.astimezone(UTC) and r.camera.ae_title == "SPECT2"
    with pytest.raises(InvalidInput) as e:
        schedule.cancel(db, dep.actors["technologist"], a.id, reason=" ")
    assert e.value.field == "reason"
    c = schedule.cancel(db, dep.actors["technologist"], a.id, reason="patient ill")
    assert c.status == "cancelled" and c.cancel_reason == "patient ill"
    with pytest.raises(Conflict):
        schedule.reschedule(db, dep.actors["technologist"], a.id, scheduled_at=NINE,
                            reason="again")
    entries = audit.list_entries(db, dep.actors["admin"], entity_type="appointment")
    assert {e.action for e in entries} == {"booked", "rescheduled", "cancelled"}


def test_cancel_refused_once_a_dose_was_drawn(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    schedule.prescribe(db, dep.actors["physician"], a.id, activity_bq=500 * MBQ)
    _fake_drawn_dose(db, dep, a.id)
    with pytest.raises(Conflict) as e:
        schedule.cancel(db, dep.actors["technologist"], a.id, reason="too late")
    assert "dose" in e.value.message
    with pytest.raises(Conflict):
        schedule.prescribe(db, dep.actors["physician"], a.id, activity_bq=400 * MBQ)
    assert schedule.appointment_view(db, dep.actors["viewer"], a.id).status == "prescribed"


def _fake_drawn_dose(db, dep, appointment_id):
    """A dose row as the dispensing slice writes it (its syringe a ledger container)."""
    from isoflow.services import ledger
    at = datetime.now(UTC)
    vial = ledger.receive(db, dep.actors["radiopharmacist"], site_id=dep.site_id, kind="vial",
                          nuclide="Tc-99m", activity_bq=5e9, reference_at=at, received_at=at)
    ev = ledger.withdraw(db, dep.actors["radiopharmacist"], vial.id, at=at,
                         activity_bq=5e8, into_kind="syringe")
    with db.write() as s:
        s.add(Dose(org_id=dep.org_id, appointment_id=appointment_id,
                   source_container_id=vial.id, syringe_container_id=ev.counterpart_container_id,
                   drawn_at=at, planned_at=at, wanted_bq=5e8, volume_ml=1.0, status="drawn",
                   drawn_by="x"))


# ------------------------------------------------------------------ prescriptions
def test_eanm_child_dmsa_20kg_is_33_mbq(db, dep) -> None:
    child = _patient(db, dep, born=CHILD_BORN, weight=20.0)
    a = _book(db, dep, child, code="RENAL_DMSA")
    r = schedule.prescribe(db, dep.actors["physician"], a.id)
    assert r.basis == "eanm"
    assert round(r.activity_bq / MBQ, 1) == 33.0  # 6.8 MBq × 4.86 (class B, 20 kg)
    assert r.prescribed_by == dep.usernames["physician"]
    assert r.prescriber_name == "Test Hospital physician"
    v = schedule.appointment_view(db, dep.actors["viewer"], a.id)
    assert v.status == "prescribed" and v.prescription.activity_bq == r.activity_bq


def test_appointment_weight_overrides_patients_and_minimum_applies(db, dep) -> None:
    child = _patient(db, dep, born=CHILD_BORN, weight=20.0)
    a = _book(db, dep, child, code="RENAL_DMSA", weight=3.5)
    r = schedule.prescribe(db, dep.actors["physician"], a.id)
    assert r.activity_bq == pytest.approx(18.5 * MBQ)  # 6.8 × 1.0 below the 18.5 MBq minimum


def test_child_without_weight_or_without_eanm_data(db, dep) -> None:
    child = _patient(db, dep, born=CHILD_BORN)
    a = _book(db, dep, child, code="RENAL_DMSA")
    with pytest.raises(InvalidInput) as e:
        schedule.prescribe(db, dep.actors["physician"], a.id)
    assert e.value.field == "weight_kg" and "weight" in e.value.message
    b = _book(db, dep, child, code="MPI_REST", at=NINE + timedelta(hours=3))
    with pytest.raises(InvalidInput) as e:
        schedule.prescribe(db, dep.actors["physician"], b.id)
    assert e.value.field == "activity_bq" and "EANM" in e.value.message
    assert _count(db, Prescription) == 0
    r = schedule.prescribe(db, dep.actors["physician"], b.id, activity_bq=120 * MBQ)
    assert r.basis == "value"


def test_adult_default_range_and_value(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    doc = dep.actors["physician"]
    r = schedule.prescribe(db, doc, a.id)
    assert (r.basis, r.activity_bq) == ("adult", 500 * MBQ)
    r = schedule.prescribe(db, doc, a.id, min_bq=400 * MBQ, max_bq=600 * MBQ)
    assert (r.basis, r.activity_bq, r.min_bq, r.max_bq) == ("range", 500 * MBQ, 400 * MBQ,
                                                            600 * MBQ)
    r = schedule.prescribe(db, doc, a.id, min_bq=400 * MBQ, max_bq=600 * MBQ,
                           activity_bq=450 * MBQ)
    assert r.activity_bq == 450 * MBQ
    with pytest.raises(InvalidInput) as e:
        schedule.prescribe(db, doc, a.id, min_bq=400 * MBQ, max_bq=600 * MBQ,
                           activity_bq=650 * MBQ)
    assert e.value.field == "activity_bq"
    with pytest.raises(InvalidInput) as e:
        schedule.prescribe(db, doc, a.id, min_bq=600 * MBQ, max_bq=400 * MBQ)
    assert e.value.field == "min_bq"
    with pytest.raises(InvalidInput) as e:
        schedule.prescribe(db, doc, a.id, min_bq=400 * MBQ)
    assert e.value.field == "max_bq"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Prescription)) == 1
    actions = _audit_actions(db, "prescription")
    assert actions == ["prescribed", "re-prescribed", "re-prescribed"]
    last = audit.list_entries(db, dep.actors["admin"], entity_type="prescription")
    newest = max(last, key=lambda e: e.seq)
    assert newest.old["basis"] == "range" and newest.old["activity_bq"] == 500 * MBQ
    assert newest.new["activity_bq"] == 450 * MBQ


def test_above_adult_maximum_needs_a_note(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    with pytest.raises(InvalidInput) as e:
        schedule.prescribe(db, dep.actors["physician"], a.id, activity_bq=800 * MBQ)
    assert e.value.field == "note"
    r = schedule.prescribe(db, dep.actors["physician"], a.id, activity_bq=800 * MBQ,
                           note="obese patient, 140 kg")
    assert r.note == "obese patient, 140 kg"


def test_only_physicians_prescribe(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    for role in ("technologist", "radiopharmacist", "viewer", "rso"):
        with pytest.raises(Forbidden):
            schedule.prescribe(db, dep.actors[role], a.id, activity_bq=500 * MBQ)
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        schedule.prescribe(db, other.actors["physician"], a.id, activity_bq=500 * MBQ)
    assert _count(db, Prescription) == 0


# ------------------------------------------------------------------ the day
def test_day_boundaries_in_bishkek(db, dep) -> None:
    p = _patient(db, dep)
    times = [datetime(2027, 3, 9, 23, 59, tzinfo=BISHKEK),   # the day before
             datetime(2027, 3, 10, 0, 0, tzinfo=BISHKEK),    # 18:00 UTC on the 9th
             datetime(2027, 3, 10, 23, 0, tzinfo=BISHKEK),
             datetime(2027, 3, 10, 12, 0, tzinfo=BISHKEK),
             datetime(2027, 3, 11, 0, 0, tzinfo=BISHKEK)]    # the day after
    booked = [_book(db, dep, p, at=t, camera=i % 2) for i, t in enumerate(times)]
    day = schedule.appointments_on(db, dep.actors["viewer"], site_id=dep.site_id, day=DAY)
    assert [a.id for a in day] == [booked[1].id, booked[3].id, booked[2].id]
    assert all(a.patient.record_number == "MRN-1" for a in day)
    assert day[0].site_timezone == "Asia/Bishkek"
    assert schedule.appointments_on(db, dep.actors["viewer"], site_id=None, day=DAY) == day
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        schedule.appointments_on(db, other.actors["viewer"], site_id=dep.site_id, day=DAY)
    assert schedule.appointments_on(db, other.actors["viewer"], site_id=None, day=DAY) == []
    with pytest.raises(NotFound):
        schedule.appointment_view(db, other.actors["viewer"], booked[1].id)


def test_patient_appointments_latest_first(db, dep) -> None:
    p = _patient(db, dep)
    a = _book(db, dep, p)
    b = _book(db, dep, p, at=NINE + timedelta(days=3))
    assert [x.id for x in schedule.patient_appointments(db, dep.actors["viewer"], p.id)] == \
        [b.id, a.id]
