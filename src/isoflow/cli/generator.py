"""``isoflow generator ...``: generator curves, breakthrough checks and the elution planner."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from isoflow.errors import InvalidInput

gen_app = typer.Typer(no_args_is_help=True, add_completion=False,
                      help="Radionuclide generators: curves, breakthrough QC, elution plans.")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def curve_figure(doc: dict[str, Any]) -> Any:
    """A Plotly figure of a curve document: column activities, elutions as markers."""
    import plotly.graph_objects as go

    parent, daughter = doc["pair"].split("/")
    ts = [p["t"] for p in doc["points"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ts, y=[p["parent_bq"] / 1e9 for p in doc["points"]],
                             name=f"{parent} on the column", mode="lines"))
    # the column just before each elution too, so the saw-tooth drops vertically
    col = sorted([(p["t"], 1, p["daughter_bq"]) for p in doc["points"]]
                 + [(e["t"], 0, e["column_before_bq"]) for e in doc["elutions"]])
    fig.add_trace(go.Scatter(x=[c[0] for c in col], y=[c[2] / 1e9 for c in col],
                             name=f"{daughter} on the column", mode="lines"))
    fig.add_trace(go.Scatter(
        x=[e["t"] for e in doc["elutions"]], y=[e["eluted_bq"] / 1e9 for e in doc["elutions"]],
        name="eluted", mode="markers", marker={"size": 10, "symbol": "diamond"},
        text=[f"{daughter} share of element atoms {e['daughter_fraction']:.3f}"
              for e in doc["elutions"]]))
    fig.update_layout(title=f"{doc['pair']} generator", xaxis_title="time (UTC)",
                      yaxis_title="activity (GBq)", template="plotly_white")
    return fig


def _print_plan(doc: dict[str, Any]) -> None:
    p = doc["plan"]
    print(f"status {p['status']}  solve {p['solve_s']:.2f} s  gap {p['mip_gap']:.3g}")
    print(f"demand met {p['demand_met_fraction'] * 100:.1f} % of {p['n_items']} items "
          f"({p['feasible_demand_met_fraction'] * 100:.1f} % of the feasible)")
    print(f"cost {p['cost']:g}  eluted {p['eluted_bq'] / 1e9:.2f} GBq  "
          f"wasted {p['waste_bq'] / 1e9:.2f} GBq")
    print("orders:")
    for o in p["orders"]:
        print(f"  {o['generator_id']:<8} {o['size']:<10} delivered {o['delivered_at']}  "
              f"price {o['price']:g}")
    print("elutions:")
    for e in p["elutions"]:
        print(f"  {e['at']}  {e['generator_id']:<8} {e['eluted_bq'] / 1e9:7.2f} GBq  "
              f"unused {e['unused_bq'] / 1e9:6.2f} GBq  -> {', '.join(e['serves'])}")
    if p["unmet"]:
        print("not served:")
        for u in p["unmet"]:
            print(f"  {u['item_id']}: {u['reason']}")
    if "baseline" in doc:
        b = doc["baseline"]
        print(f"habit baseline: demand met {b['demand_met_fraction'] * 100:.1f} %, cost "
              f"{b['cost']:g}, wasted {b['waste_bq'] / 1e9:.2f} GBq")


def register(app: typer.Typer) -> None:
    app.add_typer(gen_app, name="generator")


@gen_app.command("types")
def types_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The generator catalogue, with the source of every value."""
    from isoflow.physics.generator_catalogue import load_catalogue

    cat = load_catalogue()
    if as_json:
        print(json.dumps([t.to_dict() for t in cat.values()], ensure_ascii=False))
        return
    for t in cat.values():
        sizes = ", ".join(f"{a / 1e9:g}" for a in t.sizes_bq)
        flag = "" if t.sizes.verified else "  (sizes not all verified)"
        print(f"{t.key:<22} {t.pair.label:<14} {sizes} GBq{flag}")


@gen_app.command("curve")
def curve_cmd(
    pair: str = typer.Option("Mo-99/Tc-99m", "--pair", help="parent/daughter"),
    parent: str = typer.Option(..., "--parent", help='Parent activity at the reference, "10 GBq".'),
    reference: str = typer.Option(..., "--reference", help="Calibration time with its zone: "
                                   "'2026-03-02T12:00+01:00' or '2026-03-02T12:00 Europe/Berlin'."),
    elute_at: list[str] = typer.Option([], "--elute-at", help="Elution time (repeatable)."),
    efficiency: float = typer.Option(0.9, "--efficiency", help="Elution efficiency (0-1]."),
    to: str = typer.Option(..., "--to", help="End of the curve (a time, as --reference)."),
    step: str = typer.Option("30 min", "--step", help='Grid step, "30min" or "1 h".'),
    type_key: str | None = typer.Option(None, "--type", help="Catalogue type for defaults."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a Plotly HTML file."),
) -> None:
    """Column activity over time and the yield of each elution."""
    from isoflow.physics.generators import curve_document

    doc = curve_document(pair, parent, reference, elute_at, efficiency, to, step, type_key)
    if plot is not None:
        curve_figure(doc).write_html(str(plot), include_plotlyjs=True, full_html=True)
    if as_json:
        print(json.dumps(doc, ensure_ascii=False))
        return
    d = doc["pair"].split("/")[1]
    for e in doc["elutions"]:
        print(f"elution {e['t']}: {e['eluted_bq'] / 1e9:.4g} GBq {d}, "
              f"{d} share of element atoms {e['daughter_fraction']:.3f}")
    last = doc["points"][-1]
    print(f"at {last['t']}: parent {last['parent_bq'] / 1e9:.4g} GBq, "
          f"{d} on the column {last['daughter_bq'] / 1e9:.4g} GBq")
    if plot is not None:
        print(f"plot written to {plot}")


@gen_app.command("breakthrough")
def breakthrough_cmd(
    daughter: str = typer.Option("Tc-99m", "--daughter"),
    measured: list[str] = typer.Option(..., "--measured",
                                       help='Impurity at elution, "Mo-99=0.05 kBq/MBq".'),
    eluted_at: str = typer.Option(..., "--eluted-at"),
    administer_at: str = typer.Option(..., "--administer-at"),
    jurisdiction: str = typer.Option("EU", "--jurisdiction", help="NRC, EU or RU."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Breakthrough QC at a planned administration time; exit 1 if it fails."""
    from isoflow.domain.breakthrough import check_breakthrough

    values: dict[str, str] = {}
    for m in measured:
        if "=" not in m:
            raise InvalidInput(f"--measured {m!r} must look like 'Mo-99=0.05 kBq/MBq'",
                               field="measured")
        k, _, v = m.partition("=")
        values[k.strip()] = v.strip()
    c = check_breakthrough(daughter, values, eluted_at, administer_at, jurisdiction)
    doc = {"passed": c.passed, "jurisdiction": c.jurisdiction,
           "latest_administration_at": _iso(c.latest_administration_at),
           "eluate_expires_at": _iso(c.eluate_expires_at), "reasons": list(c.reasons),
           "impurities": [{"impurity": r.impurity, "ratio_at_elution": r.ratio_at_elution,
                           "ratio_at_administration": r.ratio_at_administration,
                           "value_at_administration": r.value_at_administration,
                           "limit": r.limit, "basis": r.basis, "rule": r.rule,
                           "source": r.source, "passed": r.passed,
                           "latest_compliant_at": _iso(r.latest_compliant_at)}
                          for r in c.impurities]}
    if as_json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print("PASS" if c.passed else "FAIL")
        for r in c.impurities:
            print(f"  {r.impurity}: {r.ratio_at_administration * 1e3:.4g} kBq/MBq at "
                  f"administration; rule {r.rule} ({r.source})")
        for reason in c.reasons:
            print(f"  {reason}")
        print(f"  latest compliant administration: {doc['latest_administration_at']}")
    if not c.passed:
        sys.exit(1)


@gen_app.command("plan")
def plan_cmd(
    demand: Path = typer.Argument(..., help="Demand CSV: id,needed_at,activity,"
                                  "max_eluate_age,carrier_sensitive,label"),
    json_out: Path | None = typer.Option(None, "--json", help="Write the plan as JSON here."),
    type_key: str = typer.Option("Poltechnet", "--type", help="Catalogue generator type."),
    size: list[str] = typer.Option([], "--size", help='"20 GBq=1100" (activity=price); '
                                   "default: the catalogue sizes at 1 per GBq."),
    delivery: list[str] = typer.Option([], "--delivery", help="Delivery time (repeatable)."),
    max_per_delivery: int = typer.Option(2, "--max-per-delivery"),
    working_hours: str = typer.Option("07:00-17:00", "--working-hours"),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA zone of the working hours."),
    working_days: str = typer.Option("Mon-Fri", "--working-days"),
    min_interval: str = typer.Option("3 h", "--min-interval"),
    slot: str = typer.Option("30 min", "--slot"),
    jurisdiction: str = typer.Option("EU", "--jurisdiction"),
    time_limit: float = typer.Option(20.0, "--time-limit", help="Solver time limit [s]."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline"),
    now: str | None = typer.Option(None, "--now", help="Plan as of this time (default: the "
                                   "clock); demand before it is refused."),
) -> None:
    """Generators to order, elution times and which elution serves which item."""
    try:
        text = demand.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {demand}: {exc.strerror}", field="demand") from None
    from datetime import UTC

    from isoflow.physics.generators import aware_datetime
    from isoflow.planning.requests import plan_documents

    as_of = datetime.now(UTC) if now is None else aware_datetime(now, field="now")
    doc = plan_documents(text, type_key, size, delivery, max_per_delivery, working_hours,
                         timezone, working_days, min_interval, slot, jurisdiction, time_limit,
                         as_of, baseline)
    if json_out is not None:
        json_out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    _print_plan(doc)
