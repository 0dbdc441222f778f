"""Modality Worklist benchmark (issue #10): C-FIND round trip for a busy day.

Writes benchmarks/results/mwl.json. A hospital (tests/department_world: cameras SPECT1 and
SPECT2, Asia/Bishkek) with 200 scheduled procedure steps on one day (half prescribed, so the
MBq dose is filled in), 100 more on the days around it and 20 cancelled ones. The worklist SCP
(isoflow.interop.mwl.serve) runs in this process on a loopback port; a pynetdicom camera
(AE SPECT1) opens ONE association and sends 30 C-FIND queries for that day with the return
keys a camera asks for (patient, accession, study UID, the step sequence, the
radiopharmaceutical sequence); each round trip is timed from send_c_find to the final Success
response, all 200 pending responses received. Three warm-up queries first.

Target: median and p95 < 200 ms. SQLite (a fresh migrated file) always; PostgreSQL when
ISOFLOW_BENCH_POSTGRES_URL or ISOFLOW_TEST_POSTGRES_URL is set (a scratch database of its
own on that server, dropped afterwards).

    .venv/bin/python benchmarks/bench_mwl.py
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import ModalityWorklistInformationFind

from isoflow.interop import mwl
from isoflow.store import migrate
from isoflow.store.db import Database
from isoflow.store.department_models import (
    Appointment,
    Patient,
    Prescription,
)
from tests.department_world import make_department

OUT = Path(__file__).parent / "results" / "mwl.json"
DAY = date(2026, 12, 8)
STEPS = 200
QUERIES = 30
WARMUP = 3
TARGET_MS = 200.0
OUR_AE = "ISOFLOW_MWL"


def populate(db: Database) -> None:
    dep = make_department(db)
    codes = list(dep.procedure_ids.values())
    now = datetime.now(UTC)
    start = datetime(DAY.year, DAY.month, DAY.day, 1, 0, tzinfo=UTC)  # 07:00 in Bishkek
    rows: list[tuple[datetime, str]] = []
    for i in range(STEPS):
        rows.append((start + timedelta(minutes=3 * i), "prescribed" if i % 2 else "scheduled"))
    for i in range(100):
        rows.append((start + timedelta(days=-3 + (i % 7) or 1, minutes=5 * i), "scheduled"))
    for i in range(20):
        rows.append((start + timedelta(minutes=7 * i), "cancelled"))
    with db.write() as s:
        for n, (at, status) in enumerate(rows):
            p = Patient(org_id=dep.org_id, record_number=f"MRN-{n:05d}",
                        family_name=f"Family{n}", given_name=f"Given{n}",
                        birth_date=date(1950 + n % 60, 1 + n % 12, 1 + n % 28),
                        sex="FM"[n % 2], weight_kg=None, created_at=now)
            s.add(p)
            s.flush()
            a = Appointment(org_id=dep.org_id, site_id=dep.site_id, patient_id=p.id,
                            procedure_id=codes[n % len(codes)],
                            camera_id=dep.camera_ids[n % 2], scheduled_at=at,
                            weight_kg=60 + n % 40, accession_number=f"ACC{n:07d}",
                            status=status, created_by="bench", created_at=now)
            s.add(a)
            s.flush()
            if status == "prescribed":
                s.add(Prescription(org_id=dep.org_id, appointment_id=a.id,
                                   activity_bq=500e6, basis="value", prescribed_by="bench",
                                   prescriber_name="Dr Bench", prescribed_at=now))


def camera_query() -> Dataset:
    ds = Dataset()
    for kw in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientWeight",
               "AccessionNumber", "StudyInstanceUID", "RequestedProcedureID",
               "RequestedProcedureDescription"):
        setattr(ds, kw, "")
    sps = Dataset()
    sps.Modality = "NM"
    sps.ScheduledStationAETitle = ""
    sps.ScheduledProcedureStepStartDate = DAY.strftime("%Y%m%d")
    for kw in ("ScheduledProcedureStepStartTime", "ScheduledStationName",
               "ScheduledProcedureStepID", "ScheduledProcedureStepDescription",
               "ScheduledProcedureStepStatus", "PreMedication"):
        setattr(sps, kw, "")
    ds.ScheduledProcedureStepSequence = [sps]
    ds.RadiopharmaceuticalInformationSequence = []
    return ds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[str]:
    """``isoflow mwl serve`` in a process of its own, as deployed (the camera is another
    machine: its pynetdicom threads must not share the server's GIL)."""
    exe = Path(sys.executable).with_name("isoflow")
    proc = subprocess.Popen([str(exe), "mwl", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--ae-title", OUR_AE, "--database-url", url,
                             "--log-level", "warning"], text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the MWL server did not start") from None
            time.sleep(0.1)


def findscu_round_trips(port: int, n: int = QUERIES) -> list[float] | None:
    """dcmtk's findscu as the camera: one process and association per query (spawn and
    association included); None without dcmtk."""
    exe = shutil.which("findscu")
    if exe is None:
        return None
    cmd = [exe, "-W", "-aet", "SPECT1", "-aec", OUR_AE, "-k", "PatientName", "-k",
           "PatientID", "-k", "AccessionNumber", "-k", "(0040,0100)[0].Modality=NM", "-k",
           f"(0040,0100)[0].ScheduledProcedureStepStartDate={DAY:%Y%m%d}", "-k",
           "(0040,0100)[0].ScheduledProcedureStepStartTime", "-k",
           "(0040,0100)[0].ScheduledStationAETitle", "127.0.0.1", str(port)]
    out = []
    for q in range(WARMUP + n):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        elapsed = (time.perf_counter() - t0) * 1000
        assert done.stderr.count("Find Response:") == STEPS, done.stderr[-500:]
        if q >= WARMUP:
            out.append(elapsed)
    return out


def _stats(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
            "min_ms": round(times[0], 1), "max_ms": round(times[-1], 1)}


def measure(db: Database) -> dict[str, Any]:
    populate(db)
    port = free_port()
    server = start_server(db.url.render_as_string(hide_password=False), port)
    try:
        ae = AE(ae_title="SPECT1")
        ae.add_requested_context(ModalityWorklistInformationFind)
        assoc = ae.associate("127.0.0.1", port, ae_title=OUR_AE)
        assert assoc.is_established
        ds = camera_query()
        times: list[float] = []
        try:
            for q in range(WARMUP + QUERIES):
                t0 = time.perf_counter()
                n = 0
                final = None
                for status, ident in assoc.send_c_find(ds, ModalityWorklistInformationFind):
                    final = status.Status
                    if final == 0xFF00:
                        n += 1
                        assert ident.RadiopharmaceuticalInformationSequence
                elapsed = time.perf_counter() - t0
                assert final == 0x0000 and n == STEPS, (final, n)
                if q >= WARMUP:
                    times.append(elapsed * 1000)
        finally:
            assoc.release()
        findscu = findscu_round_trips(port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # the query layer alone (no network): what the SCP spends building the answer
    layer = []
    for _ in range(10):
        t0 = time.perf_counter()
        assert sum(1 for _ in mwl.worklist_items(db, "SPECT1", ds,
                                                 transfer_syntax=mwl.EXPLICIT_LE)) == STEPS
        layer.append((time.perf_counter() - t0) * 1000)
    stats = _stats(times)
    fstats = None if findscu is None else _stats(findscu)
    return {"items": STEPS, "queries": QUERIES,
            "findscu_association_per_query": fstats,
            "pynetdicom_scu_one_association": stats,
            "query_layer_median_ms": round(statistics.median(layer), 1),
            "met_findscu": fstats is not None and fstats["median_ms"] < TARGET_MS
            and fstats["p95_ms"] < TARGET_MS,
            "met_pynetdicom_scu": stats["median_ms"] < TARGET_MS
            and stats["p95_ms"] < TARGET_MS}


def main() -> None:
    import logging

    logging.getLogger("isoflow.mwl").setLevel(logging.WARNING)
    result: dict[str, Any] = {"target_ms": TARGET_MS, "command": "python benchmarks/bench_mwl.py"}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/mwl.sqlite")
        migrate.upgrade(db)
        result["sqlite"] = measure(db)
        db.dispose()
    pg = os.environ.get("ISOFLOW_BENCH_POSTGRES_URL") or os.environ.get(
        "ISOFLOW_TEST_POSTGRES_URL")
    if pg:
        from tests.conftest import _drop_pg_database, _scratch_pg_database

        name = f"isoflow_bench_mwl_{os.getpid()}"
        url = _scratch_pg_database(pg, name)
        try:
            db = Database(url)
            migrate.upgrade(db)
            result["postgresql"] = measure(db)
            db.dispose()
        finally:
            _drop_pg_database(pg, name)
    result["machine"] = {"python": sys.version.split()[0], "platform": platform.platform(),
                         "processor": platform.processor() or platform.machine(),
                         "cpus": os.cpu_count()}
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
