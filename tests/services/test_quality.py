"""Calibrator QC service: recording, status, dispensing problems, roles, tenancy, audit."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.domain.jurisdictions import get_profile
from isoflow.errors import Forbidden, InvalidInput, NotFound
from isoflow.services import quality
from isoflow.store.department_models import CalibratorCheck
from isoflow.store.models import AuditEntry
from tests.department_world import make_department


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _constancy(db, actor, cal_id, *, measured=7.0e6, at=None):  # type: ignore[no-untyped-def]
    at = at or datetime.now(UTC) - timedelta(minutes=1)
    return quality.record_constancy(db, actor, cal_id, performed_at=at, nuclide="Cs-137",
                                    reference_bq=7.0e6, reference_at=at - timedelta(days=1),
                                    measured_bq=measured)


def test_constancy_recorded_and_audited(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rso = dep.actors["rso"]
    ok = _constancy(db, rso, dep.calibrator_id)
    assert ok.passed and ok.kind == "constancy" and abs(ok.deviation) < 1e-4
    bad = _constancy(db, rso, dep.calibrator_id, measured=8.0e6)
    assert not bad.passed and bad.deviation == pytest.approx(8 / 7 - 1, rel=1e-3)
    with db.read() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "calibrator_check").order_by(AuditEntry.seq)))
    assert actions == ["recorded", "qc_failed"]
    checks = quality.list_checks(db, dep.actors["viewer"], dep.calibrator_id)
    assert [c.id for c in checks] == [bad.id, ok.id]


def test_status_and_dispensing_problems(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    rso = dep.actors["rso"]
    st = quality.calibrator_status(db, rso, dep.calibrator_id)
    assert st.state == "overdue" and not st.blocking and len(st.warnings) == 3
    _constancy(db, rso, dep.calibrator_id, measured=8.0e6)
    st = quality.calibrator_status(db, rso, dep.calibrator_id)
    assert st.state == "blocked" and any("constancy" in m for m in st.blocking)
    with db.read() as s:
        blocking, warnings = quality.dispensing_problems(
            s, dep.calibrator_id, datetime.now(UTC), get_profile("EU"))
        assert blocking and "failed" in blocking[0] and len(warnings) == 2
        unknown, _ = quality.dispensing_problems(s, 99999, datetime.now(UTC),
                                                 get_profile("EU"))
        assert unknown and "not found" in unknown[0]
    _constancy(db, rso, dep.calibrator_id)
    st = quality.calibrator_status(db, rso, dep.calibrator_id)
    assert not st.blocking and st.kinds[0].state == "ok"


def test_linearity_and_accuracy(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rso = dep.actors["rso"]
    lam = math.log(2) / 21654.0
    start = datetime.now(UTC) - timedelta(hours=60)
    readings = [(start + timedelta(hours=10 * i), 3e10 * math.exp(-lam * 36000 * i))
                for i in range(6)]
    lin = quality.record_linearity(db, rso, dep.calibrator_id, readings=readings)
    assert lin.passed and lin.data is not None and len(lin.data["readings"]) == 6  # type: ignore[arg-type]
    at = datetime.now(UTC) - timedelta(minutes=5)
    acc = quality.record_accuracy(db, rso, dep.calibrator_id, performed_at=at,
                                  nuclide="Co-57", reference_bq=2e8,
                                  reference_at=at, measured_bq=2.1e8)
    assert acc.passed and acc.deviation == pytest.approx(0.05)


def test_refusals_write_nothing(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    before = _count(db, CalibratorCheck), _count(db, AuditEntry)
    with pytest.raises(Forbidden):
        _constancy(db, dep.actors["technologist"], dep.calibrator_id)
    with pytest.raises(NotFound):
        _constancy(db, other.actors["rso"], dep.calibrator_id)
    with pytest.raises(NotFound):
        quality.calibrator_status(db, other.actors["viewer"], dep.calibrator_id)
    with pytest.raises(InvalidInput) as e:
        _constancy(db, dep.actors["rso"], dep.calibrator_id, measured=-5)
    assert e.value.field == "measured_bq"
    with pytest.raises(InvalidInput) as e:
        quality.record_constancy(db, dep.actors["rso"], dep.calibrator_id,
                                 performed_at=datetime(2026, 1, 1), nuclide="Cs-137",
                                 reference_bq=1e6, reference_at=datetime(2025, 1, 1, tzinfo=UTC),
                                 measured_bq=1e6)
    assert e.value.field == "performed_at"
    assert (_count(db, CalibratorCheck), _count(db, AuditEntry)) == before
