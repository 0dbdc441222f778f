"""Installed Co-60 sources at irradiation centres on SQLite and PostgreSQL: install and remove
(roles, tenancy, audit, nothing written on a refusal), the centre list and its detail with the
projection and the replenishment proposal computed independently here."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import irradiation
from isoflow.store.models import AuditEntry
from isoflow.store.supplier_models import InstalledSource
from tests.supplier_world import make_supplier

CI = 3.7e10
LAM = math.log(2) / get_nuclide("Co-60").half_life_s
T0 = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def sup(db):
    return make_supplier(db)


def _counts(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(InstalledSource)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def _install(db, sup, serial="P-1", bq=1.2e6 * CI, role="supplier_logistics", **kw):
    return irradiation.install_source(
        db, sup.actors[role], sup.customer_ids["UZ-IRRAD"], serial=serial, activity_bq=bq,
        reference_at=kw.pop("reference_at", T0), installed_at=kw.pop("installed_at", T0), **kw)


def test_install_list_and_detail(db, sup) -> None:
    a = _install(db, sup, "P-1", 0.8e6 * CI)
    b = _install(db, sup, "P-2", 0.4e6 * CI, role="supplier_sales",
                 reference_at=T0 + timedelta(days=100), installed_at=T0 + timedelta(days=90))
    assert a.nuclide == "Co-60" and b.serial == "P-2"
    centres = irradiation.list_centres(db, sup.actors["viewer"], at=NOW)
    assert [c.code for c in centres] == ["UZ-IRRAD"]
    c = centres[0]
    expected = (0.8e6 * CI * math.exp(-LAM * (NOW - T0).total_seconds())
                + 0.4e6 * CI * math.exp(-LAM * (NOW - T0 - timedelta(days=100))
                                        .total_seconds()))
    assert c.installed_now_bq == pytest.approx(expected, rel=1e-12)
    assert c.minimum_bq == 3.7e16 and c.sources_installed == 2
    # below the 1 MCi minimum when expected * exp(-LAM t) = 3.7e16
    t_below = NOW + timedelta(seconds=math.log(expected / 3.7e16) / LAM)
    assert c.below_at is not None
    assert abs((c.below_at - t_below).total_seconds()) < 1
    p = c.proposal
    assert p is not None and p.lead_months == 18
    assert p.order_by.year * 12 + p.order_by.month + 18 == t_below.year * 12 + t_below.month
    assert p.add_bq == pytest.approx(3.7e16 * 0.1, rel=1e-6)
    assert p.annual_decay_fraction == pytest.approx(0.1232, abs=5e-5)
    assert p.due == (p.order_by <= NOW)

    d = irradiation.centre_detail(db, sup.actors["viewer"], c.customer_id, years=3, at=NOW)
    assert len(d.projection) == 37 and d.projection[0].at == NOW
    assert d.projection[0].activity_bq == pytest.approx(expected, rel=1e-12)
    assert d.projection[12].activity_bq == pytest.approx(
        expected * math.exp(-LAM * (d.projection[12].at - NOW).total_seconds()), rel=1e-12)
    assert [x.serial for x in d.sources] == ["P-1", "P-2"]


def test_remove_source(db, sup) -> None:
    a = _install(db, sup, "P-1")
    removed_at = T0 + timedelta(days=365)
    _, audits = _counts(db)
    v = irradiation.remove_source(db, sup.actors["supplier_logistics"], a.id, at=removed_at,
                                  reason="returned for recycling")
    assert v.removed_at == removed_at and not v.installed_now
    assert _counts(db)[1] == audits + 1
    with db.read() as s:
        e = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert e.entity_type == "installed_source" and e.reason == "returned for recycling"
    c = irradiation.list_centres(db, sup.actors["viewer"], at=NOW)[0]
    assert c.installed_now_bq == 0 and c.below_at == NOW and c.proposal.due
    assert c.proposal.add_bq == pytest.approx(3.7e16 * 1.1)
    with pytest.raises(Conflict):
        irradiation.remove_source(db, sup.actors["admin"], a.id, at=NOW, reason="again")


def test_bad_input_writes_nothing(db, sup) -> None:
    a = _install(db, sup, "P-1")
    before = _counts(db)
    cases = [
        (dict(serial="P-1"), Conflict, "serial"),
        (dict(serial="P-9", bq=0.0), InvalidInput, "activity_bq"),
        (dict(serial="P-9", bq=float("nan")), InvalidInput, "activity_bq"),
        (dict(serial="P-9", nuclide="Cs-137"), InvalidInput, "nuclide"),
        (dict(serial="P-9", installed_at=datetime(2025, 1, 1)), InvalidInput, "installed_at"),
        (dict(serial="P-9", reference_at=datetime(2300, 1, 1, tzinfo=UTC)), InvalidInput,
         "reference_at"),
        (dict(serial=" "), InvalidInput, "serial"),
    ]
    for kw, error, field in cases:
        with pytest.raises(error) as e:
            _install(db, sup, **kw)
        assert e.value.field == field, kw
    with pytest.raises(InvalidInput) as e:  # a hospital is not an irradiation centre
        irradiation.install_source(db, sup.actors["admin"], sup.customer_ids["CU-HAVANA"],
                                   serial="X", activity_bq=1e12, reference_at=T0,
                                   installed_at=T0)
    assert e.value.field == "customer_id"
    with pytest.raises(InvalidInput) as e:
        irradiation.remove_source(db, sup.actors["admin"], a.id, at=T0, reason="too early")
    assert e.value.field == "at"
    with pytest.raises(InvalidInput) as e:
        irradiation.remove_source(db, sup.actors["admin"], a.id, at=NOW, reason="  ")
    assert e.value.field == "reason"
    with pytest.raises(InvalidInput) as e:
        irradiation.centre_detail(db, sup.actors["admin"], sup.customer_ids["UZ-IRRAD"],
                                  years=0)
    assert e.value.field == "years"
    with pytest.raises(NotFound):
        irradiation.centre_detail(db, sup.actors["admin"], sup.customer_ids["CU-HAVANA"])
    assert _counts(db) == before


def test_roles_and_tenancy(db, sup) -> None:
    a = _install(db, sup, "P-1")
    before = _counts(db)
    for role in ("viewer", "supplier_production"):
        with pytest.raises(Forbidden):
            _install(db, sup, "P-2", role=role)
        with pytest.raises(Forbidden):
            irradiation.remove_source(db, sup.actors[role], a.id, at=NOW, reason="x")
    other = make_supplier(db, name="Other Isotopes")
    before = _counts(db)
    with pytest.raises(NotFound):
        irradiation.install_source(db, other.actors["admin"], sup.customer_ids["UZ-IRRAD"],
                                   serial="P-2", activity_bq=1e12, reference_at=T0,
                                   installed_at=T0)
    with pytest.raises(NotFound):
        irradiation.remove_source(db, other.actors["admin"], a.id, at=NOW, reason="x")
    with pytest.raises(NotFound):
        irradiation.centre_detail(db, other.actors["viewer"], sup.customer_ids["UZ-IRRAD"])
    assert _counts(db) == before
    mine = irradiation.list_centres(db, other.actors["viewer"], at=NOW)
    assert [c.customer_id for c in mine] == [other.customer_ids["UZ-IRRAD"]]
    assert mine[0].installed_now_bq == 0
