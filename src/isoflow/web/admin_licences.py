"""Administration of licences: each site's possession limits (per nuclide or in total), a new
limit and the end of one, with times in the site's zone (administrators and radiation-safety
officers)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.physics.units import parse_activity
from isoflow.services import licences, organisations
from isoflow.services.clock import now
from isoflow.web import i18n
from isoflow.web.admin_common import FormState, forbidden, parse_time, typed
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)

ADD_FIELDS = ("site_id", "reference", "nuclide", "limit", "valid_from", "valid_to")
#: The service's field names -> the form's.
ADD_MAP = {"limit_bq": "limit", "site_id": "site_id", "nuclide": "nuclide",
           "valid_from": "valid_from", "valid_to": "valid_to", "limit": "limit"}


def _licences(page: Page, failed: FormState | None = None) -> HTMLResponse:
    sites = organisations.list_sites(page.db, page.actor)
    limits = licences.list_limits(page.db, page.actor)
    at = now()
    by_site = [(s, [x for x in limits if x.site_id == s.id]) for s in sites]
    states = {f"end-{x.id}": FormState(f"end-{x.id}", {
        "valid_to": i18n.input_datetime(at, s.timezone), "reason": ""})
        for s, xs in by_site for x in xs if x.valid_to is None or x.valid_to > at}
    states["new-limit"] = FormState("new-limit", {
        "site_id": str(sites[0].id) if sites else "", "reference": "", "nuclide": "",
        "limit": "", "valid_from": "", "valid_to": ""})
    if failed is not None:
        states[failed.name] = failed
    return page.render("admin/licences.html", {
        "by_site": by_site, "states": states, "now": at,
        "site_options": [(str(s.id), s.name) for s in sites]},
        status=failed.status if failed else 200)


@router.get("/admin/licences", response_class=HTMLResponse)
def licence_list(page: SignedInPage) -> HTMLResponse:
    if not page.can(Permission.MANAGE_LICENCES):
        return forbidden(page)
    return _licences(page)


@router.post("/admin/licences", response_class=HTMLResponse)
def add_limit(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.MANAGE_LICENCES):
        return forbidden(page)
    state = FormState("new-limit", typed(form, ADD_FIELDS))
    v = state.values
    heading = page._("The limit was not added.")
    try:
        if not v["site_id"].isdigit():
            raise InvalidInput("choose a site", field="site_id")
        site = organisations.get_site(page.db, page.actor, int(v["site_id"]))
        if not v["limit"]:
            raise InvalidInput("a limit is an activity with its unit, such as '100 GBq'",
                               field="limit")
        limit_bq = parse_activity(v["limit"], field="limit")
        licences.add_limit(
            page.db, page.actor, site_id=site.id, nuclide=v["nuclide"] or None,
            limit_bq=limit_bq, reference=v["reference"],
            valid_from=parse_time(v["valid_from"], site.timezone, field="valid_from"),
            valid_to=parse_time(v["valid_to"], site.timezone, field="valid_to"))
    except IsoflowError as exc:
        state.refuse(exc, heading, ADD_MAP)
        return _licences(page, state)
    return page.redirect("/admin/licences")


@router.post("/admin/licences/{limit_id}/end", response_class=HTMLResponse)
def end_limit(page: SignedInPage, limit_id: int, form: Form) -> Response:
    if not page.can(Permission.MANAGE_LICENCES):
        return forbidden(page)
    try:
        limit = licences.get_limit(page.db, page.actor, limit_id)
        site = organisations.get_site(page.db, page.actor, limit.site_id)
    except NotFound:
        raise PageNotFound() from None
    state = FormState(f"end-{limit_id}", typed(form, ("valid_to", "reason")))
    try:
        valid_to = parse_time(state.values["valid_to"], site.timezone, field="valid_to")
        if valid_to is None:
            raise InvalidInput("say when the limit ends", field="valid_to")
        licences.end_limit(page.db, page.actor, limit_id, valid_to=valid_to,
                           reason=state.values["reason"])
    except NotFound:
        raise PageNotFound() from None
    except IsoflowError as exc:
        state.refuse(exc, page._("The limit was not ended."))
        return _licences(page, state)
    return page.redirect("/admin/licences")
