"""FHIR R4 export of the administrations journal: one ``MedicationAdministration`` per
administration, gathered in a Bundle of type "collection".

Built and validated with the ``fhir.resources`` models of R4 (``fhir.resources.R4B``, which
R4 clients read: MedicationAdministration is unchanged between R4 and R4B): a resource that
the model refuses is never written. The patient is referenced by the organisation's record
number (a logical reference by identifier, not a Patient resource of ours); the dose is the
net activity received, a UCUM Quantity in MBq; the time is the administration's, aware, in the
site's zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from isoflow.services.journals import AdministrationRow

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
#: SNOMED CT routes of administration (the administration's ``route`` as the hot lab writes it)
ROUTES = {
    "IV": ("47625008", "Intravenous route"),
    "intravenous": ("47625008", "Intravenous route"),
    "oral": ("26643006", "Oral route"),
    "PO": ("26643006", "Oral route"),
    "SC": ("34206005", "Subcutaneous route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
    "inhalation": ("447694001", "Respiratory tract route"),
    "intradermal": ("372464004", "Intradermal route"),
}


def record_number_system(org_id: int) -> str:
    """The identifier system of an organisation's patient record numbers."""
    return f"urn:isoflow:org:{org_id}:record-number"


def _route(route: str) -> dict[str, Any]:
    code = ROUTES.get(route) or ROUTES.get(route.lower())
    if code is None:
        return {"text": route}
    return {"coding": [{"system": SNOMED, "code": code[0], "display": code[1]}],
            "text": route}


def medication_administration(admin_row: AdministrationRow) -> dict[str, Any]:
    """The administration as a FHIR R4 MedicationAdministration (a JSON-ready dict),
    validated by the model."""
    r = admin_row
    at = r.at.astimezone(ZoneInfo(r.zone))
    resource = MedicationAdministration.model_validate({
        "resourceType": "MedicationAdministration",
        "id": f"administration-{r.administration_id}",
        "identifier": [{"system": f"urn:isoflow:org:{r.org_id}:administration",
                        "value": str(r.administration_id)},
                       {"system": f"urn:isoflow:org:{r.org_id}:accession-number",
                        "value": r.accession_number}],
        "status": "completed",
        "medicationCodeableConcept": {"text": r.radiopharmaceutical},
        "subject": {"type": "Patient", "display": r.patient_name,
                    "identifier": {"system": record_number_system(r.org_id),
                                   "value": r.record_number}},
        "effectiveDateTime": at.isoformat(),
        "performer": [{"actor": {"type": "Practitioner", "display": r.administered_by,
                                 "identifier": {"system": "urn:isoflow:username",
                                                "value": r.administered_by}}}],
        "note": [{"text": f"{r.procedure}; prescribed {r.prescribed_bq / 1e6:.6g} MBq"}],
        "dosage": {"route": _route(r.route),
                   "dose": {"value": round(r.activity_bq / 1e6, 6), "unit": "MBq",
                            "system": UCUM, "code": "MBq"}},
    })
    return resource.model_dump(mode="json", by_alias=True, exclude_none=True)


def bundle(rows: Iterable[AdministrationRow]) -> dict[str, Any]:
    """A Bundle of type "collection" of the administrations' resources."""
    entries = []
    for row in rows:
        res = medication_administration(row)
        entries.append({"fullUrl": f"urn:isoflow:org:{row.org_id}:MedicationAdministration:"
                                   f"{res['id']}", "resource": res})
    doc = Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                                 "entry": entries})
    return doc.model_dump(mode="json", by_alias=True, exclude_none=True)
