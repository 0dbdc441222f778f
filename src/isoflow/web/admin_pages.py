"""Administration: the overview, organisations and their sites (administrators; a platform
administrator sees every organisation and creates new ones, an organisation's administrator
sees their own). Users are in :mod:`admin_users`, possession limits in :mod:`admin_licences`.

``router`` carries the audit, users and licences pages too (one registration in
``pages.mount``). Every action is a CSRF-checked form calling one service; a refused form
comes back with what was typed and the service's message beside its field (422, or 409 for
a conflict).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.jurisdictions import JURISDICTION_CODES
from isoflow.domain.roles import ORGANISATION_KINDS, Permission
from isoflow.errors import IsoflowError, NotFound
from isoflow.services import organisations
from isoflow.web.admin_common import FormState, forbidden, may_administer, typed
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)

KIND_NAMES = {"hospital": N_("Hospital"), "supplier": N_("Supplier")}
SITE_FIELDS = ("name", "timezone", "jurisdiction", "measurement_tolerance", "emergency_contact",
               "reason")


def kinds(page: Page) -> list[tuple[str, str]]:
    return [(k, page._(KIND_NAMES.get(k, k))) for k in ORGANISATION_KINDS]


def jurisdictions() -> list[tuple[str, str]]:
    return [(j, j) for j in JURISDICTION_CODES]


@router.get("/admin", response_class=HTMLResponse)
def overview(page: SignedInPage) -> HTMLResponse:
    if not may_administer(page):
        return forbidden(page)
    return page.render("admin/index.html", {
        "manage_org": page.can(Permission.MANAGE_ORGANISATION),
        "manage_licences": page.can(Permission.MANAGE_LICENCES),
        "platform": page.actor.is_platform_admin})


# ------------------------------------------------------------------ organisations
def _organisations(page: Page, failed: FormState | None = None,
                   created: str | None = None) -> HTMLResponse:
    orgs = organisations.list_organisations(page.db, page.actor)
    sites = organisations.list_sites(page.db, page.actor)
    count = {o.id: sum(1 for s in sites if s.org_id == o.id) for o in orgs}
    create = failed or FormState("new-org", {"name": "", "kind": "hospital",
                                             "timezone": "", "jurisdiction": "EU",
                                             "site_name": ""})
    return page.render("admin/organisations.html", {
        "orgs": orgs, "site_count": count, "create": create, "kinds": kinds(page),
        "kind_names": {k: page._(v) for k, v in KIND_NAMES.items()},
        "jurisdictions": jurisdictions(), "platform": page.actor.is_platform_admin,
        "created": created}, status=failed.status if failed else 200)


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisation_list(page: SignedInPage) -> HTMLResponse:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    return _organisations(page)


@router.post("/admin/organisations", response_class=HTMLResponse)
def create_organisation(page: SignedInPage, form: Form) -> Response:
    if not page.actor.is_platform_admin:
        return forbidden(page)
    state = FormState("new-org", typed(form, ("name", "kind", "timezone", "jurisdiction",
                                              "site_name")))
    v = state.values
    try:
        org, _site = organisations.create_organisation(
            page.db, page.actor, name=v["name"], kind=v["kind"], timezone=v["timezone"],
            jurisdiction=v["jurisdiction"], site_name=v["site_name"] or None)
    except IsoflowError as exc:
        state.refuse(exc, page._("The organisation was not created."))
        return _organisations(page, state)
    return page.redirect(f"/admin/organisations/{org.id}")


# ------------------------------------------------------------------ one organisation, sites
def _site_state(site: organisations.SiteView) -> FormState:
    return FormState(f"site-{site.id}", {
        "name": site.name, "timezone": site.timezone, "jurisdiction": site.jurisdiction,
        "measurement_tolerance": f"{site.measurement_tolerance * 100:g}",
        "emergency_contact": site.emergency_contact or "", "reason": ""})


def _organisation(page: Page, org_id: int, failed: FormState | None = None) -> HTMLResponse:
    try:
        org = organisations.get_organisation(page.db, page.actor, org_id)
        sites = organisations.list_sites(page.db, page.actor, org_id=org_id)
    except NotFound:
        raise PageNotFound() from None
    states = {f"site-{s.id}": _site_state(s) for s in sites}
    states["new-site"] = FormState("new-site", {"name": "", "timezone": sites[0].timezone
                                                if sites else "", "jurisdiction":
                                                sites[0].jurisdiction if sites else "EU"})
    if failed is not None:
        states[failed.name] = failed
    return page.render("admin/organisation.html", {
        "org": org, "sites": sites, "states": states, "jurisdictions": jurisdictions(),
        "kind_name": page._(KIND_NAMES.get(org.kind, org.kind))},
        status=failed.status if failed else 200)


@router.get("/admin/organisations/{org_id}", response_class=HTMLResponse)
def organisation_page(page: SignedInPage, org_id: int) -> HTMLResponse:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    return _organisation(page, org_id)


@router.post("/admin/organisations/{org_id}/sites", response_class=HTMLResponse)
def create_site(page: SignedInPage, org_id: int, form: Form) -> Response:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    state = FormState("new-site", typed(form, ("name", "timezone", "jurisdiction")))
    v = state.values
    try:
        organisations.create_site(page.db, page.actor, org_id=org_id, name=v["name"],
                                  timezone=v["timezone"], jurisdiction=v["jurisdiction"])
    except NotFound:
        raise PageNotFound() from None
    except IsoflowError as exc:
        state.refuse(exc, page._("The site was not created."))
        return _organisation(page, org_id, state)
    return page.redirect(f"/admin/organisations/{org_id}")


def tolerance_fraction(text: str) -> float:
    """'10', '10 %' or '2.5%' (percent) as a fraction; InvalidInput otherwise."""
    from isoflow.errors import InvalidInput

    try:
        return float(text.replace("%", "").replace(",", ".").strip()) / 100
    except ValueError:
        raise InvalidInput(f"the measurement tolerance is a percentage such as '10'; got "
                           f"{text!r}", field="measurement_tolerance") from None


@router.post("/admin/sites/{site_id}", response_class=HTMLResponse)
def update_site(page: SignedInPage, site_id: int, form: Form) -> Response:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    try:
        site = organisations.get_site(page.db, page.actor, site_id)
    except NotFound:
        raise PageNotFound() from None
    state = FormState(f"site-{site_id}", typed(form, SITE_FIELDS))
    v = state.values
    try:
        organisations.update_site(
            page.db, page.actor, site_id, name=v["name"], timezone=v["timezone"],
            jurisdiction=v["jurisdiction"],
            measurement_tolerance=tolerance_fraction(v["measurement_tolerance"]),
            emergency_contact=v["emergency_contact"], reason=v["reason"] or None)
    except IsoflowError as exc:
        state.refuse(exc, page._("The site was not changed."))
        return _organisation(page, site.org_id, state)
    return page.redirect(f"/admin/organisations/{site.org_id}")


def _include_the_others() -> None:
    from isoflow.web import admin_licences, admin_users, audit_pages

    for module in (audit_pages, admin_users, admin_licences):
        router.include_router(module.router)


_include_the_others()
