"""``isoflow generator ...`` through Typer's CliRunner and one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from isoflow.cli import _register, app, main

_register()
runner = CliRunner()


def run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``isoflow`` as the console script does (exit codes from main())."""
    monkeypatch.setattr(sys, "argv", ["isoflow", *argv])
    with pytest.raises(SystemExit) as exc:
        main()
    return int(exc.value.code or 0), capsys.readouterr().err

CURVE = ["generator", "curve", "--pair", "Mo-99/Tc-99m", "--parent", "10 GBq",
         "--reference", "2026-03-02T12:00+01:00", "--elute-at", "2026-03-03T08:00+01:00",
         "--elute-at", "2026-03-04T08:00+01:00", "--efficiency", "0.9",
         "--to", "2026-03-05T12:00+01:00", "--step", "30min"]


def test_curve_json() -> None:
    r = runner.invoke(app, [*CURVE, "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert len(doc["points"]) == 3 * 48 + 1
    assert set(doc["points"][0]) == {"t", "parent_bq", "daughter_bq"}
    assert doc["points"][0]["parent_bq"] == pytest.approx(10e9)
    assert len(doc["elutions"]) == 2
    first = doc["elutions"][0]
    assert first["t"] == "2026-03-03T07:00:00+00:00"
    assert 0 < first["daughter_fraction"] < 1 and first["eluted_bq"] > 5e9


def test_curve_plot_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "curve.html"
    r = runner.invoke(app, [*CURVE, "--plot", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "plotly" in html.lower()
    assert 'src="http' not in html       # plotly.js is inlined from the wheel, no CDN
    assert "Tc-99m on the column" in html


@pytest.mark.parametrize(("args", "words"), [
    (["--parent", "-1 GBq"], "negative"),
    (["--reference", "2026-03-02T12:00"], "no time zone"),
    (["--pair", "Mo-99/Ga-68"], "not a decay product"),
    (["--efficiency", "1.5"], "efficiency"),
    (["--step", "5 m"], "ambiguous"),
])
def test_curve_bad_input_exits_2(args: list[str], words: str, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    argv = list(CURVE)
    for i in range(0, len(args), 2):
        k = argv.index(args[i])
        argv[k + 1] = args[i + 1]
    code, err = run_main(argv, monkeypatch, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0]


def test_generator_past_expiry_exits_2(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a if a != "2026-03-04T08:00+01:00" else "2026-04-04T08:00+01:00" for a in CURVE]
    argv[argv.index("--to") + 1] = "2026-04-05T12:00+01:00"
    code, err = run_main([*argv, "--type", "Poltechnet"], monkeypatch, capsys)
    assert code == 2 and "expired" in err


def test_unknown_type_exits_2_in_a_real_process() -> None:
    r = subprocess.run([sys.executable, "-c", "from isoflow.cli import main; main()", *CURVE,
                        "--type", "GT-9"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown generator type 'GT-9'" in r.stderr


def test_breakthrough_fails_nrc_and_reports_latest_time() -> None:
    args = ["generator", "breakthrough", "--measured", "Mo-99=0.05 kBq/MBq",
            "--eluted-at", "2026-03-02T08:00Z", "--administer-at", "2026-03-02T20:00Z",
            "--jurisdiction", "NRC", "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["passed"] is False
    assert doc["impurities"][0]["source"] == "10 CFR 35.204(a)"
    assert doc["latest_administration_at"].startswith("2026-03-02T18:29")
    r = runner.invoke(app, [*args[:-3], "--jurisdiction", "EU"])
    assert r.exit_code == 0 and r.stdout.startswith("PASS")


DEMAND = """id,needed_at,activity,max_eluate_age,carrier_sensitive,label
bone,2030-03-04T08:00+03:00,6 GBq,12 h,no,MDP
mibi,2030-03-04T09:00+03:00,2 GBq,6 h,no,sestamibi
hmpao,2030-03-04T11:00+03:00,800 MBq,2 h,yes,HMPAO
bone2,2030-03-05T08:00+03:00,5 GBq,12 h,no,MDP
"""
PLAN = ["--size", "5 GBq=500", "--size", "10 GBq=700", "--size", "20 GBq=1100",
        "--delivery", "2030-03-04T06:30+03:00", "--timezone", "Europe/Moscow",
        "--time-limit", "5"]


def test_plan_writes_json(tmp_path: Path) -> None:
    csv_path = tmp_path / "demand.csv"
    csv_path.write_text(DEMAND)
    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["generator", "plan", str(csv_path), "--json", str(out), *PLAN])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    plan = doc["plan"]
    assert plan["demand_met_fraction"] == 1.0
    assert {a["item_id"] for a in plan["assignments"]} == {"bone", "mibi", "hmpao", "bone2"}
    assert plan["orders"] and plan["elutions"]
    assert "baseline" in doc and doc["baseline"]["method"] == "habit"
    assert "demand met 100.0 %" in r.stdout


@pytest.mark.parametrize(("csv_text", "words"), [
    ("id,needed_at,activity\nx,2030-03-04T08:00Z,1 GBq\n", "lacks column(s) max_eluate_age"),
    (DEMAND.replace("6 GBq", "-6 GBq"), "row 2"),
    (DEMAND.replace("2030-03-05", "2020-03-05"), "row 5, column needed_at"),
])
def test_plan_bad_csv_exits_2(tmp_path: Path, csv_text: str, words: str,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "demand.csv"
    csv_path.write_text(csv_text)
    code, err = run_main(["generator", "plan", str(csv_path), *PLAN], monkeypatch, capsys)
    assert code == 2, err
    assert words in err and len(err.strip().splitlines()) == 1


def test_types_lists_the_catalogue() -> None:
    r = runner.invoke(app, ["generator", "types", "--json"])
    assert r.exit_code == 0
    keys = {t["key"] for t in json.loads(r.stdout)}
    assert {"GT-4K", "Poltechnet", "GalliaPharm"} <= keys


def test_plan_as_of_a_given_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "demand.csv"
    csv_path.write_text(DEMAND)
    code, err = run_main(["generator", "plan", str(csv_path), *PLAN,
                          "--now", "2030-03-04T10:00+03:00"], monkeypatch, capsys)
    assert code == 2 and "row 2, column needed_at" in err and "in the past" in err
