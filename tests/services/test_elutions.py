"""Generator receipt and elutions: prediction against the physics, yield, breakthrough,
the NRC first-eluate rule, aluminium per profile, tenancy, roles, refusals that write nothing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.domain.jurisdictions import get_profile
from isoflow.errors import Forbidden, InvalidInput, NotFound
from isoflow.physics.generator_catalogue import generator_type
from isoflow.physics.generators import Elution as PhysElution
from isoflow.services import elutions, ledger
from isoflow.store.department_models import Elution, GeneratorRecord
from isoflow.store.models import AuditEntry, Container
from tests.department_world import make_department

GBQ = 1e9
#: calibration a day ago at 12:00 UTC: elutions happen today and tomorrow
CAL = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
RECEIVED = CAL - timedelta(hours=20)


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _actions(db, entity_type: str) -> list[str]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == entity_type).order_by(AuditEntry.seq)))


def _receive(db, dep, **over):  # type: ignore[no-untyped-def]
    values = dict(site_id=dep.site_id, generator_type="GT-4K", serial="GT-0421",
                  activity_bq=19 * GBQ, calibration_at=CAL, received_at=RECEIVED,
                  surface_usv_h=150.0, at_1m_usv_h=4.0, wipe_bq_per_100cm2=5.0,
                  supplier="Isotope JSC")
    values.update(over)
    return elutions.receive_generator(db, dep.actors["technologist"], **values)


def _physics(*elutions_: tuple[datetime, float]):  # type: ignore[no-untyped-def]
    return generator_type("GT-4K").generator(19 * GBQ, CAL, elutions=tuple(
        PhysElution(t, e) for t, e in elutions_))


def test_receipt_makes_a_generator_container_and_record(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    g = _receive(db, dep)
    assert g.survey_passed and g.label_category == "II-YELLOW" and g.parent == "Mo-99"
    assert g.expires_at == CAL + timedelta(days=21)  # the catalogue's shelf life
    c = ledger.get_container(db, dep.actors["viewer"], g.container_id, at=CAL)
    assert c.kind == "generator" and c.nuclide == "Mo-99"
    assert c.reference_activity_bq == pytest.approx(19 * GBQ) and c.reference_at == CAL
    assert _actions(db, "generator_record") == ["generator_received"]
    assert [x.container_id for x in elutions.list_generators(db, dep.actors["viewer"])] \
        == [g.container_id]


def test_failed_survey_is_recorded_and_flagged(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    g = _receive(db, dep, wipe_bq_per_100cm2=1000.0)
    assert not g.survey_passed and g.flags == ("survey_failed",)
    assert any("20.1906" in r for r in g.survey_reasons)
    assert _actions(db, "generator_record") == ["survey_failed"]


@pytest.mark.parametrize("field", ["surface_usv_h", "at_1m_usv_h", "wipe_bq_per_100cm2"])
def test_bad_rates_refused_and_nothing_written(db, field: str) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    for bad in (-1.0, math.nan):
        with pytest.raises(InvalidInput) as exc:
            _receive(db, dep, **{field: bad})
        assert exc.value.field == field
    assert _count(db, GeneratorRecord) == 0 and _count(db, Container) == 0


def test_receipt_refusals(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    with pytest.raises(InvalidInput) as exc:
        _receive(db, dep, generator_type="NOPE")
    assert exc.value.field == "generator_type"
    with pytest.raises(InvalidInput) as exc:
        _receive(db, dep, calibration_at=CAL.replace(tzinfo=None))
    assert exc.value.field == "calibration_at"
    with pytest.raises(Forbidden):
        elutions.receive_generator(db, dep.actors["viewer"], site_id=dep.site_id,
                                   generator_type="GT-4K", serial="X", activity_bq=1e9,
                                   calibration_at=CAL, surface_usv_h=1, at_1m_usv_h=1,
                                   wipe_bq_per_100cm2=1)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        _receive(db, dep, site_id=other.site_id)
    assert _count(db, GeneratorRecord) == 0 and _count(db, Container) == 0


def test_prediction_follows_the_physics_with_measured_efficiencies(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    g = _receive(db, dep)
    tech = dep.actors["technologist"]
    t1 = CAL + timedelta(hours=20)
    expected1 = _physics().expected_eluate(t1).daughter_bq
    e1 = elutions.elute(db, tech, g.container_id, eluted_at=t1, volume_ml=5.0,
                        measured_bq=expected1 * 0.8, mo99_bq=expected1 * 0.8 * 1e-6)
    assert e1.predicted_bq == pytest.approx(expected1, rel=1e-9)
    assert e1.yield_ratio == pytest.approx(0.8) and e1.yield_flagged and "yield" in e1.flags
    # the second prediction knows the first elution took 0.9 * 0.8 of the technetium
    t2 = t1 + timedelta(hours=24)
    expected2 = _physics((t1, 0.72)).expected_eluate(t2).daughter_bq
    naive = _physics((t1, 0.9)).expected_eluate(t2).daughter_bq
    assert expected2 != pytest.approx(naive, rel=1e-3)
    e2 = elutions.elute(db, tech, g.container_id, eluted_at=t2, volume_ml=5.0,
                        measured_bq=expected2)
    assert e2.predicted_bq == pytest.approx(expected2, rel=1e-9)
    assert not e2.yield_flagged and e2.flags == ()
    assert e2.since_previous_s == pytest.approx(24 * 3600) and not e2.carrier_warning
    assert _actions(db, "elution") == ["elution_flagged", "eluted"]
    eluate = ledger.get_container(db, tech, e2.eluate_container_id, at=t2)
    assert eluate.kind == "vial" and eluate.nuclide == "Tc-99m"
    assert eluate.reference_activity_bq == pytest.approx(expected2)
    assert eluate.received_at == t2 and eluate.received_volume_ml == 5.0
    assert eluate.label.startswith("Tc-99m eluate GT-0421 ")
    with db.read() as s:
        assert s.get(Container, e2.eluate_container_id).source_container_id == g.container_id
        row = elutions.elution_for_eluate(s, e2.eluate_container_id)
        assert row is not None and row.id == e2.id
    assert elutions.elution_for_eluate(db, g.container_id) is None


def test_yield_above_band_flagged_and_within_not(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    g = _receive(db, dep)
    _lo, hi = get_profile("EU").elution_yield_band
    t1 = CAL + timedelta(hours=20)
    p = elutions.predict(db, dep.actors["viewer"], g.container_id, t1)
    e = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t1,
                       volume_ml=5, measured_bq=p * (hi + 0.02), mo99_bq=0.0)
    assert e.yield_flagged
    t2 = t1 + timedelta(hours=24)
    p2 = elutions.predict(db, dep.actors["viewer"], g.container_id, t2)
    e2 = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t2,
                        volume_ml=5, measured_bq=p2 * (hi - 0.02))
    assert not e2.yield_flagged


def test_breakthrough_pass_sets_use_until_from_the_limit(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="NRC")
    g = _receive(db, dep)
    t = CAL + timedelta(hours=20)
    p = elutions.predict(db, dep.actors["viewer"], g.container_id, t)
    # 0.1 kBq/MBq at elution: passes the NRC 0.15 kBq/MBq now, crosses it a few hours later
    e = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t,
                       volume_ml=5, measured_bq=p, mo99_bq=p * 0.1e-3)
    assert e.breakthrough_passed is True
    assert e.breakthrough_kbq_per_mbq == pytest.approx(0.1)
    assert e.use_until is not None and t < e.use_until < t + timedelta(hours=12)
    # a clean eluate is good for the profile's 12 h
    t2 = t + timedelta(hours=24)
    p2 = elutions.predict(db, dep.actors["viewer"], g.container_id, t2)
    e2 = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t2,
                        volume_ml=5, measured_bq=p2, mo99_bq=p2 * 0.001e-3)
    assert e2.use_until == t2 + timedelta(hours=12) and e2.usable_at(t2)


def test_breakthrough_fail_marks_the_eluate_unusable(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="NRC")
    g = _receive(db, dep)
    t = CAL + timedelta(hours=20)
    p = elutions.predict(db, dep.actors["viewer"], g.container_id, t)
    e = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t,
                       volume_ml=5, measured_bq=p, mo99_bq=p * 0.2e-3)
    assert e.breakthrough_passed is False and e.use_until == t
    assert "breakthrough" in e.flags and not e.usable_at(t)
    assert e.breakthrough_reasons and "35.204" in e.breakthrough_reasons[0]
    assert _actions(db, "elution") == ["elution_flagged"]


def test_nrc_first_eluate_needs_mo99(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="NRC")
    g = _receive(db, dep)
    t = CAL + timedelta(hours=20)
    with pytest.raises(InvalidInput) as exc:
        elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t,
                       volume_ml=5, measured_bq=5 * GBQ)
    assert exc.value.field == "mo99_bq" and "35.204" in exc.value.message
    assert _count(db, Elution) == 0 and _count(db, Container) == 1
    assert _actions(db, "elution") == []


def test_eu_first_eluate_without_mo99_warns(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    g = _receive(db, dep)
    t = CAL + timedelta(hours=20)
    e = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t,
                       volume_ml=5, measured_bq=5 * GBQ)
    assert "first_eluate_untested" in e.warnings and e.breakthrough_passed is None
    assert e.use_until == t + timedelta(hours=12)
    # the first elution comes 44 h after the column was clean: carrier warning
    assert e.carrier_warning and "carrier" in e.warnings


@pytest.mark.parametrize(("jurisdiction", "al", "passed"),
                         [("NRC", 7.0, True), ("EU", 7.0, False), ("RU", 4.0, True),
                          ("NRC", 11.0, False)])
def test_aluminium_against_the_profile(db, jurisdiction: str, al: float, passed: bool) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction=jurisdiction)
    g = _receive(db, dep)
    t = CAL + timedelta(hours=20)
    p = elutions.predict(db, dep.actors["viewer"], g.container_id, t)
    e = elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t,
                       volume_ml=5, measured_bq=p, mo99_bq=0.0, aluminium_ug_per_ml=al)
    assert e.aluminium_passed is passed and ("aluminium" in e.flags) is (not passed)
    limit = get_profile(jurisdiction).aluminium_limit_ug_per_ml
    assert limit is not None and e.aluminium_limit_ug_per_ml == limit.value


def test_elution_refusals_write_nothing(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    g = _receive(db, dep)
    tech = dep.actors["technologist"]
    ok = dict(volume_ml=5.0, measured_bq=5 * GBQ)
    with pytest.raises(InvalidInput) as exc:  # before receipt
        elutions.elute(db, tech, g.container_id, eluted_at=RECEIVED - timedelta(hours=1), **ok)
    assert exc.value.field == "eluted_at"
    with pytest.raises(InvalidInput) as exc:  # after expiry
        elutions.elute(db, tech, g.container_id, eluted_at=CAL + timedelta(days=22), **ok)
    assert exc.value.field == "eluted_at" and "expired" in exc.value.message
    with pytest.raises(InvalidInput) as exc:  # naive time
        elutions.elute(db, tech, g.container_id,
                       eluted_at=(CAL + timedelta(hours=20)).replace(tzinfo=None), **ok)
    assert exc.value.field == "eluted_at"
    for field, bad in (("volume_ml", 0.0), ("measured_bq", -1.0), ("mo99_bq", math.nan),
                       ("aluminium_ug_per_ml", -2.0)):
        with pytest.raises(InvalidInput) as exc:
            elutions.elute(db, tech, g.container_id, eluted_at=CAL + timedelta(hours=20),
                           **{**ok, field: bad})
        assert exc.value.field == field
    with pytest.raises(Forbidden):
        elutions.elute(db, dep.actors["viewer"], g.container_id,
                       eluted_at=CAL + timedelta(hours=20), **ok)
    with pytest.raises(NotFound):
        elutions.elute(db, tech, g.container_id, eluted_at=CAL + timedelta(hours=20),
                       calibrator_id=99999, **ok)
    other = make_department(db, "Other Hospital", jurisdiction="EU", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        elutions.elute(db, other.actors["technologist"], g.container_id,
                       eluted_at=CAL + timedelta(hours=20), **ok)
    with pytest.raises(NotFound):
        elutions.generator_detail(db, other.actors["viewer"], g.container_id)
    assert _count(db, Elution) == 0 and _count(db, Container) == 1
    assert _actions(db, "elution") == []


def test_not_after_the_previous_elution(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    g = _receive(db, dep)
    t = CAL + timedelta(hours=20)
    elutions.elute(db, dep.actors["technologist"], g.container_id, eluted_at=t,
                   volume_ml=5, measured_bq=5 * GBQ)
    with pytest.raises(InvalidInput) as exc:
        elutions.elute(db, dep.actors["technologist"], g.container_id,
                       eluted_at=t - timedelta(minutes=1), volume_ml=5, measured_bq=5 * GBQ)
    assert exc.value.field == "eluted_at"
    assert _count(db, Elution) == 1


def test_detail_and_lists(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    g = _receive(db, dep)
    viewer = dep.actors["viewer"]
    t = CAL + timedelta(hours=20)
    e = elutions.elute(db, dep.actors["radiopharmacist"], g.container_id, eluted_at=t,
                       volume_ml=5, measured_bq=5 * GBQ, mo99_bq=1e3,
                       calibrator_id=dep.calibrator_id)
    at = t + timedelta(hours=6)
    d = elutions.generator_detail(db, viewer, g.container_id, at=at)
    gen = _physics((t, 0.9 * 5 * GBQ / e.predicted_bq))
    assert d.parent_now_bq == pytest.approx(gen.parent_activity_bq_at(at), rel=1e-9)
    assert d.daughter_available_now_bq == pytest.approx(
        gen.expected_eluate(at).daughter_bq, rel=1e-6)
    assert d.next_maximum_at is not None and d.next_maximum_at > at
    assert d.daughter_at_maximum_bq is not None \
        and d.daughter_at_maximum_bq > d.daughter_available_now_bq
    assert [x.id for x in d.elutions] == [e.id]
    assert elutions.get_elution(db, viewer, e.id) == e
    assert [x.id for x in elutions.list_elutions(db, viewer, since=t, until=at)] == [e.id]
    assert elutions.list_elutions(db, viewer, since=at) == []
    assert elutions.list_elutions(db, viewer, site_id=dep.site_id)[0].id == e.id
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    assert elutions.list_elutions(db, other.actors["viewer"]) == []
    assert elutions.list_generators(db, other.actors["viewer"]) == []
    with pytest.raises(NotFound):
        elutions.get_elution(db, other.actors["viewer"], e.id)
    with pytest.raises(InvalidInput):
        elutions.list_elutions(db, viewer, since=t.replace(tzinfo=None))
