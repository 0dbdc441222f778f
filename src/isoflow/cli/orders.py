"""``isoflow orders generate``: make the orders of the supplier's contracts' recurring
deliveries up to a day (issue #11), as the command-line actor (every supplier organisation)."""

from __future__ import annotations

import json
import sys
from datetime import date

import typer

orders_app = typer.Typer(no_args_is_help=True, help="The supplier's contract orders.")


@orders_app.command("generate")
def generate(until: str = typer.Option(..., "--until", help="YYYY-MM-DD, the last dispatch "
                                                             "day (supplier's zone)"),
             org: int | None = typer.Option(None, "--org", help="one supplier organisation's "
                                                                "id (default: every supplier)"),
             as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Generate the orders (idempotent); exit 0 with the counts, 2 on bad input."""
    from isoflow.domain.roles import Actor
    from isoflow.errors import IsoflowError
    from isoflow.services.orders import generate_orders
    from isoflow.store.db import default_database

    try:
        day = date.fromisoformat(until)
    except ValueError:
        print(f"--until {until!r} must be YYYY-MM-DD", file=sys.stderr)
        sys.exit(2)
    try:
        r = generate_orders(default_database(), Actor.command_line("console"), until=day,
                            org_id=org)
    except IsoflowError as exc:
        print(f"{exc.field or 'error'}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    if as_json:
        print(json.dumps({"created": r.created, "existing": r.existing,
                          "order_ids": r.order_ids,
                          "refused": [{"contract_id": x.contract_id,
                                       "delivery_id": x.delivery_id,
                                       "dispatch_date": x.dispatch_date.isoformat(),
                                       "field": x.field, "reason": x.reason}
                                      for x in r.refused]}, indent=2))
        return
    print(f"orders until {day.isoformat()}: {r.created} created, {r.existing} already there, "
          f"{len(r.refused)} refused")
    for x in r.refused:
        print(f"  REFUSED contract {x.contract_id} delivery {x.delivery_id} "
              f"{x.dispatch_date.isoformat()}: {x.reason}")


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")
