"""/journals/{name} and /fhir/MedicationAdministration as a client sees them."""

from __future__ import annotations

import csv
import io

from fhir.resources.R4B.bundle import Bundle

from tests.conftest import token_for as _token_for
from tests.department_world import PASSWORD
from tests.journal_world import T0, H, make_records

PERIOD = {"since": (T0 - 48 * H).isoformat(), "until": (T0 + 24 * H).isoformat()}


def token_for(client, username: str):  # type: ignore[no-untyped-def]
    return _token_for(client, username, PASSWORD)


def test_journals_as_json_and_csv(db: object, client) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    other = make_records(db, "Other Hospital", prefix="B")
    viewer = token_for(client, rec.dep.usernames["viewer"])
    for name in ("receipts-and-use", "administrations", "dosages", "breakthrough",
                 "decay-in-storage", "calibrators"):
        r = client.get(f"/api/v1/journals/{name}", params=PERIOD, headers=viewer)
        assert r.status_code == 200, (name, r.text)
        body = r.json()
        assert body["journal"] == name and body["rows"], name
        assert {row["site_id"] for row in body["rows"]} == {rec.dep.site_id}
    r = client.get("/api/v1/journals/administrations", headers=viewer,
                   params={**PERIOD, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][1] == "Дата и время введения" and len(table) == 3
    r = client.get("/api/v1/journals/dosages", headers=viewer,
                   params={**PERIOD, "format": "csv"})
    assert next(csv.reader(io.StringIO(r.content.decode()[1:])))[1] == \
        "Date and time determined"
    r = client.get("/api/v1/journals/dosages", headers=viewer,
                   params={**PERIOD, "site_id": other.dep.site_id})
    assert r.status_code == 404 and r.json()["field"] == "site_id"
    assert client.get("/api/v1/journals/nope", params=PERIOD,
                      headers=viewer).status_code == 404
    assert client.get("/api/v1/journals/dosages", params=PERIOD).status_code == 401


def test_times_must_be_aware_and_given(db: object, client) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    viewer = token_for(client, rec.dep.usernames["viewer"])
    r = client.get("/api/v1/journals/dosages", headers=viewer,
                   params={"since": "2026-03-01T00:00:00", "until": PERIOD["until"]})
    assert r.status_code == 422 and r.json()["field"] == "since"
    r = client.get("/api/v1/journals/dosages", headers=viewer, params={"since": PERIOD["since"]})
    assert r.status_code == 422 and r.json()["field"] == "until"
    r = client.get("/api/v1/fhir/MedicationAdministration", headers=viewer,
                   params={"since": PERIOD["since"], "until": "2026-03-03"})
    assert r.status_code == 422 and r.json()["field"] == "until"
    r = client.get("/api/v1/journals/dosages", headers=viewer,
                   params={"since": PERIOD["until"], "until": PERIOD["since"]})
    assert r.status_code == 422 and r.json()["field"] == "until"


def test_fhir_bundle(db: object, client) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    make_records(db, "Other Hospital", prefix="B")
    viewer = token_for(client, rec.dep.usernames["viewer"])
    r = client.get("/api/v1/fhir/MedicationAdministration", headers=viewer, params=PERIOD)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    doc = r.json()
    Bundle.model_validate(doc)
    assert doc["type"] == "collection" and len(doc["entry"]) == 2  # ours only
    assert {e["resource"]["subject"]["identifier"]["value"] for e in doc["entry"]} == {"MRN-A"}
