"""Hot-lab records for the journal tests: a day at the department written straight into the
tables (generator receipt through the ledger, an eluate, a kit vial and syringes filled by
ledger transfers, the QC and patient rows beside them), so the journals have something real
to read. Times: T0 = 2026-03-02 06:00 UTC (12:00 in Asia/Bishkek)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from isoflow.domain.roles import Actor
from isoflow.services import ledger
from isoflow.store.department_models import (
    Administration,
    Appointment,
    CalibratorCheck,
    Dose,
    Elution,
    GeneratorRecord,
    KitPreparation,
    Patient,
    Prescription,
    WasteContainer,
    WasteItem,
)
from tests.department_world import Department, make_department

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
H = timedelta(hours=1)
MBQ = 1e6
CLI = Actor.command_line("journal-tests")


@dataclass
class Records:
    dep: Department
    generator_id: int = 0
    eluate_id: int = 0
    vial_id: int = 0
    syringe_ids: list[int] = field(default_factory=list)
    patient_id: int = 0
    waste_id: int = 0


def _administer(db: object, dep: Department, rec: Records, *, vial_id: int, at: datetime,
                accession: str, drawn_bq: float, net_bq: float, volume_ml: float) -> None:
    e = ledger.withdraw(db, CLI, vial_id, at=at - 0.5 * H, activity_bq=drawn_bq,  # type: ignore[arg-type]
                        into_kind="syringe", into_label=f"syringe {accession}")
    assert e.counterpart_container_id is not None
    rec.syringe_ids.append(e.counterpart_container_id)
    with db.write() as s:  # type: ignore[attr-defined]
        ap = Appointment(org_id=dep.org_id, site_id=dep.site_id, patient_id=rec.patient_id,
                         procedure_id=dep.procedure_ids["BONE_BISPHOSPHONATE"],
                         camera_id=dep.camera_ids[0], scheduled_at=at,
                         accession_number=accession, status="administered",
                         created_by="tests", created_at=at - 24 * H)
        s.add(ap)
        s.flush()
        s.add(Prescription(org_id=dep.org_id, appointment_id=ap.id, activity_bq=500 * MBQ,
                           basis="value", prescribed_by="doc", prescriber_name="Dr Doc",
                           prescribed_at=at - 20 * H))
        d = Dose(org_id=dep.org_id, appointment_id=ap.id, source_container_id=vial_id,
                 syringe_container_id=e.counterpart_container_id, drawn_at=at - 0.5 * H,
                 planned_at=at, wanted_bq=500 * MBQ, volume_ml=volume_ml,
                 assayed_bq=drawn_bq, assayed_at=at - 0.4 * H, status="administered",
                 drawn_by=dep.usernames["technologist"])
        s.add(d)
        s.flush()
        s.add(Administration(org_id=dep.org_id, dose_id=d.id, appointment_id=ap.id,
                             administered_at=at, residual_bq=drawn_bq - net_bq,
                             residual_at=at, net_bq=net_bq, prescribed_bq=500 * MBQ,
                             deviation=net_bq / (500 * MBQ) - 1, flagged=False, route="IV",
                             administered_by=dep.usernames["technologist"]))


def make_records(db: object, name: str = "Test Hospital", *, prefix: str = "A") -> Records:
    """The department and its records: a Mo-99 generator received at T0 (serial GT-{prefix}),
    eluted at T0+1h (15 GBq, Mo-99 15 kBq), an MDP vial at T0+1.5h (5 GBq), two
    administrations of 480 MBq to one patient (one on the day before, one at T0+3h), a waste
    container disposed of at T0+6h, a calibrator constancy check at T0+0.5h."""
    dep = make_department(db, name, ae_titles=(f"{prefix}CAM1", f"{prefix}CAM2"))
    rec = Records(dep=dep)
    gen = ledger.receive(db, CLI, site_id=dep.site_id, kind="generator", nuclide="Mo-99",  # type: ignore[arg-type]
                         activity_bq=20e9, reference_at=T0 - 24 * H, received_at=T0 - 30 * H,
                         label=f"GT-4K {prefix}", note=f"TTN-{prefix}-17")
    rec.generator_id = gen.id
    with db.write() as s:  # type: ignore[attr-defined]
        s.add(GeneratorRecord(org_id=dep.org_id, container_id=gen.id, generator_type="GT-4K",
                              serial=f"GT-{prefix}", supplier="Isotope JSC",
                              calibration_at=T0 - 24 * H, surveyed_at=T0 - 30 * H,
                              surface_usv_h=5.0, at_1m_usv_h=0.2, wipe_bq_per_100cm2=0.1,
                              survey_passed=True, surveyed_by=dep.usernames["rso"]))
    # eluates: one the day before (for the first administration) and one at T0+1h
    for k, at in enumerate((T0 - 25 * H, T0 + H)):
        with db.write() as s:  # type: ignore[attr-defined]
            c, _ = ledger._new_container(s, CLI, org_id=dep.org_id, site_id=dep.site_id,
                                         kind="vial", nuclide="Tc-99m",
                                         label=f"eluate {prefix}{k}", received_at=at,
                                         activity_bq=15e9, reference_at=at, volume_ml=5.0,
                                         note=None, source_container_id=gen.id)
            s.add(Elution(org_id=dep.org_id, generator_container_id=gen.id,
                          eluate_container_id=c.id, eluted_at=at, volume_ml=5.0,
                          measured_bq=15e9, predicted_bq=15.5e9, yield_flagged=False,
                          mo99_bq=15e3, breakthrough_passed=True,
                          performed_by=dep.usernames["radiopharmacist"]))
        e = ledger.withdraw(db, CLI, c.id, at=at + 0.5 * H, activity_bq=5e9,  # type: ignore[arg-type]
                            into_kind="vial", into_label=f"MDP vial {prefix}{k}")
        assert e.counterpart_container_id is not None
        with db.write() as s:  # type: ignore[attr-defined]
            s.add(KitPreparation(org_id=dep.org_id, kit_id=dep.kit_ids["MDP"], kit_lot="L1",
                                 vial_container_id=e.counterpart_container_id,
                                 eluate_container_id=c.id, prepared_at=at + 0.5 * H,
                                 activity_bq=5e9, volume_ml=5.0, expires_at=at + 8.5 * H,
                                 status="released",
                                 prepared_by=dep.usernames["radiopharmacist"]))
        rec.eluate_id, rec.vial_id = c.id, e.counterpart_container_id
        if k == 0:
            first_vial = e.counterpart_container_id
    with db.write() as s:  # type: ignore[attr-defined]
        p = Patient(org_id=dep.org_id, record_number=f"MRN-{prefix}", family_name="Иванов",
                    given_name="Иван", birth_date=date(1980, 3, 2), sex="M", weight_kg=70,
                    created_at=T0 - 48 * H)
        s.add(p)
        s.flush()
        rec.patient_id = p.id
    _administer(db, dep, rec, vial_id=first_vial, at=T0 - 23 * H, accession=f"{prefix}0001",
                drawn_bq=510 * MBQ, net_bq=470 * MBQ, volume_ml=1.0)
    _administer(db, dep, rec, vial_id=rec.vial_id, at=T0 + 3 * H, accession=f"{prefix}0002",
                drawn_bq=520 * MBQ, net_bq=480 * MBQ, volume_ml=1.2)
    with db.write() as s:  # type: ignore[attr-defined]
        w = WasteContainer(org_id=dep.org_id, site_id=dep.site_id, label=f"bin {prefix}",
                           opened_at=T0 - 40 * H, sealed_at=T0 + 3.5 * H, status="released",
                           release_at=T0 + 5 * H, background_usv_h=0.12, surface_usv_h=0.11,
                           instrument="MKS-AT1117M", surveyed_at=T0 + 5.5 * H,
                           surveyed_by=dep.usernames["rso"], disposed_at=T0 + 6 * H,
                           disposed_by=dep.usernames["rso"], created_by="tests")
        s.add(w)
        s.flush()
        rec.waste_id = w.id
        s.add(WasteItem(org_id=dep.org_id, waste_id=w.id, nuclide="Tc-99m",
                        activity_bq=40 * MBQ, reference_at=T0 + 3 * H,
                        source_container_id=rec.syringe_ids[-1], added_at=T0 + 3.1 * H,
                        added_by=dep.usernames["technologist"], description="syringe"))
        s.add(CalibratorCheck(org_id=dep.org_id, calibrator_id=dep.calibrator_id,
                              kind="constancy", performed_at=T0 + 0.5 * H, nuclide="Cs-137",
                              expected_bq=7.0 * MBQ, measured_bq=7.07 * MBQ, deviation=0.01,
                              passed=True, performed_by=dep.usernames["technologist"]))
    return rec
