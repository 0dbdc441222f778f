"""/supplier/customers: the supplier's customers — search, filters by country and kind, pages
of 50 and the counts by country and kind; a customer's page with its licences (badges for
expired, expiring within 30 days and not yet valid, judged on today in the customer's zone),
its routes and the number of installed sources, with forms (sales and administrators) to add
a customer, change it, add and end a licence, add a route and take it out of use. Country
names in the page's language (CLDR via Babel). Pages call isoflow.services.customers only;
forms take activities as text ("2 TBq", "54 Ci") and transit in hours."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain import supply_catalogue as rules
from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.times import parse_timezone
from isoflow.physics.units import format_activity, parse_activity
from isoflow.services import customers
from isoflow.services.clock import now
from isoflow.services.customers import CustomerDetail, CustomerPage
from isoflow.web.admin_common import FormState, forbidden, typed
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)

BASE = "/supplier/customers"
PAGE_SIZE = 50
HOUR = 3600.0
KIND_NAMES: dict[str, str] = {
    "hospital": N_("hospital"), "irradiation_centre": N_("irradiation centre"),
    "distributor": N_("distributor"), "research": N_("research"),
}
MODE_NAMES: dict[str, str] = {"road": N_("road"), "air": N_("air")}
STATE_NAMES: dict[str, tuple[str, str]] = {
    "valid": (N_("valid"), "ok"), "expiring": (N_("expires within 30 days"), "warn"),
    "expired": (N_("expired"), "bad"), "not_yet": (N_("not yet valid"), ""),
}
CUSTOMER_FIELDS = ("code", "name", "country", "timezone", "kind", "priority", "min_installed",
                   "contact")
EDIT_FIELDS = (*(f for f in CUSTOMER_FIELDS if f != "code"), "active", "reason")
LICENCE_FIELDS = ("number", "nuclide", "limit", "valid_from", "valid_to")
ROUTE_FIELDS = ("name", "mode", "transit_hours")


def _may_write(page: Page) -> bool:
    return page.can(Permission.SELL) and page.actor.org_id is not None


def _countries(page: Page) -> list[tuple[str, str]]:
    """(code, name in the page's language), by name."""
    named = [(c, rules.country_name(c, page.lang)) for c in rules.country_codes()]
    return sorted(named, key=lambda x: x[1].casefold())


def _options(page: Page) -> dict[str, list[tuple[str, str]]]:
    return {"country": [("", "—")] + [(c, f"{n} ({c})") for c, n in _countries(page)],
            "kind": [(k, page._(v)) for k, v in KIND_NAMES.items()],
            "mode": [(k, page._(v)) for k, v in MODE_NAMES.items()],
            "priority": [(str(i), str(i)) for i in range(rules.PRIORITY_MIN,
                                                         rules.PRIORITY_MAX + 1)]}


def _int(text: str, field: str, page: Page) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(page._("Give a whole number."), field=field) from None


def _date(text: str, field: str, page: Page) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(page._("Give a date YYYY-MM-DD."), field=field) from None


def _activity(text: str, field: str) -> float | None:
    return parse_activity(text, field=field) if text else None


# ---- the list ---------------------------------------------------------------------------------
def _query(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", 0)}
    return f"{BASE}?{urlencode(kept)}" if kept else BASE


def _list(page: Page, failed: FormState | None = None) -> HTMLResponse:
    q = page.request.query_params
    search, country, kind = q.get("search", ""), q.get("country", ""), q.get("kind", "")
    try:
        number = max(1, min(int(q.get("page", "1")), 100000))
    except ValueError:
        number = 1
    problem = None
    try:
        result = customers.list_customers(page.db, page.actor, search=search or None,
                                          country=country or None, kind=kind or None,
                                          limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    except InvalidInput as exc:
        problem = exc.message
        result = CustomerPage(items=(), total=0, limit=PAGE_SIZE, offset=0, by_country=(),
                              by_kind=())
    pages = max(1, -(-result.total // PAGE_SIZE))
    blank = FormState("new-customer", {n: "" for n in CUSTOMER_FIELDS})
    blank.values.update(kind="hospital", priority="3", timezone="UTC")
    return page.render("supplier/customers/customers.html", {
        "result": result, "search": search, "country": country, "kind": kind,
        "number": number, "pages": pages, "problem": problem,
        "prev_url": _query(search=search, country=country, kind=kind, page=number - 1)
        if number > 1 else None,
        "next_url": _query(search=search, country=country, kind=kind, page=number + 1)
        if number < pages else None,
        "country_url": lambda c: _query(search=search, country=c, kind=kind),
        "kind_url": lambda k: _query(search=search, country=country, kind=k),
        "country_name": lambda c: rules.country_name(c, page.lang),
        "kind_names": KIND_NAMES, "options": _options(page), "may_write": _may_write(page),
        "f": failed or blank, "done": q.get("done")},
        status=failed.status if failed else 200)


@router.get(BASE, response_class=HTMLResponse)
def customers_page(page: SignedInPage) -> HTMLResponse:
    return _list(page)


def _customer_values(page: Page, v: dict[str, str]) -> dict[str, Any]:
    return {"name": v["name"], "country": v["country"], "timezone": v["timezone"],
            "kind": v["kind"], "priority": _int(v["priority"], "priority", page),
            "min_installed_bq": _activity(v["min_installed"], "min_installed_bq"),
            "contact": v["contact"] or None}


_CUSTOMER_FIELD = {"min_installed_bq": "min_installed"}


@router.post(BASE, response_class=HTMLResponse)
def add_customer(page: SignedInPage, form: Form) -> Response:
    if not _may_write(page):
        return forbidden(page)
    state = FormState("new-customer", typed(form, CUSTOMER_FIELDS))
    try:
        c = customers.create_customer(page.db, page.actor, code=state.values["code"],
                                      **_customer_values(page, state.values))
    except IsoflowError as exc:
        state.refuse(exc, page._("The customer was not added."), _CUSTOMER_FIELD)
        return _list(page, state)
    return page.redirect(f"{BASE}/{c.id}?done=added")


# ---- one customer -----------------------------------------------------------------------------
def _get(page: Page, customer_id: int) -> CustomerDetail:
    try:
        return customers.get_customer(page.db, page.actor, customer_id)
    except NotFound:
        raise PageNotFound() from None


def _customer_form(d: CustomerDetail) -> dict[str, str]:
    c = d.customer
    return {"name": c.name, "country": c.country, "timezone": c.timezone, "kind": c.kind,
            "priority": str(c.priority),
            "min_installed": "" if c.min_installed_bq is None
            else format_activity(c.min_installed_bq, digits=10),
            "contact": c.contact or "", "active": "on" if c.active else "", "reason": ""}


def _detail(page: Page, d: CustomerDetail, failed: FormState | None = None) -> HTMLResponse:
    c = d.customer
    today = now().astimezone(parse_timezone(c.timezone)).date()
    states = {
        "edit-customer": FormState("edit-customer", _customer_form(d)),
        "new-licence": FormState("new-licence", {n: "" for n in LICENCE_FIELDS}),
        "new-route": FormState("new-route", {"name": "", "mode": "road",
                                             "transit_hours": ""}),
    }
    if failed is not None:
        states[failed.name] = failed
    licences = [(x, rules.licence_state(x.valid_from, x.valid_to, today)) for x in d.licences]
    return page.render("supplier/customers/customer.html", {
        "d": d, "c": c, "today": today, "licences": licences, "states": states,
        "failed": failed, "state_names": STATE_NAMES, "kind_names": KIND_NAMES,
        "mode_names": MODE_NAMES, "country_name": rules.country_name(c.country, page.lang),
        "options": _options(page), "may_write": _may_write(page),
        "done": page.request.query_params.get("done")},
        status=failed.status if failed else 200)


@router.get(BASE + "/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: int, page: SignedInPage) -> HTMLResponse:
    return _detail(page, _get(page, customer_id))


def _write(page: Page, customer_id: int, state: FormState, heading: str,
           fields: dict[str, str], action: Any) -> Response:
    """Run ``action``; the customer's page with the refusal beside its field, or a redirect
    to it."""
    if not _may_write(page):
        return forbidden(page)
    d = _get(page, customer_id)
    try:
        action(d)
    except NotFound as exc:
        if exc.field in ("customer_id", None):
            raise PageNotFound() from None
        state.refuse(exc, heading, fields)
        return _detail(page, d, state)
    except IsoflowError as exc:
        state.refuse(exc, heading, fields)
        return _detail(page, d, state)
    return page.redirect(f"{BASE}/{customer_id}?done={state.name}")


@router.post(BASE + "/{customer_id}", response_class=HTMLResponse)
def change_customer(customer_id: int, page: SignedInPage, form: Form) -> Response:
    state = FormState("edit-customer", typed(form, EDIT_FIELDS))
    state.values["active"] = "on" if state.values["active"] == "on" else ""

    def act(d: CustomerDetail) -> None:
        changes = _customer_values(page, state.values)
        if state.values["min_installed"] == _customer_form(d)["min_installed"]:
            del changes["min_installed_bq"]  # unchanged: keep the stored value exactly
        customers.update_customer(page.db, page.actor, d.customer.id,
                                  reason=state.values["reason"],
                                  active=state.values["active"] == "on", **changes)

    return _write(page, customer_id, state, page._("The customer was not changed."),
                  _CUSTOMER_FIELD, act)


@router.post(BASE + "/{customer_id}/licences", response_class=HTMLResponse)
def add_licence(customer_id: int, page: SignedInPage, form: Form) -> Response:
    state = FormState("new-licence", typed(form, LICENCE_FIELDS))

    def act(d: CustomerDetail) -> None:
        v = state.values
        limit = _activity(v["limit"], "limit_bq")
        if limit is None:
            raise InvalidInput(page._("This field is required."), field="limit_bq")
        customers.add_licence(page.db, page.actor, d.customer.id, number=v["number"],
                              nuclide=v["nuclide"], limit_bq=limit,
                              valid_from=_date(v["valid_from"], "valid_from", page),
                              valid_to=_date(v["valid_to"], "valid_to", page))

    return _write(page, customer_id, state, page._("The licence was not added."),
                  {"limit_bq": "limit"}, act)


@router.post(BASE + "/{customer_id}/licences/{licence_id}/end", response_class=HTMLResponse)
def end_licence(customer_id: int, licence_id: int, page: SignedInPage, form: Form) -> Response:
    state = FormState(f"end-licence-{licence_id}", typed(form, ("valid_to", "reason")))

    def act(d: CustomerDetail) -> None:
        if licence_id not in {x.id for x in d.licences}:
            raise PageNotFound()
        customers.end_licence(page.db, page.actor, licence_id,
                              valid_to=_date(state.values["valid_to"], "valid_to", page),
                              reason=state.values["reason"])

    return _write(page, customer_id, state, page._("The licence was not ended."), {}, act)


@router.post(BASE + "/{customer_id}/routes", response_class=HTMLResponse)
def add_route(customer_id: int, page: SignedInPage, form: Form) -> Response:
    state = FormState("new-route", typed(form, ROUTE_FIELDS))

    def act(d: CustomerDetail) -> None:
        v = state.values
        try:
            hours = float(v["transit_hours"].replace(",", "."))
        except ValueError:
            raise InvalidInput(page._("Give a number."), field="transit_hours") from None
        customers.add_route(page.db, page.actor, d.customer.id, name=v["name"],
                            mode=v["mode"], transit_s=hours * HOUR)

    return _write(page, customer_id, state, page._("The route was not added."),
                  {"transit_s": "transit_hours"}, act)


@router.post(BASE + "/{customer_id}/routes/{route_id}/active", response_class=HTMLResponse)
def route_active(customer_id: int, route_id: int, page: SignedInPage, form: Form) -> Response:
    state = FormState(f"route-{route_id}", typed(form, ("active", "reason")))

    def act(d: CustomerDetail) -> None:
        if route_id not in {r.id for r in d.routes}:
            raise PageNotFound()
        customers.set_route_active(page.db, page.actor, route_id,
                                   state.values["active"] == "on",
                                   reason=state.values["reason"])

    return _write(page, customer_id, state, page._("The route was not changed."), {}, act)
