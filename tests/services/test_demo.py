"""The demo world (issue #9 item 5) on SQLite and PostgreSQL: built through the services,
audited, under every licence, dated relative to today (two frozen dates), idempotent, and its
printed passwords sign in."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from isoflow.domain.roles import Actor
from isoflow.errors import Conflict, Unauthenticated
from isoflow.services import (
    audit,
    auth,
    catalogue,
    demo,
    doses,
    elutions,
    kits,
    ledger,
    licences,
    organisations,
    quality,
    schedule,
    waste,
)
from isoflow.services.demo.department_days import working_days
from isoflow.services.demo.history import anchor_day

CLI = Actor.command_line("tests")
#: 11:00 in Bishkek (the morning's history is the day before's); 20:30 in Bishkek, another year
NOWS = [datetime(2026, 3, 4, 5, 0, tzinfo=UTC), datetime(2027, 7, 19, 14, 30, tzinfo=UTC)]


def _world(db):
    orgs = {o.kind: o for o in organisations.list_organisations(db, CLI)}
    sites = {k: organisations.list_sites(db, CLI, org_id=o.id)[0] for k, o in orgs.items()}
    containers = ledger.list_containers(db, CLI, limit=5000)
    return orgs, sites, containers


def _counts(db) -> dict[str, int]:
    orgs, _, containers = _world(db)
    return {"orgs": len(orgs), "users": len(organisations.list_users(db, CLI)),
            "containers": len(containers), "events": sum(c.event_count for c in containers),
            "limits": len(licences.list_limits(db, CLI))}


@pytest.mark.parametrize("now", NOWS, ids=["2026-03", "2027-07"])
def test_the_demo_world(db, now: datetime) -> None:
    with time_machine.travel(now, tick=False):
        _check_the_world(db, now)


def _check_the_world(db, now: datetime) -> None:
    result = demo.load(db)
    assert result.created and not result.notes
    assert audit.verify(db).ok
    orgs, sites, containers = _world(db)
    assert orgs["supplier"].name == demo.SUPPLIER.name
    assert orgs["hospital"].name == demo.HOSPITAL.name
    assert (sites["supplier"].timezone, sites["supplier"].jurisdiction) == ("Europe/Moscow", "RU")
    assert sites["hospital"].timezone == "Asia/Bishkek"

    # one user per role, signing in with the printed password, no change required
    roles = Counter((u.org, u.role) for u in result.sign_ins)
    assert set(roles.values()) == {1}
    assert {r for o, r in roles if o == demo.SUPPLIER.name} == {
        "admin", "supplier_sales", "supplier_logistics", "supplier_production", "rso",
        "viewer"}
    assert {r for o, r in roles if o == demo.HOSPITAL.name} == {
        "admin", "radiopharmacist", "technologist", "physician", "rso", "viewer"}
    assert (None, "admin") in roles
    for u in result.sign_ins:
        user = auth.check_credentials(db, u.username, u.password)
        assert not user.must_change_password and user.active

    # every row written by the demo's console actor or, in the department, by the demo user
    # whose work it is; everything in the past
    entries = audit.list_entries(db, CLI, limit=100000)
    assert {e.actor for e in entries} <= {"cli:demo", "bishkek.admin", "bishkek.doctor",
                                          "bishkek.tech", "bishkek.rph", "bishkek.rso"}
    assert all(e.at <= now for e in entries)
    for c in containers:
        assert c.received_at <= now
        assert all(e.occurred_at <= now for e in ledger.list_events(db, CLI, c.id))

    # holdings under every licence limit in force, now and at every receipt
    limits = licences.list_limits(db, CLI)
    for key, site in sites.items():
        moments = [now] + [c.received_at for c in containers if c.site_id == site.id]
        for t in moments:
            held = ledger.site_possession(db, CLI, site.id, at=t)
            in_force = [x for x in limits if x.site_id == site.id and x.valid_from <= t
                        and (x.valid_to is None or t < x.valid_to)]
            assert in_force, key
            for x in in_force:
                amount = sum(held.values()) if x.nuclide is None else held.get(x.nuclide, 0)
                assert amount <= x.limit_bq, (key, x.nuclide, t)
            assert set(held) <= {x.nuclide for x in in_force} or any(
                x.nuclide is None for x in in_force)
    expiring = [x for x in limits if x.valid_to is not None
                and now < x.valid_to <= now + timedelta(days=60)]
    assert len(expiring) == 1

    # the hospital department's week (issue #10 item 9): generators, elutions, kits, doses
    _check_the_department(db, now, sites["hospital"].id,
                          [c for c in containers if c.site_id == sites["hospital"].id])

    # the supplier: a sealed Co-60 source, bulk Mo-99 and I-131 shipped, a Ga-68 generator
    sup = [c for c in containers if c.site_id == sites["supplier"].id]
    assert any(c.kind == "sealed_source" and c.nuclide == "Co-60" for c in sup)
    assert any(c.kind == "generator" and c.nuclide == "Ge-68" for c in sup)
    for nuclide in ("Mo-99", "I-131"):
        bulk = [c for c in sup if c.nuclide == nuclide and c.kind == "vial"]
        notes = [e.note or "" for c in bulk for e in ledger.list_events(db, CLI, c.id)
                 if e.kind == "withdrawal"]
        assert any("Havana" in n for n in notes), nuclide


def test_loading_again_adds_nothing_and_gives_new_passwords(db) -> None:
    first = demo.load(db)
    before = _counts(db)
    assert before["orgs"] == 2 and before["users"] == 13
    again = demo.load(db)
    assert not again.created
    assert _counts(db) == before
    assert [u.username for u in again.sign_ins] == [u.username for u in first.sign_ins]
    old = {u.username: u.password for u in first.sign_ins}
    for u in again.sign_ins:
        assert u.password != old[u.username]
        assert not auth.check_credentials(db, u.username, u.password).must_change_password
    with pytest.raises(Unauthenticated):
        auth.check_credentials(db, "bishkek.rph", old["bishkek.rph"])
    resets = [e for e in audit.list_entries(db, CLI, entity_type="user", limit=1000)
              if e.action == "updated"]
    assert len(resets) == 13 and all(e.new["password"] == "reset" for e in resets)
    assert audit.verify(db).ok


def test_an_organisation_of_the_demo_name_not_made_by_the_demo_is_refused(db) -> None:
    organisations.create_organisation(db, CLI, name=demo.HOSPITAL.name, kind="hospital",
                                      timezone="Asia/Bishkek", jurisdiction="RU")
    with pytest.raises(Conflict, match="not created by 'isoflow demo load'"):
        demo.load(db)
    assert len(organisations.list_organisations(db, CLI)) == 1
    assert organisations.list_users(db, CLI) == []


def test_a_demo_username_taken_by_a_real_user_is_refused(db) -> None:
    org, _ = organisations.create_organisation(db, CLI, name="Elsewhere", kind="hospital",
                                               timezone="UTC", jurisdiction="EU")
    organisations.create_user(db, CLI, username="bishkek.rph", password="x" * 12,
                              role="viewer", org_id=org.id)
    with pytest.raises(Conflict, match=r"bishkek\.rph"):
        demo.load(db)
    assert len(organisations.list_organisations(db, CLI)) == 1


def test_the_real_first_administrator_keeps_its_password(db) -> None:
    first = auth.create_first_admin(db)
    assert first is not None
    username, password = first
    result = demo.load(db)
    assert "admin" not in {u.username for u in result.sign_ins}
    assert result.notes and "admin" in result.notes[0]
    assert auth.check_credentials(db, username, password).must_change_password
    assert len(result.sign_ins) == 12


def _check_the_department(db, now: datetime, site_id: int, hosp) -> None:  # type: ignore[no-untyped-def]
    day = anchor_day(now)
    tech = Actor.command_line("tests")
    gens = [c for c in hosp if c.kind == "generator"]
    assert gens and all(c.nuclide == "Mo-99" and "GT-4K" in c.label for c in gens)
    assert all(now - timedelta(days=8) <= c.received_at <= now for c in gens)
    # the week's appointments, 20-30 a working day, all Tc-99m, on SPECT1 and SPECT2
    days = working_days(day)
    total = 0
    for d in days:
        booked = schedule.appointments_on(db, tech, site_id=site_id, day=d)
        assert 20 <= len(booked) <= 30, d
        assert {a.camera.ae_title for a in booked} == {"SPECT1", "SPECT2"}
        assert all(a.procedure.nuclide == "Tc-99m" for a in booked)
        done = [a for a in booked if a.status == "administered"]
        if d < day:
            assert len(done) == len(booked), d
        elif d > day:
            assert not done
        total += len(booked)
    past = [a for d in days if d < day
            for a in schedule.appointments_on(db, tech, site_id=site_id, day=d)]
    assert any(a.prescription is not None and a.prescription.basis == "eanm" for a in past)
    # every administration follows a drawn dose from a released kit or the eluate
    given = doses.list_administrations(db, tech)
    assert len(given) == sum(1 for d in days if d <= day
                             for a in schedule.appointments_on(db, tech, site_id=site_id,
                                                               day=d)
                             if a.status == "administered")
    assert sum(1 for a in given if a.flagged) == 1
    assert all(a.administered_at <= now for a in given)
    preparations = kits.list_kit_preparations(db, tech)
    assert preparations and all(p.status == "released" for p in preparations)
    eluted = elutions.list_elutions(db, tech)
    assert eluted and all(e.breakthrough_passed in (True, None) for e in eluted)
    assert all(not e.yield_flagged for e in eluted)
    (calibrator,) = catalogue.list_calibrators(db, tech)
    checks = quality.list_checks(db, tech, calibrator.id)
    assert {c.kind for c in checks} == {"constancy", "linearity", "accuracy"}
    assert all(c.passed for c in checks)
    assert quality.calibrator_status(db, tech, calibrator.id, at=now).blocking == ()
    bins = waste.list_waste(db, tech)
    assert bins and len(bins[0].items) == len(given)
