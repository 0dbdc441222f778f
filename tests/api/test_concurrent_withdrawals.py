"""50 simultaneous withdrawal requests against one vial never take more than it held, on
SQLite and on PostgreSQL, and the accepted ones are exactly what the events say."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest

from isoflow.physics.nuclides import get_nuclide
from tests.conftest import T0, make_tenant, token_for

ISO0 = T0.isoformat()
N = 50


async def _burst(app, headers: dict[str, str], cid: int,
                 bodies: list[dict]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://isoflow") as ac:
        return await asyncio.gather(*(ac.post(f"/api/v1/containers/{cid}/withdrawals",
                                              headers=headers, json=b) for b in bodies))


@pytest.mark.slow
def test_fifty_simultaneous_withdrawals_never_overdraw(db, app, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    r = client.post("/api/v1/containers", headers=h, json={
        "kind": "vial", "nuclide": "Tc-99m", "activity_bq": 10e9, "reference_at": ISO0,
        "received_at": ISO0, "volume_ml": 10.0})
    cid = r.json()["id"]
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    # mixed amounts and times (minutes after receipt), by activity and by volume
    bodies = []
    for i in range(N):
        at = T0.replace(minute=(i % 6) * 10).isoformat()
        bodies.append({"activity_bq": 0.35e9, "at": at} if i % 2 else
                      {"volume_ml": 0.4, "at": at})
    responses = asyncio.run(_burst(app, h, cid, bodies))
    codes = sorted({r.status_code for r in responses})
    assert set(codes) <= {201, 409}, [r.text for r in responses if r.status_code not in
                                      (201, 409)]
    accepted = [r.json() for r in responses if r.status_code == 201]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert accepted and refused  # the vial ran out, and some requests were refused
    assert all(e["error"] == "limit_exceeded" for e in refused)
    events = client.get(f"/api/v1/containers/{cid}/events", headers=h).json()
    withdrawals = [e for e in events if e["kind"] == "withdrawal"]
    assert sorted(e["id"] for e in withdrawals) == sorted(a["id"] for a in accepted)
    # what was taken, decay-corrected back to the reference time, never exceeds what it held
    taken_at_ref = sum(e["activity_bq"] * math.exp(lam * (
        (httpx_time(e["occurred_at"]) - T0).total_seconds())) for e in withdrawals)
    assert taken_at_ref <= 10e9 * (1 + 1e-9)
    assert sum(e["volume_ml"] for e in withdrawals) <= 10.0 * (1 + 1e-9)
    end = client.get(f"/api/v1/containers/{cid}", headers=h,
                     params={"at": "2026-03-02T07:00:00Z"}).json()
    assert end["activity_bq"] >= 0 and end["volume_ml"] >= 0
    assert len(events) == 1 + len(accepted)


def httpx_time(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
