"""The bootstrap commands of issue #4, run as a newcomer would, honouring
ISOFLOW_DATABASE_URL: db upgrade, admin create-org/create-user/add-licence, audit verify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def _run(env: dict[str, str], *args: str, stdin: str | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISOFLOW, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_bootstrap_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "ISOFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    r = _run(env, "admin", "create-org", "X", "--kind", "hospital", "--timezone", "UTC",
             "--jurisdiction", "EU")
    assert r.returncode == 2 and "isoflow db upgrade" in r.stderr
    assert _run(env, "db", "upgrade").returncode == 0
    r = _run(env, "admin", "create-org", "Bishkek Oncology", "--kind", "hospital",
             "--timezone", "Asia/Bishkek", "--jurisdiction", "RU")
    assert r.returncode == 0, r.stderr
    r = _run(env, "admin", "create-user", "aida", "--org", "Bishkek Oncology", "--role",
             "radiopharmacist", stdin="a long enough password\n")
    assert r.returncode == 0, r.stderr
    r = _run(env, "admin", "add-licence", "--org", "Bishkek Oncology", "--nuclide", "Tc-99m",
             "--limit", "100 GBq", "--valid-to", "2027-12-31")
    assert r.returncode == 0, r.stderr
    assert "100 GBq of Tc-99m" in r.stdout and "2028-01-01T00:00:00+06:00" in r.stdout
    for bad, field in ((["--role", "wizard"], "role"), (["--role", "viewer", "--org", "Nope"],
                                                        "Nope")):
        r = _run(env, "admin", "create-user", "bob", *bad, stdin="a long enough password\n")
        assert r.returncode == 2 and field in r.stderr and "Traceback" not in r.stderr
    r = _run(env, "admin", "add-licence", "--org", "Bishkek Oncology", "--limit", "100 furlongs")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = _run(env, "audit", "verify")
    assert r.returncode == 0 and "4 entries" in r.stdout, r.stdout + r.stderr
    assert _run(env, "db", "check").returncode == 0
