"""The day plan's pages through the TestClient."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient

from tests.department_world import PASSWORD
from tests.services.test_day_plan import DAY, world

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def test_plan_and_worklist_pages(db, app) -> None:  # type: ignore[no-untyped-def]
    dep, _ = world(db)
    client = signed_in(app, dep.usernames["technologist"])
    r = client.get("/department/plan", params={"date": DAY.isoformat()})
    assert r.status_code == 200, r.text
    assert "MDP" in r.text and "Asia/Bishkek" in r.text and "needs a prescription" in r.text
    r = client.get("/department/plan/worklist", params={"date": DAY.isoformat()})
    assert r.status_code == 200, r.text
    assert r.text.count('type="checkbox"') >= 9 and "Ivanov Ivan" in r.text
    assert "SPECT1" in r.text and "Asia/Bishkek" in r.text
    assert client.get("/department/plan", params={"date": "soon"}).status_code in (404, 422)


def test_without_a_date_the_plan_is_of_today_in_the_sites_zone(db, app) -> None:  # type: ignore[no-untyped-def]
    """At 20:30 UTC on the eve it is already DAY (02:30) in Bishkek: the plan and the
    worklist without a date are DAY's, not the UTC date's (CI found this at 21:00 UTC)."""
    import time_machine

    dep, _ = world(db)
    eve = datetime.combine(DAY - timedelta(days=1), time(20, 30), tzinfo=UTC)
    with time_machine.travel(eve, tick=False):
        client = signed_in(app, dep.usernames["technologist"])
        plan = client.get("/department/plan")
        worklist = client.get("/department/plan/worklist")
    assert plan.status_code == 200 and worklist.status_code == 200
    for r in (plan, worklist):
        assert DAY.isoformat() in r.text and (DAY - timedelta(days=1)).isoformat() not in r.text
    assert "Ivanov Ivan" in plan.text and "Ivanov Ivan" in worklist.text
