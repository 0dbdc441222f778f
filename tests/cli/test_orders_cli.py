"""``isoflow orders generate`` against a supplier's database (subprocess, as a user runs it):
counts, idempotence, a bad date exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from isoflow.services import contracts
from tests.supplier_world import GBQ, make_supplier

ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url}
    return subprocess.run([ISOFLOW, "orders", "generate", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_orders_generate_cli(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("the command line is exercised on SQLite")
    sup = make_supplier(db)
    today = datetime.now(UTC).date()
    k = contracts.create_contract(db, sup.actors["supplier_sales"],
                                  customer_id=sup.customer_ids["CU-HAVANA"], number="CU-1",
                                  start_date=today, end_date=today + timedelta(days=60))
    contracts.add_delivery(db, sup.actors["supplier_sales"], k.id,
                           product_id=sup.product_ids["I131-SOL"], weekday=2,
                           calibration_time="12:00", calibration_days=3,
                           activity_bq=150 * GBQ)
    until = (today + timedelta(days=28)).isoformat()
    r = _run(db_url, "--until", until, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["created"] >= 3 and doc["refused"] == []
    r = _run(db_url, "--until", until)
    assert r.returncode == 0 and f"0 created, {doc['created']} already there" in r.stdout
    r = _run(db_url, "--until", "31/12/2026")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr
    r = _run(db_url, "--until", "9999-01-01")
    assert r.returncode == 2 and "until" in r.stderr
