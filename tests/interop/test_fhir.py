"""FHIR export of administrations: each resource validates as an R4 MedicationAdministration,
the dose is a UCUM MBq quantity, the time is aware."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from isoflow.interop import fhir
from isoflow.services import journals
from tests.journal_world import T0, H, make_records


@pytest.fixture
def rows(db: object) -> list[journals.AdministrationRow]:
    rec = make_records(db)
    return journals.administrations(db, rec.dep.actors["viewer"], since=T0 - 48 * H,
                                    until=T0 + 24 * H)


def test_medication_administration_validates_with_mbq_dose_and_aware_time(rows: list) -> None:
    row = rows[-1]
    res = fhir.medication_administration(row)
    model = MedicationAdministration.model_validate(res)  # round-trips through the model
    assert model.status == "completed"
    assert res["medicationCodeableConcept"] == {"text": "Tc-99m MDP/HDP"}
    dose = res["dosage"]["dose"]
    assert dose == {"value": 480.0, "unit": "MBq", "system": "http://unitsofmeasure.org",
                    "code": "MBq"}
    assert res["dosage"]["route"]["coding"][0]["code"] == "47625008"
    at = datetime.fromisoformat(res["effectiveDateTime"])
    assert at.tzinfo is not None and at == row.at
    assert res["effectiveDateTime"].endswith("+06:00")  # the site's zone
    ident = res["subject"]["identifier"]
    assert ident["value"] == "MRN-A"
    assert ident["system"] == fhir.record_number_system(row.org_id)
    assert res["performer"][0]["actor"]["display"] == row.administered_by


def test_an_invalid_resource_is_refused(rows: list) -> None:
    broken = replace(rows[-1], radiopharmaceutical="")  # FHIR strings may not be empty
    with pytest.raises(ValueError):
        fhir.medication_administration(broken)


def test_bundle_is_a_collection_of_every_row(rows: list) -> None:
    doc = fhir.bundle(rows)
    Bundle.model_validate(doc)
    assert doc["type"] == "collection"
    assert [e["resource"]["dosage"]["dose"]["value"] for e in doc["entry"]] == [470.0, 480.0]
    assert len({e["fullUrl"] for e in doc["entry"]}) == 2
    assert fhir.bundle([])["type"] == "collection"
