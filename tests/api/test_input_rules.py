"""Issue 13 items 2, 5, 6, 7 and 11 as a client meets them, on SQLite and PostgreSQL: one
free-text rule, IANA zones only, amounts as JSON numbers and times as text, one time syntax
at every door (API, CLI), and an OpenAPI contract that states what the server enforces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from isoflow.config import get_settings
from isoflow.domain.roles import Actor
from isoflow.errors import InvalidInput
from isoflow.services import licences, organisations
from tests.conftest import T0, make_tenant, token_for

ISO0 = T0.isoformat()
RECEIPT = {"kind": "vial", "nuclide": "Tc-99m", "activity_bq": 1e10, "reference_at": ISO0,
           "received_at": ISO0, "volume_ml": 10.0}
BOTH = ("2026-11-22T12:00+03:00", "2026-11-22T12:00 Europe/Moscow")


def _422(r: Any, field: str | None) -> str:
    assert r.status_code == 422, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "invalid_input" and body["field"] == field, body
    return str(body["message"])


@pytest.fixture
def alpha(db, client):  # type: ignore[no-untyped-def]
    t = make_tenant(db, "Alpha")
    return t, token_for(client, t.rph_username), token_for(client, t.admin_username)


# ---------------------------------------------------------------- item 2: one text rule
@pytest.mark.parametrize(("bad", "what"), [
    ("vial\x00", "U+0000"), ("vial\x1b[2J", "U+001B"), ("vial\x85", "U+0085"),
    ("abc\u202egpj.exe", "U+202E"), ("\u2067x\u2069", "U+2067"), ("a\u2028b", "U+2028"),
    ("two\nlines", "line break")])
def test_no_free_text_field_takes_what_the_rule_refuses(alpha, client, bad: str,
                                                        what: str) -> None:
    t, h, admin = alpha
    r = client.post("/api/v1/containers", headers=h, json={**RECEIPT, "label": bad})
    assert what in _422(r, "label")
    cid = client.post("/api/v1/containers", headers=h, json=RECEIPT).json()["id"]
    r = client.post(f"/api/v1/containers/{cid}/withdrawals", headers=h,
                    json={"volume_ml": 1.0, "at": ISO0, "into": {"kind": "syringe",
                                                                 "label": bad}})
    assert what in _422(r, "into.label")
    r = client.post("/api/v1/licences", headers=admin, json={
        "site_id": t.site_id, "nuclide": "I-131", "limit_bq": 1e9, "reference": bad})
    assert what in _422(r, "reference")
    r = client.patch(f"/api/v1/organisations/{t.org_id}", headers=admin, json={"name": bad})
    assert what in _422(r, "name")
    if what != "line break":  # a note has lines, nothing else
        r = client.post(f"/api/v1/containers/{cid}/disposal", headers=h,
                        json={"at": ISO0, "note": f"ok\n{bad}"})
        assert what in _422(r, "note")
    # nothing of it reached the database
    assert [c["label"] for c in client.get("/api/v1/containers", headers=h).json()] == [
        "Tc-99m vial"]


def test_arabic_and_cyrillic_text_is_kept_normalised(alpha, client) -> None:
    t, h, admin = alpha
    r = client.post("/api/v1/containers", headers=h, json={
        **RECEIPT, "label": "  Флакон №3 ", "note": "مستشفى الأورام\n\tCafe\u0301"})
    assert r.status_code == 201, r.text
    assert r.json()["label"] == "Флакон №3"
    events = client.get(f"/api/v1/containers/{r.json()['id']}/events", headers=h).json()
    assert events[0]["note"] == "مستشفى الأورام\n\tCaf\u00e9"
    r = client.patch(f"/api/v1/organisations/{t.org_id}", headers=admin,
                     json={"name": "مستشفى ألفا", "reason": "الاسم الرسمي"})
    assert r.status_code == 200 and r.json()["name"] == "مستشفى ألفا"


def test_the_services_apply_the_same_rule(db) -> None:
    cli = Actor.command_line("tests")
    with pytest.raises(InvalidInput, match="U\\+0000") as exc:
        organisations.create_organisation(db, cli, name="Nul\x00 Hospital", kind="hospital",
                                          timezone="UTC", jurisdiction="EU")
    assert exc.value.field == "name"
    t = make_tenant(db, "Alpha")
    with pytest.raises(InvalidInput, match="U\\+202E") as exc:
        organisations.update_site(db, cli, t.site_id, name="Main \u202esite")
    with pytest.raises(InvalidInput, match="without spaces"):
        organisations.create_user(db, cli, username="two words", password="x" * 12,
                                  role="viewer", org_id=t.org_id)
    with pytest.raises(InvalidInput, match="U\\+001B") as exc:
        licences.add_limit(db, cli, site_id=t.site_id, nuclide="I-131", limit_bq=1e9,
                           reference="L-1\x1b[2J")
    assert exc.value.field == "reference"
    with pytest.raises(InvalidInput, match="at most 100"):
        licences.add_limit(db, cli, site_id=t.site_id, nuclide="I-131", limit_bq=1e9,
                           reference="L" * 101)  # was cut to 100 without a word


# ---------------------------------------------------------------- item 5: IANA zones only
@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "right/UTC",
                                  "posix/UTC", "Europe/Atlantis"])
def test_a_site_refuses_what_is_not_an_iana_zone(db, alpha, client, zone: str) -> None:
    t, _h, admin = alpha
    r = client.post("/api/v1/sites", headers=admin, json={
        "name": "Annex", "timezone": zone, "jurisdiction": "EU"})
    _422(r, "timezone")
    r = client.patch(f"/api/v1/sites/{t.site_id}", headers=admin, json={"timezone": zone})
    _422(r, "timezone")
    with pytest.raises(InvalidInput, match="time zone"):
        organisations.create_site(db, Actor.command_line("tests"), org_id=t.org_id,
                                  name="Annex", timezone=zone, jurisdiction="EU")


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT+5", "Europe/Moscow"])
def test_iana_zones_stay_valid(alpha, client, zone: str) -> None:
    _t, _h, admin = alpha
    r = client.post("/api/v1/sites", headers=admin, json={
        "name": f"Annex {zone}", "timezone": zone, "jurisdiction": "EU"})
    assert r.status_code == 201 and r.json()["timezone"] == zone


@pytest.mark.parametrize("contact", ["+7 000\u202e", "duty\x00RSO", 7, True, "x" * 201])
def test_a_sites_emergency_contact_is_one_clean_line(alpha, client, contact: object) -> None:
    t, _h, admin = alpha
    _422(client.patch(f"/api/v1/sites/{t.site_id}", headers=admin,
                      json={"emergency_contact": contact}), "emergency_contact")
    r = client.patch(f"/api/v1/sites/{t.site_id}", headers=admin,
                     json={"emergency_contact": " +7 000 000-00-00, duty RSO "})
    assert r.status_code == 200 and r.json()["emergency_contact"] == "+7 000 000-00-00, duty RSO"
    r = client.patch(f"/api/v1/sites/{t.site_id}", headers=admin, json={"emergency_contact": ""})
    assert r.status_code == 200 and r.json()["emergency_contact"] is None


# ---------------------------------------------------------------- item 6: no coercion
@pytest.mark.parametrize("amount", [True, "1e9", " 1e9 ", "1_000", "5", [1e9], None])
def test_amounts_are_json_numbers_only(alpha, client, amount: object) -> None:
    _t, h, _admin = alpha
    r = client.post("/api/v1/containers", headers=h, json={**RECEIPT, "activity_bq": amount})
    _422(r, "activity_bq")
    cid = client.post("/api/v1/containers", headers=h, json=RECEIPT).json()["id"]
    r = client.post(f"/api/v1/containers/{cid}/measurements", headers=h,
                    json={"activity_bq": amount, "at": ISO0})
    _422(r, "activity_bq")
    if amount is not None:
        r = client.post(f"/api/v1/containers/{cid}/withdrawals", headers=h,
                        json={"volume_ml": amount, "at": ISO0})
        _422(r, "volume_ml")


def test_integers_are_numbers_and_numbers_may_be_integers(alpha, client) -> None:
    t, h, _admin = alpha
    r = client.post("/api/v1/containers", headers=h,
                    json={**RECEIPT, "activity_bq": 10**10, "site_id": float(t.site_id)})
    assert r.status_code == 201, r.text
    _422(client.post("/api/v1/containers", headers=h,
                     json={**RECEIPT, "site_id": str(t.site_id)}), "site_id")
    _422(client.post("/api/v1/containers", headers=h, json={**RECEIPT, "activity_bq": 10**400}),
         "activity_bq")


@pytest.mark.parametrize("at", ["0.5", "1700000000", "0", "-1e9"])
def test_a_number_is_not_a_time(alpha, client, at: str) -> None:
    t, h, _admin = alpha
    cid = client.post("/api/v1/containers", headers=h, json=RECEIPT).json()["id"]
    for url in (f"/api/v1/sites/{t.site_id}/holdings", f"/api/v1/containers/{cid}",
                "/api/v1/containers"):
        assert "not understood" in _422(client.get(url, headers=h, params={"at": at}), "at")
    r = client.post("/api/v1/containers", headers=h,
                    json={**RECEIPT, "reference_at": float(at)})
    assert "not a number" in _422(r, "reference_at")


# ---------------------------------------------------------------- item 7: one time syntax
def test_both_forms_at_every_door_of_the_api(alpha, client) -> None:
    t, h, admin = alpha
    r = client.post("/api/v1/containers", headers=h, json={
        **RECEIPT, "reference_at": BOTH[1], "received_at": BOTH[0]})
    assert r.status_code == 201, r.text
    assert r.json()["reference_at"] == r.json()["received_at"] == "2026-11-22T09:00:00Z"
    cid = r.json()["id"]
    r = client.get(f"/api/v1/containers/{cid}", headers=h,
                   params={"at": "2026-11-22T15:00 Europe/Moscow"})
    assert r.status_code == 200 and r.json()["at"] == "2026-11-22T12:00:00Z"
    r = client.get(f"/api/v1/sites/{t.site_id}/holdings", headers=h,
                   params={"at": "2026-11-22T18:00 Asia/Bishkek"})
    assert r.status_code == 200 and r.json()["at"] == "2026-11-22T12:00:00Z"
    r = client.post(f"/api/v1/containers/{cid}/withdrawals", headers=h,
                    json={"volume_ml": 1.0, "at": "2026-11-22 13:00 Europe/Moscow"})
    assert r.status_code == 201 and r.json()["occurred_at"] == "2026-11-22T10:00:00Z"
    r = client.post("/api/v1/licences", headers=admin, json={
        "site_id": t.site_id, "nuclide": "I-131", "limit_bq": 1e9,
        "valid_from": "2027-01-01T00:00 Asia/Bishkek", "valid_to": "2028-01-01T00:00+06:00"})
    assert r.status_code == 201, r.text
    assert r.json()["valid_from"] == "2026-12-31T18:00:00Z"
    r = client.post("/api/v1/decay", json={"inventory": {"I-131": 5e8},
                                           "reference_at": BOTH[0], "at": [BOTH[1]]})
    assert r.status_code == 200 and r.json()["t_s"] == [0.0]


def test_a_time_without_zone_or_in_a_dst_change_is_refused_with_the_forms(alpha,
                                                                           client) -> None:
    _t, h, _admin = alpha
    message = _422(client.post("/api/v1/containers", headers=h,
                               json={**RECEIPT, "reference_at": "2026-11-22T12:00"}),
                   "reference_at")
    assert "no time zone" in message and all(form in message for form in BOTH)
    message = _422(client.get("/api/v1/containers", headers=h,
                              params={"at": "2026-03-29T02:30 Europe/Berlin"}), "at")
    assert "does not exist" in message and "+01:00" in message
    message = _422(client.post("/api/v1/containers", headers=h, json={
        **RECEIPT, "reference_at": "2026-10-25T02:30 Europe/Berlin"}), "reference_at")
    assert "ambiguous" in message
    message = _422(client.post("/api/v1/containers", headers=h, json={
        **RECEIPT, "reference_at": "2026-11-22T12:00 localtime"}), "reference_at")
    assert "not the time zone of a place" in message


ISOFLOW = str(Path(sys.executable).parent / "isoflow")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ISOFLOW, *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_has_the_same_syntax_and_zones(tmp_path: Path) -> None:
    env = {**os.environ, "ISOFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    assert _cli(env, "db", "upgrade").returncode == 0
    r = _cli(env, "admin", "create-org", "Local", "--kind", "hospital", "--timezone",
             "localtime", "--jurisdiction", "EU")
    assert r.returncode == 2 and "not the time zone of a place" in r.stderr
    r = _cli(env, "admin", "create-org", "Moscow Oncology", "--kind", "hospital",
             "--timezone", "Europe/Moscow", "--jurisdiction", "RU")
    assert r.returncode == 0, r.stderr
    r = _cli(env, "admin", "add-licence", "--org", "Moscow Oncology", "--limit", "5 Ci",
             "--valid-from", "2026-03-29T02:30 Europe/Berlin")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = _cli(env, "admin", "add-licence", "--org", "Moscow Oncology", "--limit", "5 Ci",
             "--valid-from", "2026-11-22T12:00 Europe/Moscow", "--reference", "RU\x1b-1")
    assert r.returncode == 2 and "U+001B" in r.stderr
    r = _cli(env, "admin", "add-licence", "--org", "Moscow Oncology", "--limit", "5 Ci",
             "--valid-from", "2026-11-22T12:00 Europe/Moscow", "--reference", "RU-1")
    assert r.returncode == 0 and "2026-11-22T12:00:00+03:00" in r.stdout, r.stderr
    r = _cli(env, "decay", "Mo-99=1 GBq", "--from", "2026-11-22T12:00",
             "--to", "2026-11-23T12:00Z")
    assert r.returncode == 2 and all(form in r.stderr for form in BOTH)


# ---------------------------------------------------------------- item 11: the contract
def test_a_body_that_is_not_utf8_is_a_json_422(client) -> None:
    r = client.post("/api/v1/auth/token", content=b'{"username": "\xff\xfe"}',
                    headers={"Content-Type": "application/json"})
    assert "not UTF-8" in _422(r, None)
    r = client.post("/api/v1/decay", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert "not valid JSON" in r.json()["message"] and r.status_code == 422


def test_unauthenticated_is_401_before_the_body_is_read(alpha, client) -> None:
    t, h, _admin = alpha
    for headers in ({}, {"Authorization": "Bearer not-a-token"},
                    {"Authorization": "Basic YTpi"}):
        for body in (b"\xff\xfe", b"{not json", b'{"kind": 5}'):
            r = client.post("/api/v1/containers", content=body,
                            headers={**headers, "Content-Type": "application/json"})
            assert r.status_code == 401, (headers, body, r.text)
            assert r.json()["error"] == "unauthenticated"
            assert r.headers["www-authenticate"] == "Bearer"
    token = token_for(client, t.admin_username)
    assert client.post("/api/v1/auth/logout", headers=token).status_code == 204
    r = client.patch(f"/api/v1/sites/{t.site_id}", content=b"\xff", headers={
        **token, "Content-Type": "application/json"})
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    # signed in, the body is read and judged
    r = client.post("/api/v1/containers", content=b"{not json",
                    headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422


def test_allow_lists_every_method_of_the_path(alpha, client) -> None:
    t, h, _admin = alpha
    for path, methods in ((f"/api/v1/sites/{t.site_id}", "GET, OPTIONS, PATCH"),
                          ("/api/v1/containers", "GET, OPTIONS, POST"),
                          ("/api/v1/auth/token", "OPTIONS, POST")):
        r = client.options(path)
        assert r.status_code == 204 and r.headers["allow"] == methods, (path, r.headers)
        r = client.delete(path, headers=h)
        assert r.status_code == 405 and r.headers["allow"] == methods, (path, r.headers)
        assert r.json()["error"] == "method_not_allowed"
    assert client.options("/api/v1/no/such/path").status_code == 404


def test_the_contract_states_the_rules(client) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    minimum = get_settings().password_min_length
    assert schemas["UserIn"]["properties"]["password"]["minLength"] == minimum
    assert schemas["PasswordChange"]["properties"]["new_password"]["minLength"] == minimum
    time = schemas["Time"]
    assert time["type"] == "string" and "Europe/Moscow" in time["pattern"]
    assert set(BOTH) <= set(time["examples"]) and "1900-2199" in time["description"]
    zones = schemas["TimeZone"]["enum"]
    assert "UTC" in zones and "Etc/GMT+5" in zones and "localtime" not in zones
    assert not [z for z in zones if z.startswith(("posix/", "right/")) or z == "Factory"]
    for model, field in (("ReceiptIn", "label"), ("Into", "label"), ("LicenceIn", "reference"),
                         ("OrganisationIn", "name"), ("CorrectionIn", "reason")):
        prop = schemas[model]["properties"][field]
        assert "maxLength" in prop and "\\u202e" in prop["pattern"], (model, field)
    receipt = schemas["ReceiptIn"]["properties"]
    assert receipt["reference_at"] == {"$ref": "#/components/schemas/Time"}
    assert receipt["activity_bq"]["type"] == "number"
    one_of = schemas["WithdrawalIn"]["allOf"][0]["anyOf"]
    assert [b["required"] for b in one_of] == [["activity_bq"], ["volume_ml"]]
    assert "404" in spec["paths"]["/api/v1/nuclides/{name}"]["get"]["responses"]
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in operations.items():
            documented = op["responses"]
            if "requestBody" in op or op.get("parameters"):
                assert "422" in documented, (method, path)
                assert documented["422"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"}, (method, path)
            if op.get("security"):
                assert "401" in documented, (method, path)
