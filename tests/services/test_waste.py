"""Decay-in-storage service: open, add (with a ledger container disposed of in the same
transaction), seal, release survey; roles, tenancy, nothing written on refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from isoflow.domain.roles import Actor
from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.services import ledger, waste
from isoflow.store.department_models import WasteContainer, WasteItem
from isoflow.store.models import AuditEntry
from tests.department_world import make_department


def _counts(db):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)))
                     for m in (WasteContainer, WasteItem, AuditEntry))


def test_waste_life_cycle_with_ledger_container(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rso = dep.actors["rso"]
    cli = Actor.command_line("tests")
    start = datetime.now(UTC) - timedelta(days=30)
    vial = ledger.receive(db, cli, site_id=dep.site_id, kind="vial", nuclide="Tc-99m",
                          activity_bq=1e9, reference_at=start, received_at=start)
    w = waste.open_waste(db, rso, site_id=dep.site_id, label="Bin 1", opened_at=start)
    t1 = start + timedelta(seconds=21654)  # one half-life: 5e8 Bq left
    w = waste.add_waste(db, rso, w.id, source_container_id=vial.id, reference_at=t1)
    assert w.items[0].activity_bq == pytest.approx(5e8, rel=1e-3)
    assert ledger.get_container(db, cli, vial.id, at=t1 + timedelta(seconds=1)).disposed
    w = waste.add_waste(db, rso, w.id, nuclide="I-131", activity_bq=1e5, reference_at=t1)
    sealed = waste.seal_waste(db, rso, w.id, sealed_at=t1 + timedelta(hours=1))
    assert sealed.status == "sealed" and sealed.release_at is not None
    # I-131 sets the hold: 10 half-lives (8.02 d) after sealing
    assert sealed.release_at - sealed.sealed_at >= timedelta(days=80)  # type: ignore[operator]
    with pytest.raises(Conflict):
        waste.add_waste(db, rso, w.id, nuclide="Tc-99m", activity_bq=1e6)
    with pytest.raises(Conflict) as early:
        waste.release_waste(db, rso, w.id, surveyed_at=sealed.sealed_at + timedelta(days=1),  # type: ignore[operator]
                            background_usv_h=0.1, surface_usv_h=0.1, instrument="Ludlum 3")
    assert early.value.field == "surveyed_at"


def test_release_survey(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rso = dep.actors["rso"]
    start = datetime.now(UTC) - timedelta(days=20)
    w = waste.open_waste(db, rso, site_id=dep.site_id, label="Tc bin", opened_at=start)
    waste.add_waste(db, rso, w.id, nuclide="Tc-99m", activity_bq=1e9, reference_at=start)
    sealed = waste.seal_waste(db, rso, w.id, sealed_at=start + timedelta(hours=1))
    when = sealed.release_at + timedelta(hours=1)  # type: ignore[operator]
    before = _counts(db)
    with pytest.raises(InvalidInput) as hot:
        waste.release_waste(db, rso, w.id, surveyed_at=when, background_usv_h=0.10,
                            surface_usv_h=0.15, instrument="Ludlum 3")
    assert hot.value.field == "surface_usv_h" and "0.15" in str(hot.value)
    assert _counts(db) == before
    done = waste.release_waste(db, rso, w.id, surveyed_at=when, background_usv_h=0.10,
                               surface_usv_h=0.105, instrument="Ludlum 3")
    assert done.status == "released" and done.surveyed_by == rso.username
    assert [x.id for x in waste.list_waste(db, rso, status="released")] == [w.id]


def test_refusals(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    rso = dep.actors["rso"]
    w = waste.open_waste(db, rso, site_id=dep.site_id, label="Bin")
    before = _counts(db)
    with pytest.raises(Forbidden):
        waste.open_waste(db, dep.actors["technologist"], site_id=dep.site_id, label="x")
    with pytest.raises(NotFound):
        waste.add_waste(db, other.actors["rso"], w.id, nuclide="Tc-99m", activity_bq=1e6)
    with pytest.raises(NotFound):
        waste.open_waste(db, other.actors["rso"], site_id=dep.site_id, label="x")
    with pytest.raises(InvalidInput, match="Cs-137") as e:
        waste.add_waste(db, rso, w.id, nuclide="Cs-137", activity_bq=1e6)
    assert e.value.field == "nuclide"
    with pytest.raises(InvalidInput):
        waste.add_waste(db, rso, w.id, nuclide="Tc-99m", activity_bq=-1)
    assert _counts(db) == before
    with pytest.raises(NotFound):
        waste.get_waste(db, other.actors["viewer"], w.id)
