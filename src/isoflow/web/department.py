"""/department: the hospital department's hub — the day's work, the hot lab, quality and
records — with only the sections the user's role may open. Each section is its own module
(listed in ``SECTIONS``) that registers its pages; this module only links them."""

from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from isoflow.domain.roles import Permission
from isoflow.web.pages import N_
from isoflow.web.shell import SignedInPage

router = APIRouter(include_in_schema=False)

#: the page modules of the department, each with a ``router``
PAGE_MODULES: tuple[str, ...] = (
    "catalogue_pages", "schedule_pages", "elution_pages", "dispensing_pages",
    "quality_pages", "journal_pages", "plan_pages",
)

#: (path, title, description, permission to see it) in the order of a day
SECTIONS: tuple[tuple[str, str, str, Permission], ...] = (
    ("/department/appointments", N_("Appointments"),
     N_("The day's patients on each camera, bookings and prescriptions."), Permission.READ),
    ("/department/plan", N_("Day plan"),
     N_("Elutions, kits and doses the day's appointments need; the printable worklist and "
        "next week's generator order."), Permission.READ),
    ("/department/generators", N_("Generators and elutions"),
     N_("Generator receipt with the package survey; elutions with yield, Mo-99 breakthrough "
        "and aluminium."), Permission.READ),
    ("/department/kits", N_("Kits"),
     N_("Kit preparation from eluate, radiochemical purity and release."), Permission.READ),
    ("/department/doses", N_("Doses"),
     N_("Drawing, assay, labels and administration."), Permission.READ),
    ("/department/qc", N_("Dose-calibrator QC"),
     N_("Constancy, linearity and accuracy; what blocks dispensing."), Permission.READ),
    ("/department/waste", N_("Decay-in-storage waste"),
     N_("Waste containers, release dates, release surveys and disposal."), Permission.READ),
    ("/department/journals", N_("Journals and records"),
     N_("Statutory journals, NRC-style records, CSV and FHIR exports."), Permission.READ),
    ("/department/catalogue", N_("Catalogue"),
     N_("Procedures, kits, cameras and dose calibrators of the organisation."), Permission.READ),
)


@router.get("/department", response_class=HTMLResponse)
def hub(page: SignedInPage) -> HTMLResponse:
    sections = [(path, page._(title), page._(text)) for path, title, text, permission
                in SECTIONS if page.can(permission)]
    return page.render("department/index.html", {"sections": sections})


def mount(app: FastAPI) -> None:
    app.include_router(router)
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(f"isoflow.web.{name}").router)
