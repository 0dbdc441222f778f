"""The journals' pages: /department/journals (the journals, a period and site picker) and
/department/journals/{name} — a printable journal: a page header with the organisation, the
site, the period and the zone; numbered rows; the table header repeated on every printed page.
The statutory Russian journals (receipts and use, administrations) are printed in Russian
whatever the interface language; the NRC records follow it. Each journal downloads as CSV,
the administrations also as a FHIR R4 Bundle (same session, no API token).

The period is picked as local dates of the site (``since`` and ``until`` both included) or as
times with their zone; pages call isoflow.services.journals only.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.errors import InvalidInput, IsoflowError
from isoflow.interop import fhir
from isoflow.physics.units import parse_datetime
from isoflow.services import journals, organisations
from isoflow.services.clock import now
from isoflow.web.pages import N_
from isoflow.web.shell import Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)
CSS = "/static/department/journals.css"
DESCRIPTIONS = {
    "receipts-and-use": N_("Every receipt of radioactive material and every use of it, with "
                           "the remaining balance."),
    "administrations": N_("Who received which radiopharmaceutical, when, and how much."),
    "dosages": N_("Each dosage determined before administration, with its prescription."),
    "breakthrough": N_("Mo-99 measured in each eluate, in kBq per MBq of Tc-99m."),
    "decay-in-storage": N_("Waste disposed of after decay in storage, with its survey."),
    "calibrators": N_("Dose calibrator tests: constancy, linearity, accuracy, geometry."),
}


class _Refused(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _bound(text: str, field: str, zone: str, *, end: bool) -> datetime:
    """A local date of the site (the end date included: the next day's start), or a time
    with its zone."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            return parse_datetime(text, field=field)
        except InvalidInput as exc:
            raise _Refused(exc.message, field) from None
    start = datetime.combine(day + timedelta(days=1) if end else day, time(),
                             tzinfo=ZoneInfo(zone))
    return start


def _choice(page: Page) -> dict[str, Any]:
    """The site, the period and what was typed; an error names the field."""
    q = page.request.query_params
    sites = organisations.list_sites(page.db, page.actor)
    site = next((s for s in sites if str(s.id) == q.get("site_id")),
                sites[0] if sites else None)
    zone = site.timezone if site else "UTC"
    today = now().astimezone(ZoneInfo(zone)).date()
    values = {"since": q.get("since", "").strip() or today.replace(day=1).isoformat(),
              "until": q.get("until", "").strip() or today.isoformat()}
    error = field = None
    since = until = None
    try:
        since = _bound(values["since"], "since", zone, end=False)
        until = _bound(values["until"], "until", zone, end=True)
        if until <= since:
            raise _Refused(page._("The end of the period must be after its start."), "until")
    except _Refused as exc:
        error, field, since, until = exc.message, exc.field, None, None
    return {"sites": sites, "site": site, "zone": zone, "values": values, "since": since,
            "until": until, "error": error, "error_field": field,
            "query": urlencode({"site_id": site.id if site else "", **values})}


@router.get("/department/journals", response_class=HTMLResponse)
def journals_index(page: SignedInPage) -> HTMLResponse:
    c = _choice(page)
    items = [{"journal": j, "title": j.title(page.lang),
              "description": page._(DESCRIPTIONS[j.name])} for j in journals.JOURNALS.values()]
    return page.render("department/journals/index.html", {**c, "items": items, "css": CSS})


def _rows(page: Page, name: str) -> tuple[journals.Journal, dict[str, Any], list[Any]]:
    j = journals.JOURNALS.get(name)
    if j is None:
        raise PageNotFound()
    c = _choice(page)
    rows: list[Any] = []
    if c["site"] is not None and c["since"] is not None:
        rows = list(j.read(page.db, page.actor, site_id=c["site"].id, since=c["since"],
                           until=c["until"]))
    return j, c, rows


def _shown(row: Any, column: journals.Column, lang: str, number: int) -> str:
    value = None if column.key == "number" else getattr(row, column.key)
    if isinstance(value, datetime):
        return f"{value.astimezone(ZoneInfo(row.zone)):%d.%m.%Y %H:%M}"
    return journals.cell(row, column, lang, number)


@router.get("/department/journals/{name}", response_class=HTMLResponse)
def journal_page(name: str, page: SignedInPage) -> HTMLResponse:
    if name.endswith(".csv") or name.endswith(".fhir.json"):
        return _download(page, name)  # type: ignore[return-value]
    j, c, rows = _rows(page, name)
    lang = "ru" if j.russian else page.lang
    org = None
    if c["site"] is not None:
        try:
            org = organisations.get_organisation(page.db, page.actor, c["site"].org_id)
        except IsoflowError:
            org = None
    table = [[_shown(r, col, lang, i) for col in j.columns] for i, r in enumerate(rows, 1)]
    return page.render("department/journals/journal.html", {
        **c, "j": j, "title": j.title(lang), "lang_journal": lang,
        "headers": [col.title(lang) for col in j.columns], "table": table,
        "org": org, "css": CSS, "fhir": name == "administrations",
        "period_from": c["since"].astimezone(ZoneInfo(c["zone"])) if c["since"] else None,
        "period_to": (c["until"].astimezone(ZoneInfo(c["zone"])) - timedelta(seconds=1))
        if c["until"] else None})


def _download(page: Page, filename: str) -> Response:
    name, _, kind = filename.partition(".")
    j, c, rows = _rows(page, name)
    if c["error"] is not None:
        return Response(c["error"], status_code=422, media_type="text/plain; charset=utf-8")
    stamp = c["since"].astimezone(ZoneInfo(c["zone"])).date().isoformat()
    if kind == "csv":
        lang = "ru" if j.russian else page.lang
        return Response(journals.to_csv(rows, j.columns, lang),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{name}-{stamp}.csv"'})
    if kind == "fhir.json" and name == "administrations":
        return Response(json.dumps(fhir.bundle(rows), ensure_ascii=False),
                        media_type="application/fhir+json",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{name}-{stamp}.fhir.json"'})
    raise PageNotFound()
