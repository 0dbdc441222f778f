"""``isoflow journal export``: a journal of the period as CSV, JSON or (administrations only)
a FHIR R4 Bundle, read as the console operator (who sees every organisation: narrow it with
``--site``). Bad input — an unknown journal, a time without its zone, a format the journal
has not — exits 2 with the message."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from isoflow.errors import InvalidInput

journal_app = typer.Typer(no_args_is_help=True, add_completion=False,
                          help="The department's journals and records.")


def register(app: typer.Typer) -> None:
    app.add_typer(journal_app, name="journal")


@journal_app.command("export")
def export(
    name: str = typer.Argument(..., help="receipts-and-use, administrations, dosages, "
                                         "breakthrough, decay-in-storage or calibrators"),
    since: str = typer.Option(..., "--since", help="start (included), with its zone: "
                              "'2026-03-01T00:00+06:00' or '2026-03-01T00:00 Asia/Bishkek'"),
    until: str = typer.Option(..., "--until", help="end (excluded), with its zone"),
    site: int | None = typer.Option(None, "--site", help="site id (default: every site)"),
    fmt: str = typer.Option("csv", "--format", help="csv, json or fhir (administrations)"),
    lang: str | None = typer.Option(None, "--lang", help="CSV header language: en or ru "
                                    "(default: ru for the Russian statutory journals)"),
    out: Path | None = typer.Option(None, "--out", help="write to this file, not stdout"),
) -> None:
    """Export one journal for the period [since, until)."""
    from isoflow.cli.admin import _actor, _db
    from isoflow.interop import fhir
    from isoflow.physics.units import parse_datetime
    from isoflow.services import journals

    j = journals.journal(name)
    if fmt not in ("csv", "json", "fhir"):
        raise InvalidInput(f"--format must be csv, json or fhir, not {fmt!r}", field="format")
    if fmt == "fhir" and name != "administrations":
        raise InvalidInput("--format fhir is for the administrations journal only",
                           field="format")
    if lang not in (None, "en", "ru"):
        raise InvalidInput(f"--lang must be en or ru, not {lang!r}", field="lang")
    t0, t1 = parse_datetime(since, field="since"), parse_datetime(until, field="until")
    rows = j.read(_db(), _actor(), site_id=site, since=t0, until=t1)
    if fmt == "csv":
        text = journals.to_csv(rows, j.columns, lang or ("ru" if j.russian else "en"))
    elif fmt == "fhir":
        text = json.dumps(fhir.bundle(rows), ensure_ascii=False, indent=1) + "\n"
    else:
        text = json.dumps({"journal": j.name, "reference": j.reference,
                           "since": t0.isoformat(), "until": t1.isoformat(), "site_id": site,
                           "rows": [journals.as_dict(r) for r in rows]},
                          ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8", newline="")
        typer.echo(f"{len(rows)} rows of {j.name} written to {out}")
