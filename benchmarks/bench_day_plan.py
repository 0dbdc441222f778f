"""Day-plan benchmark (issue #10): a site's plan for a day of 40 procedures through
``isoflow.services.day_plan.plan_day`` on SQLite (appointments, prescriptions, kits and a
generator with a week of elutions read from the database, then planned). Target: median < 2 s.

Run: .venv/bin/python benchmarks/bench_day_plan.py  -> benchmarks/results/day_plan.json
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from isoflow.domain.roles import Actor  # noqa: E402
from isoflow.services import ledger  # noqa: E402
from isoflow.services.day_plan import plan_day  # noqa: E402
from isoflow.store import migrate  # noqa: E402
from isoflow.store.db import Database  # noqa: E402
from isoflow.store.department_models import (  # noqa: E402
    Appointment,
    Elution,
    GeneratorRecord,
    Patient,
    Prescription,
)
from tests.department_world import make_department  # noqa: E402

DAY = date(2031, 3, 6)
N = 40
RUNS = 7


def main() -> None:
    tmp = tempfile.mkdtemp()
    db = Database(f"sqlite:///{tmp}/bench.sqlite")
    migrate.upgrade(db)
    dep = make_department(db)
    zone = ZoneInfo("Asia/Bishkek")
    cal = datetime.combine(DAY - timedelta(days=3), datetime.min.time(), zone).replace(hour=6)
    now = datetime.now(UTC)
    mix = ("BONE_BISPHOSPHONATE", "BONE_BISPHOSPHONATE", "MPI_REST", "THYROID",
           "LUNG_PERFUSION", "RENAL_DMSA")
    for g in range(2):
        c = ledger.receive(db, Actor.command_line("bench"), site_id=dep.site_id,
                           kind="generator", nuclide="Mo-99", activity_bq=40e9,
                           reference_at=cal, received_at=cal, label=f"GT-4K B{g}")
        eluates = [ledger.receive(db, Actor.command_line("bench"), site_id=dep.site_id,
                                  kind="vial", nuclide="Tc-99m", activity_bq=1e10,
                                  reference_at=cal + timedelta(days=d, hours=1),
                                  received_at=cal + timedelta(days=d, hours=1),
                                  label=f"eluate {g}-{d}") for d in range(3)]
        with db.write() as s:
            s.add(GeneratorRecord(org_id=dep.org_id, container_id=c.id, generator_type="GT-4K",
                                  serial=f"B{g}", supplier="bench", calibration_at=cal,
                                  expires_at=cal + timedelta(days=14), surveyed_at=cal,
                                  surface_usv_h=1.0, at_1m_usv_h=0.01, wipe_bq_per_100cm2=0.1,
                                  survey_passed=True, surveyed_by="bench"))
            for d in range(3):
                at = cal + timedelta(days=d, hours=1)
                s.add(Elution(org_id=dep.org_id, generator_container_id=c.id,
                              eluate_container_id=eluates[d].id, eluted_at=at, volume_ml=5.0,
                              measured_bq=1e10, predicted_bq=1e10, yield_flagged=False,
                              performed_by="bench"))
    with db.write() as s:
        p = Patient(org_id=dep.org_id, record_number="B1", family_name="Bench",
                    given_name="Patient", birth_date=date(1970, 1, 1), sex="F", weight_kg=70,
                    created_at=now)
        s.add(p)
        s.flush()
        for i in range(N):
            t = datetime.combine(DAY, datetime.min.time(), zone).replace(hour=8) + timedelta(
                minutes=15 * i)
            a = Appointment(org_id=dep.org_id, site_id=dep.site_id, patient_id=p.id,
                            procedure_id=dep.procedure_ids[mix[i % len(mix)]],
                            camera_id=dep.camera_ids[i % 2], scheduled_at=t, weight_kg=70,
                            accession_number=f"B{i:04d}", status="scheduled",
                            created_by="bench", created_at=now)
            s.add(a)
            s.flush()
            if i % 5:
                s.add(Prescription(org_id=dep.org_id, appointment_id=a.id, activity_bq=400e6,
                                   basis="adult", prescribed_by="bench",
                                   prescriber_name="Dr Bench", prescribed_at=now))
    viewer = dep.actors["viewer"]
    times = []
    plan = None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        plan = plan_day(db, viewer, site_id=dep.site_id, day=DAY)
        times.append(time.perf_counter() - t0)
    assert plan is not None
    med = statistics.median(times)
    out = {"benchmark": "day plan (issue #10)", "python": platform.python_version(),
           "machine": platform.platform(), "when": datetime.now(UTC).isoformat(),
           "procedures": N, "runs": RUNS, "database": "sqlite",
           "seconds": times, "median_s": med, "target_s": 2.0, "met": med < 2.0,
           "vials": len(plan.vials), "elutions": len(plan.elutions),
           "draws": len(plan.draws), "shortfalls": len(plan.shortfalls)}
    path = ROOT / "benchmarks" / "results" / "day_plan.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
