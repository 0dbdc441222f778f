"""``isoflow nuclide`` and ``isoflow decay`` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISOFLOW, *args], capture_output=True, text=True, timeout=60)


def test_decay_after_prints_the_chain() -> None:
    out = run("decay", "Mo-99=10 GBq", "--after", "24h")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(line.split()[0] == "Mo-99" and "7.770" in line for line in lines[1:])
    assert any(line.split()[0] == "Tc-99m" and "6.893" in line for line in lines[1:])
    assert any(line.split()[0] == "Tc-99" for line in lines[1:])


def test_decay_json_between_two_zoned_times() -> None:
    out = run("decay", "Mo-99=10 GBq", "I-131=500 MBq", "--from", "2026-11-22T06:00+03:00",
              "--to", "2026-11-22T12:00 America/Havana", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["t_s"] == pytest.approx(14 * 3600)  # 03:00Z -> 17:00Z
    assert set(data["activities_bq"]) >= {"Mo-99", "Tc-99m", "Tc-99", "I-131", "Xe-131m"}
    assert data["activities_bq"]["I-131"] == pytest.approx(5e8 * 0.5 ** (14 / (8.0207 * 24)),
                                                           rel=1e-4)


def test_decay_unit_option() -> None:
    out = run("decay", "Tc-99m=1 GBq", "--after", "PT6H", "--unit", "mCi")
    assert out.returncode == 0, out.stderr
    assert "mCi" in out.stdout


def test_decay_of_millibecquerels_masses_and_moles() -> None:
    """Issue 13 item 10: 'mBq' is milli (it was refused with a suggestion of 'MBq')."""
    out = run("decay", "Tc-99m=1 mBq", "Co-60=1 mg", "--after", "6h", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["activities_bq"]["Tc-99m"] == pytest.approx(1e-3 * 0.5 ** (6 / 6.0067),
                                                            rel=1e-3)
    out = run("decay", "Co-60=1 mg", "--after", "5.2711 y", "--unit", "ug")
    assert out.returncode == 0, out.stderr
    assert any(line.split()[:1] == ["Co-60"] and line.split()[-1] == "ug"
               and abs(float(line.split()[1]) - 500) < 0.5 for line in out.stdout.splitlines())
    data = json.loads(run("decay", "Co-60=2 umol", "--after", "1 Gy", "--unit", "mol",
                          "--json").stdout)
    assert data["moles_mol"]["Ni-60"] == pytest.approx(2e-6, rel=1e-9)


@pytest.mark.parametrize(("args", "fragment"), [
    (["decay", "Tc-99m=1 mbq", "--after", "6h"], "is none of 'mBq' = 0.001 Bq, 'MBq' = 1e+06"),
    (["decay", "Tc-99m=1 GBq", "--after", "6h", "--unit", "Gy"], "gigayear"),
    (["decay", "Tc-99m=1 GBq", "--after", "6 Ms"], "'Ms' is none of 'ms' = 0.001 s"),
    (["decay", "Mo-99=10 GBq", "--after", "6m"], "ambiguous"),
    (["decay", "Mo-99=10 mbq", "--after", "6 h"], "case-sensitive"),
    (["decay", "Mo-99 10 GBq", "--after", "6 h"], "must look like"),
    (["decay", "Mo-99=10 GBq"], "--after"),
    (["decay", "Mo-99=10 GBq", "--from", "2026-01-01T00:00", "--to", "2026-01-02T00:00Z"],
     "no time zone"),
    (["decay", "Xx-99=1 GBq", "--after", "1 h"], "unknown nuclide"),
    (["nuclide", "Tc-98m"], "did you mean"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], fragment: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert fragment in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr


def test_nuclide() -> None:
    out = run("nuclide", "99mTc")
    assert out.returncode == 0
    assert "6.015 h" in out.stdout and "Tc-99" in out.stdout and "IT" in out.stdout
    data = json.loads(run("nuclide", "Mo-99", "--json").stdout)
    assert data["name"] == "Mo-99"
    assert {p["nuclide"]: p["branching"] for p in data["progeny"]}["Tc-99m"] == 0.8773
