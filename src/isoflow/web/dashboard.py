"""The dashboard: material on hand now, licence usage against each possession limit, and
licences that end within 60 days."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from isoflow.services import overview
from isoflow.web.shell import SignedInPage

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(page: SignedInPage) -> HTMLResponse:
    view = overview.overview(page.db, page.actor)
    return page.render("dashboard.html", {
        "view": view, "warning_days": overview.EXPIRY_WARNING_DAYS})
