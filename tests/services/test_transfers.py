"""A transfer is one pair of events (the source's withdrawal, the new container's receipt):
voiding or correcting it changes both sides in one transaction, or is refused while the new
container has records of its own; voiding a plain withdrawal may not push a site over its
licence (issue #13 item 1). On SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from isoflow.errors import Conflict, InvalidInput, LimitExceeded
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit, ledger, ledger_views, licences
from isoflow.store.models import LedgerEvent
from tests.conftest import T0, make_tenant

H = timedelta(hours=1)
LAM = get_nuclide("Mo-99").decay_constant_per_s


def _decayed(a: float, hours: float) -> float:
    return a * math.exp(-LAM * hours * 3600)


def _site(db, licence_bq: float = 100e9):  # type: ignore[no-untyped-def]
    t = make_tenant(db, "H", licence_bq=None)
    licences.add_limit(db, t.admin, site_id=t.site_id, nuclide=None, limit_bq=licence_bq,
                       valid_from=T0 - 24 * H, reference="L-100")
    return t


def _vial(db, t, activity: float = 90e9, at=T0):  # type: ignore[no-untyped-def]
    return ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="vial",
                          nuclide="Mo-99", activity_bq=activity, reference_at=at,
                          received_at=at, volume_ml=10.0)


def _held(db, t, at) -> float:  # type: ignore[no-untyped-def]
    return ledger.site_possession(db, t.radiopharmacist, t.site_id, at).get("Mo-99", 0.0)


def _transfer(db, t, vial, at, activity: float = 30e9):  # type: ignore[no-untyped-def]
    return ledger.withdraw(db, t.radiopharmacist, vial.id, at=at, activity_bq=activity,
                           into_kind="syringe", into_label="patient 7")


def test_voiding_a_transfer_voids_the_new_containers_receipt_too(db) -> None:
    t = _site(db)
    vial = _vial(db, t)
    w = _transfer(db, t, vial, T0 + H)
    syringe_id = w.counterpart_container_id
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, void=True,
                   reason="drawn into the wrong syringe")
    at = T0 + 2 * H
    source = ledger.get_container(db, t.radiopharmacist, vial.id, at)
    syringe = ledger.get_container(db, t.radiopharmacist, syringe_id, at)
    assert source.activity_bq == pytest.approx(_decayed(90e9, 2), rel=1e-12)
    assert syringe.activity_bq == 0.0 and syringe.voided and syringe.volume_ml == 0.0
    assert _held(db, t, at) == pytest.approx(_decayed(90e9, 2), rel=1e-12)
    # the syringe's receipt was voided by a correction that points back to the source
    events = ledger.list_events(db, t.radiopharmacist, syringe_id)
    assert [e.kind for e in events] == ["receipt", "correction"]
    assert events[1].void and events[1].corrects_event_id == events[0].id
    assert events[1].counterpart_container_id == vial.id
    assert events[1].reason == "drawn into the wrong syringe"
    entries = audit.list_entries(db, t.admin, entity_type="ledger_event",
                                 entity_id=str(events[1].id))
    assert entries[0].action == "corrected" and entries[0].new["void"] is True
    assert entries[0].old["activity_bq"] == pytest.approx(30e9)
    # a voided syringe takes no further record
    with pytest.raises(Conflict, match="voided"):
        ledger.withdraw(db, t.radiopharmacist, syringe_id, at=at, activity_bq=1.0)
    with pytest.raises(Conflict, match="voided"):
        ledger.measure(db, t.radiopharmacist, syringe_id, activity_bq=0.0, at=at)
    # and its page shows it empty throughout
    detail = ledger_views.container_detail(db, t.radiopharmacist, syringe_id, at=at)
    assert detail.container.voided and set(detail.curve.activities_bq) == {0.0}


def test_repeated_transfer_and_void_never_creates_activity(db) -> None:
    """The issue's attack: transfer, void, repeat; the site went from 93.7 to 262.6 GBq on a
    100 GBq licence."""
    t = _site(db)
    vial = _vial(db, t, 93.7e9)
    for k in range(1, 6):
        at = T0 + k * H
        w = _transfer(db, t, vial, at, activity=0.9 * ledger.get_container(
            db, t.radiopharmacist, vial.id, at).activity_bq)
        ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, void=True, reason="x")
        assert _held(db, t, at) == pytest.approx(_decayed(93.7e9, k), rel=1e-9)
    assert _held(db, t, T0 + 6 * H) <= 100e9


def test_a_transfer_whose_container_has_records_of_its_own_is_not_voided(db) -> None:
    t = _site(db)
    vial = _vial(db, t)
    w = _transfer(db, t, vial, T0 + H)
    syringe_id = w.counterpart_container_id
    m = ledger.measure(db, t.radiopharmacist, syringe_id, activity_bq=30.1e9,
                       at=T0 + H + timedelta(minutes=1))
    with db.read() as s:
        n_events = len(list(s.scalars(select(LedgerEvent.id))))
    for values in ({"void": True}, {"activity_bq": 20e9}):
        with pytest.raises(Conflict) as e:
            ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, reason="x",
                           **values)
        assert f"container {syringe_id}" in e.value.message
        assert e.value.details["child_container_id"] == syringe_id
    with db.read() as s:  # nothing was appended on either side
        assert len(list(s.scalars(select(LedgerEvent.id)))) == n_events
    # once its own record is voided, the transfer may be voided
    ledger.correct(db, t.radiopharmacist, syringe_id, event_id=m.id, void=True,
                   reason="measured the wrong syringe")
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, void=True, reason="x")
    assert ledger.get_container(db, t.radiopharmacist, syringe_id, T0 + 2 * H).voided


def test_correcting_a_transfer_corrects_both_sides(db) -> None:
    t = _site(db)
    vial = _vial(db, t)
    w = _transfer(db, t, vial, T0 + H)
    syringe_id = w.counterpart_container_id
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, activity_bq=20e9,
                   volume_ml=2.0, reason="calibrator said 20 GBq")
    at = T0 + 3 * H
    syringe = ledger.get_container(db, t.radiopharmacist, syringe_id, at)
    assert syringe.activity_bq == pytest.approx(_decayed(20e9, 2), rel=1e-12)
    assert syringe.volume_ml == pytest.approx(2.0) and syringe.reference_activity_bq == 20e9
    source = ledger.get_container(db, t.radiopharmacist, vial.id, at)
    assert source.activity_bq + syringe.activity_bq == pytest.approx(_decayed(90e9, 3))
    assert source.volume_ml == pytest.approx(8.0)
    # a correction of the correction, and then a void, still keep the pair together
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, activity_bq=25e9,
                   reason="again")
    assert ledger.get_container(db, t.radiopharmacist, syringe_id, at).activity_bq == \
        pytest.approx(_decayed(25e9, 2), rel=1e-12)
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, void=True, reason="no")
    assert ledger.get_container(db, t.radiopharmacist, syringe_id, at).activity_bq == 0.0
    # restoring the withdrawal restores the syringe
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, activity_bq=10e9,
                   reason="it did happen, 10 GBq")
    syringe = ledger.get_container(db, t.radiopharmacist, syringe_id, at)
    assert not syringe.voided
    assert syringe.activity_bq == pytest.approx(_decayed(10e9, 2), rel=1e-12)
    assert _held(db, t, at) == pytest.approx(_decayed(90e9, 3), rel=1e-12)


def test_a_transfers_time_and_its_receipt_are_not_corrected_alone(db) -> None:
    t = _site(db)
    vial = _vial(db, t)
    w = _transfer(db, t, vial, T0 + H)
    syringe_id = w.counterpart_container_id
    with pytest.raises(InvalidInput) as e:
        ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, at=T0 + 2 * H,
                       reason="later")
    assert e.value.field == "at" and f"container {syringe_id}" in e.value.message
    receipt = ledger.list_events(db, t.radiopharmacist, syringe_id)[0]
    for values in ({"activity_bq": 1e9}, {"volume_ml": 0.5}):
        with pytest.raises(Conflict) as c:
            ledger.correct(db, t.radiopharmacist, syringe_id, event_id=receipt.id,
                           reason="x", **values)
        assert f"container {vial.id}" in c.value.message
        assert c.value.details["source_event_id"] == w.id


def test_voiding_a_plain_withdrawal_may_not_exceed_the_licence(db) -> None:
    t = _site(db)
    vial = _vial(db, t, 90e9)
    w = ledger.withdraw(db, t.radiopharmacist, vial.id, at=T0 + H, activity_bq=50e9)
    _vial(db, t, 50e9, at=T0 + 2 * H)  # fits: ~88.9 - 50 + 50 GBq
    with pytest.raises(LimitExceeded) as e:
        ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, void=True,
                       reason="never administered")
    assert "L-100" in e.value.message and e.value.field == "void"
    with pytest.raises(LimitExceeded):
        ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, activity_bq=10e9,
                       reason="it was 10 GBq")
    ledger.correct(db, t.radiopharmacist, vial.id, event_id=w.id, activity_bq=45e9,
                   reason="it was 45 GBq")  # still under the limit
    assert _held(db, t, T0 + 2 * H) <= 100e9
