"""/journals and /fhir: the department's journals and records (isoflow.services.journals) as
JSON or CSV, and the administrations as a FHIR R4 Bundle of MedicationAdministration.

The period is required and aware (``since <= t < until``): a time without a zone, or none,
is 422 naming ``since`` or ``until``. Another organisation's site is 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import OptionalIdQuery, UtcDatetime, error_responses
from isoflow.errors import NotFound
from isoflow.interop import fhir
from isoflow.services import journals

router = APIRouter(tags=["records"], responses=error_responses(401, 403, 404, 422))

Since = Annotated[UtcDatetime, Query(description="start of the period (included), with its "
                                                 "zone")]
Until = Annotated[UtcDatetime, Query(description="end of the period (excluded), with its "
                                                 "zone")]
JournalName = Annotated[str, Path(description="one of: " + ", ".join(journals.JOURNALS))]
FHIR_JSON = "application/fhir+json"


def _journal(name: str) -> journals.Journal:
    j = journals.JOURNALS.get(name)
    if j is None:
        raise NotFound(f"no journal {name!r}; one of: {', '.join(journals.JOURNALS)}",
                       field="name")
    return j


def csv_response(j: journals.Journal, rows: list[Any], lang: str, since: datetime) -> Response:
    filename = f"{j.name}-{since.date().isoformat()}.csv"
    return Response(journals.to_csv(rows, j.columns, lang),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/journals/{name}", responses={200: {"content": {"text/csv": {}}}})
def get_journal(name: JournalName, actor: CurrentActor, db: DB, since: Since, until: Until,
                site_id: OptionalIdQuery = None,
                format: Literal["json", "csv"] = "json",
                lang: Annotated[Literal["en", "ru"] | None, Query(
                    description="CSV header language (default: Russian for the statutory "
                                "Russian journals, else English)")] = None) -> Response:
    """A journal's rows in time order. JSON: the journal's title, reference and rows (times
    ISO 8601 UTC, each row naming its site's zone); CSV: UTF-8 with a BOM for Excel, local
    times with their offset, activities in MBq."""
    j = _journal(name)
    rows = j.read(db, actor, site_id=site_id, since=since, until=until)
    if format == "csv":
        return csv_response(j, list(rows), lang or ("ru" if j.russian else "en"), since)
    return JSONResponse({"journal": j.name, "title": j.title(lang or "en"),
                         "reference": j.reference, "since": since.isoformat(),
                         "until": until.isoformat(), "site_id": site_id,
                         "columns": [{"key": c.key, "title": c.title(lang or "en")}
                                     for c in j.columns if c.key != "number"],
                         "rows": [journals.as_dict(r) for r in rows]})


@router.get("/fhir/MedicationAdministration",
            responses={200: {"content": {FHIR_JSON: {}}}})
def fhir_administrations(actor: CurrentActor, db: DB, since: Since, until: Until,
                         site_id: OptionalIdQuery = None) -> Response:
    """The period's administrations as a FHIR R4 Bundle (type "collection") of
    MedicationAdministration resources."""
    rows = journals.administrations(db, actor, site_id=site_id, since=since, until=until)
    return Response(json.dumps(fhir.bundle(rows), ensure_ascii=False), media_type=FHIR_JSON)
