"""Shipments: the activity at dispatch (allocated, or decayed back from calibration), the
package type refused below the contents with nothing written, conveyance TI sums, dispatch and
tracking in order, the activity on arrival, cancellation, tenancy, roles, the cold kit."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import clock, shipments
from isoflow.store.models import AuditEntry as AuditRecord
from isoflow.store.supplier_models import Order, Shipment, ShipmentEvent
from tests.shipment_world import make_order, t_now
from tests.supplier_world import GBQ, make_supplier

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _mo99_back(bq: float, dt: timedelta) -> float:
    return bq * 2 ** (dt.total_seconds() / get_nuclide("Mo-99").half_life_s)


def _counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Shipment)) or 0,
                s.scalar(select(func.count()).select_from(ShipmentEvent)) or 0,
                s.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def _prepare(db, actor, order, **kw):  # type: ignore[no-untyped-def]
    args = {"mode": "air-cargo", "package_type": "Type A", "surface_usv_h": 50.0,
            "at_1m_usv_h": 2.0, **kw}
    return shipments.prepare_shipment(db, actor, order, **args)


def test_activity_at_dispatch_decayed_back_or_allocated(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    t = t_now() + 2 * DAY
    decayed = make_order(db, sup, "MO99-BULK", "CU-HAVANA", gbq=100, dispatch_at=t,
                         calibration_at=t + 2 * DAY)
    v = _prepare(db, log, decayed)
    assert v.activity_bq == pytest.approx(_mo99_back(100 * GBQ, 2 * DAY), rel=1e-9)
    assert v.activity_bq / (100 * GBQ) == pytest.approx(1.656, abs=2e-3)  # +65.6 % (reference)
    assert (v.status, v.nuclide, v.form, v.special_form) == ("prepared", "Mo-99", "liquid",
                                                             False)
    assert v.un_number == "UN2915" and v.dispatched_at == t
    assert v.sum_of_fractions == pytest.approx(v.activity_bq / 0.6e12)
    allocated = make_order(db, sup, "MO99-BULK", "BR-SAOPAULO", gbq=100, quantity=3,
                           dispatch_at=t, calibration_at=t + 2 * DAY, allocated_gbq=80)
    w = _prepare(db, log, allocated)
    assert w.activity_bq == pytest.approx(80 * GBQ)
    # dispatched an hour after the order's dispatch: the allocated activity decays to it
    later = _prepare(db, log, make_order(db, sup, "MO99-BULK", "BR-SAOPAULO", gbq=100,
                                         dispatch_at=t, allocated_gbq=80),
                     dispatch_at=t + HOUR)
    assert later.activity_bq == pytest.approx(_mo99_back(80 * GBQ, -HOUR), rel=1e-9)
    with db.read() as s:
        assert s.get(Order, allocated).status == "allocated"  # shipped only at dispatch
    assert [e.kind for e in shipments.get_shipment(db, log, v.id).events] == ["prepared"]


def test_a_generator_shipped_a_day_early_needs_type_b_nothing_written(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    cal = t_now() + 3 * DAY
    # 500 GBq Mo-99 at calibration is Type A (A2 0.6 TBq); a day before it is +28.7 %
    on_day = make_order(db, sup, "TC-GEN-20", "BY-MINSK", gbq=500, dispatch_at=cal,
                        calibration_at=cal)
    early = make_order(db, sup, "TC-GEN-20", "BY-MINSK", gbq=500, dispatch_at=cal - DAY,
                       calibration_at=cal)
    assert _prepare(db, log, on_day, mode="road").package_type == "Type A"
    before = _counts(db)
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, early, mode="road")
    assert exc.value.field == "package_type" and "Type B(U)" in exc.value.message
    assert _counts(db) == before
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, early, mode="road", package_type="excepted")
    assert exc.value.field == "package_type"
    v = _prepare(db, log, early, mode="road", package_type="Type B(U)")
    assert (v.package_type, v.needed_package, v.un_number) == ("Type B(U)", "Type B(U)",
                                                              "UN2916")
    assert v.form == "solid" and v.sum_of_fractions > 1


def test_special_form_and_the_cold_kit(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    t = t_now() + DAY
    co = _prepare(db, log, make_order(db, sup, "CO60-PENCIL", "UZ-IRRAD", gbq=300,
                                      dispatch_at=t), mode="road")
    assert (co.form, co.special_form, co.un_number) == ("solid", True, "UN3332")
    kit = make_order(db, sup, "MAA-KIT", "BY-MINSK", gbq=1, dispatch_at=t)
    before = _counts(db)
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, kit)
    assert "nothing radioactive to classify" in exc.value.message
    assert _counts(db) == before


def test_conveyance_transport_index_limits(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    t = t_now() + 2 * DAY

    def order(when=t):  # type: ignore[no-untyped-def]
        return make_order(db, sup, "I131-SOL", "BY-MINSK", gbq=10, dispatch_at=when)

    # 200 µSv/h at 1 m: TI 20; a road conveyance takes Σ TI ≤ 50
    first = _prepare(db, log, order(), mode="road", surface_usv_h=1500, at_1m_usv_h=200)
    assert (first.transport_index, first.label) == (20.0, "III-YELLOW (exclusive use)")
    _prepare(db, log, order(), mode="road", surface_usv_h=1500, at_1m_usv_h=200)
    third = order()
    before = _counts(db)
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, third, mode="road", surface_usv_h=1500, at_1m_usv_h=200)
    assert exc.value.field == "transport_index" and "60" in exc.value.message
    assert _counts(db) == before
    assert _prepare(db, log, third, mode="road", surface_usv_h=100,
                    at_1m_usv_h=100).transport_index == 10.0  # Σ 50: at the limit
    # another day is another conveyance
    _prepare(db, log, order(t + 2 * DAY), mode="road", surface_usv_h=1500, at_1m_usv_h=200)
    # passenger aircraft: each package TI ≤ 3; exclusive use never by air
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, order(), mode="air-passenger", surface_usv_h=400, at_1m_usv_h=31)
    assert exc.value.field == "transport_index"
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, order(), mode="air-cargo", surface_usv_h=1500, at_1m_usv_h=120)
    assert exc.value.field == "mode"
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, log, order(), mode="road", surface_usv_h=10_001, at_1m_usv_h=1)
    assert exc.value.field == "surface_usv_h"
    sums = shipments.day_transport_indexes(db, log, at=t)
    assert sums["road"] == pytest.approx(50.0) and sums["air-cargo"] == 0.0


def test_each_site_has_its_own_conveyances_and_is_the_consignor(db) -> None:  # type: ignore[no-untyped-def]
    """A second dispatch site: its packages fill its own conveyance of the day, it is the
    consignor on their declaration; a site of another organisation is refused, nothing
    written."""
    from isoflow.services import organisations

    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    second = organisations.create_site(db, sup.actors["admin"], org_id=None,
                                       name="Dimitrovgrad dispatch", timezone="Europe/Samara",
                                       jurisdiction="RU")
    t = t_now() + 2 * DAY

    def order():  # type: ignore[no-untyped-def]
        return make_order(db, sup, "I131-SOL", "BY-MINSK", gbq=10, dispatch_at=t)

    for _ in range(2):  # TI 40 of the road conveyance's 50 at the first site
        first = _prepare(db, log, order(), mode="road", surface_usv_h=1500, at_1m_usv_h=200)
    assert first.site_id == sup.site_id and first.site_id != second.id
    there = _prepare(db, log, order(), mode="road", surface_usv_h=1500, at_1m_usv_h=200,
                     site_id=second.id)  # TI 20 more: the other site's lorry
    assert (there.site_id, there.site_name, there.site_timezone) == (
        second.id, "Dimitrovgrad dispatch", "Europe/Samara")
    assert shipments.day_transport_indexes(db, log, at=t)["road"] == pytest.approx(40.0)
    assert shipments.day_transport_indexes(db, log, at=t, site_id=second.id)["road"] == \
        pytest.approx(20.0)
    d = shipments.declaration(db, log, there.id)
    assert "Dimitrovgrad dispatch" in str(d.consignor)
    # the site's 24-hour emergency contact is on its declarations (a call's own wins)
    organisations.update_site(db, sup.actors["admin"], second.id,
                              emergency_contact="  +7 8422 00 00 00, duty RSO ",
                              reason="dangerous-goods desk")
    assert shipments.declaration(db, log, there.id).emergency_contact == \
        "+7 8422 00 00 00, duty RSO"
    assert shipments.declaration(db, log, there.id, emergency_contact="+1 555").\
        emergency_contact == "+1 555"
    assert shipments.declaration(db, log, first.id).emergency_contact != \
        "+7 8422 00 00 00, duty RSO"
    organisations.update_site(db, sup.actors["admin"], second.id, emergency_contact="",
                              reason="moved")
    assert organisations.get_site(db, log, second.id).emergency_contact is None
    other = make_supplier(db, "Other Isotopes")
    before = _counts(db)
    for bad in (other.site_id, 10**9):
        with pytest.raises(InvalidInput) as exc:
            _prepare(db, log, order(), site_id=bad)
        assert exc.value.field == "site_id"
    assert _counts(db) == before


def test_dispatch_track_deliver_and_the_activity_on_arrival(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    t0 = t_now() - 30 * HOUR
    oid = make_order(db, sup, "MO99-BULK", "CU-HAVANA", gbq=200, dispatch_at=t0,
                     calibration_at=t0 + 2 * DAY)
    with clock.as_of(t0 - HOUR):
        v = _prepare(db, log, oid)
    with pytest.raises(Conflict):
        shipments.track(db, log, v.id, kind="departed", at=t0 + HOUR)
    with pytest.raises(InvalidInput) as exc:
        shipments.dispatch(db, log, v.id, at=t0 - 2 * HOUR)  # before it was packed
    assert exc.value.field == "at"
    d = shipments.dispatch(db, log, v.id, at=t0)
    assert d.status == "dispatched" and d.activity_bq == pytest.approx(v.activity_bq)
    with db.read() as s:
        assert s.get(Order, oid).status == "shipped"
    detail = shipments.get_shipment(db, log, v.id)
    assert detail.arrival_expected and detail.arrival_at == t0 + 40 * HOUR  # Havana route
    for kind, at in (("arrived_hub", t0 + 10 * HOUR), ("departed", t0 + HOUR)):
        shipments.track(db, log, v.id, kind=kind, at=at, place="Madrid")
    with pytest.raises(InvalidInput) as exc:
        shipments.track(db, log, v.id, kind="departed", at=t0 - HOUR)
    assert exc.value.field == "at"
    with pytest.raises(InvalidInput) as exc:
        shipments.track(db, log, v.id, kind="departed", at=t_now() + HOUR)
    assert exc.value.field == "at"
    with pytest.raises(InvalidInput) as exc:
        shipments.track(db, log, v.id, kind="teleported", at=t0 + HOUR)
    assert exc.value.field == "kind"
    arrived = t0 + 28 * HOUR
    shipments.track(db, log, v.id, kind="delivered", at=arrived, note="signed for")
    detail = shipments.get_shipment(db, log, v.id)
    assert [e.kind for e in detail.events] == ["prepared", "dispatched", "departed",
                                               "arrived_hub", "delivered"]
    assert [e.place for e in detail.events][2:4] == ["Madrid", "Madrid"]
    assert detail.shipment.status == "delivered" and detail.arrival_at == arrived
    assert not detail.arrival_expected
    lam = math.log(2) / get_nuclide("Mo-99").half_life_s
    assert detail.activity_on_arrival_bq == pytest.approx(
        v.activity_bq * math.exp(-lam * 28 * 3600), rel=1e-9)
    assert detail.activity_now_bq < detail.activity_on_arrival_bq
    with db.read() as s:
        assert s.get(Order, oid).status == "delivered"
    with pytest.raises(Conflict):  # append-only up to delivery
        shipments.track(db, log, v.id, kind="delayed", at=t_now())


def test_dispatch_earlier_than_planned_is_rechecked(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    cal = t_now()
    oid = make_order(db, sup, "TC-GEN-20", "BY-MINSK", gbq=550, dispatch_at=cal,
                     calibration_at=cal)
    with clock.as_of(cal - 2 * DAY):
        v = _prepare(db, log, oid, mode="road")
    with pytest.raises(InvalidInput) as exc:
        shipments.dispatch(db, log, v.id, at=cal - DAY)
    assert exc.value.field == "at" and "Type B(U)" in exc.value.message
    assert shipments.get_shipment(db, log, v.id).shipment.status == "prepared"


def test_cancel_only_prepared_and_the_order_ships_again(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    oid = make_order(db, sup, "I131-SOL", "CU-HAVANA", gbq=20, dispatch_at=t_now())
    v = _prepare(db, log, oid)
    with pytest.raises(Conflict):
        _prepare(db, log, oid)
    with pytest.raises(InvalidInput) as exc:
        shipments.cancel_shipment(db, log, v.id, reason="  ")
    assert exc.value.field == "reason"
    c = shipments.cancel_shipment(db, log, v.id, reason="lid damaged")
    assert c.status == "cancelled"
    with pytest.raises(Conflict):
        shipments.cancel_shipment(db, log, v.id, reason="again")
    again = _prepare(db, log, oid)
    assert [x.id for x in shipments.list_shipments(db, log, status="cancelled")] == [v.id]
    assert {x.id for x in shipments.list_shipments(
        db, log, customer_id=sup.customer_ids["CU-HAVANA"])} == {v.id, again.id}
    with db.read() as s:
        actions = s.scalars(select(AuditRecord.action).where(
            AuditRecord.entity_type == "shipment").order_by(AuditRecord.seq)).all()
    assert actions == ["created", "cancelled", "created"]


def test_tenancy_and_roles(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    other = make_supplier(db, "Other Isotopes")
    oid = make_order(db, sup, "I131-SOL", "CU-HAVANA", gbq=20, dispatch_at=t_now())
    for role in ("supplier_sales", "supplier_production", "viewer"):
        with pytest.raises(Forbidden):
            _prepare(db, sup.actors[role], oid)
    v = _prepare(db, sup.actors["admin"], oid)
    stranger = other.actors["supplier_logistics"]
    with pytest.raises(NotFound):
        _prepare(db, stranger, make_order(db, sup, "I131-SOL", "CU-HAVANA", gbq=20,
                                          dispatch_at=t_now()))
    for call in (lambda: shipments.get_shipment(db, stranger, v.id),
                 lambda: shipments.declaration(db, stranger, v.id),
                 lambda: shipments.dispatch(db, stranger, v.id),
                 lambda: shipments.cancel_shipment(db, stranger, v.id, reason="x")):
        with pytest.raises(NotFound):
            call()
    assert shipments.list_shipments(db, stranger) == []
    with pytest.raises(NotFound):
        shipments.list_shipments(db, stranger, customer_id=sup.customer_ids["CU-HAVANA"])
    viewer = sup.actors["viewer"]
    assert shipments.get_shipment(db, viewer, v.id).shipment.id == v.id
    with pytest.raises(Forbidden):
        shipments.dispatch(db, viewer, v.id)


def test_declaration_of_a_shipment(db) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    log = sup.actors["supplier_logistics"]
    v = _prepare(db, log, make_order(db, sup, "MO99-BULK", "CU-HAVANA", gbq=400,
                                     dispatch_at=t_now()),
                 mode="air-passenger", surface_usv_h=300, at_1m_usv_h=8)
    d = shipments.declaration(db, log, v.id, emergency_contact="+7 484 000 (24 h)")
    assert d.reference == v.number and d.consignor.name == "Test Isotopes"
    assert d.consignee.name == "Hospital Hermanos Ameijeiras" and d.consignee.place == "CU"
    assert d.un_number == "UN2915" and d.label == "II-YELLOW" and d.transport_index == 0.8
    assert d.activity_bq == pytest.approx(v.activity_bq)
    assert d.emergency_contact == "+7 484 000 (24 h)" and d.mode == "air-passenger"


@pytest.mark.parametrize(("kw", "field"), [
    ({"mode": "rail"}, "mode"), ({"package_type": "Type C"}, "package_type"),
    ({"surface_usv_h": float("nan")}, "surface_usv_h"), ({"at_1m_usv_h": -1.0}, "at_1m_usv_h"),
    ({"note": "a\x00b"}, "note"), ({"dispatch_at": datetime(9999, 12, 31, tzinfo=UTC)},
                                    "dispatch_at"),
])
def test_bad_input_names_the_field(db, kw, field) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    oid = make_order(db, sup, "I131-SOL", "CU-HAVANA", gbq=20, dispatch_at=t_now())
    with pytest.raises(InvalidInput) as exc:
        _prepare(db, sup.actors["supplier_logistics"], oid, **kw)
    assert exc.value.field == field
    with pytest.raises(NotFound):
        _prepare(db, sup.actors["supplier_logistics"], 2**31 - 1)
    with db.write() as s:
        s.get(Order, oid).status = "cancelled"
    with pytest.raises(Conflict):
        _prepare(db, sup.actors["supplier_logistics"], oid)
