"""``isoflow production allocate BATCH_NUMBER [--dry-run] [--json]``: allocate a production
batch to the orders it serves (by priority, then pro rata) as the command-line actor."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

production_app = typer.Typer(no_args_is_help=True, help="Production batches and allocation.")


def _plan_dict(plan: Any) -> dict[str, Any]:
    b = plan.batch
    return {
        "batch": {"id": b.id, "number": b.number, "nuclide": b.nuclide, "status": b.status,
                  "available_at": b.available_at.isoformat(), "available_bq": b.available_bq},
        "supply_bq": plan.supply_bq, "demand_bq": plan.demand_bq,
        "shortfall_bq": plan.shortfall_bq, "used_bq": plan.used_bq, "left_bq": plan.left_bq,
        "orders": [{"order": x.order.number, "customer": x.order.customer_name,
                    "priority": x.order.priority, "needed_bq": x.order.needed_bq,
                    "dispatch_at": x.order.dispatch_at.isoformat(),
                    "allocated_bq": x.allocated_bq, "fraction": x.fraction,
                    "message": x.message} for x in plan.lines],
    }


@production_app.command("allocate")
def allocate(number: str = typer.Argument(..., help="the batch number, e.g. MO-261207"),
             dry_run: bool = typer.Option(False, "--dry-run",
                                          help="show the allocation, write nothing"),
             as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Allocate a batch (exit 2 naming the problem: unknown batch, already allocated...)."""
    from isoflow.domain.roles import Actor
    from isoflow.errors import IsoflowError
    from isoflow.services import production
    from isoflow.store.db import default_database

    db = default_database()
    actor = Actor.command_line("console")
    try:
        batch = production.find_batch(db, actor, number)
        plan = production.allocation_preview(db, actor, batch.id) if dry_run \
            else production.allocate(db, actor, batch.id)
    except IsoflowError as exc:
        print(f"{exc.field or 'error'}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    if as_json:
        print(json.dumps({"dry_run": dry_run, **_plan_dict(plan)}, indent=2))
        return
    print(f"batch {plan.batch.number} ({plan.batch.nuclide}): supply "
          f"{plan.supply_bq / 1e9:.4g} GBq, demand {plan.demand_bq / 1e9:.4g} GBq, shortfall "
          f"{plan.shortfall_bq / 1e9:.4g} GBq{' (dry run, nothing written)' if dry_run else ''}")
    for x in plan.lines:
        print(f"  {x.order.number} (priority {x.order.priority}): {x.message}")


def register(app: typer.Typer) -> None:
    app.add_typer(production_app, name="production")
