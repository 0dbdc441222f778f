"""``isoflow demo load [--json]`` and ``isoflow serve --demo``, run as a newcomer would with
ISOFLOW_DATABASE_URL pointing at a new SQLite file (uvicorn replaced by a stub for serve)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ISOFLOW = str(Path(sys.executable).parent / "isoflow")
#: ``isoflow serve`` with uvicorn.run replaced by a line saying it would serve now
SERVE_STUB = ("import sys, uvicorn\n"
              "uvicorn.run = lambda *a, **k: print('SERVING', flush=True)\n"
              "from isoflow.cli import main\n"
              "sys.argv = ['isoflow', *sys.argv[1:]]\n"
              "main()\n")


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ISOFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}"}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISOFLOW, *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_demo_load_json_then_again(tmp_path: Path) -> None:
    env = _env(tmp_path)
    r = _run(env, "demo", "load", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["users"] and len(doc["users"]) == 13
    for u in doc["users"]:
        assert set(u) == {"username", "password", "org", "role"}
        assert isinstance(u["password"], str) and len(u["password"]) >= 12
    orgs = {u["org"] for u in doc["users"]}
    assert orgs == {None, "Isotope Export Co.",
                    "National Oncology Centre — Radionuclide Diagnostics, Bishkek"}
    assert {"admin", "bishkek.rph", "exporter.sales"} <= {u["username"] for u in doc["users"]}

    r = _run(env, "demo", "load")  # again: the table, the same users, new passwords
    assert r.returncode == 0, r.stderr
    assert "already loaded" in r.stdout and "http://127.0.0.1:8000/login" in r.stdout
    for u in doc["users"]:
        assert u["username"] in r.stdout and u["password"] not in r.stdout
    r = _run(env, "audit", "verify")
    assert r.returncode == 0 and "hash chain verified" in r.stdout


def test_serve_demo_loads_a_new_database_only(tmp_path: Path) -> None:
    env = _env(tmp_path)
    r = subprocess.run([sys.executable, "-c", SERVE_STUB, "serve", "--demo", "--port", "8765"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "bishkek.rph" in r.stdout and "http://127.0.0.1:8765/login" in r.stdout
    assert "first administrator" not in r.stdout and "SERVING" in r.stdout
    r = subprocess.run([sys.executable, "-c", SERVE_STUB, "serve", "--demo"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "bishkek.rph" not in r.stdout and "users already" in r.stdout
    assert "SERVING" in r.stdout


def test_serve_without_demo_keeps_the_first_administrator(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-c", SERVE_STUB, "serve"], env=_env(tmp_path),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "first administrator account was created" in r.stdout
    assert "bishkek" not in r.stdout
