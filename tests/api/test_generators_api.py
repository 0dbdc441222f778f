"""/api/v1/generators/... and the generator curve page, through FastAPI's TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from isoflow.api.app import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


CURVE = {"pair": "Mo-99/Tc-99m", "parent_activity": "10 GBq",
         "reference": "2026-03-02T12:00+01:00", "elute_at": ["2026-03-03T08:00+01:00"],
         "efficiency": 0.9, "to": "2026-03-04T12:00+01:00", "step": "1 h"}


def test_curve(client: TestClient) -> None:
    r = client.post("/api/v1/generators/curve", json=CURVE)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert len(doc["points"]) == 49 and len(doc["elutions"]) == 1
    assert set(doc["points"][0]) == {"t", "parent_bq", "daughter_bq"}
    assert 0 < doc["elutions"][0]["daughter_fraction"] < 1


@pytest.mark.parametrize(("change", "field"), [
    ({"parent_activity": "-10 GBq"}, "parent_activity"),
    ({"reference": "2026-03-02T12:00"}, "reference"),
    ({"elute_at": ["tomorrow"]}, "elute_at[0]"),
    ({"pair": "Mo-99/I-131"}, "pair"),
    ({"step": "0 h"}, "step"),
    ({"type": "GT-9"}, "generator_type"),
])
def test_curve_errors_are_4xx_json(client: TestClient, change: dict[str, object],
                                   field: str) -> None:
    r = client.post("/api/v1/generators/curve", json={**CURVE, **change})
    assert 400 <= r.status_code < 500
    body = r.json()
    assert body["error"] == "invalid_input" and body["field"] == field and body["message"]


def test_curve_after_expiry_is_a_limit(client: TestClient) -> None:
    r = client.post("/api/v1/generators/curve",
                    json={**CURVE, "type": "Poltechnet", "elute_at": ["2026-04-01T08:00Z"],
                          "to": "2026-04-02T12:00Z", "step": "6 h"})
    assert r.status_code == 409
    assert r.json()["error"] == "limit_exceeded" and "expired" in r.json()["message"]


def test_breakthrough(client: TestClient) -> None:
    body = {"measured": {"Mo-99": "0.05 kBq/MBq"}, "eluted_at": "2026-03-02T08:00Z",
            "administration_at": "2026-03-02T20:00Z", "jurisdiction": "NRC"}
    r = client.post("/api/v1/generators/breakthrough", json=body)
    assert r.status_code == 200
    doc = r.json()
    assert doc["passed"] is False
    assert doc["impurities"][0]["ratio_at_administration"] == pytest.approx(0.18e-3,
                                                                              abs=0.005e-3)
    assert doc["impurities"][0]["source"] == "10 CFR 35.204(a)"
    assert doc["latest_administration_at"].startswith("2026-03-02T18:29")
    r = client.post("/api/v1/generators/breakthrough", json={**body, "jurisdiction": "XX"})
    assert r.status_code == 422 and r.json()["field"] == "jurisdiction"


def test_types(client: TestClient) -> None:
    r = client.get("/api/v1/generators/types")
    assert r.status_code == 200
    gallia = next(t for t in r.json() if t["key"] == "GalliaPharm")
    assert gallia["max_elutions"]["value"] == 250 and gallia["max_elutions"]["source"]


DEMAND = """id,needed_at,activity,max_eluate_age,carrier_sensitive,label
bone,2030-03-04T08:00+03:00,6 GBq,12 h,no,MDP
early,2030-03-04T05:00+03:00,1 GBq,6 h,no,before the delivery
"""


def test_plan(client: TestClient) -> None:
    body = {"demand_csv": DEMAND, "sizes": ["5 GBq=500", "20 GBq=1100"],
            "deliveries": ["2030-03-04T06:30+03:00"], "timezone": "Europe/Moscow",
            "time_limit_s": 5, "now": "2030-03-01T00:00Z"}
    r = client.post("/api/v1/generators/plan", json=body)
    assert r.status_code == 200, r.text
    plan = r.json()["plan"]
    assert plan["feasible_demand_met_fraction"] == 1.0 and plan["n_feasible"] == 1
    (unmet,) = plan["unmet"]
    assert unmet["item_id"] == "early" and "no elution is possible" in unmet["reason"]
    bad = client.post("/api/v1/generators/plan",
                      json={**body, "demand_csv": "needed_at,activity\n"})
    assert bad.status_code == 422 and bad.json()["field"] == "max_eluate_age"
    past = client.post("/api/v1/generators/plan", json={**body, "now": "2031-01-01T00:00Z"})
    assert past.status_code == 422 and past.json()["field"] == "rows[2].needed_at"


def test_curve_page(client: TestClient) -> None:
    r = client.get("/generators/curve")
    assert r.status_code == 200
    assert '<script src="/static/plotly.min.js">' in r.text and "Plotly.newPlot" in r.text
    r = client.get("/generators/curve", params={"parent": "10 GBq",
                                                "reference": "2026-03-02T12:00Z",
                                                "to": "2026-03-03T12:00Z",
                                                "elute_at": "2026-03-02T20:00Z",
                                                "step": "1 h", "pair": "Mo-99/Tc-99m"})
    assert r.status_code == 200 and "2026-03-02T20:00:00+00:00" in r.text
    r = client.get("/generators/curve", params={"parent": "ten", "reference": "x", "to": "y"})
    assert r.status_code == 422 and 'role="alert"' in r.text
    assert client.get("/static/plotly.min.js").status_code == 200
