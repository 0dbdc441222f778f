"""The product catalogue on SQLite and PostgreSQL: create (canonical nuclide, sizes in Bq,
6-day Ci only for Mo-99), code unique (409), update with a reason, inactive, every write
audited, nothing written on a refusal, tenancy 404, roles 403."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.services import products
from isoflow.store.models import AuditEntry
from isoflow.store.supplier_models import Product
from tests.supplier_world import GBQ, make_supplier


@pytest.fixture
def sup(db):
    return make_supplier(db)


def _count(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Product))


def _audit(db):
    with db.read() as s:
        return [(e.action, e.entity_id, e.reason) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "product")
            .order_by(AuditEntry.seq))]


def test_create_product_canonical_and_audited(db, sup) -> None:
    p = products.create_product(db, sup.actors["supplier_sales"], code="I125-SEED",
                                name="I-125 seeds", nuclide="125I", form="special_form",
                                sizes_bq="0.5 GBq, 0.1 GBq", shelf_life_s=60 * 86400.0,
                                unit_price=10.0, price_per_gbq=2.0, currency="EUR",
                                note="  brachytherapy ")
    assert p.nuclide == "I-125" and p.sizes_bq == (0.1 * GBQ, 0.5 * GBQ)
    assert p.currency == "EUR" and p.note == "brachytherapy" and p.active
    assert products.get_product(db, sup.actors["viewer"], p.id) == p
    assert _audit(db) == [("created", str(p.id), None)]


def test_six_day_product_sizes_shown_in_six_day_ci(db, sup) -> None:
    p = products.create_product(db, sup.actors["admin"], code="MO99-B2", name="Mo-99 bulk",
                                nuclide="Mo-99", form="liquid", calibration="six_day_ci",
                                sizes_bq=["100 6-day Ci", "1000 6-day Ci"])
    assert p.sizes_six_day_ci == (pytest.approx(100), pytest.approx(1000))
    assert p.sizes_bq[0] > 100 * 3.7e10  # at the end of processing: more than 6 days later


@pytest.mark.parametrize("kw,field", [
    ({"nuclide": "Xx-999"}, "nuclide"),
    ({"form": "gas"}, "form"),
    ({"nuclide": "I-131", "calibration": "six_day_ci"}, "calibration"),
    ({"sizes_bq": "0 GBq"}, "sizes_bq"),
    ({"sizes_bq": [float("inf")]}, "sizes_bq"),
    ({"unit_price": -1.0}, "unit_price"),
    ({"price_per_gbq": float("nan")}, "price_per_gbq"),
    ({"currency": "XYZW"}, "currency"),
    ({"shelf_life_s": 0.0}, "shelf_life_s"),
    ({"code": "bad code"}, "code"),
    ({"name": " "}, "name"),
])
def test_create_refused_writes_nothing(db, sup, kw, field) -> None:
    args = dict(code="NEW", name="New", nuclide="Mo-99", form="liquid")
    args.update(kw)
    before, audit_before = _count(db), _audit(db)
    with pytest.raises(InvalidInput) as e:
        products.create_product(db, sup.actors["supplier_sales"], **args)
    assert e.value.field == field
    assert _count(db) == before and _audit(db) == audit_before


def test_code_unique_per_org(db, sup) -> None:
    with pytest.raises(Conflict) as e:
        products.create_product(db, sup.actors["supplier_sales"], code="MO99-BULK", name="x",
                                nuclide="Mo-99", form="liquid")
    assert e.value.field == "code"
    other = make_supplier(db, name="Other Isotopes")
    for s in (sup, other):
        p = products.create_product(db, s.actors["supplier_sales"], code="NEW-1",
                                    name="x", nuclide="Mo-99", form="liquid")
        assert p.org_id == s.org_id


def test_update_with_reason_and_audit(db, sup) -> None:
    pid = sup.product_ids["TC-GEN-20"]
    sales = sup.actors["supplier_sales"]
    p = products.update_product(db, sales, pid, unit_price=950.0, sizes_bq="5 GBq, 40 GBq",
                                reason="price list 2027")
    assert p.unit_price == 950.0 and p.sizes_bq == (5 * GBQ, 40 * GBQ)
    assert _audit(db)[-1] == ("updated", str(pid), "price list 2027")
    n = len(_audit(db))
    assert products.update_product(db, sales, pid, unit_price=950.0, reason="same") == p
    assert len(_audit(db)) == n  # nothing changed, nothing audited
    with pytest.raises(InvalidInput) as e:
        products.update_product(db, sales, pid, code="X", reason="r")
    assert e.value.field == "code"
    with pytest.raises(InvalidInput) as e:
        products.update_product(db, sales, pid, unit_price=1.0, reason=" ")
    assert e.value.field == "reason"
    with pytest.raises(InvalidInput) as e:  # 6-day Ci stays Mo-99 only on the result
        products.update_product(db, sales, sup.product_ids["MO99-BULK"], nuclide="I-131",
                                reason="r")
    assert e.value.field == "calibration"
    assert products.get_product(db, sales, sup.product_ids["MO99-BULK"]).nuclide == "Mo-99"


def test_active_and_list(db, sup) -> None:
    sales = sup.actors["supplier_sales"]
    pid = sup.product_ids["MAA-KIT"]
    p = products.set_product_active(db, sales, pid, False, reason="discontinued")
    assert not p.active
    assert _audit(db)[-1] == ("deactivated", str(pid), "discontinued")
    codes = [x.code for x in products.list_products(db, sales, active_only=True)]
    assert "MAA-KIT" not in codes and len(codes) == 5
    assert len(products.list_products(db, sales)) == 6
    assert products.set_product_active(db, sales, pid, True, reason="back").active


def test_tenancy_and_roles(db, sup) -> None:
    other = make_supplier(db, name="Other Isotopes")
    pid = sup.product_ids["I131-SOL"]
    for call in (lambda a: products.get_product(db, a, pid),
                 lambda a: products.update_product(db, a, pid, unit_price=1.0, reason="r"),
                 lambda a: products.set_product_active(db, a, pid, False, reason="r")):
        with pytest.raises(NotFound):
            call(other.actors["admin"])
    assert {p.org_id for p in products.list_products(db, other.actors["viewer"])} == {
        other.org_id}
    before = _audit(db)
    for role in ("viewer", "supplier_production", "supplier_logistics"):
        with pytest.raises(Forbidden):
            products.create_product(db, sup.actors[role], code="Z", name="z",
                                    nuclide="Mo-99", form="liquid")
        with pytest.raises(Forbidden):
            products.update_product(db, sup.actors[role], pid, unit_price=1.0, reason="r")
    assert _audit(db) == before


def test_platform_admin_reads_all_but_creates_for_no_org(db, sup) -> None:
    from isoflow.domain.roles import Actor

    cli = Actor.command_line("tests")
    assert len(products.list_products(db, cli)) == 6
    before = _count(db)
    with pytest.raises(InvalidInput) as e:
        products.create_product(db, cli, code="Z", name="z", nuclide="Mo-99", form="liquid")
    assert e.value.field == "org_id" and _count(db) == before
