"""The day-plan service on both databases: appointments, prescriptions and the site's
generator become vials, elutions and draws; unprescribed ones are planned provisionally."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from isoflow.domain.roles import Actor
from isoflow.errors import NotFound
from isoflow.services import ledger
from isoflow.services.day_plan import plan_day
from isoflow.store.department_models import Appointment, GeneratorRecord, Patient, Prescription
from tests.department_world import make_department

DAY = date(2031, 3, 4)
ZONE = ZoneInfo("Asia/Bishkek")


def local(h: int, m: int = 0) -> datetime:
    return datetime.combine(DAY, datetime.min.time(), ZONE).replace(hour=h, minute=m)


def world(db):  # type: ignore[no-untyped-def]
    dep = make_department(db)
    cal = local(6) - timedelta(days=1)
    c = ledger.receive(db, Actor.command_line("tests"), site_id=dep.site_id, kind="generator",
                       nuclide="Mo-99", activity_bq=19e9, reference_at=cal, received_at=cal,
                       label="GT-4K S1")
    now = datetime.now(UTC)
    with db.write() as s:
        s.add(GeneratorRecord(org_id=dep.org_id, container_id=c.id, generator_type="GT-4K",
                              serial="S1", supplier="x", calibration_at=cal,
                              expires_at=cal + timedelta(days=14), surveyed_at=cal,
                              surface_usv_h=1.0, at_1m_usv_h=0.01,
                              wipe_bq_per_100cm2=0.1, survey_passed=True, surveyed_by="t"))
        p = Patient(org_id=dep.org_id, record_number="R1", family_name="Ivanov",
                    given_name="Ivan", birth_date=date(1960, 1, 1), sex="M", weight_kg=80,
                    created_at=now)
        s.add(p)
        s.flush()
        appts = []
        for i, (code, h) in enumerate((("BONE_BISPHOSPHONATE", 9), ("BONE_BISPHOSPHONATE", 10),
                                       ("THYROID", 11))):
            a = Appointment(org_id=dep.org_id, site_id=dep.site_id, patient_id=p.id,
                            procedure_id=dep.procedure_ids[code], camera_id=dep.camera_ids[0],
                            scheduled_at=local(h), weight_kg=80, accession_number=f"ACC{i}",
                            status="scheduled", created_by="t", created_at=now)
            s.add(a)
            s.flush()
            appts.append(a.id)
        s.add(Prescription(org_id=dep.org_id, appointment_id=appts[0], activity_bq=600e6,
                           basis="adult", prescribed_by="p", prescriber_name="Dr P",
                           prescribed_at=now))
    return dep, appts


def test_plan_day_reads_the_day(db) -> None:  # type: ignore[no-untyped-def]
    dep, appts = world(db)
    plan = plan_day(db, dep.actors["viewer"], site_id=dep.site_id, day=DAY)
    assert not plan.shortfalls
    by_appt = {d.appointment_id: d for d in plan.doses}
    assert by_appt[appts[0]].activity_bq == 600e6 and not by_appt[appts[0]].provisional
    assert by_appt[appts[1]].provisional and by_appt[appts[1]].activity_bq == 500e6
    assert len(plan.vials) == 1 and plan.vials[0].kit_code == "MDP"
    assert plan.elutions and all(e.generator_label == "GT-4K S1" for e in plan.elutions)
    assert {d.appointment_id for d in plan.draws} == set(appts)


def test_other_organisation_sees_no_site(db) -> None:  # type: ignore[no-untyped-def]
    dep, _ = world(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        plan_day(db, other.actors["viewer"], site_id=dep.site_id, day=DAY)
