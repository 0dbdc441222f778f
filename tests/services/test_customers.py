"""Customers, their licences and routes on SQLite and PostgreSQL: create/update audited,
paging and search with counts, details, licence rules (the orders' licence_problem: within,
above, expired, missing, not yet valid, the customer's calendar day, naive times), tenancy 404,
roles 403, nothing written on a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.services import customers
from isoflow.services.customers import licence_problem
from isoflow.store.models import AuditEntry
from isoflow.store.supplier_models import Customer, CustomerLicence, DeliveryRoute
from tests.supplier_world import GBQ, make_supplier

TBQ = 1e12


@pytest.fixture
def sup(db):
    return make_supplier(db)


def _rows(db):
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Customer, CustomerLicence, DeliveryRoute, AuditEntry))


def _audit(db, entity):
    with db.read() as s:
        return [(e.action, e.reason) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == entity).order_by(AuditEntry.seq))]


def _new(db, actor, **kw):
    args = dict(code="CN-BEIJING", name="Peking Union Hospital", country="CN",
                timezone="Asia/Shanghai", kind="hospital")
    args.update(kw)
    return customers.create_customer(db, actor, **args)


def test_create_update_audited(db, sup) -> None:
    c = _new(db, sup.actors["supplier_sales"], country="cn", priority=2, contact=" Dr Li ")
    assert (c.country, c.priority, c.contact, c.active) == ("CN", 2, "Dr Li", True)
    c2 = customers.update_customer(db, sup.actors["admin"], c.id, priority=1, name="PUMCH",
                                   reason="contract signed")
    assert (c2.priority, c2.name, c2.code) == (1, "PUMCH", "CN-BEIJING")
    assert _audit(db, "customer") == [("created", None), ("updated", "contract signed")]
    with pytest.raises(Conflict):
        _new(db, sup.actors["supplier_sales"])
    with pytest.raises(InvalidInput) as e:
        customers.update_customer(db, sup.actors["admin"], c.id, code="X", reason="r")
    assert e.value.field == "code"


@pytest.mark.parametrize("kw,field", [
    ({"country": "XX"}, "country"), ({"country": "EU"}, "country"),
    ({"timezone": "Mars/Olympus"}, "timezone"), ({"kind": "pharmacy"}, "kind"),
    ({"priority": 0}, "priority"), ({"code": "a b"}, "code"), ({"name": ""}, "name"),
    ({"min_installed_bq": 1e15}, "min_installed_bq"),  # a hospital has no minimum
    ({"kind": "irradiation_centre", "min_installed_bq": float("nan")}, "min_installed_bq"),
])
def test_create_refused_writes_nothing(db, sup, kw, field) -> None:
    before = _rows(db)
    with pytest.raises(InvalidInput) as e:
        _new(db, sup.actors["supplier_sales"], **kw)
    assert e.value.field == field and _rows(db) == before


def test_list_paging_search_counts(db, sup) -> None:
    sales = sup.actors["supplier_sales"]
    for i in range(30):
        _new(db, sales, code=f"CN-{i:03d}", name=f"Hospital {i} of China")
    page = customers.list_customers(db, sales, limit=10, offset=0)
    assert page.total == 35 and len(page.items) == 10
    assert page.by_country[0] == ("CN", 30) and ("CU", 1) in page.by_country
    codes = [c.code for c in page.items]
    assert codes == sorted(codes)
    rest = customers.list_customers(db, sales, limit=10, offset=30)
    assert len(rest.items) == 5 and not set(codes) & {c.code for c in rest.items}
    found = customers.list_customers(db, sales, search="hospital 1")
    assert {c.code for c in found.items} == {"CN-001"} | {f"CN-{i:03d}" for i in range(10, 20)}
    assert customers.list_customers(db, sales, search="minsk").items[0].code == "BY-MINSK"
    assert customers.list_customers(db, sales, search="100%").total == 0
    by_kind = customers.list_customers(db, sales, kind="irradiation_centre")
    assert [c.code for c in by_kind.items] == ["UZ-IRRAD"]
    assert dict(by_kind.by_kind)["hospital"] == 33
    cu = customers.list_customers(db, sales, country="cu")
    assert [c.code for c in cu.items] == ["CU-HAVANA"] and cu.total == 1
    for kw, field in (({"limit": 0}, "limit"), ({"limit": 201}, "limit"),
                      ({"offset": -1}, "offset"), ({"country": "ZZ"}, "country"),
                      ({"kind": "x"}, "kind")):
        with pytest.raises(InvalidInput) as e:
            customers.list_customers(db, sales, **kw)
        assert e.value.field == field
    # any script in any case, on SQLite as on PostgreSQL
    _new(db, sales, code="RU-OBNINSK", name="Обнинская клиника МРНЦ", country="RU",
         timezone="Europe/Moscow")
    for needle in ("обнинская", "ОБНИНСКАЯ", "мрнц", "Клиника"):
        assert [c.code for c in customers.list_customers(db, sales, search=needle).items] \
            == ["RU-OBNINSK"], needle


def test_detail_with_licences_routes_sources(db, sup) -> None:
    d = customers.get_customer(db, sup.actors["viewer"], sup.customer_ids["CU-HAVANA"])
    assert d.customer.code == "CU-HAVANA"
    assert {x.nuclide for x in d.licences} == {"Mo-99", "I-131"}
    assert [r.name for r in d.routes] == ["Air via Madrid"] and d.installed_sources == 0


def test_licence_add_end_audited(db, sup) -> None:
    sales = sup.actors["supplier_sales"]
    cid = sup.customer_ids["KZ-ALMATY"]
    x = customers.add_licence(db, sales, cid, number="KZ-77", nuclide="131I", limit_bq=50 * GBQ,
                              valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    assert x.nuclide == "I-131" and x.limit_bq == 50 * GBQ
    with pytest.raises(Conflict):
        customers.add_licence(db, sales, cid, number="KZ-77", nuclide="I-131", limit_bq=1.0,
                              valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    y = customers.end_licence(db, sales, x.id, valid_to=date(2026, 6, 30), reason="revoked")
    assert y.valid_to == date(2026, 6, 30)
    with pytest.raises(Conflict):  # never extended
        customers.end_licence(db, sales, x.id, valid_to=date(2027, 1, 1), reason="r")
    with pytest.raises(InvalidInput) as e:
        customers.end_licence(db, sales, x.id, valid_to=date(2025, 1, 1), reason="r")
    assert e.value.field == "valid_to"
    with pytest.raises(InvalidInput) as e:
        customers.end_licence(db, sales, x.id, valid_to=date(2026, 5, 1), reason="")
    assert e.value.field == "reason"
    assert _audit(db, "customer_licence") == [("created", None), ("ended", "revoked")]


@pytest.mark.parametrize("kw,field", [
    ({"limit_bq": 0.0}, "limit_bq"), ({"limit_bq": float("inf")}, "limit_bq"),
    ({"nuclide": "Zz-1"}, "nuclide"), ({"number": ""}, "number"),
    ({"valid_to": date(2025, 12, 31)}, "valid_to"),
])
def test_licence_refused_writes_nothing(db, sup, kw, field) -> None:
    args = dict(number="N-1", nuclide="Mo-99", limit_bq=1e12, valid_from=date(2026, 1, 1),
                valid_to=date(2026, 12, 31))
    args.update(kw)
    before = _rows(db)
    with pytest.raises(InvalidInput) as e:
        customers.add_licence(db, sup.actors["supplier_sales"], sup.customer_ids["KZ-ALMATY"],
                              **args)
    assert e.value.field == field and _rows(db) == before


def test_routes(db, sup) -> None:
    sales = sup.actors["supplier_sales"]
    cid = sup.customer_ids["BY-MINSK"]
    r = customers.add_route(db, sales, cid, name="Air via Moscow", mode="air",
                            transit_s=6 * 3600.0)
    assert r.active and r.mode == "air"
    assert not customers.set_route_active(db, sales, r.id, False, reason="no flights").active
    assert _audit(db, "delivery_route") == [("created", None), ("deactivated", "no flights")]
    before = _rows(db)
    for kw, field in (({"transit_s": 0.0}, "transit_s"), ({"transit_s": 31 * 86400.0},
                      "transit_s"), ({"mode": "sea"}, "mode"), ({"name": ""}, "name")):
        args = dict(name="R", mode="road", transit_s=3600.0)
        args.update(kw)
        with pytest.raises(InvalidInput) as e:
            customers.add_route(db, sales, cid, **args)
        assert e.value.field == field
    assert _rows(db) == before


# ---- licence_problem (the orders slice calls it in its transaction) -------------------------
def _problem(db, sup, code, nuclide, bq, at):
    with db.read() as s:
        return licence_problem(s, sup.customer_ids[code], nuclide, bq, at)


@pytest.fixture
def cuba(db, sup):
    """Havana's Mo-99 licence CU-1: 2 TBq, 2026-01-01 to 2026-03-31 (its only one)."""
    with db.write() as s:
        s.query(CustomerLicence).filter(CustomerLicence.customer_id ==
                                        sup.customer_ids["CU-HAVANA"],
                                        CustomerLicence.nuclide == "Mo-99").delete()
    customers.add_licence(db, sup.actors["supplier_sales"], sup.customer_ids["CU-HAVANA"],
                          number="CU-1", nuclide="Mo-99", limit_bq=2 * TBQ,
                          valid_from=date(2026, 1, 1), valid_to=date(2026, 3, 31))
    return sup


def test_licence_problem_within_and_above(db, cuba) -> None:
    at = datetime(2026, 2, 10, 12, tzinfo=UTC)
    assert _problem(db, cuba, "CU-HAVANA", "Mo-99", 2 * TBQ, at) is None
    assert _problem(db, cuba, "CU-HAVANA", "99Mo", 1.5 * TBQ, at) is None
    why = _problem(db, cuba, "CU-HAVANA", "Mo-99", 2.4 * TBQ, at)
    assert why is not None and "CU-1" in why and "2 TBq" in why and "2.4 TBq" in why


def test_licence_problem_expired_not_yet_missing(db, cuba) -> None:
    why = _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0, datetime(2026, 4, 2, tzinfo=UTC))
    assert why is not None and "CU-1" in why and "expired on 2026-03-31" in why
    why = _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0, datetime(2025, 12, 1, tzinfo=UTC))
    assert why is not None and "from 2026-01-01" in why
    why = _problem(db, cuba, "CU-HAVANA", "I-125", 1.0, datetime(2026, 2, 1, tzinfo=UTC))
    assert why is not None and "no licence for I-125" in why


def test_licence_problem_uses_the_customers_calendar(db, cuba) -> None:
    # 03:00 UTC on 1 April is still 31 March in Havana (UTC-4): valid; 05:00 UTC is 1 April
    assert _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0,
                    datetime(2026, 4, 1, 3, tzinfo=UTC)) is None
    assert _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0,
                    datetime(2026, 4, 1, 5, tzinfo=UTC)) is not None
    with pytest.raises(InvalidInput) as e:
        _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0, datetime(2026, 2, 1))
    assert e.value.field == "at"
    with pytest.raises(InvalidInput):
        _problem(db, cuba, "CU-HAVANA", "Mo-99", float("nan"), datetime(2026, 2, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput) as e:  # Havana is behind UTC: the first instant overflows
        _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0, datetime.min.replace(tzinfo=UTC))
    assert e.value.field == "at"


def test_licence_problem_after_end_licence(db, cuba) -> None:
    d = customers.get_customer(db, cuba.actors["viewer"], cuba.customer_ids["CU-HAVANA"])
    lic = next(x for x in d.licences if x.number == "CU-1")
    at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0, at) is None
    customers.end_licence(db, cuba.actors["supplier_sales"], lic.id,
                          valid_to=at.date() - timedelta(days=1), reason="suspended")
    assert "expired on 2026-03-09" in _problem(db, cuba, "CU-HAVANA", "Mo-99", 1.0, at)


def test_tenancy_and_roles(db, sup) -> None:
    other = make_supplier(db, name="Other Isotopes")
    cid = sup.customer_ids["CU-HAVANA"]
    lic = customers.get_customer(db, sup.actors["viewer"], cid).licences[0].id
    route = sup.route_ids["CU-HAVANA"]
    o = other.actors["admin"]
    calls = (lambda a: customers.get_customer(db, a, cid),
             lambda a: customers.update_customer(db, a, cid, priority=2, reason="r"),
             lambda a: customers.add_licence(db, a, cid, number="X", nuclide="Mo-99",
                                             limit_bq=1.0, valid_from=date(2026, 1, 1),
                                             valid_to=date(2026, 2, 1)),
             lambda a: customers.end_licence(db, a, lic, valid_to=date(2026, 1, 1),
                                             reason="r"),
             lambda a: customers.add_route(db, a, cid, name="R", mode="road", transit_s=60.0),
             lambda a: customers.set_route_active(db, a, route, False, reason="r"))
    before = _rows(db)
    for call in calls:
        with pytest.raises(NotFound):
            call(o)
    assert customers.list_customers(db, other.actors["viewer"]).total == 5
    assert {c.org_id for c in customers.list_customers(db, o).items} == {other.org_id}
    for role in ("viewer", "supplier_production", "supplier_logistics"):
        for call in calls[1:]:
            with pytest.raises(Forbidden):
                call(sup.actors[role])
        with pytest.raises(Forbidden):
            _new(db, sup.actors[role])
    assert _rows(db) == before
