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
from isoflow.services import audit, auth, demo, ledger, licences, organisations
from isoflow.services.demo.history import anchor_day

CLI = Actor.command_line("tests")
#: 11:00 in Bishkek (the morning's history is the day before's); 20:30 in Bishkek, another year
NOWS = [datetime(2026, 3, 4, 5, 0, tzinfo=UTC), datetime(2027, 7, 19, 14, 30, tzinfo=UTC)]


def _world(db):
    orgs = {o.kind: o for o in organisations.list_organisations(db, CLI)}
    sites = {k: organisations.list_sites(db, CLI, org_id=o.id)[0] for k, o in orgs.items()}
    containers = ledger.list_containers(db, CLI, limit=1000)
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
        "admin", "supplier_sales", "supplier_logistics", "rso", "viewer"}
    assert {r for o, r in roles if o == demo.HOSPITAL.name} == {
        "admin", "radiopharmacist", "technologist", "physician", "rso", "viewer"}
    assert (None, "admin") in roles
    for u in result.sign_ins:
        user = auth.check_credentials(db, u.username, u.password)
        assert not user.must_change_password and user.active

    # every row written by the demo's console actor, everything in the past
    entries = audit.list_entries(db, CLI, limit=1000)
    assert {e.actor for e in entries} == {"cli:demo"}
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

    # the hospital: the GT-4K received this week, its elutions, kits, doses, an assay, a disposal
    hosp = [c for c in containers if c.site_id == sites["hospital"].id]
    (gen,) = [c for c in hosp if c.kind == "generator"]
    assert gen.nuclide == "Mo-99" and "GT-4K" in gen.label
    assert now - timedelta(days=7) <= gen.received_at <= now
    assert gen.received_at.date() == anchor_day(now) - timedelta(days=3)
    lot = gen.label.rsplit(" ", 1)[-1]
    eluates = [c for c in hosp if c.label.startswith("Eluate")]
    assert len(eluates) >= 1 and all(c.nuclide == "Tc-99m" for c in eluates)
    receipt = ledger.list_events(db, CLI, eluates[0].id)[0]
    assert lot in (receipt.note or "") and "elution" in (receipt.note or "")
    assert all(gen.received_at <= c.received_at for c in eluates)
    eluate_ids = {c.id for c in eluates}
    kits = [c for c in hosp if c.kind == "vial" and c.source_container_id in eluate_ids]
    assert any("Macrotech" in c.label for c in kits) and any("MDP" in c.label for c in kits)
    kit_ids = {c.id for c in kits}
    doses = [c for c in hosp if c.kind == "syringe" and c.source_container_id in kit_ids]
    assert len(doses) >= 3
    kinds = Counter(e.kind for c in hosp for e in ledger.list_events(db, CLI, c.id))
    assert kinds["measurement"] >= 1 and kinds["disposal"] == 1
    assert next(c for c in eluates if c.disposed).received_at < now - timedelta(days=2)

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
    assert before["orgs"] == 2 and before["users"] == 12
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
    assert len(resets) == 12 and all(e.new["password"] == "reset" for e in resets)
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
    assert len(result.sign_ins) == 11
