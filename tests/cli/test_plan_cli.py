"""``isoflow plan day`` against a department's database (subprocess, as a user runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services.test_day_plan import DAY, world

ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url}
    return subprocess.run([ISOFLOW, "plan", "day", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_plan_day_cli(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("the command line is exercised on SQLite")
    dep, appts = world(db)
    r = _run(db_url, "--site", str(dep.site_id), "--date", DAY.isoformat(), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {d["appointment_id"] for d in doc["draws"]} == set(appts)
    r = _run(db_url, "--site", str(dep.site_id), "--date", DAY.isoformat())
    assert r.returncode == 0 and "1 kit vials" in r.stdout
    r = _run(db_url, "--site", str(dep.site_id), "--date", "04/03/2031")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr
    r = _run(db_url, "--site", "999", "--date", DAY.isoformat())
    assert r.returncode == 2 and "site_id" in r.stderr
