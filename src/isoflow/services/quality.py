"""Dose-calibrator quality control (issue #10): record constancy, accuracy and linearity
tests, read a calibrator's status, and tell dispensing what blocks it. The rules are in
isoflow.domain.calibrator_qc; the intervals, action level and block/warn policy come from the
site's jurisdiction profile. The RSO records (QUALITY); everyone who reads may read. Every
test is audited ("recorded", or "qc_failed" when it failed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import calibrator_qc as qc
from isoflow.domain.jurisdictions import JurisdictionProfile, get_profile
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import NOTE_MAX, clean_optional_text
from isoflow.errors import InvalidInput, NotFound
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.store.db import Database
from isoflow.store.department_models import CalibratorCheck, DoseCalibrator
from isoflow.store.models import Site


@dataclass(frozen=True)
class CheckView:
    id: int
    calibrator_id: int
    kind: str
    performed_at: datetime
    nuclide: str | None
    expected_bq: float | None
    measured_bq: float | None
    deviation: float | None
    passed: bool
    data: dict[str, object] | None
    performed_by: str
    note: str | None


@dataclass(frozen=True)
class KindStatusView:
    kind: str
    latest: CheckView | None
    due_at: datetime | None
    state: str


@dataclass(frozen=True)
class CalibratorStatusView:
    calibrator_id: int
    name: str
    site_id: int
    timezone: str
    jurisdiction: str
    at: datetime
    tolerance: float
    state: str
    kinds: tuple[KindStatusView, ...]
    blocking: tuple[str, ...]
    warnings: tuple[str, ...]


def _view(c: CalibratorCheck) -> CheckView:
    return CheckView(id=c.id, calibrator_id=c.calibrator_id, kind=c.kind,
                     performed_at=c.performed_at, nuclide=c.nuclide,
                     expected_bq=c.expected_bq, measured_bq=c.measured_bq,
                     deviation=c.deviation, passed=c.passed,
                     data=None if c.data is None else json.loads(c.data),
                     performed_by=c.performed_by, note=c.note)


def _record(c: CalibratorCheck) -> qc.CheckRecord:
    return qc.CheckRecord(c.kind, c.performed_at, c.passed, c.deviation)


def _checks(s: Session, calibrator_id: int, at: datetime | None = None
            ) -> list[CalibratorCheck]:
    q = select(CalibratorCheck).where(CalibratorCheck.calibrator_id == calibrator_id)
    if at is not None:
        q = q.where(CalibratorCheck.performed_at <= at)
    return list(s.scalars(q.order_by(CalibratorCheck.performed_at, CalibratorCheck.id)))


def visible_calibrator(s: Session, actor: Actor, calibrator_id: int) -> DoseCalibrator:
    cal = s.get(DoseCalibrator, calibrator_id)
    if cal is None or not actor.sees(cal.org_id):
        raise NotFound(f"dose calibrator {calibrator_id} not found")
    return cal


def _site(s: Session, cal: DoseCalibrator) -> Site:
    site = s.get(Site, cal.site_id)
    assert site is not None
    return site


# ------------------------------------------------------------------ dispensing
def dispensing_problems(s: Session, calibrator_id: int, at: datetime,
                        profile: JurisdictionProfile) -> tuple[list[str], list[str]]:
    """What the calibrator's QC means for a dosage measured in it at ``at``: (blocking
    problems, warnings). A failed latest test blocks or warns as ``profile.qc_failed`` says,
    an overdue (or never done) one as ``profile.qc_overdue`` says. An unknown or inactive
    calibrator blocks. Reads only; runs in the caller's transaction."""
    at = aware_utc(at, "at")
    cal = s.get(DoseCalibrator, calibrator_id)
    if cal is None:
        return [f"dose calibrator {calibrator_id} not found"], []
    problems: list[str] = []
    if not cal.active:
        problems.append(f"dose calibrator {cal.name!r} is out of service")
    status = qc.calibrator_status([_record(c) for c in _checks(s, cal.id, at)], at, profile)
    prefix = f"dose calibrator {cal.name!r}: "
    return (problems + [prefix + m for m in status.blocking],
            [prefix + m for m in status.warnings])


# ------------------------------------------------------------------ reading
def calibrator_status(db: Database, actor: Actor, calibrator_id: int,
                      at: datetime | None = None) -> CalibratorStatusView:
    """The latest test of each kind, its due date and state, and what blocks or warns."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    with db.read() as s:
        cal = visible_calibrator(s, actor, calibrator_id)
        site = _site(s, cal)
        profile = get_profile(site.jurisdiction)
        rows = _checks(s, cal.id, t)
        latest = {c.kind: c for c in rows}  # ordered by time: the last of each kind
        st = qc.calibrator_status([_record(c) for c in rows], t, profile)
        blocking, warnings = dispensing_problems(s, cal.id, t, profile)
        kinds = tuple(KindStatusView(
            k.kind,
            None if k.latest is None else _view(latest[k.kind]),
            k.due_at, k.state) for k in st.kinds)
        return CalibratorStatusView(
            calibrator_id=cal.id, name=cal.name, site_id=site.id, timezone=site.timezone,
            jurisdiction=site.jurisdiction, at=t, tolerance=profile.qc_tolerance,
            state="blocked" if blocking else st.state, kinds=kinds,
            blocking=tuple(blocking), warnings=tuple(warnings))


def list_checks(db: Database, actor: Actor, calibrator_id: int, *, kind: str | None = None,
                since: datetime | None = None) -> list[CheckView]:
    """The calibrator's tests, newest first (of one kind, since a time)."""
    actor.require(Permission.READ)
    if kind is not None and kind not in qc.CHECK_KINDS:
        raise InvalidInput(f"unknown check kind {kind!r}; one of: {', '.join(qc.CHECK_KINDS)}",
                           field="kind")
    q = select(CalibratorCheck).where(CalibratorCheck.calibrator_id == calibrator_id)
    if kind is not None:
        q = q.where(CalibratorCheck.kind == kind)
    if since is not None:
        q = q.where(CalibratorCheck.performed_at >= aware_utc(since, "since"))
    with db.read() as s:
        visible_calibrator(s, actor, calibrator_id)
        rows = s.scalars(q.order_by(CalibratorCheck.performed_at.desc(),
                                    CalibratorCheck.id.desc()))
        return [_view(c) for c in rows]


# ------------------------------------------------------------------ recording
def _note(value: str | None) -> str | None:
    return clean_optional_text(value, field="note", max_length=NOTE_MAX, multiline=True)


def _performed_at(value: datetime) -> datetime:
    t = aware_utc(value, "performed_at")
    if t > now() + timedelta(minutes=5):
        raise InvalidInput("performed_at is in the future", field="performed_at")
    return t


def _store(db: Database, actor: Actor, calibrator_id: int, *, kind: str,
           performed_at: datetime, nuclide: str | None, result: qc.CheckResult,
           data: dict[str, object] | None, note: str | None) -> CheckView:
    with db.write() as s:
        cal = visible_calibrator(s, actor, calibrator_id)
        row = CalibratorCheck(org_id=cal.org_id, calibrator_id=cal.id, kind=kind,
                              performed_at=performed_at, nuclide=nuclide,
                              expected_bq=result.expected_bq, measured_bq=result.measured_bq,
                              deviation=result.deviation, passed=result.passed,
                              data=None if data is None else json.dumps(data, sort_keys=True),
                              performed_by=actor.username, note=note)
        s.add(row)
        s.flush()
        view = _view(row)
        audit.record(s, actor, org_id=cal.org_id, entity_type="calibrator_check",
                     entity_id=row.id, action="recorded" if result.passed else "qc_failed",
                     new={"calibrator_id": cal.id, "kind": kind,
                          "performed_at": performed_at.isoformat(), "nuclide": nuclide,
                          "expected_bq": result.expected_bq,
                          "measured_bq": result.measured_bq,
                          "deviation": result.deviation, "passed": result.passed,
                          "data": data, "note": note})
    return view


def _profile_of(db: Database, actor: Actor, calibrator_id: int) -> JurisdictionProfile:
    with db.read() as s:
        cal = visible_calibrator(s, actor, calibrator_id)
        return get_profile(_site(s, cal).jurisdiction)


def record_constancy(db: Database, actor: Actor, calibrator_id: int, *,
                     performed_at: datetime, nuclide: str, reference_bq: float,
                     reference_at: datetime, measured_bq: float,
                     note: str | None = None) -> CheckView:
    """A constancy test with a long-lived check source (Cs-137, Co-57...)."""
    actor.require(Permission.QUALITY)
    t, note = _performed_at(performed_at), _note(note)
    profile = _profile_of(db, actor, calibrator_id)
    src = qc.SourceReading(nuclide, reference_bq, aware_utc(reference_at, "reference_at"),
                           measured_bq)
    result = qc.constancy(src, t, profile.qc_tolerance)
    return _store(db, actor, calibrator_id, kind="constancy", performed_at=t,
                  nuclide=nuclide, result=result,
                  data={"reference_bq": float(reference_bq),
                        "reference_at": src.reference_at.isoformat(),
                        "tolerance": profile.qc_tolerance}, note=note)


def record_accuracy(db: Database, actor: Actor, calibrator_id: int, *,
                    performed_at: datetime, nuclide: str | None = None,
                    reference_bq: float | None = None, reference_at: datetime | None = None,
                    measured_bq: float | None = None,
                    sources: list[qc.SourceReading] | None = None,
                    note: str | None = None) -> CheckView:
    """An accuracy test with one certified reference source (nuclide, reference_bq,
    reference_at, measured_bq) and/or a list of ``sources``; the worst deviation counts."""
    actor.require(Permission.QUALITY)
    t, note = _performed_at(performed_at), _note(note)
    all_sources = list(sources or [])
    if nuclide is not None or reference_bq is not None or measured_bq is not None:
        if nuclide is None or reference_bq is None or reference_at is None \
                or measured_bq is None:
            raise InvalidInput("a reference source needs nuclide, reference_bq, reference_at "
                               "and measured_bq", field="sources")
        all_sources.insert(0, qc.SourceReading(nuclide, reference_bq,
                                               aware_utc(reference_at, "reference_at"),
                                               measured_bq))
    all_sources = [qc.SourceReading(x.nuclide, x.reference_bq,
                                    aware_utc(x.reference_at, "reference_at"), x.measured_bq)
                   for x in all_sources]
    profile = _profile_of(db, actor, calibrator_id)
    worst, each = qc.accuracy(all_sources, t, profile.qc_tolerance)
    worst_i = max(range(len(each)), key=lambda i: abs(each[i].deviation))
    data: dict[str, object] = {"tolerance": profile.qc_tolerance, "sources": [
        {"nuclide": x.nuclide, "reference_bq": float(x.reference_bq),
         "reference_at": x.reference_at.isoformat(), "measured_bq": float(x.measured_bq),
         "expected_bq": r.expected_bq, "deviation": r.deviation, "passed": r.passed}
        for x, r in zip(all_sources, each, strict=True)]}
    return _store(db, actor, calibrator_id, kind="accuracy", performed_at=t,
                  nuclide=all_sources[worst_i].nuclide, result=worst, data=data, note=note)


def record_linearity(db: Database, actor: Actor, calibrator_id: int, *,
                     readings: list[tuple[datetime, float]], nuclide: str = "Tc-99m",
                     note: str | None = None) -> CheckView:
    """A linearity test by the decay method: the series of (time, reading); recorded at the
    time of the last reading."""
    actor.require(Permission.QUALITY)
    note = _note(note)
    pts = [(aware_utc(t, "readings"), a) for t, a in readings]
    profile = _profile_of(db, actor, calibrator_id)
    result = qc.linearity(pts, profile.qc_tolerance, nuclide)
    pts.sort()
    t = _performed_at(pts[-1][0])
    data: dict[str, object] = {
        "tolerance": profile.qc_tolerance, "fitted_initial_bq": result.fitted_initial_bq,
        "readings": [{"at": at.isoformat(), "measured_bq": float(a), "expected_bq": e,
                      "deviation": d}
                     for (at, a), e, d in zip(pts, result.expected, result.deviations,
                                              strict=True)]}
    return _store(db, actor, calibrator_id, kind="linearity", performed_at=t,
                  nuclide=nuclide, result=result, data=data, note=note)


def list_statuses(db: Database, actor: Actor, at: datetime | None = None
                  ) -> list[CalibratorStatusView]:
    """The status of every active calibrator the actor sees (for the QC page)."""
    actor.require(Permission.READ)
    q = select(DoseCalibrator.id).where(DoseCalibrator.active.is_(True)) \
        .order_by(DoseCalibrator.id)
    if actor.org_id is not None:
        q = q.where(DoseCalibrator.org_id == actor.org_id)
    with db.read() as s:
        ids = list(s.scalars(q))
    return [calibrator_status(db, actor, i, at) for i in ids]
