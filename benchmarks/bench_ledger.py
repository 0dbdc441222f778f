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
The API figures come from the real server (`isoflow serve`, one process) and clients
(threads with keep-alive http.client connections) on the same 2-core machine, so clients and
server share the CPUs. Reads are measured twice: closed loop (50 clients firing back to back,
i.e. saturation) and open loop (50 clients each sending one request a second).

PostgreSQL: ISOFLOW_BENCH_POSTGRES_URL (or ISOFLOW_TEST_POSTGRES_URL) if set, else a throwaway
cluster started from /usr/lib/postgresql/*/bin on a free loopback port; skipped if neither.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from isoflow.domain import ledger as rules
from isoflow.domain.roles import Actor
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import auth, ledger, licences, organisations
from isoflow.store import migrate
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent

OUT = Path(__file__).parent / "results" / "ledger.json"
ISOFLOW = str(Path(sys.executable).parent / "isoflow")
PASSWORD = "bench password 2026"
Y0 = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)  # a Monday
WRITE_CLIENTS, WRITES_PER_CLIENT = 8, 150
READ_CLIENTS, READS_PER_CLIENT = 50, 40
PACED_RATE_PER_CLIENT, PACED_SECONDS = 1.0, 15.0  # 50 users each sending one GET a second
# One server process by default: on a 2-core machine the load generator needs the other core
# (two workers measured slower here); ISOFLOW_BENCH_WORKERS=2 to compare.
SERVER_WORKERS = int(os.environ.get("ISOFLOW_BENCH_WORKERS", "1"))


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
        evs = [ledger._domain_event(e) for e in ledger._events_of(s, stock)]
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
def running_server(url: str, log: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([ISOFLOW, "serve", "--port", str(port), "--log-level",
                                 "warning", "--workers", str(SERVER_WORKERS)],
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
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class _Client:
    """A keep-alive HTTP/1.1 connection (http.client: the lightest client, so the load
    generator, which shares the machine's 2 cores with the server, takes little CPU)."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes, float]:
        data = None if body is None else json.dumps(body)
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=self.headers)
        r = self.conn.getresponse()
        payload = r.read()
        return r.status, payload, time.perf_counter() - t0


def _threads(n: int, target, *args) -> float:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=target, args=(k, *args)) for k in range(n)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t0


def bench_api(url: str, db: Database, year: dict[str, object], workdir: Path
              ) -> dict[str, object]:
    with db.read() as s:
        rph_actor = auth.actor_of(_user(s))
    # one I-131 vial per writing client (dispensing from different vials at once)
    vials = [ledger.receive(db, rph_actor, site_id=int(year["site_id"]),  # type: ignore[call-overload]
                            kind="vial", nuclide="I-131", activity_bq=1e12, volume_ml=1000.0,
                            reference_at=Y0 + timedelta(days=400),
                            received_at=Y0 + timedelta(days=400)).id
             for _ in range(WRITE_CLIENTS)]
    n_containers = int(year["containers"])  # type: ignore[call-overload]
    at = (Y0 + timedelta(days=180)).isoformat().replace("+00:00", "Z")
    with running_server(url, workdir / "serve.log") as base:
        port = int(base.rsplit(":", 1)[1])
        token = httpx.post(f"{base}/api/v1/auth/token", json={
            "username": "rph", "password": PASSWORD}).json()["access_token"]
        lock = threading.Lock()

        # writes: 8 clients, each a stream of withdrawals (acknowledged = committed)
        write_lat: list[float] = []
        acks = [0] * WRITE_CLIENTS

        def writer(k: int) -> None:
            c = _Client(port, token)
            for i in range(WRITES_PER_CLIENT):
                when = (Y0 + timedelta(days=400, minutes=i + 1)).isoformat()
                status, _, dt = c.request("POST", f"/api/v1/containers/{vials[k]}/withdrawals",
                                          {"volume_ml": 0.5, "at": when})
                if status == 201:
                    acks[k] += 1
                    with lock:
                        write_lat.append(dt)

        elapsed = _threads(WRITE_CLIENTS, writer)
        writes = {"clients": WRITE_CLIENTS, "acknowledged": sum(acks),
                  "attempted": WRITE_CLIENTS * WRITES_PER_CLIENT, "seconds": elapsed,
                  "per_s": sum(acks) / elapsed,
                  "latency_ms_p50": 1e3 * statistics.median(write_lat),
                  "latency_ms_p99": 1e3 * _p(write_lat, 0.99),
                  "target_per_s": 200, "met": sum(acks) / elapsed >= 200}

        # reads, closed loop: 50 clients, each sends its next GET when answered
        rng = random.Random(7)
        ids = [rng.randint(1, n_containers) for _ in range(READ_CLIENTS * READS_PER_CLIENT)]
        read_lat: list[float] = []
        codes: list[int] = []
        failures: list[str] = []

        def reader(k: int) -> None:
            c = _Client(port, token)
            for i in range(READS_PER_CLIENT):
                cid = ids[k * READS_PER_CLIENT + i]
                status, body, dt = c.request("GET", f"/api/v1/containers/{cid}?at={at}")
                with lock:
                    read_lat.append(dt)
                    codes.append(status)
                    if status != 200 and len(failures) < 5:
                        failures.append(f"{status} {body[:200]!r}")

        read_s = _threads(READ_CLIENTS, reader)
        reads = {"mode": "closed loop: 50 clients, each sends its next GET as soon as the "
                         "last one is answered (saturation)",
                 "clients": READ_CLIENTS, "requests": len(read_lat),
                 "ok": sum(1 for c in codes if c == 200), "not_ok_sample": failures,
                 "seconds": read_s,
                 "per_s": len(read_lat) / read_s,
                 "latency_ms_p50": 1e3 * statistics.median(read_lat),
                 "latency_ms_p99": 1e3 * _p(read_lat, 0.99), "target_p99_ms": 50,
                 "met": 1e3 * _p(read_lat, 0.99) < 50}

        # reads, open loop: 50 users, each one GET per second
        paced_lat: list[float] = []

        def paced_reader(k: int) -> None:
            c = _Client(port, token)
            prng = random.Random(k)
            time.sleep(k / (READ_CLIENTS * PACED_RATE_PER_CLIENT))  # spread the starts
            end = time.perf_counter() + PACED_SECONDS
            while time.perf_counter() < end:
                cid = prng.randint(1, n_containers)
                _, _, dt = c.request("GET", f"/api/v1/containers/{cid}?at={at}")
                with lock:
                    paced_lat.append(dt)
                time.sleep(max(0.0, 1 / PACED_RATE_PER_CLIENT - dt))

        _threads(READ_CLIENTS, paced_reader)
        paced = {"mode": f"open loop: 50 clients, each sending one GET every "
                         f"{1 / PACED_RATE_PER_CLIENT:g} s for {PACED_SECONDS:g} s",
                 "requests": len(paced_lat),
                 "latency_ms_p50": 1e3 * statistics.median(paced_lat),
                 "latency_ms_p99": 1e3 * _p(paced_lat, 0.99), "target_p99_ms": 50,
                 "met": 1e3 * _p(paced_lat, 0.99) < 50}
    return {"server_workers": SERVER_WORKERS, "api_writes": writes, "api_reads": reads,
            "api_reads_paced": paced}


# ------------------------------------------------------------------ databases
@contextmanager
def postgres_url() -> Iterator[str | None]:
    given = os.environ.get("ISOFLOW_BENCH_POSTGRES_URL") or \
        os.environ.get("ISOFLOW_TEST_POSTGRES_URL")
    if given:
        base = make_url(given)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS isoflow_bench WITH (FORCE)"))
            c.execute(text("CREATE DATABASE isoflow_bench"))
        admin.dispose()
        yield base.set(database="isoflow_bench").render_as_string(hide_password=False)
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
        yield f"postgresql+psycopg://isoflow@127.0.0.1:{port}/isoflow_bench"
    finally:
        subprocess.run([*as_pg, f"{bindir}/pg_ctl", "-D", f"{tmp}/data", "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def run_one(url: str, workdir: Path) -> dict[str, object]:
    if os.environ.get("ISOFLOW_BENCH_ONLY") not in (None, "", url.split(":")[0].split("+")[0]):
        return {"skipped": "ISOFLOW_BENCH_ONLY"}
    db = Database(url)
    migrate.upgrade(db)
    t0 = time.perf_counter()
    year = generate_year(db)
    gen_s = time.perf_counter() - t0
    out: dict[str, object] = {"year": {**year, "generate_s": gen_s}}
    out["holding_500"] = bench_holding(db, year)
    out.update(bench_api(url, db, year, workdir))
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
        results["sqlite"] = run_one(f"sqlite:///{work / 'bench.sqlite'}", work)
        print(json.dumps(results["sqlite"], indent=1), flush=True)
        with postgres_url() as pg:
            if pg is None:
                results["postgresql"] = {"skipped": "no PostgreSQL server binaries"}
            else:
                print("PostgreSQL ...", flush=True)
                results["postgresql"] = run_one(pg, work)
                print(json.dumps(results["postgresql"], indent=1), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
