"""The day plan's pages: /department/plan (doses, kit vials, elutions, shortfalls, next
week's generator order) and /department/plan/worklist (the technologist's printable list).
They call isoflow.services.day_plan only; times are shown in the site's zone, named."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from isoflow.errors import InvalidInput, IsoflowError
from isoflow.services import day_plan, organisations
from isoflow.services.clock import now
from isoflow.services.organisations import SiteView
from isoflow.web.pages import N_
from isoflow.web.shell import Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)

STEP_NAMES = {
    "elute": N_("Elute"), "prepare": N_("Prepare kit"), "rcp": N_("RCP test"),
    "release": N_("Release"), "draw": N_("Draw dose"), "inject": N_("Inject"),
}


def _site_and_day(page: Page) -> tuple[SiteView, date]:
    sites = organisations.list_sites(page.db, page.actor)
    q = page.request.query_params
    site = sites[0] if sites else None
    if q.get("site_id", "").isdigit():
        site = next((s for s in sites if s.id == int(q["site_id"])), None)
    if site is None:
        raise PageNotFound()
    text = q.get("date", "").strip()
    try:
        day = (date.fromisoformat(text) if text
               else now().astimezone(ZoneInfo(site.timezone)).date())
    except ValueError:
        raise InvalidInput(page._("The date must look like 2026-03-02."), field="date") from None
    return site, day


@router.get("/department/plan", response_class=HTMLResponse)
def plan_page(page: SignedInPage) -> HTMLResponse:
    site, day = _site_and_day(page)
    error = None
    plan = order = None
    try:
        plan = day_plan.plan_day(page.db, page.actor, site_id=site.id, day=day)
        monday = day + timedelta(days=7 - day.weekday())
        order = day_plan.generator_order(page.db, page.actor, site_id=site.id,
                                         week_start=monday)
    except IsoflowError as exc:
        error = exc.message
    return page.render("department/plan/day.html", {
        "site": site, "day": day, "plan": plan, "order": order, "error": error,
        "zone": site.timezone}, status=422 if error else 200)


@router.get("/department/plan/worklist", response_class=HTMLResponse)
def worklist_page(page: SignedInPage) -> HTMLResponse:
    site, day = _site_and_day(page)
    steps = day_plan.worklist(page.db, page.actor, site_id=site.id, day=day)
    return page.render("department/plan/worklist.html", {
        "site": site, "day": day, "steps": steps, "zone": site.timezone,
        "step_name": lambda k: page._(STEP_NAMES[k])})
