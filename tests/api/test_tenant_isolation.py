"""Tenant isolation on every endpoint, enumerated from the OpenAPI document so that new
routes are covered automatically: a user of hospital A gets 404 for every object of hospital
B (ids in the path, the query or the body), sees none of B's data in any list, and every
non-public route answers 401 without a token."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.conftest import T0, make_tenant, token_for

ISO0 = T0.isoformat()
LATER = "2027-03-02T06:00:00Z"
PUBLIC = {("post", "/api/v1/auth/token")}
LATE_NAMES = ("valid_to", "expires_at", "until")
ID_NAME = re.compile(r"(^|_)id$")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def _value(spec: dict[str, Any], name: str, schema: dict[str, Any], ids: dict[str, int]) -> Any:
    if schema.get("$ref", "").endswith("/Time"):  # the one time syntax (fields.UtcDatetime)
        return LATER if name in LATE_NAMES else ISO0
    schema = _resolve(spec, schema)
    for union in ("anyOf", "oneOf"):
        if union not in schema:
            continue
        options = [s for s in schema[union] if s.get("type") != "null"]
        return _value(spec, name, options[0], ids)
    if name in ids:
        return ids[name]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        return {k: _value(spec, k, v, ids) for k, v in schema.get("properties", {}).items()}
    if kind == "string":
        if schema.get("format") == "date-time":
            return LATER if name in LATE_NAMES else ISO0
        if schema.get("format") == "date" or name in ("date", "week", "birth_date"):
            return "2026-01-05"
        if "examples" in schema:
            return schema["examples"][0]
        return {"password": "correct horse battery", "current_password": "wrong one!!",
                "new_password": "another good one", "timezone": "Asia/Bishkek",
                "nuclide": "Tc-99m", "calibration_time": "12:00"}.get(name, "x1")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return None


def _operations(spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def _takes_ids(spec: dict[str, Any], path: str, op: dict[str, Any]) -> bool:
    if any(ID_NAME.search(p["name"]) for p in op.get("parameters", [])):
        return True
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    props = _resolve(spec, body.get("schema", {})).get("properties", {}) if body else {}
    return any(ID_NAME.search(k) for k in props)


def _b_world(db, client) -> tuple[dict[str, int], list[str]]:  # type: ignore[no-untyped-def]
    b = make_tenant(db, "Hospital Bravo")
    hb = token_for(client, b.rph_username)
    c = client.post("/api/v1/containers", headers=hb, json={
        "kind": "vial", "nuclide": "Tc-99m", "activity_bq": 1e10, "reference_at": ISO0,
        "received_at": ISO0, "volume_ml": 10, "label": "bravo-secret-vial"}).json()
    event = client.get(f"/api/v1/containers/{c['id']}/events", headers=hb).json()[0]
    licence = client.get("/api/v1/licences", headers=token_for(client, b.admin_username)
                         ).json()[0]
    ids = {"org_id": b.org_id, "site_id": b.site_id, "user_id": b.admin.user_id,
           "licence_id": licence["id"], "container_id": c["id"], "event_id": event["id"],
           "entity_id": c["id"], **_b_department(db, b), **_b_supplier(db)}
    return ids, ["Hospital Bravo", "bravo-secret-vial", "hospital-bravo-admin",
                 "Bravosecret", "BRAVO-MRN", "Bravo Isotopes", "BRAVO-CONTRACT"]


def _b_supplier(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Supplier B's world: catalogue, customers, a contract with a delivery, an order, a
    batch, a shipment and an installed source, through the services, so every supplier route
    is tried with B's ids."""
    from datetime import UTC, date, datetime

    from isoflow.services import contracts, irradiation, orders, production, shipments
    from tests.supplier_world import GBQ, make_supplier

    sup = make_supplier(db, "Bravo Isotopes")
    sales = sup.actors["supplier_sales"]
    havana = sup.customer_ids["CU-HAVANA"]
    contract = contracts.create_contract(db, sales, customer_id=havana,
                                         number="BRAVO-CONTRACT", start_date=date(2026, 1, 1),
                                         end_date=date(2030, 12, 31))
    contract = contracts.add_delivery(db, sales, contract.id,
                                      product_id=sup.product_ids["I131-SOL"], weekday=0,
                                      calibration_time="12:00", calibration_days=3,
                                      activity_bq=50 * GBQ, route_id=sup.route_ids["CU-HAVANA"])
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    order = orders.place_order(db, sales, customer_id=havana,
                               product_id=sup.product_ids["I131-SOL"], activity_bq=50 * GBQ,
                               calibration_at=soon, route_id=sup.route_ids["CU-HAVANA"])
    batch = production.create_batch(db, sup.actors["supplier_production"], number="B-BRAVO",
                                    nuclide="I-131", available_at=soon - timedelta(days=4),
                                    capacity_bq=1e12)
    shipment = shipments.prepare_shipment(db, sup.actors["supplier_logistics"], order.id,
                                          mode="air-cargo", package_type="Type B(U)",
                                          surface_usv_h=100.0, at_1m_usv_h=5.0)
    source = irradiation.install_source(db, sales, sup.customer_ids["UZ-IRRAD"],
                                        serial="BRAVO-PENCIL", activity_bq=4e14,
                                        reference_at=soon - timedelta(days=30),
                                        installed_at=soon - timedelta(days=20))
    with db.read() as s:  # type: ignore[attr-defined]
        from isoflow.store.supplier_models import CustomerLicence
        licence_id = s.query(CustomerLicence.id).filter_by(customer_id=havana).first()[0]
    return {"product_id": sup.product_ids["MO99-BULK"], "customer_id": havana,
            "customer_licence_id": licence_id, "route_id": sup.route_ids["CU-HAVANA"],
            "contract_id": contract.id, "delivery_id": contract.deliveries[0].id,
            "order_id": order.id, "batch_id": batch.id, "shipment_id": shipment.id,
            "source_id": source.id}


def _b_department(db, b) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Hospital B's department: catalogue, a patient's whole day and its records, through
    the services, so every department route is tried with B's ids."""
    from isoflow.services import doses, elutions, quality, schedule, waste
    from tests.department_world import make_department
    from tests.dispensing_world import appointment, eluate, kit, t0

    dep = make_department(db, "Bravo Department", ae_titles=("BRAVO1",))
    t = t0()
    gen = elutions.receive_generator(
        db, dep.actors["technologist"], site_id=dep.site_id, generator_type="GT-4K",
        serial="BRAVO-GEN", activity_bq=19e9, calibration_at=t - timedelta(hours=20),
        received_at=t - timedelta(hours=20), surface_usv_h=30.0, at_1m_usv_h=1.0,
        wipe_bq_per_100cm2=0.1)
    elution = elutions.elute(db, dep.actors["technologist"], gen.container_id,
                             eluted_at=t - timedelta(hours=1), volume_ml=5.0,
                             measured_bq=elutions.predict(db, dep.actors["technologist"],
                                                          gen.container_id,
                                                          at=t - timedelta(hours=1)),
                             mo99_bq=1e3, aluminium_ug_per_ml=1.0)
    eluate_id = eluate(db, dep, t - timedelta(minutes=20))
    prep = kit(db, dep, eluate_id, t - timedelta(minutes=15))
    appointment_id = appointment(db, dep, t + timedelta(minutes=30), record="BRAVO-MRN")
    tech = dep.actors["technologist"]
    dose = doses.draw_dose(db, tech, appointment_id=appointment_id,
                           source_container_id=prep.vial_container_id, drawn_at=t)
    given = doses.administer(db, tech, dose.id, administered_at=t + timedelta(minutes=5))
    patient = schedule.appointment_view(db, tech, appointment_id).patient
    schedule.update_patient(db, tech, patient.id, family_name="Bravosecret")
    rso = dep.actors["rso"]
    quality.record_constancy(db, rso, dep.calibrator_id, performed_at=t, nuclide="Cs-137",
                             reference_bq=7.4e6, reference_at=t - timedelta(days=400),
                             measured_bq=7.4e6 * 0.987)
    bin_ = waste.open_waste(db, rso, site_id=dep.site_id, label="bravo bin")
    return {"procedure_id": dep.procedure_ids["BONE_BISPHOSPHONATE"],
            "kit_id": dep.kit_ids["MDP"], "camera_id": dep.camera_ids[0],
            "calibrator_id": dep.calibrator_id, "patient_id": patient.id,
            "appointment_id": appointment_id, "elution_id": elution.id,
            "preparation_id": prep.id, "dose_id": dose.id, "administration_id": given.id,
            "waste_id": bin_.id, "eluate_container_id": eluate_id,
            "source_container_id": prep.vial_container_id,
            "generator_container_id": gen.container_id, "name": "administrations"}


def _call(client, method: str, path: str, op: dict, spec: dict, ids: dict, headers: dict):  # type: ignore[no-untyped-def]
    url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
    query = {p["name"]: _value(spec, p["name"], p.get("schema", {}), ids)
             for p in op.get("parameters", []) if p["in"] == "query"
             and (p.get("required") or ID_NAME.search(p["name"]))}
    body = None
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = _value(spec, "", content["schema"], ids)
    return client.request(method.upper(), url, params=query, json=body, headers=headers)


def test_hospital_a_gets_404_for_every_object_of_hospital_b(db, client) -> None:
    ids, secrets = _b_world(db, client)
    a = make_tenant(db, "Hospital Alpha")
    spec = client.get("/openapi.json").json()
    checked = 0
    for method, path, op in _operations(spec):
        if not op.get("security"):
            continue
        headers = token_for(client, a.admin_username)  # fresh: /auth/logout revokes it
        r = _call(client, method, path, op, spec, ids, headers)
        assert r.status_code < 500, (method, path, r.text)
        if _takes_ids(spec, path, op):
            assert r.status_code == 404, (method, path, r.status_code, r.text)
            assert r.json()["error"] == "not_found"
            checked += 1
        for secret in secrets:
            assert secret not in r.text, (method, path, secret)
    assert checked >= 15, checked


def test_every_non_public_route_needs_a_token(db, client) -> None:
    ids, _ = _b_world(db, client)
    spec = client.get("/openapi.json").json()
    secured = 0
    for method, path, op in _operations(spec):
        if not op.get("security"):
            # public routes are sign-in and stateless calculations that name no stored object
            assert (method, path) in PUBLIC or not _takes_ids(spec, path, op), (method, path)
            continue
        r = _call(client, method, path, op, spec, ids, headers={})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["error"] == "unauthenticated"
        secured += 1
    assert secured >= 25
