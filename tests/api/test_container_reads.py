"""The GET /containers/{id} shortcut (isoflow.api.container_reads) answers exactly as the FastAPI
route does: same status, body bytes and headers for plain requests, for odd ones and for every
error (which it leaves to the route) — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from fastapi import HTTPException
from fastapi.testclient import TestClient

from isoflow.api.deps import current_actor
from isoflow.domain.roles import Actor
from isoflow.services import ledger, organisations
from tests.conftest import PASSWORD, T0, make_tenant, token_for

NOW = T0 + timedelta(hours=5)


@pytest.fixture
def clients(db) -> Iterator[tuple[TestClient, TestClient]]:  # type: ignore[no-untyped-def]
    """Two apps over one database: with the shortcut, and routes only."""
    from isoflow.api.app import create_app

    fast, plain = create_app(), create_app(container_read_shortcut=False)
    fast.state.isoflow_db = plain.state.isoflow_db = db
    with TestClient(fast) as f, TestClient(plain) as p:
        yield f, p


def _answer(r) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return (r.status_code, r.content, r.headers.get("content-type"),
            r.headers.get("content-length"), r.headers.get("www-authenticate"))


def test_the_shortcut_answers_as_the_route(db, clients) -> None:  # type: ignore[no-untyped-def]
    fast, plain = clients
    a, b = make_tenant(db, "A"), make_tenant(db, "B")
    rph = a.radiopharmacist
    vial = ledger.receive(db, rph, site_id=a.site_id, kind="vial", nuclide="Tc-99m",
                          activity_bq=10e9, reference_at=T0, received_at=T0, volume_ml=10.0)
    ledger.withdraw(db, rph, vial.id, at=T0 + timedelta(hours=1), volume_ml=2.5)
    # a reading flagged as a discrepancy, and a transfer voided with its syringe
    ledger.measure(db, rph, vial.id, activity_bq=14e9, at=T0, note="calibrator drift")
    moved = ledger.withdraw(db, rph, vial.id, at=T0 + timedelta(hours=1), volume_ml=1.0,
                            into_kind="syringe")
    ledger.correct(db, rph, vial.id, event_id=moved.id, void=True, reason="wrong syringe")
    voided = moved.counterpart_container_id
    source = ledger.receive(db, rph, site_id=a.site_id, kind="sealed_source", nuclide="Cs-137",
                            activity_bq=3.7e6, reference_at=T0, received_at=T0)
    gone = ledger.receive(db, rph, site_id=a.site_id, kind="syringe", nuclide="Tc-99m",
                          activity_bq=1e9, reference_at=T0, received_at=T0, volume_ml=1.0)
    ledger.dispose(db, rph, gone.id, at=T0 + timedelta(hours=2))
    ledger.correct(db, rph, source.id, event_id=ledger.list_events(db, rph, source.id)[0].id,
                   reason="certificate says 3.8 MBq", activity_bq=3.8e6)
    theirs = ledger.receive(db, b.radiopharmacist, site_id=b.site_id, kind="vial",  # type: ignore[arg-type]
                            nuclide="I-131", activity_bq=1e9, reference_at=T0, received_at=T0)
    ha = token_for(fast, a.rph_username)
    organisations.create_user(db, Actor.command_line("tests"), username="newcomer",
                              password=PASSWORD, role="viewer", org_id=a.org_id)
    newcomer = token_for(fast, "newcomer")  # must change the password first
    revoked = token_for(fast, a.admin_username)
    assert fast.post("/api/v1/auth/logout", headers=revoked).status_code == 204
    bearer = ha["Authorization"]
    token = bearer.split(" ", 1)[1]

    cases: list[tuple[str, object]] = []
    for cid in (vial.id, source.id, gone.id, voided):
        for query in ("", "?at=2026-03-02T07:30:00Z", "?at=2026-03-02T13:30:00%2B06:00",
                      "?at=2026-03-02T05:00:00Z", "?at=2026-03-02T07:30:00.123456Z"):
            cases.append((f"/api/v1/containers/{cid}{query}", ha))
    v = f"/api/v1/containers/{vial.id}"
    cases += [
        (f"/api/v1/containers/{theirs.id}", ha),  # another tenant's: 404
        ("/api/v1/containers/999999", ha), ("/api/v1/containers/0", ha),
        (f"/api/v1/containers/{2**31}", ha), (f"/api/v1/containers/0{vial.id}", ha),
        (f"{v}/", ha), (f"{v}?at=", ha), (f"{v}?at=yesterday", ha),
        (f"{v}?at=2026-03-02T07:30:00", ha),  # no time zone: 422
        (f"{v}?at=1800-01-01T00:00:00Z", ha),  # out of range: 422
        (f"{v}?at=2026-03-02T07:30:00Z&at=2026-03-02T08:30:00Z", ha),
        (f"{v}?at=2026-03-02T07:30:00Z&unknown=1", ha),
        (v, {}), (v, {"Authorization": f"Basic {token}"}), (v, {"Authorization": "Bearer "}),
        (v, {"Authorization": f"bearer {token}"}), (v, {"Authorization": f"Bearer  {token} "}),
        (v, {"Authorization": "Bearer not-a-token"}), (v, revoked), (v, newcomer),
        (v, [("Authorization", bearer), ("Authorization", "Bearer not-a-token")]),
    ]
    with time_machine.travel(NOW, tick=False):
        for path, headers in cases:
            got, expected = fast.get(path, headers=headers), plain.get(path, headers=headers)
            assert _answer(got) == _answer(expected), path
    statuses = {plain.get(p, headers=h).status_code for p, h in cases}
    assert {200, 401, 403, 404, 422} <= statuses
    with time_machine.travel(NOW, tick=False):
        shown = fast.get(v, headers=ha).json()
        syringe = fast.get(f"/api/v1/containers/{voided}", headers=ha).json()
    assert shown["discrepancies"] == 1 and not shown["voided"]
    assert syringe["voided"] and syringe["activity_bq"] == 0.0


def test_plain_reads_are_answered_by_the_shortcut(db, clients) -> None:  # type: ignore[no-untyped-def]
    """With the route's authentication replaced by a refusal, a plain read still succeeds
    (the shortcut answered it) and anything else gets the route's refusal."""
    fast, _ = clients
    a = make_tenant(db, "A")
    vial = ledger.receive(db, a.radiopharmacist, site_id=a.site_id, kind="vial",  # type: ignore[arg-type]
                          nuclide="Tc-99m", activity_bq=1e9, reference_at=T0, received_at=T0)
    h = token_for(fast, a.rph_username)

    def refuse() -> Actor:
        raise HTTPException(status_code=418, detail="the route answered")

    fast.app.dependency_overrides[current_actor] = refuse  # type: ignore[attr-defined]
    assert fast.get(f"/api/v1/containers/{vial.id}", headers=h).status_code == 200
    assert fast.get(f"/api/v1/containers/{vial.id}?at=2026-03-02T07:00:00Z",
                    headers=h).status_code == 200
    assert fast.get(f"/api/v1/containers/{vial.id}?x=1", headers=h).status_code == 418
    assert fast.get(f"/api/v1/containers/{vial.id}/events", headers=h).status_code == 418
    assert fast.get(f"/api/v1/containers/{vial.id + 1}", headers=h).status_code == 418
