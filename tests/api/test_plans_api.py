"""GET /plans/day, /plans/worklist, /plans/generator-order."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import token_for
from tests.department_world import PASSWORD, make_department
from tests.services.test_day_plan import DAY, world


def test_day_worklist_and_order(db, client) -> None:  # type: ignore[no-untyped-def]
    dep, appts = world(db)
    h = token_for(client, dep.usernames["technologist"], PASSWORD)
    r = client.get("/api/v1/plans/day", params={"site_id": dep.site_id, "date": DAY.isoformat()},
                   headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["vials"]) == 1 and not body["shortfalls"]
    assert {d["appointment_id"] for d in body["draws"]} == set(appts)
    r = client.get("/api/v1/plans/worklist",
                   params={"site_id": dep.site_id, "date": DAY.isoformat()}, headers=h)
    assert r.status_code == 200, r.text
    steps = r.json()
    kinds = [s["kind"] for s in steps]
    assert kinds[0] == "elute" and kinds.count("inject") == 3 and "release" in kinds
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert not any(s["done"] for s in steps)
    r = client.get("/api/v1/plans/generator-order",
                   params={"site_id": dep.site_id, "week": (DAY - timedelta(days=1)).isoformat()},
                   headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["n_items"] == 2 and r.json()["parent_activity_bq"] > 0


def test_bad_input_and_tenancy(db, client) -> None:  # type: ignore[no-untyped-def]
    dep, _ = world(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    h = token_for(client, other.usernames["viewer"], PASSWORD)
    r = client.get("/api/v1/plans/day", params={"site_id": dep.site_id, "date": DAY.isoformat()},
                   headers=h)
    assert r.status_code == 404
    r = client.get("/api/v1/plans/day", params={"site_id": dep.site_id, "date": "2031-13-40"},
                   headers=h)
    assert r.status_code == 422
    assert client.get("/api/v1/plans/day",
                      params={"site_id": dep.site_id, "date": DAY.isoformat()}).status_code == 401
