"""/supplier/products: the supplier's product catalogue — a table of the products (sizes and
prices with their units; bulk Mo-99 in 6-day Ci as well as Bq) and forms to add and change
them for sales and administrators (read-only for the others). Pages call
isoflow.services.products only; forms take sizes as text ("5 GBq, 10 GBq" or "1000 6-day
Ci"), shelf life in days, and the service gets Bq and seconds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain import supply_catalogue as rules
from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import format_activity
from isoflow.services import products
from isoflow.services.products import ProductView
from isoflow.web.admin_common import FormState, forbidden, typed
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)

BASE = "/supplier/products"
DAY = 86400.0
FORM_NAMES: dict[str, str] = {
    "liquid": N_("liquid"), "solid": N_("solid"),
    "special_form": N_("special-form sealed source"), "generator": N_("generator"),
    "cold_kit": N_("cold kit"),
}
CALIBRATION_NAMES: dict[str, str] = {
    "reference_time": N_("activity at a reference time"),
    "six_day_ci": N_("6-day Ci (Mo-99)"),
}
FIELDS = ("code", "name", "nuclide", "form", "sizes", "calibration", "shelf_life_days",
          "unit_price", "price_per_gbq", "currency", "procedures_per_unit", "note")
EDIT_FIELDS = (*(f for f in FIELDS if f != "code"), "active", "reason")
#: the form's names of the service's fields
FORM_FIELD = {"sizes_bq": "sizes", "shelf_life_s": "shelf_life_days"}


def sizes_text(p: ProductView) -> str:
    """The sizes as the form shows them: '5 GBq, 10 GBq', or '1000 6-day Ci, ...'."""
    if p.calibration == "six_day_ci":
        return ", ".join(f"{x:.10g} 6-day Ci" for x in p.sizes_six_day_ci)
    return ", ".join(format_activity(x, digits=10) for x in p.sizes_bq)


def _may_write(page: Page) -> bool:
    return page.can(Permission.MANAGE_CATALOGUE) and page.actor.org_id is not None


def _number(text: str, field: str, page: Page) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        raise InvalidInput(page._("Give a number."), field=field) from None


def _values(page: Page, v: dict[str, str]) -> dict[str, Any]:
    """The form's text as the service's values (empty optional numbers: None; prices: 0)."""
    life = _number(v["shelf_life_days"], "shelf_life_days", page)
    return {"name": v["name"], "nuclide": v["nuclide"], "form": v["form"],
            "sizes_bq": v["sizes"], "calibration": v["calibration"],
            "shelf_life_s": None if life is None else life * DAY,
            "unit_price": _number(v["unit_price"], "unit_price", page) or 0.0,
            "price_per_gbq": _number(v["price_per_gbq"], "price_per_gbq", page) or 0.0,
            "currency": v["currency"] or "USD",
            "procedures_per_unit": _number(v["procedures_per_unit"], "procedures_per_unit",
                                           page),
            "note": v["note"] or None}


def _as_form(p: ProductView) -> dict[str, str]:
    return {"code": p.code, "name": p.name, "nuclide": p.nuclide, "form": p.form,
            "sizes": sizes_text(p), "calibration": p.calibration,
            "shelf_life_days": "" if p.shelf_life_s is None else f"{p.shelf_life_s / DAY:.10g}",
            "unit_price": f"{p.unit_price:.10g}", "price_per_gbq": f"{p.price_per_gbq:.10g}",
            "currency": p.currency,
            "procedures_per_unit": "" if p.procedures_per_unit is None
            else f"{p.procedures_per_unit:.10g}",
            "note": p.note or "", "active": "on" if p.active else "", "reason": ""}


def _options(page: Page) -> dict[str, list[tuple[str, str]]]:
    return {"form": [(k, page._(v)) for k, v in FORM_NAMES.items()],
            "calibration": [(k, page._(v)) for k, v in CALIBRATION_NAMES.items()],
            "currency": [(c, c) for c in rules.currency_codes()]}


def _refuse(state: FormState, exc: IsoflowError, heading: str) -> None:
    state.refuse(exc, heading, FORM_FIELD)


def _catalogue(page: Page, failed: FormState | None = None) -> HTMLResponse:
    rows = products.list_products(page.db, page.actor)
    blank = FormState("new-product", {n: "" for n in FIELDS})
    blank.values.update(form="liquid", calibration="reference_time", currency="USD",
                        unit_price="0", price_per_gbq="0")
    return page.render("supplier/customers/products.html", {
        "products": rows, "may_write": _may_write(page), "f": failed or blank,
        "options": _options(page), "form_names": FORM_NAMES, "sizes_text": sizes_text,
        "done": page.request.query_params.get("done")},
        status=failed.status if failed else 200)


@router.get(BASE, response_class=HTMLResponse)
def products_page(page: SignedInPage) -> HTMLResponse:
    return _catalogue(page)


@router.post(BASE, response_class=HTMLResponse)
def add_product(page: SignedInPage, form: Form) -> Response:
    if not _may_write(page):
        return forbidden(page)
    state = FormState("new-product", typed(form, FIELDS))
    try:
        p = products.create_product(page.db, page.actor, code=state.values["code"],
                                    **_values(page, state.values))
    except IsoflowError as exc:
        _refuse(state, exc, page._("The product was not added."))
        return _catalogue(page, state)
    return page.redirect(f"{BASE}?done=added#product-{p.id}")


def _get(page: Page, product_id: int) -> ProductView:
    try:
        return products.get_product(page.db, page.actor, product_id)
    except NotFound:
        raise PageNotFound() from None


def _edit(page: Page, p: ProductView, state: FormState | None = None) -> HTMLResponse:
    state = state or FormState("edit-product", _as_form(p))
    return page.render("supplier/customers/product.html", {
        "p": p, "f": state, "may_write": _may_write(page), "options": _options(page),
        "form_names": FORM_NAMES, "calibration_names": CALIBRATION_NAMES,
        "sizes_text": sizes_text, "done": page.request.query_params.get("done")},
        status=state.status)


@router.get(BASE + "/{product_id}", response_class=HTMLResponse)
def product_page(product_id: int, page: SignedInPage) -> HTMLResponse:
    return _edit(page, _get(page, product_id))


@router.post(BASE + "/{product_id}", response_class=HTMLResponse)
def change_product(product_id: int, page: SignedInPage, form: Form) -> Response:
    if not _may_write(page):
        return forbidden(page)
    p = _get(page, product_id)
    state = FormState("edit-product", typed(form, EDIT_FIELDS))
    state.values["active"] = "on" if state.values["active"] == "on" else ""
    try:
        changes = _values(page, state.values)
        if state.values["sizes"] == sizes_text(p):
            del changes["sizes_bq"]  # unchanged: keep the stored values exactly
        changes["active"] = state.values["active"] == "on"
        products.update_product(page.db, page.actor, p.id, reason=state.values["reason"],
                                **changes)
    except NotFound:
        raise PageNotFound() from None
    except IsoflowError as exc:
        _refuse(state, exc, page._("The product was not changed."))
        return _edit(page, p, state)
    return page.redirect(f"{BASE}/{p.id}?done=saved")
