"""The supplier's export analytics (issue #11, item 7): what left, by year of dispatch (in the
supplier's zone), country of the customer and product — calibrated activity [TBq], Mo-99 in
6-day curies, revenue per currency, orders, customers, Tc-99m procedures enabled — with
year-on-year growth and the top countries.

What counts: orders shipped or delivered (``include_unshipped``: every order not cancelled).
Domestic is the supplier's own country, from its (first) site's jurisdiction: "RU" is Russia,
"NRC" the United States; "EU" names no single country, so nothing is domestic there (the
organisation has no country column — a workaround, see the issue's report).

Definitions:

* calibrated activity: Σ quantity × ``Order.activity_bq`` (the activity at calibration);
* 6-day Ci: for orders of a product whose nuclide is Mo-99 (bulk and generators), the Mo-99
  left 144 h after dispatch: the calibrated activity decayed to dispatch (exp(λ(cal −
  dispatch))) is the activity leaving the supplier, turned into 6-day Ci by
  ``isoflow.physics.decay.eop_bq_to_six_day_ci``;
* revenue: Σ ``Order.price`` in the product's currency;
* procedures: Σ quantity × ``Product.procedures_per_unit`` (None for products without it);
* growth: this year's value / last year's − 1 for the same group; None when last year's is 0.
  While the report's last year is still running (it is the current year in the supplier's
  zone and only shipped orders count), its growth is against the year before *to the same
  moment* (``to_date``): 11 months of this year against 12 of the last would read as a fall.

Everything is summed by the database (GROUP BY): the years are a CASE over the UTC instants
of each local New Year, so SQLite and PostgreSQL agree and an index on dispatch_at serves the
range.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy import Float, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from isoflow.domain.irradiation import add_months
from isoflow.domain.roles import Actor, Permission
from isoflow.errors import InvalidInput, NotFound
from isoflow.physics.decay import eop_bq_to_six_day_ci
from isoflow.physics.nuclides import get_nuclide
from isoflow.services.clock import now
from isoflow.store.db import Database
from isoflow.store.models import Organisation, Site
from isoflow.store.supplier_models import Customer, Order, Product

SHIPPED = ("shipped", "delivered")
#: a site's jurisdiction -> the country it is in (ISO 3166-1 alpha-2)
JURISDICTION_COUNTRY = {"RU": "RU", "NRC": "US"}
YEAR_RANGE = (1970, 2200)
TOP_COUNTRIES = 5
_TBQ = 1e12
_MO99_LAMBDA = get_nuclide("Mo-99").decay_constant_per_s
#: the decay exponent is clamped to ±this (e^60: a calibration ~200 days from dispatch), so
#: no absurd record overflows PostgreSQL's float8 (an error there, not an infinity)
_EXP_BOUND = 60.0


def country_name(code: str, lang: str = "en") -> str:
    """The country's name in ``lang`` (babel's CLDR data), the code if it has none."""
    try:
        return str(Locale.parse(lang).territories.get(code.upper(), code))
    except (ValueError, TypeError):
        return code


def _growth(current: float, previous: float | None) -> float | None:
    if previous is None or not previous > 0:
        return None
    return current / previous - 1.0


@dataclass(frozen=True)
class ExportRow:
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
    #: Mo-99 products only
    six_day_ci: float | None
    revenue: float
    procedures: float | None
    growth: float | None  # of calibrated activity against the same group a year before
    revenue_growth: float | None


@dataclass(frozen=True)
class YearTotal:
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
    growth: float | None  # of revenue in the principal currency
    orders_growth: float | None


@dataclass(frozen=True)
class CountryTotal:
    country: str
    country_name: str
    domestic: bool
    orders: int
    customers: int
    calibrated_tbq: float
    six_day_ci: float
    procedures: float
    revenue: dict[str, float]
    #: revenue in the principal currency per year of the report
    revenue_by_year: dict[int, float]
    #: the last year of the report against the one before (principal currency)
    growth: float | None


@dataclass(frozen=True)
class ProductTotal:
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
    #: calibrated activity [TBq] per year
    tbq_by_year: dict[int, float]
    revenue_by_year: dict[int, float]


@dataclass(frozen=True)
class ExportReport:
    org_id: int
    timezone: str
    domestic_country: str | None
    statuses: tuple[str, ...]
    years: list[int]
    rows: list[ExportRow]
    totals: list[YearTotal]
    countries: list[CountryTotal]
    products: list[ProductTotal]
    top_countries: list[str]
    currencies: list[str]
    principal_currency: str | None
    generated_at: datetime
    #: the last year is still running: its figures are to this moment (supplier's zone), and
    #: its growth is against the year before up to the same moment; None: whole years
    to_date: datetime | None = None


def _supplier(s: Session, actor: Actor, org_id: int | None) -> tuple[int, str, str | None]:
    """(org id, zone, domestic country) of the supplier reported on."""
    if actor.org_id is not None:
        if org_id is not None and org_id != actor.org_id:
            raise NotFound(f"no organisation {org_id}", field="org_id")
        org_id = actor.org_id
    elif org_id is None:
        ids = list(s.scalars(select(Organisation.id).where(Organisation.kind == "supplier")
                             .order_by(Organisation.id)))
        if len(ids) != 1:
            raise InvalidInput("name the supplier organisation to report on "
                               f"({len(ids)} suppliers)", field="org_id")
        org_id = ids[0]
    org = s.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}", field="org_id")
    site = s.scalars(select(Site).where(Site.org_id == org_id).order_by(Site.id)).first()
    zone = "UTC" if site is None else site.timezone
    domestic = None if site is None else JURISDICTION_COUNTRY.get(site.jurisdiction)
    return org_id, zone, domestic


def _year_start(year: int, zone: ZoneInfo) -> datetime:
    return datetime(year, 1, 1, tzinfo=zone)


def _check_year(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    lo, hi = YEAR_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidInput(f"a year from {lo} to {hi}", field=field)
    return value


def _seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """later − earlier [s] as SQL (PostgreSQL: an interval's epoch; SQLite: Julian days of
    the UTC text)."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return cast((func.julianday(later) - func.julianday(earlier)) * 86400.0, Float)


def _clamped(x: ColumnElement[float], bound: float) -> ColumnElement[float]:
    return case((x > bound, literal(bound)), (x < -bound, literal(-bound)), else_=x)


def exports(db: Database, actor: Actor, *, year_from: int | None = None,
            year_to: int | None = None, country: str | None = None,
            product_id: int | None = None, include_domestic: bool = True,
            include_unshipped: bool = False, org_id: int | None = None,
            lang: str = "en") -> ExportReport:
    """The export report of the actor's organisation (a platform administrator names
    ``org_id``, or there is one supplier)."""
    actor.require(Permission.READ)
    year_from = _check_year(year_from, "year_from")
    year_to = _check_year(year_to, "year_to")
    if year_from is not None and year_to is not None and year_to < year_from:
        raise InvalidInput("year_to must not be before year_from", field="year_to")
    if country is not None:
        country = country.strip().upper()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise InvalidInput("a country is an ISO 3166-1 alpha-2 code such as BR",
                               field="country")
    statuses = SHIPPED if not include_unshipped else ("open", "allocated", *SHIPPED)
    with db.read() as s:
        org, zone_name, domestic = _supplier(s, actor, org_id)
        zone = ZoneInfo(zone_name)
        dialect = s.get_bind().dialect.name
        where = [Order.org_id == org, Order.status.in_(statuses)]
        if year_from is not None:
            where.append(Order.dispatch_at >= _year_start(year_from, zone))
        if year_to is not None:
            where.append(Order.dispatch_at < _year_start(year_to + 1, zone))
        if product_id is not None:
            where.append(Order.product_id == product_id)
        if country is not None:
            where.append(Customer.country == country)
        if not include_domestic and domestic is not None:
            where.append(Customer.country != domestic)
        cond = and_(*where)
        first, last = s.execute(
            select(func.min(Order.dispatch_at), func.max(Order.dispatch_at))
            .select_from(Order).join(Customer, Customer.id == Order.customer_id)
            .where(cond)).one()
        if first is None:
            return ExportReport(org_id=org, timezone=zone_name, domestic_country=domestic,
                                statuses=statuses, years=[], rows=[], totals=[], countries=[],
                                products=[], top_countries=[], currencies=[],
                                principal_currency=None, generated_at=now())
        # SQLite gives back the text it compares; the ORM column type is bypassed by min()
        first, last = (_as_time(first), _as_time(last))
        y0, y1 = first.astimezone(zone).year, last.astimezone(zone).year
        years = list(range(y0, y1 + 1))
        # (one WHEN at least: a CASE needs one, and a bare constant in GROUP BY is a column
        # position to PostgreSQL)
        year = case(*[(Order.dispatch_at < _year_start(y + 1, zone), literal(y))
                      for y in years[:-1]] or [(Order.dispatch_at.is_not(None), literal(y1))],
                    else_=literal(y1))
        units = func.sum(Order.quantity)
        calibrated = func.sum(cast(Order.quantity, Float) * Order.activity_bq)
        exponent = _clamped(_MO99_LAMBDA * _seconds_between(dialect, Order.calibration_at,
                                                            Order.dispatch_at), _EXP_BOUND)
        at_dispatch = func.sum(case((Product.nuclide == "Mo-99",
                                     cast(Order.quantity, Float) * Order.activity_bq
                                     * func.exp(exponent)), else_=literal(0.0)))
        # one scan: sums per year × customer × product; the database does the summing, and
        # the few thousand subtotals give both the groups and their distinct customers
        grouped = (select(year.label("year"), Order.customer_id, Customer.country,
                          Order.product_id, func.count(Order.id), units, calibrated,
                          at_dispatch, func.sum(Order.price))
                   .select_from(Order).join(Customer, Customer.id == Order.customer_id)
                   .join(Product, Product.id == Order.product_id).where(cond)
                   .group_by(year, Order.customer_id, Customer.country, Order.product_id))
        sums: dict[tuple[int, str, int], list[float]] = {}
        people: dict[tuple[int, str, int], set[int]] = defaultdict(set)
        by_yc: dict[tuple[int, str], set[int]] = defaultdict(set)
        by_y: dict[int, set[int]] = defaultdict(set)
        by_yk: dict[int, set[str]] = defaultdict(set)
        by_c: dict[str, set[int]] = defaultdict(set)
        for y, cid, c, pid, n, u, cal, disp, rev in s.execute(grouped):
            key = (_int(y), str(c), _int(pid))
            acc = sums.setdefault(key, [0.0, 0.0, 0.0, 0.0, 0.0])
            for i, v in enumerate((n, u, cal, disp, rev)):
                acc[i] += _float(v)
            who = _int(cid)
            people[key].add(who)
            by_yc[key[0], key[1]].add(who)
            by_y[key[0]].add(who)
            by_yk[key[0]].add(key[1])
            by_c[key[1]].add(who)
        raw = [(y, c, pid, a[0], len(people[y, c, pid]), a[1], a[2], a[3], a[4])
               for (y, c, pid), a in sums.items()]
        products = {p.id: p for p in s.scalars(select(Product).where(Product.id.in_(
            {k[2] for k in sums})))}
        by_year_country = {k: len(v) for k, v in by_yc.items()}
        by_year = {k: (len(v), len(by_yk[k])) for k, v in by_y.items()}
        by_country = {k: len(v) for k, v in by_c.items()}
        current = now().astimezone(zone)
        to_date = earlier = None
        if not include_unshipped and y1 == current.year and len(years) > 1:
            to_date = current
            # the year before to the same moment (28 February for a 29th)
            same = add_months(current, -12)
            partial = (select(Customer.country, Order.product_id, Product.currency,
                              func.count(Order.id), calibrated, func.sum(Order.price))
                       .select_from(Order).join(Customer, Customer.id == Order.customer_id)
                       .join(Product, Product.id == Order.product_id)
                       .where(cond, Order.dispatch_at >= _year_start(y1 - 1, zone),
                              Order.dispatch_at < same)
                       .group_by(Customer.country, Order.product_id, Product.currency))
            earlier = {(str(c), _int(pid)): _Earlier(str(cur), _int(n), _float(cal) / _TBQ,
                                                      _float(rev))
                       for c, pid, cur, n, cal, rev in s.execute(partial)}
    return _report(org, zone_name, domestic, statuses, years, raw, products, by_year_country,
                   by_year, by_country, lang, to_date=to_date, earlier=earlier)


@dataclass(frozen=True)
class _Earlier:
    """One country × product of the year before, to the moment of the running year."""

    currency: str
    orders: int
    calibrated_tbq: float
    revenue: float


def _as_time(value: object) -> datetime:
    t = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo("UTC"))


def _int(value: object) -> int:
    return 0 if value is None else int(value)  # type: ignore[call-overload]


def _float(value: object) -> float:
    return 0.0 if value is None else float(value)  # type: ignore[arg-type]


def _six_day_ci(dispatch_bq: float) -> float:
    if not math.isfinite(dispatch_bq) or dispatch_bq < 0:
        return 0.0
    return eop_bq_to_six_day_ci(dispatch_bq)


def _report(org: int, zone: str, domestic: str | None, statuses: tuple[str, ...],
            years: list[int], raw: Iterable[tuple[object, ...]], products: dict[int, Product],
            by_year_country: dict[tuple[int, str], int], by_year: dict[int, tuple[int, int]],
            by_country: dict[str, int], lang: str, *, to_date: datetime | None = None,
            earlier: dict[tuple[str, int], _Earlier] | None = None) -> ExportReport:
    last = years[-1] if years else None
    plain: list[ExportRow] = []
    for y, c, pid, n, k, u, cal, disp, rev in raw:
        p = products[_int(pid)]
        code, count = str(c), _int(u)
        plain.append(ExportRow(
            year=_int(y), country=code, country_name=country_name(code, lang),
            domestic=code == domestic, product_id=p.id, product_code=p.code,
            product_name=p.name, nuclide=p.nuclide, currency=p.currency, orders=_int(n),
            customers=_int(k), units=count, calibrated_tbq=_float(cal) / _TBQ,
            six_day_ci=_six_day_ci(_float(disp)) if p.nuclide == "Mo-99" else None,
            revenue=_float(rev),
            procedures=None if p.procedures_per_unit is None
            else count * p.procedures_per_unit, growth=None, revenue_growth=None))
    index = {(r.year, r.country, r.product_id): r for r in plain}
    rows: list[ExportRow] = []
    for r in sorted(plain, key=lambda r: (r.year, r.country, r.product_code)):
        prev = index.get((r.year - 1, r.country, r.product_id))
        if r.year == last and earlier is not None:  # the running year: to the same moment
            e = earlier.get((r.country, r.product_id))
            r = replace(r, growth=_growth(r.calibrated_tbq, e.calibrated_tbq if e else 0.0),
                        revenue_growth=_growth(r.revenue, e.revenue if e else 0.0))
        elif r.year - 1 in years:  # the year before is in the report: a missing group is 0
            r = replace(r, growth=_growth(r.calibrated_tbq, prev.calibrated_tbq if prev else 0.0),
                        revenue_growth=_growth(r.revenue, prev.revenue if prev else 0.0))
        rows.append(r)

    revenue_by_currency: dict[str, float] = defaultdict(float)
    for r2 in rows:
        revenue_by_currency[r2.currency] += r2.revenue
    currencies = sorted(revenue_by_currency, key=lambda c: (-revenue_by_currency[c], c))
    principal = currencies[0] if currencies else None

    totals: list[YearTotal] = []
    for y in years:
        yr = [r for r in rows if r.year == y]
        revenue: dict[str, float] = defaultdict(float)
        export_revenue: dict[str, float] = defaultdict(float)
        for r2 in yr:
            revenue[r2.currency] += r2.revenue
            if not r2.domestic:
                export_revenue[r2.currency] += r2.revenue
        orders = sum(r.orders for r in yr)
        prev_total = totals[-1] if totals else None
        prev_revenue = prev_total.revenue.get(principal or "", 0.0) if prev_total else 0.0
        prev_orders = prev_total.orders if prev_total else 0
        if y == last and earlier is not None:
            prev_revenue = math.fsum(e.revenue for e in earlier.values()
                                     if e.currency == principal)
            prev_orders = sum(e.orders for e in earlier.values())
        totals.append(YearTotal(
            year=y, orders=orders, customers=by_year.get(y, (0, 0))[0],
            countries=by_year.get(y, (0, 0))[1],
            calibrated_tbq=math.fsum(r.calibrated_tbq for r in yr),
            export_tbq=math.fsum(r.calibrated_tbq for r in yr if not r.domestic),
            six_day_ci=math.fsum(r.six_day_ci or 0.0 for r in yr),
            procedures=math.fsum(r.procedures or 0.0 for r in yr),
            revenue=dict(revenue), export_revenue=dict(export_revenue),
            growth=None if prev_total is None or principal is None else _growth(
                revenue.get(principal, 0.0), prev_revenue),
            orders_growth=None if prev_total is None else _growth(orders, prev_orders)))

    countries: list[CountryTotal] = []
    for code in sorted({r.country for r in rows}):
        cr = [r for r in rows if r.country == code]
        revenue = defaultdict(float)
        per_year: dict[int, float] = {y: 0.0 for y in years}
        for r2 in cr:
            revenue[r2.currency] += r2.revenue
            if r2.currency == principal:
                per_year[r2.year] += r2.revenue
        before = per_year[years[-2]] if len(years) > 1 else None
        if earlier is not None:
            before = math.fsum(e.revenue for (k, _), e in earlier.items()
                               if k == code and e.currency == principal)
        growth = None if before is None else _growth(per_year[years[-1]], before)
        countries.append(CountryTotal(
            country=code, country_name=country_name(code, lang), domestic=code == domestic,
            orders=sum(r.orders for r in cr), customers=by_country.get(code, 0),
            calibrated_tbq=math.fsum(r.calibrated_tbq for r in cr),
            six_day_ci=math.fsum(r.six_day_ci or 0.0 for r in cr),
            procedures=math.fsum(r.procedures or 0.0 for r in cr), revenue=dict(revenue),
            revenue_by_year=per_year, growth=growth))
    countries.sort(key=lambda c: (-c.revenue.get(principal or "", 0.0), -c.orders, c.country))
    top = [c.country for c in countries if not c.domestic][:TOP_COUNTRIES]

    product_totals: list[ProductTotal] = []
    for pid in sorted({r.product_id for r in rows}, key=lambda i: products[i].code):
        p = products[pid]
        pr = [r for r in rows if r.product_id == pid]
        tbq_by_year = {y: 0.0 for y in years}
        rev_by_year = {y: 0.0 for y in years}
        for r2 in pr:
            tbq_by_year[r2.year] += r2.calibrated_tbq
            rev_by_year[r2.year] += r2.revenue
        product_totals.append(ProductTotal(
            product_id=pid, product_code=p.code, product_name=p.name, nuclide=p.nuclide,
            currency=p.currency, orders=sum(r.orders for r in pr),
            units=sum(r.units for r in pr),
            calibrated_tbq=math.fsum(r.calibrated_tbq for r in pr),
            six_day_ci=None if p.nuclide != "Mo-99"
            else math.fsum(r.six_day_ci or 0.0 for r in pr),
            revenue=math.fsum(r.revenue for r in pr),
            procedures=None if p.procedures_per_unit is None
            else math.fsum(r.procedures or 0.0 for r in pr),
            tbq_by_year=tbq_by_year, revenue_by_year=rev_by_year))
    return ExportReport(org_id=org, timezone=zone, domestic_country=domestic, statuses=statuses,
                        years=years, rows=rows, totals=totals, countries=countries,
                        products=product_totals, top_countries=top, currencies=currencies,
                        principal_currency=principal, generated_at=now(), to_date=to_date)


def product_choices(db: Database, actor: Actor) -> list[tuple[int, str, str]]:
    """(id, code, name) of the organisation's products, for a filter."""
    actor.require(Permission.READ)
    q = select(Product.id, Product.code, Product.name).order_by(Product.code, Product.id)
    if actor.org_id is not None:
        q = q.where(Product.org_id == actor.org_id)
    with db.read() as s:
        return [(int(i), str(c), str(n)) for i, c, n in s.execute(q)]


CSV_HEADER = ("year", "country_code", "country_name", "domestic", "product_code",
              "product_name", "nuclide", "orders", "customers", "units",
              "calibrated_activity_tbq", "mo99_six_day_ci", "revenue", "currency",
              "procedures", "growth_activity", "growth_revenue")


def _num(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def report_csv(report: ExportReport) -> str:
    """The report's rows as CSV: a header, one row per year × country × product; ISO codes
    and English names; numbers with a dot, growth as a fraction."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for r in report.rows:
        w.writerow((r.year, r.country, country_name(r.country, "en"),
                    "yes" if r.domestic else "no", r.product_code, r.product_name, r.nuclide,
                    r.orders, r.customers, r.units, _num(r.calibrated_tbq, 6),
                    _num(r.six_day_ci, 3), _num(r.revenue, 2), r.currency,
                    _num(r.procedures, 1), _num(r.growth, 4), _num(r.revenue_growth, 4)))
    return out.getvalue()


def exports_csv(db: Database, actor: Actor, *, year_from: int | None = None,
                year_to: int | None = None, country: str | None = None,
                product_id: int | None = None, include_domestic: bool = True,
                include_unshipped: bool = False, org_id: int | None = None) -> str:
    return report_csv(exports(db, actor, year_from=year_from, year_to=year_to, country=country,
                              product_id=product_id, include_domestic=include_domestic,
                              include_unshipped=include_unshipped, org_id=org_id))
