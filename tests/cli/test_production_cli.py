"""``isoflow production allocate`` against a supplier's database (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from isoflow.services import production
from isoflow.store.supplier_models import Allocation
from tests.production_world import T0, add_order
from tests.supplier_world import make_supplier

ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url}
    return subprocess.run([ISOFLOW, "production", "allocate", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _allocations(db: object) -> int:
    with db.read() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(Allocation)))


def test_production_allocate_cli(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("the command line is exercised on SQLite")
    sup = make_supplier(db)
    add_order(db, sup, "O-HAV", "CU-HAVANA", gbq=100, dispatch_h=2)
    add_order(db, sup, "O-MSK", "BY-MINSK", gbq=100, dispatch_h=2)
    production.create_batch(db, sup.actors["supplier_production"], number="MO-1",
                            nuclide="Mo-99", available_at=T0, capacity_bq=2.5e11)
    r = _run(db_url, "MO-1", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["dry_run"] and doc["shortfall_bq"] > 0
    fr = {x["order"]: x["fraction"] for x in doc["orders"]}
    assert fr["O-HAV"] == 1.0 and 0 < fr["O-MSK"] < 1
    assert _allocations(db) == 0
    r = _run(db_url, "MO-1")
    assert r.returncode == 0, r.stderr
    assert "O-MSK (priority 2): Batch MO-1: you receive" in r.stdout
    assert _allocations(db) == 2
    r = _run(db_url, "MO-1")
    assert r.returncode == 2 and "allocated" in r.stderr and "Traceback" not in r.stderr
    r = _run(db_url, "NOPE")
    assert r.returncode == 2 and "number" in r.stderr
