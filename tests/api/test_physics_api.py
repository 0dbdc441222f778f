"""The stateless physics endpoints."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from isoflow.api.app import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def test_nuclide(client: TestClient) -> None:
    r = client.get("/api/v1/nuclides/Technetium-99m")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Tc-99m" and body["half_life"] == "6.015 h"
    assert [p["nuclide"] for p in body["progeny"]] == ["Tc-99", "Ru-99"]
    stable = client.get("/api/v1/nuclides/Ru-99").json()
    assert stable["stable"] and stable["half_life_s"] is None


def test_unknown_nuclide_is_404_with_suggestions(client: TestClient) -> None:
    r = client.get("/api/v1/nuclides/Tc-98m")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found" and "Tc-99m" in r.json()["message"]


def test_decay_by_durations(client: TestClient) -> None:
    r = client.post("/api/v1/decay", json={"inventory": {"Mo-99": "10 GBq"},
                                           "times": [0, "6 h", "PT24H"]})
    assert r.status_code == 200
    body = r.json()
    assert body["nuclides"] == ["Mo-99", "Tc-99m", "Tc-99", "Ru-99"]
    assert body["t_s"] == [0, 21600, 86400]
    assert body["activities_bq"][0][0] == pytest.approx(1e10)
    assert body["activities_bq"][2][1] == pytest.approx(6.89355e9, rel=1e-5)


def test_decay_by_zoned_datetimes(client: TestClient) -> None:
    r = client.post("/api/v1/decay", json={
        "inventory": {"I-131": 5e8}, "reference_at": "2026-11-22T06:00+03:00",
        "at": ["2026-11-22T12:00 America/Havana"]})
    assert r.status_code == 200
    assert r.json()["t_s"] == [14 * 3600]
    assert r.json()["at"] == ["2026-11-22T17:00:00Z"]


@pytest.mark.parametrize(("body", "field", "fragment"), [
    ({"inventory": {"Mo-99": "10 mbq"}, "times": [1]}, "inventory.Mo-99", "case-sensitive"),
    ({"inventory": {"Mo-99": "1 GBq"}, "times": ["6 m"]}, "times.0", "ambiguous"),
    ({"inventory": {"Mo-99": "1 GBq"}, "times": [-5]}, "times.0", "before"),
    ({"inventory": {"Mo-99": "1 GBq"}}, None, "either"),
    ({"inventory": {"Mo-99": "1 GBq"}, "reference_at": "2026-01-01T00:00",
      "at": ["2026-01-02T00:00Z"]}, "reference_at", "no time zone"),
    ({"inventory": {}, "times": [1]}, "inventory", "empty"),
    ({"inventory": {"Zz-1": "1 GBq"}, "times": [1]}, "nuclide", "unknown nuclide"),
    ({"inventory": {"Mo-99": "1 GBq"}, "times": list(range(10_001))}, None, "10000"),
])
def test_bad_input_is_422_naming_the_field(client: TestClient, body: dict, field: str | None,
                                           fragment: str) -> None:
    r = client.post("/api/v1/decay", json=body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["error"] == "invalid_input"
    assert fragment in err["message"]
    if field is not None:
        assert err["field"] == field
