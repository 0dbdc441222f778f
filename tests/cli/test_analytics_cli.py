"""``isoflow analytics exports`` as a user runs it (subprocess, SQLite): the table, the CSV
on stdout, exit 2 on a bad year."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from isoflow.store.supplier_models import Order
from tests.supplier_world import make_supplier

ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url}
    return subprocess.run([ISOFLOW, "analytics", "exports", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_analytics_exports_cli(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("the command line is exercised on SQLite")
    sup = make_supplier(db)
    with db.write() as s:
        for i, year in enumerate((2024, 2025, 2025)):
            t = datetime(year, 6, 1, tzinfo=UTC)
            s.add(Order(org_id=sup.org_id, number=f"C-{i}",
                        customer_id=sup.customer_ids["KZ-ALMATY"],
                        product_id=sup.product_ids["GA-GEN-1.85"], activity_bq=1.85e9,
                        quantity=1, calibration_at=t, dispatch_at=t, status="delivered",
                        price=60000.0, created_at=t, updated_at=t))
    r = _run(db_url, "--from", "2024", "--to", "2025")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(x.split()[:2] == ["2025", "2"] and x.rstrip().endswith("+100.0%")
               for x in lines), r.stdout
    assert "KZ Kazakhstan" in r.stdout
    r = _run(db_url, "--csv")
    assert r.returncode == 0, r.stderr
    table = list(csv.reader(io.StringIO(r.stdout)))
    assert table[0][:3] == ["year", "country_code", "country_name"]
    assert [(x[0], x[1], x[7]) for x in table[1:]] == [("2024", "KZ", "1"), ("2025", "KZ", "2")]
    r = _run(db_url, "--from", "3000")
    assert r.returncode == 2 and "year_from" in r.stderr
