"""The OpenAPI contract against the server, with schemathesis: every check it has
(``--checks all``) and every phase (examples, coverage, fuzzing, stateful), on SQLite and
PostgreSQL, signed in as a hospital administrator over seeded data. 0 failures.

This is what ``st run --checks all --phases examples,coverage,fuzzing,stateful`` runs (the
same engine), in process against the ASGI app so each database gets its own seeded world.

Three things are configured, and why:

* ``POST /auth/logout`` gets a token of its own: it revokes the token it is called with, and
  the rest of the run must stay signed in.
* ``positive_data_acceptance`` (valid data must not get a 4xx other than 401/403/404/409/429)
  also accepts 422 on the operations listed in SEMANTIC_422, and only there: their refusals
  depend on stored state or relate fields to each other (a withdrawal before the container's
  receipt, ``valid_to`` before ``valid_from``, an unknown nuclide or generator type, a demand
  CSV's rows), which JSON Schema cannot state. The check below, ``schema_states_the_rules``,
  then holds every operation to the stricter rule that matters for the contract: a request
  the schema allows is never refused by the request validation itself - every length,
  pattern, range, enum and one-of the server enforces at its edge is in the schema.
* ``ensure_resource_availability`` is off for ``POST /containers/{id}/corrections`` alone: it
  reads any 404 after a container was created as "the container is gone", while there the
  404 names the event of the body (``event_id``: "container 4 has no event 39119"), which the
  stateful phase draws at random; the container's own availability is checked on its other
  operations.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from isoflow.services import ledger
from tests.conftest import T0, make_tenant, token_for

#: examples per operation and phase, and steps per stateful scenario: ~1 min per database
MAX_EXAMPLES = 12
STATEFUL_STEPS = 12

#: operations whose 422s may be about state or relations between fields (module docstring)
SEMANTIC_422 = {
    ("POST", "/api/v1/containers"): "unknown nuclide; no default site; reference and receipt "
                                    "too many half-lives apart",
    ("POST", "/api/v1/containers/{container_id}/withdrawals"): "before the receipt",
    ("POST", "/api/v1/containers/{container_id}/measurements"): "before the receipt; a "
                                                                "discrepancy needs a note",
    ("POST", "/api/v1/containers/{container_id}/disposal"): "before the receipt",
    ("POST", "/api/v1/containers/{container_id}/corrections"): "what the corrected event "
                                                               "allows",
    ("POST", "/api/v1/licences"): "unknown nuclide; valid_to before valid_from",
    ("PATCH", "/api/v1/licences/{licence_id}"): "valid_to before the stored valid_from",
    ("POST", "/api/v1/decay"): "unknown nuclide or unit; a time before the reference",
    ("POST", "/api/v1/generators/curve"): "unknown pair, type or unit; the end before the "
                                          "start",
    ("POST", "/api/v1/generators/breakthrough"): "the impurities a jurisdiction requires",
    ("POST", "/api/v1/generators/plan"): "the demand CSV's rows; unknown type or unit",
    ("POST", "/api/v1/users"): "a platform administrator keeps the admin role",
    ("PATCH", "/api/v1/users/{user_id}"): "a platform administrator keeps the admin role",
    # the department (issue #10)
    ("POST", "/api/v1/procedures"): "activity order min <= typical <= max; EANM class, "
                                    "baseline and minimum together; a known nuclide and kit",
    ("PATCH", "/api/v1/procedures/{procedure_id}"): "the same, against the stored values",
    ("POST", "/api/v1/kits"): "a known nuclide; particle range order",
    ("PATCH", "/api/v1/kits/{kit_id}"): "the same, against the stored values",
    ("POST", "/api/v1/catalogue/defaults"): "a platform administrator names the organisation",
    ("POST", "/api/v1/cameras"): "a platform administrator names the organisation",
    ("POST", "/api/v1/calibrators"): "a platform administrator names the organisation",
    ("POST", "/api/v1/patients"): "birth date before 1900 or in the future",
    ("PATCH", "/api/v1/patients/{patient_id}"): "birth date before 1900 or in the future",
    ("POST", "/api/v1/appointments"): "an inactive procedure or camera",
    ("POST", "/api/v1/appointments/{appointment_id}/reschedule"): "an inactive camera",
    ("PUT", "/api/v1/appointments/{appointment_id}/prescription"): "value inside the range; "
        "a child needs a weight; above the adult maximum needs a note",
    ("POST", "/api/v1/generators/received"): "unknown generator type; calibration far from "
                                             "receipt; expiry before receipt",
    ("POST", "/api/v1/generator-records/{container_id}/elutions"): "before the receipt or "
        "after the expiry; the NRC first-eluate Mo-99 rule",
    ("POST", "/api/v1/kit-preparations"): "eluate age and expiry, kit limits, carrier rule",
    ("POST", "/api/v1/kit-preparations/{preparation_id}/rcp"): "tested before preparation",
    ("POST", "/api/v1/doses"): "expired or unreleased source, drawn after the planned time",
    ("POST", "/api/v1/doses/{dose_id}/assay"): "before the draw; a discrepancy needs a note",
    ("POST", "/api/v1/doses/{dose_id}/administration"): "before the draw; a reason outside "
                                                        "the tolerance",
    ("POST", "/api/v1/calibrators/{calibrator_id}/checks"): "readings over too short a time; "
                                                            "an unknown nuclide",
    ("POST", "/api/v1/waste/{waste_id}/items"): "a nuclide above the decay-in-storage half-life",
    ("POST", "/api/v1/waste/{waste_id}/release"): "a surface reading above background",
    ("GET", "/api/v1/journals/{name}"): "until not after since",
    ("GET", "/api/v1/fhir/MedicationAdministration"): "until not after since",
    ("GET", "/api/v1/elutions"): "until not after since",
    # the supplier (issue #11)
    ("POST", "/api/v1/products"): "unknown nuclide; 6-day Ci for another nuclide than Mo-99; "
                                  "sizes in both units; a platform administrator",
    ("PATCH", "/api/v1/products/{product_id}"): "the same rules against the stored values",
    ("POST", "/api/v1/customers"): "a minimum installed activity for a customer that is not "
                                   "an irradiation centre; a platform administrator",
    ("PATCH", "/api/v1/customers/{customer_id}"): "the same against the stored kind",
    ("POST", "/api/v1/customers/{customer_id}/licences"): "unknown nuclide; valid_to before "
                                                          "valid_from",
    ("PATCH", "/api/v1/customer-licences/{customer_licence_id}"): "valid_to before the "
                                                                  "licence's first day",
    ("POST", "/api/v1/contracts"): "dates outside 2000-2100; end before start",
    ("POST", "/api/v1/contracts/{contract_id}/deliveries"): "calibrated before it can arrive; "
        "beyond the shelf life; a local time that does not exist; inactive product or route",
    ("POST", "/api/v1/orders"): "calibrated before arrival; beyond the shelf life; more than "
                                "3 years away; 6-day Ci dispatch; inactive product or route",
    ("POST", "/api/v1/orders/generation"): "until more than 3 years ahead",
    ("POST", "/api/v1/orders/{order_id}/amendment"): "the rules of placing an order",
    ("POST", "/api/v1/batches"): "unknown nuclide; a product of another nuclide; end of "
                                 "processing outside 1970-2200; a platform administrator",
    ("GET", "/api/v1/batches/{batch_id}"): "an order's need at dispatch overflows",
    ("GET", "/api/v1/batches/{batch_id}/allocation"): "an order's need at dispatch overflows",
    ("POST", "/api/v1/batches/{batch_id}/allocation"): "an order's need at dispatch overflows",
    ("POST", "/api/v1/shipments"): "package type below the contents; TI over the mode's "
        "limits; surface dose rate; Type C or exclusive use by air; a cold kit; dispatch far "
        "from the order's",
    ("POST", "/api/v1/shipments/{shipment_id}/dispatch"): "before packing; the package "
                                                          "re-checked at the actual time",
    ("POST", "/api/v1/shipments/{shipment_id}/events"): "before dispatch or in the future",
    ("POST", "/api/v1/transport/classification"): "unknown nuclide or no A1/A2; no form; "
        "special form not solid; calibrated_at without dispatch_at; surface above 10 mSv/h; "
        "package below the contents",
    ("POST", "/api/v1/irradiation-centres/{customer_id}/sources"): "not an irradiation "
        "centre; reference far from installation",
    ("POST", "/api/v1/installed-sources/{source_id}/removal"): "removal not after "
                                                               "installation",
    ("GET", "/api/v1/analytics/exports"): "year_to before year_from; a platform administrator "
                                          "without a supplier",
    ("GET", "/api/v1/analytics/exports.csv"): "year_to before year_from; a platform "
                                              "administrator without a supplier",
}


@schemathesis.check
def schema_states_the_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request generated to be valid by the schema is never refused by the request
    validation: a 422 listing field errors (``details`` a list) means the server enforces a
    rule at its edge that the schema does not state."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("details"), list):
        raise AssertionError(f"a schema-valid request was refused by the request validation: "
                             f"{body.get('message')}")
    return None


def _config(headers: dict[str, str], logout_headers: dict[str, str]) -> SchemathesisConfig:
    checks: dict[tuple[str, str], dict[str, Any]] = {
        key: {"positive_data_acceptance": {"expected-statuses": [
            "2xx", "3xx", "401", "403", "404", "409", "422", "429"]}} for key in SEMANTIC_422}
    checks[("POST", "/api/v1/containers/{container_id}/corrections")][
        "ensure_resource_availability"] = {"enabled": False}
    semantic = [{"include-path": path, "include-method": method, "checks": config}
                for (method, path), config in checks.items()]
    return SchemathesisConfig.from_dict({
        "headers": headers,
        "checks": {"enabled": True},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True},
                   "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS}},
        "operations": [{"include-path": "/api/v1/auth/logout", "headers": logout_headers},
                       *semantic],
    })


def _failures(stream: Any) -> tuple[list[str], set[str], list[str]]:
    """(failures, phases run, errors) of an engine run."""
    failures: list[str] = []
    phases: set[str] = set()
    errors: list[str] = []
    for event in stream:
        if isinstance(event, events.PhaseFinished) and event.status.value != "skip":
            phases.add(event.phase.name.value)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            error = getattr(event, "value", None) or getattr(event, "exception", "")
            where = getattr(event, "label", "") or ""
            sample = getattr(getattr(event, "info", None), "code_sample", None) or ""
            errors.append(f"{where}: {type(error).__name__}: {error}\n    {sample[:400]}")
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    interaction = recorder.interactions.get(case_id)
                    request = "" if interaction is None else \
                        f"{interaction.request.method} {interaction.request.uri} " \
                        f"{(interaction.request.body or b'')[:300]!r}"
                    answer = "" if interaction is None or interaction.response is None else \
                        f"{interaction.response.status_code} " \
                        f"{(interaction.response.content or b'')[:300]!r}"
                    failure = check.failure_info.failure
                    failures.append(f"[{event.phase.value}] {check.name}: {failure.title}: "
                                    f"{failure.message.splitlines()[0]}\n    {request}\n"
                                    f"    -> {answer}")
    return failures, phases, errors


@pytest.mark.slow
def test_the_contract_holds_for_every_check_and_phase(db, app, client) -> None:
    a = make_tenant(db, "Alpha")
    make_tenant(db, "Bravo")
    c = ledger.receive(db, a.radiopharmacist, site_id=a.site_id, kind="vial",
                       nuclide="Tc-99m", activity_bq=1e10, reference_at=T0, received_at=T0,
                       volume_ml=10.0)
    ledger.withdraw(db, a.radiopharmacist, c.id, volume_ml=1.0, at=T0)
    headers = token_for(client, a.admin_username)
    logout_headers = token_for(client, a.admin_username)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app,
                                            config=_config(headers, logout_headers))
    start = time.monotonic()
    failures, phases, errors = _failures(from_schema(schema).execute())
    elapsed = time.monotonic() - start
    assert phases >= {"examples", "coverage", "fuzzing", "stateful"}, phases
    assert not errors, "\n".join(errors[:5])
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} failures in {elapsed:.0f} s:\n" + "\n".join(unique[:25])
    # the run stayed signed in (a revoked token would have turned it into a run of 401s)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
