"""Ledger benchmark (issue #4) on a generated hospital-year, on SQLite and on PostgreSQL.

Writes benchmarks/results/ledger.json. The year: 52 weekly Mo-99 generators (each eluted twice
a day: an elution record on the generator and a Tc-99m eluate vial received), every vial
dispensed into ~13 syringes (a transfer: a withdrawal on the vial, a receipt and a calibrator
measurement on the syringe), vials and generators disposed of — about 10,000 withdrawals and
30,000 events — plus one I-131 stock solution with 500 events. The history is inserted in bulk
(it is the setting, not what is measured); every write that is measured goes through the
API and its audit trail.

Targets:
  holding_500      what a container with 500 events holds at a time     < 5 ms
  api_writes       acknowledged writes/s through the API, 8 clients       >= 200 /s
  api_reads        p99 latency of GET /containers/{id}, 50 clients        < 50 ms
The API figures come from the real server (`isoflow serve --workers 2`) and its clients on
the same 2-core machine, so clients, server (and PostgreSQL) share the two CPUs. The clients
are one asyncio process (benchmarks/http_load.py): one keep-alive connection per client,
requests encoded before the clock starts, replies parsed no further than status line and
Content-Length, so the instrument takes ~0.07 ms of CPU per request (the thread-per-client
http.client generator it replaces took a large share of the CPU the server needed). Only
acknowledged requests count (201 for a write, 200 for a read), and every reply is checked
after the run: each acknowledged withdrawal is in the database and nothing else was appended,
the audit chain verifies, each read names the container asked for and the activity the
service computes for it. Each phase also reports the CPU time per request of the server's
processes, of PostgreSQL's and of the load generator.

Reads are measured twice: closed loop (50 clients, each sending its next GET as soon as the
last is answered: saturation, the target's measure) and open loop (50 clients each sending
one GET a second, latency counted from when each was due). Warm-up before measuring: ten
GETs of the stock solution on each of 50 connections (the measured containers stay cold).

Two server workers (ISOFLOW_BENCH_WORKERS to change), because two measured better than one
for reads on both databases and for writes on PostgreSQL (SQLite writes, one writer at a
time, about the same): one worker is a single Python process that saturates one core (the
GIL) while the load generator needs only ~0.07 ms of CPU per request, so the second core is
half idle. Four runs, each measuring both side by side: with two workers SQLite served
2,700-3,350 GET/s (p99 21-24 ms) and 298-382 writes/s, PostgreSQL 1,730-2,190 GET/s (p99
30-45 ms) and 247-382 writes/s; with one, SQLite 2,100-2,220 GET/s (p99 30-37 ms) and
309-349 writes/s, PostgreSQL 1,100-1,330 GET/s (p99 49-67 ms: over the target in three runs
of four) and 226-278 writes/s. The one-worker measurement is repeated in brief in every run
("compare_1_worker"; ISOFLOW_BENCH_COMPARE_WORKERS=0 skips it). Each worker has its own
SO_REUSEPORT socket, so the 50 connections are split at random between the two; the busier
worker's clients wait longest (see "client_mean_latency_ms").

PostgreSQL: ISOFLOW_BENCH_POSTGRES_URL (or ISOFLOW_TEST_POSTGRES_URL) if set, else a throwaway
cluster started from /usr/lib/postgresql/*/bin on a free loopback port; skipped if neither.
"""

from __future__ import annotations

import glob
import json
import math
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

import http_load
from isoflow.domain import ledger as rules
from isoflow.domain.roles import Actor
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit, auth, ledger, ledger_records, licences, organisations
from isoflow.store import migrate
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent

OUT = Path(__file__).parent / "results" / "ledger.json"
ISOFLOW = str(Path(sys.executable).parent / "isoflow")
PASSWORD = "bench password 2026"
Y0 = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)  # a Monday
WRITE_CLIENTS, WRITES_PER_CLIENT = 8, 150
READ_CLIENTS, READS_PER_CLIENT = 50, 100
PACED_RATE_PER_CLIENT, PACED_SECONDS = 1.0, 15.0  # 50 users each sending one GET a second
# Two server processes (see the module docstring); ISOFLOW_BENCH_WORKERS=1 to compare.
SERVER_WORKERS = int(os.environ.get("ISOFLOW_BENCH_WORKERS", "2"))
#: Measured again, in brief, with this many workers (ISOFLOW_BENCH_COMPARE_WORKERS=0: not).
COMPARE_WORKERS = int(os.environ.get("ISOFLOW_BENCH_COMPARE_WORKERS", "1"))
WORKERS_WHY = ("two measured better than one for reads on both databases and for writes on "
               "PostgreSQL (SQLite writes about the same): one worker (one Python process) "
               "saturates one core while the load generator takes ~0.07 ms of CPU per "
               "request; compare_1_worker is the same run with one")


# ------------------------------------------------------------------ the hospital-year
def generate_year(db: Database) -> dict[str, object]:
    """Set up the hospital through the services, then bulk-insert the year's ledger."""
    cli = Actor.command_line("bench")
    org, site = organisations.create_organisation(
        db, cli, name="Bench Oncology Centre", kind="hospital", timezone="Asia/Bishkek",
        jurisdiction="RU")
    organisations.create_user(db, cli, username="rph", password=PASSWORD,
                              role="radiopharmacist", org_id=org.id, full_name="Bench RPh",
                              must_change_password=False)
    licences.add_limit(db, cli, site_id=site.id, nuclide=None, limit_bq=1e18,
                       valid_from=datetime(2000, 1, 1, tzinfo=UTC), reference="BENCH")
    rng = random.Random(4)
    containers: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    counts: dict[int, int] = {}

    def container(kind: str, nuclide: str, at: datetime, source: int | None = None) -> int:
        cid = len(containers) + 1
        containers.append(dict(id=cid, org_id=org.id, site_id=site.id, kind=kind,
                               nuclide=nuclide, label=f"{nuclide} {kind} {cid}",
                               received_at=at, source_container_id=source, event_count=0,
                               created_at=at))
        return cid

    def event(cid: int, kind: str, at: datetime, **values: object) -> int:
        counts[cid] = counts.get(cid, 0) + 1
        eid = len(events) + 1
        events.append(dict(id=eid, org_id=org.id, container_id=cid, seq=counts[cid], kind=kind,
                           occurred_at=at, recorded_at=at, recorded_by="rph",
                           activity_bq=values.get("activity_bq"),
                           volume_ml=values.get("volume_ml"),
                           reference_at=values.get("reference_at"), corrects_event_id=None,
                           void=False, reason=None, note=None,
                           counterpart_container_id=values.get("counterpart")))
        return eid

    tc_lambda = get_nuclide("Tc-99m").decay_constant_per_s
    withdrawals = 0
    for week in range(52):
        monday = Y0 + timedelta(weeks=week)
        gen = container("generator", "Mo-99", monday)
        event(gen, "receipt", monday, activity_bq=40e9, reference_at=monday)
        for day in range(7):
            for hour in (1, 7):
                t = monday + timedelta(days=day, hours=hour)
                eluate_bq = 30e9 * 0.5 ** (day * 24 / 66.0) * rng.uniform(0.9, 1.1)
                event(gen, "measurement", t, activity_bq=eluate_bq)  # the elution record
                vial = container("vial", "Tc-99m", t)
                event(vial, "receipt", t, activity_bq=eluate_bq, volume_ml=10.0,
                      reference_at=t)
                left_bq, left_ml = eluate_bq, 10.0
                for k in range(13):
                    dt = timedelta(minutes=20 * (k + 1))
                    share = 0.06
                    conc = left_bq * (1 - 0) / left_ml * 2.718281828 ** (
                        -tc_lambda * dt.total_seconds())
                    take_ml = 10.0 * share
                    take_bq = conc * take_ml
                    syringe = container("syringe", "Tc-99m", t + dt, source=vial)
                    event(vial, "withdrawal", t + dt, activity_bq=take_bq, volume_ml=take_ml,
                          counterpart=syringe)
                    event(syringe, "receipt", t + dt, activity_bq=take_bq, volume_ml=take_ml,
                          reference_at=t + dt, counterpart=vial)
                    event(syringe, "measurement", t + dt + timedelta(minutes=1),
                          activity_bq=take_bq * rng.uniform(0.97, 1.03))
                    withdrawals += 1
                    left_bq = (left_bq * 2.718281828 ** (-tc_lambda * dt.total_seconds())
                               - take_bq) if k == 0 else left_bq
                    left_ml -= take_ml
                event(vial, "disposal", t + timedelta(days=3))
        event(gen, "disposal", monday + timedelta(weeks=2))
    # one long-lived stock solution with 500 events
    stock = container("vial", "I-131", Y0)
    event(stock, "receipt", Y0, activity_bq=500e9, volume_ml=500.0, reference_at=Y0)
    for k in range(499):
        event(stock, "withdrawal", Y0 + timedelta(hours=k + 1), activity_bq=0.1e9)
        withdrawals += 1
    for c in containers:
        c["event_count"] = counts[int(c["id"])]  # type: ignore[call-overload]
    with db.write() as s:
        s.execute(insert(Container), containers)
        s.execute(insert(LedgerEvent), events)
    if not db.is_sqlite:  # bulk ids were explicit: move the sequences past them
        with db.engine.begin() as c:
            for table in ("containers", "ledger_events"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))"))
    return {"org_id": org.id, "site_id": site.id, "stock_id": stock,
            "containers": len(containers), "events": len(events),
            "withdrawals": withdrawals}


# ------------------------------------------------------------------ measurements
def bench_holding(db: Database, year: dict[str, object]) -> dict[str, object]:
    """What the 500-event container holds at a time: service call (read + compute) and the
    pure computation on its loaded events."""
    with db.read() as s:
        rph = auth.actor_of(s.scalar(text("SELECT 1")) and _user(s))
    stock = int(year["stock_id"])  # type: ignore[call-overload]
    at = Y0 + timedelta(days=30)
    view = ledger.get_container(db, rph, stock, at)
    assert view.event_count == 500, view.event_count
    times = []
    for i in range(300):
        t0 = time.perf_counter()
        ledger.get_container(db, rph, stock, at + timedelta(minutes=i))
        times.append(time.perf_counter() - t0)
    with db.read() as s:
        evs = [ledger_records.domain_event(e) for e in ledger_records.events_of(s, stock)]
    lam = get_nuclide("I-131").decay_constant_per_s
    pure = []
    for i in range(300):
        t0 = time.perf_counter()
        rules.holding_at(lam, evs, at + timedelta(minutes=i))
        pure.append(time.perf_counter() - t0)
    return {"events": view.event_count, "activity_bq_at": view.activity_bq,
            "service_ms_median": 1e3 * statistics.median(times),
            "service_ms_p99": 1e3 * _p(times, 0.99),
            "compute_ms_median": 1e3 * statistics.median(pure),
            "target_ms": 5.0, "met": 1e3 * statistics.median(times) < 5.0}


def _user(s):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from isoflow.store.models import User

    return s.scalar(select(User).where(User.username == "rph"))


def _p(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(url: str, log: Path, workers: int) -> Iterator[tuple[str, int]]:
    """`isoflow serve` on a free port: (base URL, pid of the serving process tree)."""
    port = _free_port()
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([ISOFLOW, "serve", "--port", str(port), "--log-level",
                                 "warning", "--workers", str(workers)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise RuntimeError(log.read_text())
            yield base, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class _Cpu:
    """CPU seconds spent by the server's process tree, the database server's (PostgreSQL)
    and this load generator during one phase, per request."""

    def __init__(self, server_pid: int, db_pid: int | None) -> None:
        self.server_pid, self.db_pid = server_pid, db_pid

    def __enter__(self) -> _Cpu:
        self.s0 = http_load.tree_cpu_s(self.server_pid)
        self.d0 = None if self.db_pid is None else http_load.tree_cpu_s(self.db_pid)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server_s = http_load.tree_cpu_s(self.server_pid) - self.s0
        self.db_s = (None if self.db_pid is None or self.d0 is None
                     else http_load.tree_cpu_s(self.db_pid) - self.d0)

    def per_request(self, run: http_load.Run, n: int) -> dict[str, float | None]:
        return {"server_cpu_ms_per_request": 1e3 * self.server_s / n,
                "database_cpu_ms_per_request": None if self.db_s is None
                else 1e3 * self.db_s / n,
                "load_generator_cpu_ms_per_request": 1e3 * run.client_cpu_s / n}


def _per_client_means(replies: list[http_load.Reply]) -> dict[str, float]:
    """Spread of the clients' mean latencies [ms]: clients of a busier worker wait longer."""
    per: dict[int, list[float]] = {}
    for r in replies:
        per.setdefault(r.client, []).append(r.latency_s)
    means = sorted(1e3 * statistics.fmean(v) for v in per.values())
    return {"min": means[0], "median": statistics.median(means), "max": means[-1]}


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def bench_api(url: str, db: Database, year: dict[str, object], workdir: Path,
              db_pid: int | None = None, workers: int = SERVER_WORKERS) -> dict[str, object]:
    with db.read() as s:
        rph_actor = auth.actor_of(_user(s))
    # one I-131 vial per writing client (dispensing from different vials at once)
    vials = [ledger.receive(db, rph_actor, site_id=int(year["site_id"]),  # type: ignore[call-overload]
                            kind="vial", nuclide="I-131", activity_bq=1e12, volume_ml=1000.0,
                            reference_at=Y0 + timedelta(days=400),
                            received_at=Y0 + timedelta(days=400)).id
             for _ in range(WRITE_CLIENTS)]
    n_containers = int(year["containers"])  # type: ignore[call-overload]
    stock = int(year["stock_id"])  # type: ignore[call-overload]
    at = Y0 + timedelta(days=180)
    with running_server(url, workdir / "serve.log", workers) as (base, server_pid):
        port = int(base.rsplit(":", 1)[1])
        host = f"127.0.0.1:{port}"
        token = httpx.post(f"{base}/api/v1/auth/token", json={
            "username": "rph", "password": PASSWORD}).json()["access_token"]

        def get(cid: int) -> bytes:
            return http_load.encode("GET", f"/api/v1/containers/{cid}?at={_iso(at)}",
                                    host=host, token=token)

        # warm-up: every connection of the pool and the route, on the stock solution only
        # (the measured containers stay as cold as they would be)
        warm = http_load.closed_loop("127.0.0.1", port, [[get(stock)] * 10] * READ_CLIENTS)
        assert all(r.status == 200 for r in warm.replies), warm.replies[0]

        # writes: 8 clients, each a stream of withdrawals (acknowledged = committed)
        writes_in = [[http_load.encode(
            "POST", f"/api/v1/containers/{vials[k]}/withdrawals", host=host, token=token,
            body={"volume_ml": 0.5, "at": _iso(Y0 + timedelta(days=400, minutes=i + 1))})
            for i in range(WRITES_PER_CLIENT)] for k in range(WRITE_CLIENTS)]
        with _Cpu(server_pid, db_pid) as cpu:
            run = http_load.closed_loop("127.0.0.1", port, writes_in)
        acked = [r for r in run.replies if r.status == 201]
        writes = {"clients": WRITE_CLIENTS, "acknowledged": len(acked),
                  "attempted": WRITE_CLIENTS * WRITES_PER_CLIENT, "seconds": run.seconds,
                  "per_s": len(acked) / run.seconds,
                  "latency_ms_p50": 1e3 * statistics.median(r.latency_s for r in acked),
                  "latency_ms_p99": 1e3 * _p([r.latency_s for r in acked], 0.99),
                  "not_acknowledged_sample": [f"{r.status} {r.body[:200]!r}" for r in
                                              run.replies if r.status != 201][:5],
                  **cpu.per_request(run, len(run.replies)),
                  "verified": _verify_writes(db, vials, run.replies),
                  "target_per_s": 200, "met": len(acked) / run.seconds >= 200}

        # reads, closed loop: 50 clients, each sends its next GET when answered
        rng = random.Random(7)
        ids = [[rng.randint(1, n_containers) for _ in range(READS_PER_CLIENT)]
               for _ in range(READ_CLIENTS)]
        with _Cpu(server_pid, db_pid) as cpu:
            run = http_load.closed_loop("127.0.0.1", port,
                                        [[get(c) for c in row] for row in ids])
        lat = [r.latency_s for r in run.replies]
        reads = {"mode": "closed loop: 50 clients, each sends its next GET as soon as the "
                         "last one is answered (saturation)",
                 "clients": READ_CLIENTS, "requests": len(run.replies),
                 "ok": sum(1 for r in run.replies if r.status == 200),
                 "not_ok_sample": [f"{r.status} {r.body[:200]!r}" for r in run.replies
                                   if r.status != 200][:5],
                 "seconds": run.seconds, "per_s": len(run.replies) / run.seconds,
                 "latency_ms_p50": 1e3 * statistics.median(lat),
                 "latency_ms_p99": 1e3 * _p(lat, 0.99),
                 "latency_ms_max": 1e3 * max(lat),
                 "client_mean_latency_ms": _per_client_means(run.replies),
                 **cpu.per_request(run, len(run.replies)),
                 "verified": _verify_reads(db, rph_actor, at, ids, run.replies),
                 "target_p99_ms": 50, "met": 1e3 * _p(lat, 0.99) < 50}

        # reads, open loop: 50 users, each one GET per second
        prng = random.Random(11)
        n_each = int(PACED_SECONDS * PACED_RATE_PER_CLIENT)
        paced_ids = [[prng.randint(1, n_containers) for _ in range(n_each)]
                     for _ in range(READ_CLIENTS)]
        with _Cpu(server_pid, db_pid) as cpu:
            run = http_load.open_loop("127.0.0.1", port,
                                      [[get(c) for c in row] for row in paced_ids],
                                      1 / PACED_RATE_PER_CLIENT)
        lat = [r.latency_s for r in run.replies]
        paced = {"mode": f"open loop: 50 clients, each sending one GET every "
                         f"{1 / PACED_RATE_PER_CLIENT:g} s for {PACED_SECONDS:g} s "
                         "(latency from the time each request was due)",
                 "requests": len(run.replies),
                 "ok": sum(1 for r in run.replies if r.status == 200),
                 "latency_ms_p50": 1e3 * statistics.median(lat),
                 "latency_ms_p99": 1e3 * _p(lat, 0.99),
                 **cpu.per_request(run, len(run.replies)),
                 "verified": _verify_reads(db, rph_actor, at, paced_ids, run.replies),
                 "target_p99_ms": 50, "met": 1e3 * _p(lat, 0.99) < 50}
    return {"server_workers": workers, "server_workers_why": WORKERS_WHY,
            "load_generator": "one asyncio process (uvloop), one keep-alive connection per "
                              "client, requests encoded before the run; every response "
                              "checked after it",
            "api_writes": writes, "api_reads": reads, "api_reads_paced": paced}


def _verify_writes(db: Database, vials: list[int],
                   replies: list[http_load.Reply]) -> bool:
    """Every acknowledged withdrawal is in the database, and nothing else was appended; the
    audit chain verifies."""
    acked = {int(json.loads(r.body)["id"]) for r in replies if r.status == 201}
    with db.read() as s:
        stored = set(s.scalars(select(LedgerEvent.id).where(
            LedgerEvent.container_id.in_(vials), LedgerEvent.kind == "withdrawal")))
    if stored != acked:
        raise AssertionError(f"{len(acked)} withdrawals acknowledged, {len(stored)} stored, "
                             f"{len(acked ^ stored)} differ")
    report = audit.verify(db)
    if not report.ok:
        raise AssertionError(f"audit chain broken: {report.first_break}")
    return True


def _verify_reads(db: Database, actor: Actor, at: datetime, ids: list[list[int]],
                  replies: list[http_load.Reply]) -> bool:
    """Every reply is a 200 for the container asked for, and what it says it holds is what
    the service computes (checked for each distinct container)."""
    expected: dict[int, float] = {}
    for r in replies:
        cid = ids[r.client][r.index]
        if r.status != 200:
            raise AssertionError(f"GET /containers/{cid}: {r.status} {r.body[:200]!r}")
        out = json.loads(r.body)
        if cid not in expected:
            expected[cid] = ledger.get_container(db, actor, cid, at).activity_bq
        if out["id"] != cid or not math.isclose(out["activity_bq"], expected[cid],
                                                rel_tol=1e-12, abs_tol=1e-6):
            raise AssertionError(f"GET /containers/{cid} answered {out}")
    return True


# ------------------------------------------------------------------ databases
@contextmanager
def postgres_url() -> Iterator[tuple[str, int | None] | None]:
    """(URL, pid of the postmaster when it is ours, to count its CPU) or None."""
    given = os.environ.get("ISOFLOW_BENCH_POSTGRES_URL") or \
        os.environ.get("ISOFLOW_TEST_POSTGRES_URL")
    if given:
        base = make_url(given)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS isoflow_bench WITH (FORCE)"))
            c.execute(text("CREATE DATABASE isoflow_bench"))
        admin.dispose()
        yield base.set(database="isoflow_bench").render_as_string(hide_password=False), None
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not bins:
        yield None
        return
    bindir = str(Path(bins[-1]).parent)
    tmp = tempfile.mkdtemp(prefix="isoflow-bench-pg.")
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = _free_port()
    subprocess.run([*as_pg, f"{bindir}/initdb", "-D", f"{tmp}/data", "-U", "isoflow",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_pg, f"{bindir}/pg_ctl", "-D", f"{tmp}/data", "-l", f"{tmp}/log", "-w",
                    "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} "
                          "-c max_connections=200", "start"], check=True, capture_output=True)
    try:
        subprocess.run([*as_pg, f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U",
                        "isoflow", "isoflow_bench"], check=True, capture_output=True)
        pid = int(Path(f"{tmp}/data/postmaster.pid").read_text().split()[0])
        yield f"postgresql+psycopg://isoflow@127.0.0.1:{port}/isoflow_bench", pid
    finally:
        subprocess.run([*as_pg, f"{bindir}/pg_ctl", "-D", f"{tmp}/data", "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def run_one(url: str, db_pid: int | None = None, *, work: Path) -> dict[str, object]:
    if os.environ.get("ISOFLOW_BENCH_ONLY") not in (None, "", url.split(":")[0].split("+")[0]):
        return {"skipped": "ISOFLOW_BENCH_ONLY"}
    db = Database(url)
    migrate.upgrade(db)
    t0 = time.perf_counter()
    year = generate_year(db)
    gen_s = time.perf_counter() - t0
    out: dict[str, object] = {"year": {**year, "generate_s": gen_s}}
    out["holding_500"] = bench_holding(db, year)
    out.update(bench_api(url, db, year, work, db_pid))
    if COMPARE_WORKERS:  # the same measurement with another number of workers, in brief
        other = bench_api(url, db, year, work, db_pid, workers=COMPARE_WORKERS)
        out[f"compare_{COMPARE_WORKERS}_worker{'s' if COMPARE_WORKERS > 1 else ''}"] = {
            phase: {k: other[phase][k] for k in (  # type: ignore[index]
                "per_s", "latency_ms_p50", "latency_ms_p99", "server_cpu_ms_per_request",
                "database_cpu_ms_per_request", "met") if k in other[phase]}  # type: ignore[operator]
            for phase in ("api_writes", "api_reads", "api_reads_paced")}
    db.dispose()
    return out


def main() -> None:
    results: dict[str, object] = {
        "benchmark": "ledger (issue #4)", "python": sys.version.split()[0],
        "machine": platform.platform(), "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="isoflow-bench-") as tmp:
        work = Path(tmp)
        print("SQLite ...", flush=True)
        results["sqlite"] = run_one(f"sqlite:///{work / 'bench.sqlite'}", work=work)
        print(json.dumps(results["sqlite"], indent=1), flush=True)
        with postgres_url() as pg:
            if pg is None:
                results["postgresql"] = {"skipped": "no PostgreSQL server binaries"}
            else:
                print("PostgreSQL ...", flush=True)
                results["postgresql"] = run_one(*pg, work=work)
                print(json.dumps(results["postgresql"], indent=1), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
