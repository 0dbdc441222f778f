"""Page benchmark (issue #9 item 7): server time of the dashboard of an organisation with
1,000 containers and of a container page with 500 events, on a real SQLite file.

Writes benchmarks/results/pages.json. The organisation (one site, Asia/Bishkek) received
1,000 containers over the last ten days, all still counted in its holdings: Mo-99 generators
with their elution records, Tc-99m eluate vials with withdrawals into syringes, I-131
capsules, F-18 vials, Ga-68 and a sealed Co-60 source; some are disposed of and some
measurements flagged. One I-131 stock solution has 500 events (a receipt and 499
withdrawals). The history is inserted in bulk (it is the setting, not what is measured).

Measured in-process: the pages are requested through Starlette's TestClient from a signed-in
session (the real application, its middleware and templates), and the server time is what a
middleware added for the benchmark measures around the application's handling of each
request; medians of RUNS requests after one unmeasured request (the first, with a cold
per-process ledger cache, is reported too).

Targets:
  dashboard_1000     GET /dashboard, 1,000 containers          < 150 ms (median server time)
  container_500      GET /containers/{id}, 500 events           < 100 ms
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import insert

from isoflow.api.app import create_app
from isoflow.domain.roles import Actor
from isoflow.services import licences, organisations
from isoflow.store import migrate
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent

OUT = Path(__file__).parent / "results" / "pages.json"
PASSWORD = "bench password 2026"
RUNS = int(os.environ.get("ISOFLOW_BENCH_PAGE_RUNS", "30"))
TARGETS_MS = {"dashboard_1000": 150.0, "container_500": 100.0}


def generate(db: Database, now: datetime) -> dict[str, object]:
    cli = Actor.command_line("bench")
    org, site = organisations.create_organisation(
        db, cli, name="Bench Oncology Centre", kind="hospital", timezone="Asia/Bishkek",
        jurisdiction="RU")
    organisations.create_user(db, cli, username="rph", password=PASSWORD,
                              role="radiopharmacist", org_id=org.id, full_name="Bench RPh",
                              must_change_password=False)
    licences.add_limit(db, cli, site_id=site.id, nuclide=None, limit_bq=1e18,
                       valid_from=datetime(2000, 1, 1, tzinfo=UTC), reference="BENCH-TOTAL")
    for nuclide in ("Mo-99", "Tc-99m", "I-131", "F-18"):
        licences.add_limit(db, cli, site_id=site.id, nuclide=nuclide, limit_bq=1e16,
                           valid_from=datetime(2000, 1, 1, tzinfo=UTC),
                           valid_to=now + timedelta(days=40), reference=f"BENCH-{nuclide}")
    rng = random.Random(9)
    containers: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    counts: dict[int, int] = {}

    def container(kind: str, nuclide: str, at: datetime) -> int:
        cid = len(containers) + 1
        containers.append(dict(id=cid, org_id=org.id, site_id=site.id, kind=kind,
                               nuclide=nuclide, label=f"{nuclide} {kind} {cid}",
                               received_at=at, source_container_id=None, event_count=0,
                               created_at=at))
        return cid

    def event(cid: int, kind: str, at: datetime, **values: object) -> None:
        counts[cid] = counts.get(cid, 0) + 1
        events.append(dict(id=len(events) + 1, org_id=org.id, container_id=cid,
                           seq=counts[cid], kind=kind, occurred_at=at, recorded_at=at,
                           recorded_by="rph", activity_bq=values.get("activity_bq"),
                           volume_ml=values.get("volume_ml"),
                           reference_at=values.get("reference_at"), corrects_event_id=None,
                           void=False, reason=None, note=values.get("note"),
                           counterpart_container_id=None,
                           discrepancy=bool(values.get("discrepancy", False))))

    kinds = [("generator", "Mo-99", 40e9), ("vial", "Tc-99m", 20e9), ("syringe", "Tc-99m", 0.8e9),
             ("capsule", "I-131", 3.7e9), ("vial", "F-18", 10e9), ("vial", "Ga-68", 1e9)]
    start = now - timedelta(days=10)
    for k in range(999):
        kind, nuclide, bq = kinds[k % len(kinds)]
        at = start + timedelta(seconds=rng.uniform(0, 10 * 86400 - 3600))
        cid = container(kind, nuclide, at)
        event(cid, "receipt", at, activity_bq=bq, volume_ml=10.0, reference_at=at)
        for j in range(rng.randint(0, 3)):
            event(cid, "withdrawal", at + timedelta(minutes=10 * (j + 1)),
                  activity_bq=bq * 0.05, volume_ml=0.5)
        if rng.random() < 0.3:
            event(cid, "measurement", at + timedelta(minutes=45), activity_bq=bq * 0.7,
                  discrepancy=rng.random() < 0.1, note="bench")
        if rng.random() < 0.2:
            event(cid, "disposal", at + timedelta(hours=1))
    co = container("sealed_source", "Co-60", now - timedelta(days=400))
    event(co, "receipt", now - timedelta(days=400), activity_bq=3.7e10,
          reference_at=now - timedelta(days=400))
    # the 1,001st: the stock solution with 500 events
    t0 = now - timedelta(days=6)
    stock = container("vial", "I-131", t0)
    event(stock, "receipt", t0, activity_bq=500e9, volume_ml=500.0, reference_at=t0)
    for k in range(499):
        event(stock, "withdrawal", t0 + timedelta(minutes=15 * (k + 1)), activity_bq=0.1e9)
    for c in containers:
        c["event_count"] = counts[int(c["id"])]  # type: ignore[call-overload]
    with db.write() as s:
        s.execute(insert(Container), containers)
        s.execute(insert(LedgerEvent), events)
    return {"org_id": org.id, "containers": len(containers), "events": len(events),
            "stock_id": stock, "stock_events": counts[stock]}


def signed_in_client(db: Database, server_ms: list[float]) -> TestClient:
    app = create_app()
    app.state.isoflow_db = db

    @app.middleware("http")
    async def _timed(request: Request, call_next):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        response = await call_next(request)
        server_ms.append((time.perf_counter() - t) * 1e3)
        return response

    client = TestClient(app)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    r = client.post("/login", data={"username": "rph", "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def measure(client: TestClient, server_ms: list[float], path: str,
            check: str) -> dict[str, object]:
    server_ms.clear()
    t = time.perf_counter()
    r = client.get(path)
    first_client = (time.perf_counter() - t) * 1e3
    assert r.status_code == 200 and check in r.text, (r.status_code, r.text[:2000])
    first = server_ms[-1]
    server, total = [], []
    for _ in range(RUNS):
        server_ms.clear()
        t = time.perf_counter()
        r = client.get(path)
        total.append((time.perf_counter() - t) * 1e3)
        assert r.status_code == 200
        server.append(server_ms[-1])
    return {"path": path, "runs": RUNS, "html_bytes": len(r.content),
            "server_ms_median": statistics.median(server), "server_ms_min": min(server),
            "server_ms_max": max(server), "client_ms_median": statistics.median(total),
            "first_request_server_ms": first, "first_request_client_ms": first_client}


def main() -> None:
    results: dict[str, object] = {
        "benchmark": "pages (issue #9 item 7)", "python": sys.version.split()[0],
        "machine": platform.platform(), "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "database": "sqlite file"}
    with tempfile.TemporaryDirectory(prefix="isoflow-bench-pages-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'pages.sqlite'}")
        migrate.upgrade(db)
        setting = generate(db, datetime.now(UTC))
        results["setting"] = setting
        server_ms: list[float] = []
        client = signed_in_client(db, server_ms)
        out = {
            "dashboard_1000": measure(client, server_ms, "/dashboard", "Tc-99m"),
            "container_500": measure(client, server_ms, f"/containers/{setting['stock_id']}",
                                     'id="chart-data"'),
        }
        for name, r in out.items():
            r["target_ms"] = TARGETS_MS[name]
            r["met"] = r["server_ms_median"] < TARGETS_MS[name]  # type: ignore[operator]
        results.update(out)
        client.close()
        db.dispose()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=1))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
