"""``isoflow transport classify`` as a user runs it (real subprocesses): the issue's three
commands with hand-worked values (49 CFR 173.435 A1/A2), a mixture, an excepted package, and
exit 2 with the option named for what a shipper may get wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ISOFLOW = str(Path(sys.executable).parent / "isoflow")
MO99_HALF_LIFE_H = 65.94  # ICRP-107


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISOFLOW, "transport", "classify", *args], capture_output=True,
                          text=True, timeout=60)


def classify(*args: str) -> dict:  # type: ignore[type-arg]
    out = run(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_mo99_liquid_100_gbq_is_type_a() -> None:
    data = classify("Mo-99=100 GBq", "--form", "liquid")
    assert data["package"] == "Type A" and data["un_number"] == "UN2915"
    assert data["sum_of_fractions"] == pytest.approx(100 / 600, abs=1e-4)  # A2 0.6 TBq
    assert data["transport_index"] is None and data["label"] is None


def test_co60_special_form_uses_a1() -> None:
    data = classify("Co-60=300 GBq", "--special-form")
    assert data["package"] == "Type A" and data["un_number"] == "UN3332"
    assert data["sum_of_fractions"] == pytest.approx(0.75)  # A1 0.4 TBq
    assert data["contents"][0]["form"] == "solid" and data["contents"][0]["special_form"]


def test_a_generator_shipped_two_days_early_needs_type_b() -> None:
    data = classify("Mo-99=400 GBq", "--form", "liquid",
                    "--calibrated-at", "2026-12-10T12:00+03:00",
                    "--dispatch-at", "2026-12-08T12:00+03:00",
                    "--surface-dose-rate", "0.3 mSv/h", "--dose-rate-1m", "0.008 mSv/h")
    at_dispatch = 400e9 * 2 ** (48 / MO99_HALF_LIFE_H)
    assert data["contents"][0]["activity_bq"] == pytest.approx(at_dispatch, rel=1e-4)
    assert data["sum_of_fractions"] == pytest.approx(at_dispatch / 600e9, abs=1e-4)
    assert round(data["sum_of_fractions"], 2) == 1.10
    assert (data["package"], data["un_number"]) == ("Type B(U)", "UN2916")
    assert data["transport_index"] == 0.8 and data["label"] == "II-YELLOW"
    assert data["activity_at"] == "dispatch"


def test_a_mixture_is_judged_by_its_sum_of_fractions() -> None:
    data = classify("Mo-99=300 GBq", "I-131=400 GBq", "--form", "liquid")
    # 300/600 + 400/700 = 1.071: each alone fits a Type A, together they do not
    assert data["sum_of_fractions"] == pytest.approx(0.5 + 4 / 7, abs=1e-4)
    assert data["package"] == "Type B(U)"
    assert [c["nuclide"] for c in data["contents"]] == ["Mo-99", "I-131"]


def test_a_small_vial_is_an_excepted_package() -> None:
    data = classify("Tc-99m=10 MBq", "--form", "liquid", "--surface-dose-rate", "1 µSv/h")
    # liquid limit 1e-4 A2 = 400 MBq for Tc-99m (A2 4 TBq)
    assert (data["package"], data["un_number"]) == ("excepted", "UN2910")
    assert data["excepted_fraction"] == pytest.approx(10 / 400, abs=1e-4)


def test_text_output_names_the_package() -> None:
    out = run("Mo-99=100 GBq", "--form", "liquid", "--surface-dose-rate", "0.1 mSv/h",
              "--dose-rate-1m", "2 µSv/h")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Type A  UN2915") and "II-YELLOW" in out.stdout


@pytest.mark.parametrize(("args", "named"), [
    (("Xx-99=1 GBq", "--form", "liquid"), "unknown nuclide"),
    (("Mo-99=1 GBq",), "--form"),
    (("Mo-99=1 GBq", "--form", "plasma"), "form"),
    (("Mo-99=0 GBq", "--form", "liquid"), "above zero"),
    (("Mo-99=-1 GBq", "--form", "liquid"), "activity"),
    (("Mo-99=true", "--form", "liquid"), "activity"),
    (("Mo-99", "--form", "liquid"), "Mo-99=100 GBq"),
    (("Mo-99=1 GBq", "--form", "liquid", "--calibrated-at", "2026-12-10T12:00",
      "--dispatch-at", "2026-12-08T12:00+03:00"), "no time zone"),
    (("Mo-99=1 GBq", "--form", "liquid", "--calibrated-at", "1765000000",
      "--dispatch-at", "2026-12-08T12:00+03:00"), "--calibrated-at"),
    (("Mo-99=1 GBq", "--form", "liquid", "--dispatch-at", "2026-12-08T12:00+03:00"),
     "together"),
    (("Co-60=1 GBq", "--special-form", "--form", "liquid"), "sealed solid"),
    (("Mo-99=1 GBq", "--form", "liquid", "--dose-rate-1m", "0.008"), "unit"),
    (("Mo-99=1 TBq", "--form", "liquid", "--package", "Type A"), "Type B(U) package"),
    (("Mo-99=1 GBq", "--form", "liquid", "--surface-dose-rate", "20 mSv/h",
      "--dose-rate-1m", "0.1 mSv/h"), "10 mSv/h"),
])
def test_bad_input_exits_2_naming_what_is_wrong(args: tuple[str, ...], named: str) -> None:
    out = run(*args, "--json")
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert named in out.stderr and out.stdout == ""
    assert "Traceback" not in out.stderr
