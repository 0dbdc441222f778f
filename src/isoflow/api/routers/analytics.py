"""/api/v1 — the supplier's export analytics (issue #11): shipped and delivered orders by year
of dispatch (the supplier's zone), country and product, with growth and the top countries;
the same rows as CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import MAX_ID, Out, error_responses
from isoflow.services import analytics
from isoflow.services.analytics import ExportReport

router = APIRouter(prefix="/analytics", tags=["analytics"],
                   responses=error_responses(401, 403, 404, 422))
Year = Annotated[int | None, Query(ge=analytics.YEAR_RANGE[0], le=analytics.YEAR_RANGE[1],
                                   description="a calendar year in the supplier's zone")]
Country = Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", min_length=2, max_length=2,
                                      description="ISO 3166-1 alpha-2 code, e.g. BR")]
ProductId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
OrgId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="the supplier (a platform "
                                                                 "administrator only)")]
Domestic = Annotated[bool, Query(description="include orders to the supplier's own country")]
Unshipped = Annotated[bool, Query(description="count every order not cancelled, not only "
                                              "shipped and delivered ones")]


class ExportRowOut(Out):
    year: int
    country: str
    country_name: str
    domestic: bool
    product_id: int
    product_code: str
    product_name: str
    nuclide: str
    currency: str
    orders: int
    customers: int
    units: int
    calibrated_tbq: float
    six_day_ci: float | None = Field(description="Mo-99 products: 6-day Ci")
    revenue: float
    procedures: float | None
    growth: float | None = Field(description="calibrated activity against the same country "
                                             "and product a year before, a fraction; None "
                                             "when that was 0")
    revenue_growth: float | None


class ExportYearOut(Out):
    year: int
    orders: int
    customers: int
    countries: int
    calibrated_tbq: float
    export_tbq: float
    six_day_ci: float
    procedures: float
    revenue: dict[str, float]
    export_revenue: dict[str, float]
    growth: float | None = Field(description="revenue in the principal currency against the "
                                             "year before")
    orders_growth: float | None


class ExportCountryOut(Out):
    country: str
    country_name: str
    domestic: bool
    orders: int
    customers: int
    calibrated_tbq: float
    six_day_ci: float
    procedures: float
    revenue: dict[str, float]
    revenue_by_year: dict[int, float]
    growth: float | None


class ExportProductOut(Out):
    product_id: int
    product_code: str
    product_name: str
    nuclide: str
    currency: str
    orders: int
    units: int
    calibrated_tbq: float
    six_day_ci: float | None
    revenue: float
    procedures: float | None
    tbq_by_year: dict[int, float]
    revenue_by_year: dict[int, float]


class ExportReportOut(Out):
    org_id: int
    timezone: str
    domestic_country: str | None
    statuses: list[str]
    years: list[int]
    rows: list[ExportRowOut]
    totals: list[ExportYearOut]
    countries: list[ExportCountryOut]
    products: list[ExportProductOut]
    top_countries: list[str]
    currencies: list[str]
    principal_currency: str | None
    generated_at: datetime
    #: the last year is still running: its figures are to this moment and its growth is
    #: against the year before to the same moment; null: whole years
    to_date: datetime | None = None


@router.get("/exports", response_model=ExportReportOut)
def exports(actor: CurrentActor, db: DB, year_from: Year = None, year_to: Year = None,
            country: Country = None, product_id: ProductId = None,
            include_domestic: Domestic = True, include_unshipped: Unshipped = False,
            org_id: OrgId = None) -> ExportReport:
    """Exports by year × country × product. 422 besides the schema's rules: ``year_to``
    before ``year_from``; a platform administrator who does not name the supplier when there
    is not exactly one."""
    return analytics.exports(db, actor, year_from=year_from, year_to=year_to, country=country,
                             product_id=product_id, include_domestic=include_domestic,
                             include_unshipped=include_unshipped, org_id=org_id)


@router.get("/exports.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "one row per year × country × product"}})
def exports_csv(actor: CurrentActor, db: DB, year_from: Year = None, year_to: Year = None,
                country: Country = None, product_id: ProductId = None,
                include_domestic: Domestic = True, include_unshipped: Unshipped = False,
                org_id: OrgId = None) -> Response:
    """The rows as CSV (header; ISO codes and English names; numbers with a dot)."""
    text = analytics.exports_csv(db, actor, year_from=year_from, year_to=year_to,
                                 country=country, product_id=product_id,
                                 include_domestic=include_domestic,
                                 include_unshipped=include_unshipped, org_id=org_id)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="exports.csv"'})
