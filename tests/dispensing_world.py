"""Helpers for the dispensing slice's tests: an eluate (a ledger vial, optionally with its
Elution row), a prepared and released kit, and a prescribed appointment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from isoflow.services import kits, ledger, schedule
from isoflow.store.department_models import Elution
from tests.department_world import MBQ, PASSWORD, Department

HOUR = timedelta(hours=1)


def t0() -> datetime:
    """A recent whole minute (release checks expiry against the real clock)."""
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)


def eluate(db, dep: Department, at: datetime, *, mbq: float = 20000.0, ml: float = 10.0,
           elution: bool = False, previous_at: datetime | None = None,
           breakthrough_passed: bool | None = True, use_until: datetime | None = None) -> int:
    rph = dep.actors["radiopharmacist"]
    c = ledger.receive(db, rph, site_id=dep.site_id, kind="vial", nuclide="Tc-99m",
                       activity_bq=mbq * MBQ, reference_at=at, received_at=at, volume_ml=ml,
                       label="eluate")
    if elution or previous_at is not None:
        gen = ledger.receive(db, rph, site_id=dep.site_id, kind="generator", nuclide="Mo-99",
                             activity_bq=40000 * MBQ, reference_at=at - 48 * HOUR,
                             received_at=at - 48 * HOUR, label="gen")
        prev = None if previous_at is None else ledger.receive(
            db, rph, site_id=dep.site_id, kind="vial", nuclide="Tc-99m", activity_bq=MBQ,
            reference_at=previous_at, received_at=previous_at, volume_ml=1.0)
        with db.write() as s:
            if prev is not None:
                s.add(_elution(dep, gen.id, prev.id, previous_at, True, None))
            s.add(_elution(dep, gen.id, c.id, at, breakthrough_passed, use_until))
    return c.id


def _elution(dep, gen_id, eluate_id, at, passed, use_until) -> Elution:
    return Elution(org_id=dep.org_id, generator_container_id=gen_id,
                   eluate_container_id=eluate_id, eluted_at=at, volume_ml=10.0,
                   measured_bq=MBQ, predicted_bq=MBQ, yield_flagged=False,
                   breakthrough_passed=passed, use_until=use_until, performed_by="tests")


def kit(db, dep: Department, eluate_id: int, at: datetime, *, code: str = "MDP",
        mbq: float = 5000.0, ml: float = 5.0, release: bool = True, rcp: float = 0.97):
    rph = dep.actors["radiopharmacist"]
    p = kits.prepare_kit(db, rph, kit_id=dep.kit_ids[code], kit_lot="LOT-1",
                         eluate_container_id=eluate_id, prepared_at=at, activity_bq=mbq * MBQ,
                         volume_ml=ml)
    if release:
        p = kits.record_rcp(db, rph, p.id, rcp_fraction=rcp, tested_at=at + timedelta(minutes=10))
        p = kits.release_kit(db, rph, p.id, password=PASSWORD)
    return p


def appointment(db, dep: Department, at: datetime, *, code: str = "BONE_BISPHOSPHONATE",
                mbq: float | None = 500.0, record: str = "MRN-1", lo: float | None = None,
                hi: float | None = None) -> int:
    tech = dep.actors["technologist"]
    found = schedule.patient_by_record(db, tech, record)
    p = found or schedule.register_patient(db, tech, record_number=record,
                                           family_name="Ivanova", given_name="Anna",
                                           birth_date=date(1970, 5, 1), sex="F")
    a = schedule.book(db, tech, patient_id=p.id, procedure_id=dep.procedure_ids[code],
                      camera_id=dep.camera_ids[0], scheduled_at=at)
    schedule.prescribe(db, dep.actors["physician"], a.id,
                       activity_bq=None if mbq is None else mbq * MBQ,
                       min_bq=None if lo is None else lo * MBQ,
                       max_bq=None if hi is None else hi * MBQ)
    return a.id
