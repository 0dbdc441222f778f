"""``isoflow analytics exports``: the supplier's export analytics (issue #11) as the
command-line actor — a table of years with the top countries, or the CSV (one row per year ×
country × product) on stdout."""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo

import typer

analytics_app = typer.Typer(no_args_is_help=True, help="The supplier's export analytics.")


@analytics_app.command("exports")
def exports(year_from: int | None = typer.Option(None, "--from", help="first year (the "
                                                                      "supplier's zone)"),
            year_to: int | None = typer.Option(None, "--to", help="last year"),
            country: str | None = typer.Option(None, "--country", help="ISO code, e.g. BR"),
            org: int | None = typer.Option(None, "--org", help="the supplier organisation's "
                                                               "id (needed if there are "
                                                               "several)"),
            no_domestic: bool = typer.Option(False, "--exports-only",
                                             help="leave out the supplier's own country"),
            as_csv: bool = typer.Option(False, "--csv", help="CSV on stdout")) -> None:
    """Exports by year, country and product; exit 0, or 2 on bad input."""
    from isoflow.domain.roles import Actor
    from isoflow.errors import IsoflowError
    from isoflow.services import analytics
    from isoflow.store.db import default_database

    try:
        report = analytics.exports(default_database(), Actor.command_line("console"),
                                   year_from=year_from, year_to=year_to, country=country,
                                   include_domestic=not no_domestic, org_id=org)
    except IsoflowError as exc:
        print(f"{exc.field or 'error'}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    if as_csv:
        sys.stdout.write(analytics.report_csv(report))
        return
    cur = report.principal_currency or ""
    print(f"exports of organisation {report.org_id} (years in {report.timezone}; domestic: "
          f"{report.domestic_country or 'none'})")
    print(f"{'year':>6} {'orders':>8} {'customers':>9} {'countries':>9} {'TBq':>14} "
          f"{'6-day Ci':>10} {'revenue ' + cur:>16} {'growth':>8}")
    for t in report.totals:
        growth = "" if t.growth is None else f"{t.growth * 100:+.1f}%"
        year = f"{t.year}*" if report.to_date and t.year == report.to_date.year else t.year
        print(f"{year:>6} {t.orders:>8} {t.customers:>9} {t.countries:>9} "
              f"{t.calibrated_tbq:>14.3f} {t.six_day_ci:>10.1f} "
              f"{t.revenue.get(cur, 0.0):>16.2f} {growth:>8}")
    if report.to_date is not None:
        moment = report.to_date.astimezone(ZoneInfo(report.timezone))
        print(f"* {report.to_date.year} to {moment:%Y-%m-%d %H:%M} ({report.timezone}); its "
              f"growth is against {report.to_date.year - 1} to the same moment")
    if report.top_countries:
        print("top countries: " + ", ".join(
            f"{c.country} {c.country_name}" for c in report.countries
            if c.country in report.top_countries))


def register(app: typer.Typer) -> None:
    app.add_typer(analytics_app, name="analytics")
