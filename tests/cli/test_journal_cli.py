"""``isoflow journal export`` run as an operator would, on a database with hot-lab records."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from isoflow.store.db import Database
from tests.journal_world import make_records

ISOFLOW = str(Path(sys.executable).parent / "isoflow")
SINCE, UNTIL = "2026-02-28T00:00 Asia/Bishkek", "2026-03-03T00:00+06:00"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISOFLOW, *args], env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def test_export_csv_json_fhir_and_refusals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {**os.environ, "ISOFLOW_DATABASE_URL": url}
    assert _run(env, "db", "upgrade").returncode == 0
    db = Database(url)
    ours = make_records(db)
    make_records(db, "Other Hospital", prefix="B")
    db.dispose()

    out = tmp_path / "adm.csv"
    r = _run(env, "journal", "export", "administrations", "--since", SINCE, "--until", UNTIL,
             "--site", str(ours.dep.site_id), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "2 rows of administrations" in r.stdout
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))
    assert table[0][1] == "Дата и время введения" and [t[0] for t in table[1:]] == ["1", "2"]

    r = _run(env, "journal", "export", "breakthrough", "--since", SINCE, "--until", UNTIL,
             "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    # the console sees both organisations' elutions
    assert {row["generator_serial"] for row in doc["rows"]} == {"GT-A", "GT-B"}

    r = _run(env, "journal", "export", "administrations", "--since", SINCE, "--until", UNTIL,
             "--site", str(ours.dep.site_id), "--format", "fhir")
    assert r.returncode == 0, r.stderr
    bundle = json.loads(r.stdout)
    assert bundle["type"] == "collection" and len(bundle["entry"]) == 2

    for args, word in ((["nope"], "unknown journal"),
                       (["dosages", "--format", "fhir"], "administrations journal only"),
                       (["dosages", "--format", "xml"], "--format")):
        r = _run(env, "journal", "export", *args, "--since", SINCE, "--until", UNTIL)
        assert r.returncode == 2 and word in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = _run(env, "journal", "export", "dosages", "--since", "2026-03-01T00:00",
             "--until", UNTIL)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip()
    r = _run(env, "journal", "export", "dosages", "--since", UNTIL, "--until", SINCE)
    assert r.returncode == 2 and "until" in r.stderr
    r = _run(env, "journal", "export", "dosages", "--since", SINCE, "--until", UNTIL,
             "--site", "999")
    assert r.returncode == 2 and "no site 999" in r.stderr
