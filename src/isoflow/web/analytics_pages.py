"""The supplier's analytics page (issue #11): exports by year, country and product with the
filters (years, country, product, domestic or not, shipped only or every open order), Plotly
charts — revenue by year stacked by the top countries, by product, year-on-year growth — the
tables and a CSV download of the same selection. Country names in the page's language
(babel's CLDR territories). The page calls isoflow.services.analytics only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.errors import IsoflowError
from isoflow.services import analytics
from isoflow.services.analytics import ExportReport
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.shell import Page, SignedInPage

router = APIRouter(include_in_schema=False)

CSS = "/static/supplier/analytics.css"
FILTERS = ("year_from", "year_to", "country", "product_id", "exports_only", "unshipped")


def _products(page: Page) -> list[tuple[int, str]]:
    """(id, "CODE — name") of the organisation's products, for the filter."""
    return [(i, f"{c} — {n}") for i, c, n in analytics.product_choices(page.db, page.actor)]


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 10 else None


def _charts(page: Page, r: ExportReport) -> dict[str, Any]:
    cur = r.principal_currency or ""
    top = [c for c in r.countries if c.country in r.top_countries]
    rest = [c for c in r.countries if c.country not in r.top_countries]
    by_country = [{"name": c.country_name, "y": [c.revenue_by_year.get(y, 0.0) for y in r.years]}
                  for c in top]
    if rest:
        by_country.append({"name": page._("Other countries"),
                           "y": [sum(c.revenue_by_year.get(y, 0.0) for c in rest)
                                 for y in r.years]})
    return {
        "years": r.years,
        "by_country": by_country,
        "by_product": [{"name": p.product_code, "y": [p.revenue_by_year.get(y, 0.0)
                                                     for y in r.years]}
                       for p in r.products if p.currency == cur],
        "growth": {"revenue": [None if t.growth is None else t.growth * 100 for t in r.totals],
                   "orders": [None if t.orders_growth is None else t.orders_growth * 100
                              for t in r.totals]},
        "labels": {"revenue": page._("revenue (%(currency)s)", currency=cur),
                   "year": page._("year"), "growth": page._("growth (%)"),
                   "revenue_growth": page._("Revenue"), "orders_growth": page._("Orders")},
    }


@router.get("/supplier/analytics", response_class=HTMLResponse)
def analytics_page(page: SignedInPage) -> HTMLResponse:
    q = page.request.query_params
    values = {n: q.get(n, "") for n in FILTERS}
    error = None
    kwargs: dict[str, Any] = dict(
        year_from=_int(values["year_from"]), year_to=_int(values["year_to"]),
        country=values["country"].strip() or None, product_id=_int(values["product_id"]),
        include_domestic=values["exports_only"] != "1",
        include_unshipped=values["unshipped"] == "1")
    try:
        report = analytics.exports(page.db, page.actor, lang=page.lang, **kwargs)
    except IsoflowError as exc:
        error = exc.message
        report = ExportReport(org_id=0, timezone="UTC", domestic_country=None, statuses=(),
                              years=[], rows=[], totals=[], countries=[], products=[],
                              top_countries=[], currencies=[], principal_currency=None,
                              generated_at=now())
    csv_query = {k: v for k, v in (("year_from", kwargs["year_from"]),
                                   ("year_to", kwargs["year_to"]),
                                   ("country", kwargs["country"]),
                                   ("product_id", kwargs["product_id"])) if v is not None}
    if not kwargs["include_domestic"]:
        csv_query["include_domestic"] = "false"
    if kwargs["include_unshipped"]:
        csv_query["include_unshipped"] = "true"
    return page.render("supplier/analytics/exports.html", {
        "r": report, "values": values, "error": error, "css": CSS,
        "products": _products(page), "charts": _charts(page, report),
        "csv_link": "/supplier/analytics/exports.csv"
                    + ("?" + urlencode(csv_query) if csv_query else ""),
        "money": lambda x: i18n.format_number(x, digits=8) if x else "0",
        "tbq": lambda x: i18n.format_number(x, digits=4),
        "pct": lambda x: "—" if x is None else (("+" if x > 0 else "")
                                                + i18n.format_number(x * 100, digits=3) + " %"),
    }, status=422 if error else 200)


@router.get("/supplier/analytics/exports.csv")
def analytics_csv(page: SignedInPage) -> Response:
    """The page's selection as CSV (the API's /analytics/exports.csv for a browser session)."""
    q = page.request.query_params
    try:
        text = analytics.exports_csv(
            page.db, page.actor, year_from=_int(q.get("year_from", "")),
            year_to=_int(q.get("year_to", "")), country=q.get("country") or None,
            product_id=_int(q.get("product_id", "")),
            include_domestic=q.get("include_domestic") != "false",
            include_unshipped=q.get("include_unshipped") == "true")
    except IsoflowError as exc:
        return page.render("error.html", {"title": page._("Export analytics"),
                                          "message": exc.message}, status=exc.http_status)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="exports.csv"'})
