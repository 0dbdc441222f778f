"""Modality Worklist benchmark (issue #10): C-FIND round trip for a busy day.

Writes benchmarks/results/mwl.json. A hospital (tests/department_world: cameras SPECT1 and
SPECT2, Asia/Bishkek) with 200 scheduled procedure steps on one day (half prescribed, so the
MBq dose is filled in), 100 more on the days around it and 20 cancelled ones. The worklist SCP
runs as deployed, ``isoflow mwl serve`` in a process of its own on a loopback port. Two
cameras query that day with the return keys a camera asks for (patient, accession, study UID,
the step sequence, the radiopharmaceutical sequence); each round trip counts all 200 pending
responses and the final Success; three warm-up queries first, then 30 measured:

* findscu_association_per_query: dcmtk's findscu, a process and an association per query (as
  most cameras query), environment TCP_NODELAY=1 (see findscu_round_trips); also measured
  with Nagle's algorithm left on (findscu_with_nagle);
* pynetdicom_scu_one_association: a pynetdicom camera, one association for the 30 queries
  (its own decoding of each response is a large part of the figure);
* server_time_per_query: the server's own time from its log (request decoded to the last
  pending response handed to pynetdicom); query_layer_median_ms: worklist_items alone.

On this 2-core machine shared with other jobs, clients and server compete for the CPUs; most
of the server's time is pynetdicom's per-response work (a command set built and encoded with
pydicom, two PDUs through its DUL thread), not the worklist's (~30 ms for 200 items).

Target: median and p95 < 200 ms. SQLite (a fresh migrated file) always; PostgreSQL when
ISOFLOW_BENCH_POSTGRES_URL or ISOFLOW_TEST_POSTGRES_URL is set (a scratch database of its
own on that server, dropped afterwards).

    .venv/bin/python benchmarks/bench_mwl.py
"""

from __future__ import annotations

import json
import os
import platform
import re
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


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[str]:
    """``isoflow mwl serve`` in a process of its own, as deployed (the camera is another
    machine: its pynetdicom threads must not share the server's GIL)."""
    exe = Path(sys.executable).with_name("isoflow")
    proc = subprocess.Popen([str(exe), "mwl", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--ae-title", OUR_AE, "--database-url", url,
                             "--log-level", "info"], text=True,
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the MWL server did not start") from None
            time.sleep(0.1)


def findscu_round_trips(port: int, n: int = QUERIES, *,
                        nodelay: bool = True) -> list[float] | None:
    """dcmtk's findscu as the camera: one process and association per query (spawn, ~10 ms,
    and association included); None without dcmtk. ``nodelay``: environment TCP_NODELAY=1,
    which this dcmtk build (Debian's 3.6.7) needs to turn Nagle's algorithm off: with it on,
    findscu's two-PDU request waits ~40 ms for the server's delayed ACK in every query."""
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
        done = subprocess.run(cmd, check=True, capture_output=True, text=True,
                              env={**os.environ, "TCP_NODELAY": "1" if nodelay else "0"})
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
    log = Path(tempfile.mkdtemp()) / "mwl.log"
    server = start_server(db.url.render_as_string(hide_password=False), port, log)
    try:
        ae = AE(ae_title="SPECT1")
        ae.add_requested_context(ModalityWorklistInformationFind)
        assoc = ae.associate("127.0.0.1", port, ae_title=OUR_AE)
        assert assoc.is_established
        # as a camera's DICOM stack does (dcmtk sets it by default): pynetdicom sends the
        # C-FIND-RQ as two PDUs, and with Nagle on the second waits ~40 ms for the server's
        # delayed ACK, in every query
        assoc.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        findscu_nagle = findscu_round_trips(port, nodelay=False)
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
    # the server's own time per query (its log: request decoded to last pending response
    # handed to pynetdicom), the 30 pynetdicom queries after the warm-up
    served = [float(m[1]) for m in re.finditer(rf"C-FIND from SPECT1: {STEPS} items in "
                                                r"([0-9.]+) ms", log.read_text())]
    shutil.rmtree(log.parent)
    stats = _stats(times)
    fstats = None if findscu is None else _stats(findscu)
    return {"items": STEPS, "queries": QUERIES,
            "findscu_association_per_query": fstats,
            "findscu_with_nagle": None if findscu_nagle is None else _stats(findscu_nagle),
            "pynetdicom_scu_one_association": stats,
            "query_layer_median_ms": round(statistics.median(layer), 1),
            "server_time_per_query": _stats(served[WARMUP:WARMUP + QUERIES]),
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
