"""Kit preparation, RCP and signed release on SQLite and PostgreSQL: the kit's limits, the
eluate's expiry and the carrier rule refuse with nothing written; tenancy, roles, audit."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    LimitExceeded,
    NotFound,
    Unauthenticated,
)
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import kits, ledger
from isoflow.store.department_models import KitPreparation
from isoflow.store.models import AuditEntry, Container, Signature
from tests.department_world import MBQ, PASSWORD, make_department
from tests.dispensing_world import HOUR, eluate, kit, t0

TC99M_LAMBDA = math.log(2) / get_nuclide("Tc-99m").half_life_s


@pytest.fixture
def dep(db):
    return make_department(db)


def _counts(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(KitPreparation)),
                s.scalar(select(func.count()).select_from(Container)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def _prepare(db, dep, eluate_id, at, code="MDP", mbq=5000.0, ml=5.0, role="radiopharmacist"):
    return kits.prepare_kit(db, dep.actors[role], kit_id=dep.kit_ids[code], kit_lot="L-7",
                            eluate_container_id=eluate_id, prepared_at=at,
                            activity_bq=mbq * MBQ, volume_ml=ml)


def test_prepare_transfers_from_the_eluate_and_sets_expiry(db, dep) -> None:
    at = t0()
    e = eluate(db, dep, at - 2 * HOUR)
    p = _prepare(db, dep, e, at)
    assert p.status == "prepared" and p.kit_code == "MDP" and p.kit_lot == "L-7"
    # MDP: 8 h shelf life, the eluate expires 12 h after elution -> 8 h after labelling
    assert p.expires_at == at + 8 * HOUR
    vial = ledger.get_container(db, dep.actors["viewer"], p.vial_container_id, at=at)
    assert (vial.kind, vial.label) == ("vial", "MDP (medronate) L-7")
    assert vial.activity_bq == pytest.approx(5000 * MBQ)
    assert vial.source_container_id == e
    # the eluate: 20 GBq at elution, decayed 2 h, minus 5 GBq, 10 - 5 mL left
    left = ledger.get_container(db, dep.actors["viewer"], e, at=at)
    assert left.activity_bq == pytest.approx(20000 * MBQ * math.exp(-TC99M_LAMBDA * 7200)
                                             - 5000 * MBQ, rel=1e-9)
    assert left.volume_ml == pytest.approx(5.0)
    with db.read() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "kit_preparation")))
    assert actions == ["prepared"]


def test_kit_expires_with_its_eluate(db, dep) -> None:
    at = t0()
    e = eluate(db, dep, at - 10 * HOUR, mbq=40000)
    p = _prepare(db, dep, e, at)
    assert p.expires_at == at + 2 * HOUR  # eluate: 12 h after elution, before 8 h shelf life


@pytest.mark.parametrize(("code", "mbq", "ml", "age_h", "field"), [
    ("MDP", 12000, 5, 1, "activity_bq"),        # above 11100 MBq per vial
    ("MDP", 5000, 11, 1, "volume_ml"),          # above 10 mL
    ("MDP", 5000, 5, 13, "eluate_container_id"),  # the eluate expired (12 h)
    ("MAA", 500, 5, 3, "eluate_container_id"),  # MAA needs an eluate at most 2 h old
    ("HMPAO", 500, 5, 0.5, "eluate_container_id"),  # carrier-sensitive: no recorded elution
])
def test_refusals_name_the_field_and_write_nothing(db, dep, code, mbq, ml, age_h,
                                                   field) -> None:
    at = t0()
    e = eluate(db, dep, at - timedelta(hours=age_h), mbq=200000)
    before = _counts(db)
    with pytest.raises(InvalidInput) as err:
        _prepare(db, dep, e, at, code=code, mbq=mbq, ml=ml)
    assert err.value.field == field
    assert _counts(db) == before


def test_more_than_the_eluate_holds(db, dep) -> None:
    at = t0()
    e = eluate(db, dep, at, mbq=1000)
    before = _counts(db)
    with pytest.raises(LimitExceeded) as err:
        _prepare(db, dep, e, at, mbq=1001)
    assert err.value.field == "activity_bq"
    assert _counts(db) == before


def test_carrier_rule_with_elutions(db, dep) -> None:
    at = t0()
    ok = eluate(db, dep, at - timedelta(minutes=30), previous_at=at - 20 * HOUR)
    assert _prepare(db, dep, ok, at, code="HMPAO", mbq=1000).status == "prepared"
    stale = eluate(db, dep, at - timedelta(minutes=30), previous_at=at - 30 * HOUR)
    with pytest.raises(InvalidInput, match="within 24 h") as err:
        _prepare(db, dep, stale, at, code="HMPAO", mbq=1000)
    assert err.value.field == "eluate_container_id"
    old = eluate(db, dep, at - 3 * HOUR, previous_at=at - 10 * HOUR)
    with pytest.raises(InvalidInput, match="at most 2 h old"):
        _prepare(db, dep, old, at, code="HMPAO", mbq=1000)


def test_failed_breakthrough_and_use_until(db, dep) -> None:
    at = t0()
    bad = eluate(db, dep, at - HOUR, elution=True, breakthrough_passed=False)
    with pytest.raises(InvalidInput, match="breakthrough") as err:
        _prepare(db, dep, bad, at)
    assert err.value.field == "eluate_container_id"
    late = eluate(db, dep, at - HOUR, elution=True, use_until=at - timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="used until"):
        _prepare(db, dep, late, at)


def test_naive_time_roles_and_tenancy(db, dep) -> None:
    at = t0()
    e = eluate(db, dep, at)
    with pytest.raises(InvalidInput) as err:
        _prepare(db, dep, e, at.replace(tzinfo=None))
    assert err.value.field == "prepared_at"
    with pytest.raises(Forbidden):
        _prepare(db, dep, e, at, role="technologist")
    other = make_department(db, "Other Hospital", ae_titles=("OTH1",))
    with pytest.raises(NotFound):
        kits.prepare_kit(db, other.actors["radiopharmacist"], kit_id=other.kit_ids["MDP"],
                         kit_lot="X", eluate_container_id=e, prepared_at=at,
                         activity_bq=MBQ, volume_ml=1.0)
    p = _prepare(db, dep, e, at)
    with pytest.raises(NotFound):
        kits.get_kit_preparation(db, other.actors["viewer"], p.id)


def test_a_kit_vial_is_not_an_eluate(db, dep) -> None:
    at = t0()
    p = kit(db, dep, eluate(db, dep, at), at, release=False)
    with pytest.raises(InvalidInput, match="kit vial"):
        _prepare(db, dep, p.vial_container_id, at + HOUR, mbq=10)


def test_rcp_and_signed_release(db, dep) -> None:
    at = t0()
    rph = dep.actors["radiopharmacist"]
    p = kit(db, dep, eluate(db, dep, at), at, release=False)
    with pytest.raises(Conflict, match="RCP"):
        kits.release_kit(db, rph, p.id, password=PASSWORD)
    p = kits.record_rcp(db, rph, p.id, rcp_fraction=0.95, tested_at=at + HOUR / 6)
    assert p.rcp_passed is True and p.status == "prepared"
    with pytest.raises(Forbidden):
        kits.release_kit(db, dep.actors["technologist"], p.id, password=PASSWORD)
    with pytest.raises(Unauthenticated):
        kits.release_kit(db, rph, p.id, password="wrong")
    assert kits.get_kit_preparation(db, rph, p.id).status == "prepared"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Signature)) == 0
    p = kits.release_kit(db, rph, p.id, password=PASSWORD, comment="ok")
    assert p.status == "released" and p.released_by == dep.usernames["radiopharmacist"]
    with db.read() as s:
        sig = s.get(Signature, p.signature_id)
        assert (sig.meaning, sig.entity_type, sig.entity_id) == ("released", "container",
                                                                 p.vial_container_id)
    with pytest.raises(Conflict):
        kits.release_kit(db, rph, p.id, password=PASSWORD)


def test_failed_rcp_rejects(db, dep) -> None:
    at = t0()
    rph = dep.actors["radiopharmacist"]
    p = kit(db, dep, eluate(db, dep, at), at, release=False)
    with pytest.raises(InvalidInput):
        kits.record_rcp(db, rph, p.id, rcp_fraction=1.5, tested_at=at + HOUR)
    p = kits.record_rcp(db, rph, p.id, rcp_fraction=0.85, tested_at=at + HOUR)
    assert (p.rcp_passed, p.status) == (False, "rejected")
    with pytest.raises(Conflict):
        kits.release_kit(db, rph, p.id, password=PASSWORD)


def test_no_release_after_expiry(db, dep) -> None:
    at = t0() - 7 * HOUR  # HMPAO-like short life: DMSA lives 4 h
    rph = dep.actors["radiopharmacist"]
    p = kit(db, dep, eluate(db, dep, at), at, code="DMSA", mbq=500, release=False)
    p = kits.record_rcp(db, rph, p.id, rcp_fraction=0.99, tested_at=at + HOUR)
    assert p.expired
    with pytest.raises(Conflict, match="expired"):
        kits.release_kit(db, rph, p.id, password=PASSWORD)


def test_list_by_site_and_day(db, dep) -> None:
    at = t0()
    p = kit(db, dep, eluate(db, dep, at), at)
    views = kits.list_kit_preparations(db, dep.actors["viewer"], site_id=dep.site_id)
    assert [v.id for v in views] == [p.id]
    assert views[0].activity_now_bq < 5000 * MBQ
    from zoneinfo import ZoneInfo
    local_day = at.astimezone(ZoneInfo("Asia/Bishkek")).date()
    assert [v.id for v in kits.list_kit_preparations(db, dep.actors["viewer"],
                                                     site_id=dep.site_id, day=local_day)] == [p.id]
    assert kits.list_kit_preparations(db, dep.actors["viewer"], site_id=dep.site_id,
                                      day=local_day - timedelta(days=1)) == []
    assert [v.id for v in kits.usable_vials(db, dep.actors["viewer"], site_id=dep.site_id)] \
        == [p.id]
    assert isinstance(views[0].prepared_at, datetime)
