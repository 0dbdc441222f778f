"""``isoflow plan day``: a site's day plan (vials, elutions, draws, shortfalls)."""

from __future__ import annotations

import json
import sys
from datetime import date

import typer

plan_app = typer.Typer(no_args_is_help=True, help="Day plans of a department.")


@plan_app.command("day")
def day(site: int = typer.Option(..., "--site", help="site id"),
        on: str = typer.Option(..., "--date", help="YYYY-MM-DD, the site's local date"),
        as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Plan a site's day as the console actor; exit 2 on bad input."""
    from isoflow.domain.roles import Actor
    from isoflow.errors import IsoflowError
    from isoflow.services.day_plan import plan_day
    from isoflow.store.db import default_database

    try:
        d = date.fromisoformat(on)
    except ValueError:
        print(f"--date {on!r} must be YYYY-MM-DD", file=sys.stderr)
        sys.exit(2)
    try:
        plan = plan_day(default_database(), Actor.command_line("console"), site_id=site, day=d)
    except IsoflowError as exc:
        print(f"{exc.field or 'error'}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    if as_json:
        print(json.dumps(plan.to_dict(), indent=2))
        return
    print(f"day {plan.day.isoformat()} ({plan.timezone}): {len(plan.doses)} doses, "
          f"{len(plan.vials)} kit vials, {len(plan.elutions)} elutions, "
          f"{len(plan.shortfalls)} shortfalls")
    for e in plan.elutions:
        print(f"  elute {e.generator_label} at {e.at.isoformat()}: {e.expected_bq / 1e9:.2f} GBq"
              + (" (recorded)" if e.recorded else ""))
    for v in plan.vials:
        print(f"  prepare {v.kit_name} at {v.prepare_at.isoformat()}: "
              f"{v.activity_bq / 1e6:.0f} MBq in {v.eluate_volume_ml:.2f} mL eluate, "
              f"doses {', '.join(v.dose_ids)}")
    for s in plan.shortfalls:
        print(f"  SHORTFALL {s.dose_id}: {s.reason}")


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
