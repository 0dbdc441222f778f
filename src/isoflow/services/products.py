"""The supplier's product catalogue (issue #11): products with their nuclide, form, sizes,
calibration convention (6-day Ci for bulk Mo-99 only), shelf life and price.

Sales (MANAGE_CATALOGUE) and administrators write; everyone in the organisation reads. A
product's code is unique in the organisation (409) and never changes; a product is not
deleted, it is made inactive (orders refuse an inactive product). Every write is audited
(entity "product"). Another organisation's ids are NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import supply_catalogue as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NAME_MAX, NOTE_MAX, REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit
from isoflow.services.clock import now
from isoflow.services.supplier import require_supplier
from isoflow.store.db import Database
from isoflow.store.supplier_models import Product

#: the columns a change may name (the code never changes)
FIELDS = ("name", "nuclide", "form", "sizes_bq", "calibration", "shelf_life_s", "unit_price",
          "price_per_gbq", "currency", "procedures_per_unit", "note", "active")


@dataclass(frozen=True)
class ProductView:
    id: int
    org_id: int
    code: str
    name: str
    nuclide: str
    form: str
    sizes_bq: tuple[float, ...]
    calibration: str
    shelf_life_s: float | None
    unit_price: float
    price_per_gbq: float
    currency: str
    procedures_per_unit: float | None
    active: bool
    note: str | None
    created_at: datetime

    @property
    def sizes_six_day_ci(self) -> tuple[float, ...]:
        """The sizes in 6-day Ci (a product sold that way; empty otherwise)."""
        if self.calibration != "six_day_ci":
            return ()
        return tuple(rules.stated_amount(self.calibration, x)[0] for x in self.sizes_bq)


def product_view(p: Product) -> ProductView:
    return ProductView(id=p.id, org_id=p.org_id, code=p.code, name=p.name, nuclide=p.nuclide,
                       form=p.form, sizes_bq=rules.stored_sizes(p.sizes_bq),
                       calibration=p.calibration, shelf_life_s=p.shelf_life_s,
                       unit_price=p.unit_price, price_per_gbq=p.price_per_gbq,
                       currency=p.currency, procedures_per_unit=p.procedures_per_unit,
                       active=bool(p.active), note=p.note, created_at=p.created_at)


def _org(actor: Actor) -> int:
    if actor.org_id is None:
        raise InvalidInput("a platform administrator acts for an organisation: sign in as one "
                           "of its users", field="org_id")
    return actor.org_id


def _reason(reason: object) -> str:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("say why the product changes", field="reason")
    return clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)


def _values(v: dict[str, Any]) -> dict[str, Any]:
    """Every product column checked and normalised (the row's own form: sizes as text)."""
    nuclide = get_nuclide(v["nuclide"]).name
    calibration = rules.check_calibration(v["calibration"], nuclide)
    sizes = rules.parse_sizes(v["sizes_bq"], six_day=calibration == "six_day_ci")
    active = v.get("active", True)
    if not isinstance(active, bool):
        raise InvalidInput("active is true or false", field="active")
    return {"active": active, "name": clean_text(v["name"], field="name", max_length=NAME_MAX),
            "nuclide": nuclide, "form": rules.check_form(v["form"]),
            "sizes_bq": rules.format_sizes(sizes), "calibration": calibration,
            "shelf_life_s": rules.check_shelf_life(v["shelf_life_s"]),
            "unit_price": rules.check_price(v["unit_price"], field="unit_price"),
            "price_per_gbq": rules.check_price(v["price_per_gbq"], field="price_per_gbq"),
            "currency": rules.check_currency(v["currency"]),
            "procedures_per_unit": rules.check_procedures(v["procedures_per_unit"]),
            "note": clean_optional_text(v["note"], field="note", max_length=NOTE_MAX,
                                        multiline=True)}


def visible_product(s: Session, actor: Actor, product_id: int, *,
                    lock: bool = False) -> Product:
    p = s.get(Product, product_id, with_for_update=lock)
    if p is None or not actor.sees(p.org_id):
        raise NotFound(f"no product {product_id} in the catalogue", field="product_id")
    return p


def _record(p: Product) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "nuclide": p.nuclide, "form": p.form,
            "sizes_bq": p.sizes_bq, "calibration": p.calibration,
            "shelf_life_s": p.shelf_life_s, "unit_price": p.unit_price,
            "price_per_gbq": p.price_per_gbq, "currency": p.currency,
            "procedures_per_unit": p.procedures_per_unit, "active": bool(p.active),
            "note": p.note}


def create_product(db: Database, actor: Actor, *, code: str, name: str, nuclide: str,
                   form: str, sizes_bq: str | tuple[object, ...] | list[object] = (),
                   calibration: str = "reference_time", shelf_life_s: float | None = None,
                   unit_price: float = 0.0, price_per_gbq: float = 0.0, currency: str = "USD",
                   procedures_per_unit: float | None = None,
                   note: str | None = None) -> ProductView:
    """A new product of the actor's catalogue. InvalidInput naming the field for an unknown
    nuclide, form or currency, 6-day Ci for a nuclide other than Mo-99, a size not > 0 or
    above 1e18 Bq, a negative price; Conflict if the code is taken."""
    actor.require(Permission.MANAGE_CATALOGUE)
    org_id = _org(actor)
    code = rules.check_code(code)
    values = _values({"name": name, "nuclide": nuclide, "form": form, "sizes_bq": sizes_bq,
                      "calibration": calibration, "shelf_life_s": shelf_life_s,
                      "unit_price": unit_price, "price_per_gbq": price_per_gbq,
                      "currency": currency, "procedures_per_unit": procedures_per_unit,
                      "note": note})
    with db.write() as s:
        require_supplier(s, org_id)
        taken = s.scalar(select(Product.id).where(Product.org_id == org_id,
                                                  Product.code == code))
        if taken is not None:
            raise Conflict(f"the catalogue already has a product {code}", field="code")
        p = Product(org_id=org_id, code=code, created_at=now(), **values)
        s.add(p)
        s.flush()
        audit.record(s, actor, org_id=org_id, entity_type="product", entity_id=p.id,
                     action="created", new=_record(p))
        return product_view(p)


def update_product(db: Database, actor: Actor, product_id: int, *, reason: str,
                   **changes: Any) -> ProductView:
    """Change the columns named (not the code), with a reason; the rules of a new product on
    the result. Nothing changes: the product as it is, nothing audited."""
    actor.require(Permission.MANAGE_CATALOGUE)
    extra = sorted(set(changes) - set(FIELDS))
    if extra:
        field = extra[0]
        if field == "code":
            raise InvalidInput("a product's code never changes: add a new product and make "
                               "this one inactive", field="code")
        raise InvalidInput(f"unknown field {field!r}", field=field)
    why = _reason(reason)
    with db.write() as s:
        p = visible_product(s, actor, product_id, lock=True)
        old = _record(p)
        current = {k: old[k] for k in FIELDS}
        current["sizes_bq"] = list(rules.stored_sizes(p.sizes_bq))
        values = _values({**current, **changes})
        before = {k: old[k] for k in values if old[k] != values[k]}
        after = {k: values[k] for k in before}
        if not after:
            return product_view(p)
        for k, v in after.items():
            setattr(p, k, v)
        s.flush()
        audit.record(s, actor, org_id=p.org_id, entity_type="product", entity_id=p.id,
                     action="updated", old=before, new=after, reason=why)
        return product_view(p)


def set_product_active(db: Database, actor: Actor, product_id: int, active: bool, *,
                       reason: str) -> ProductView:
    """Sell the product again, or no longer (orders refuse an inactive product)."""
    actor.require(Permission.MANAGE_CATALOGUE)
    if not isinstance(active, bool):
        raise InvalidInput("active is true or false", field="active")
    why = _reason(reason)
    with db.write() as s:
        p = visible_product(s, actor, product_id, lock=True)
        if bool(p.active) == active:
            return product_view(p)
        p.active = active
        s.flush()
        audit.record(s, actor, org_id=p.org_id, entity_type="product", entity_id=p.id,
                     action="activated" if active else "deactivated",
                     old={"active": not active}, new={"active": active}, reason=why)
        return product_view(p)


def list_products(db: Database, actor: Actor, *, active_only: bool = False
                  ) -> list[ProductView]:
    actor.require(Permission.READ)
    q = select(Product).order_by(Product.org_id, Product.code)
    if actor.org_id is not None:
        q = q.where(Product.org_id == actor.org_id)
    if active_only:
        q = q.where(Product.active.is_(True))
    with db.read() as s:
        return [product_view(p) for p in s.scalars(q)]


def get_product(db: Database, actor: Actor, product_id: int) -> ProductView:
    actor.require(Permission.READ)
    with db.read() as s:
        return product_view(visible_product(s, actor, product_id))
