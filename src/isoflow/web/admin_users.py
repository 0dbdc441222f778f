"""Administration of users: the list, a new user with a one-time password (shown once, to be
changed at first sign-in), role changes, deactivation, password resets and unlocking a
locked account. An organisation's administrator manages their organisation's users only
(another's user is a 404 page); a platform administrator manages everyone.

Ending sessions on a role change, deactivation or reset is the service's part
(``services.organisations.update_user``)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import ROLE_CODES, Permission
from isoflow.errors import IsoflowError, NotFound
from isoflow.services import auth, organisations
from isoflow.web.admin_common import FormState, forbidden, typed
from isoflow.web.pages import role_name
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage

router = APIRouter(include_in_schema=False)

#: The organisation field's value for a new platform administrator (no organisation).
PLATFORM = "platform"


def one_time_password() -> str:
    """16 random URL-safe characters (96 bits): longer than any minimum length setting."""
    return secrets.token_urlsafe(12)


def _roles() -> list[tuple[str, str]]:
    return [(r, role_name(r)) for r in ROLE_CODES]


def _users(page: Page, failed: FormState | None = None,
           issued: tuple[str, str] | None = None) -> HTMLResponse:
    users = organisations.list_users(page.db, page.actor)
    orgs = organisations.list_organisations(page.db, page.actor)
    names = {o.id: o.name for o in orgs}
    org_options = [(str(o.id), o.name) for o in orgs]
    if page.actor.is_platform_admin:
        org_options.append((PLATFORM, page._("none (platform administrator)")))
    create = failed or FormState("new-user", {
        "username": "", "full_name": "", "role": "technologist",
        "org_id": str(page.actor.org_id or (orgs[0].id if orgs else PLATFORM))})
    return page.render("admin/users.html", {
        "users": users, "org_names": names, "create": create, "roles": _roles(),
        "org_options": org_options, "platform": page.actor.is_platform_admin,
        "issued": issued}, status=failed.status if failed else 200)


@router.get("/admin/users", response_class=HTMLResponse)
def user_list(page: SignedInPage) -> HTMLResponse:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    return _users(page)


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(page: SignedInPage, form: Form) -> Response:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    state = FormState("new-user", typed(form, ("username", "full_name", "role", "org_id")))
    v = state.values
    org_id: int | None
    if v["org_id"] == PLATFORM or (not v["org_id"] and page.actor.org_id is None):
        org_id = None
    elif v["org_id"].isdigit():
        org_id = int(v["org_id"])
    else:
        org_id = page.actor.org_id
    password = one_time_password()
    try:
        user = organisations.create_user(
            page.db, page.actor, username=v["username"], password=password, role=v["role"],
            org_id=org_id, full_name=v["full_name"], must_change_password=True)
    except IsoflowError as exc:
        state.refuse(exc, page._("The user was not created."))
        return _users(page, state)
    return _users(page, issued=(user.username, password))


# ------------------------------------------------------------------ one user
_ACTIONS = ("role", "active", "reset", "unlock")


def _user(page: Page, user_id: int, failed: FormState | None = None,
          done: str | None = None, issued: str | None = None) -> HTMLResponse:
    try:
        user = organisations.get_user(page.db, page.actor, user_id)
    except NotFound:
        raise PageNotFound() from None
    org = None
    if user.org_id is not None:
        org = organisations.get_organisation(page.db, page.actor, user.org_id)
    states = {"role": FormState("role", {"role": user.role, "reason": ""}),
              "active": FormState("active", {"reason": ""}),
              "reset": FormState("reset", {"reason": ""}),
              "unlock": FormState("unlock", {"reason": ""})}
    if failed is not None:
        states[failed.name] = failed
    return page.render("admin/user.html", {
        "u": user, "org": org, "states": states, "roles": _roles(), "done": done,
        "issued": issued, "is_self": user.id == page.actor.user_id},
        status=failed.status if failed else 200)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(page: SignedInPage, user_id: int) -> HTMLResponse:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    return _user(page, user_id)


@router.post("/admin/users/{user_id}/{what}", response_class=HTMLResponse)
def change_user(page: SignedInPage, user_id: int, what: str, form: Form) -> Response:
    if not page.can(Permission.MANAGE_ORGANISATION):
        return forbidden(page)
    if what not in _ACTIONS:
        raise PageNotFound()
    try:
        user = organisations.get_user(page.db, page.actor, user_id)
    except NotFound:
        raise PageNotFound() from None
    state = FormState(what, typed(form, ("role", "reason") if what == "role" else ("reason",)))
    reason = state.values["reason"] or None
    try:
        if what == "role":
            organisations.update_user(page.db, page.actor, user_id, role=state.values["role"],
                                      reason=reason)
            return _user(page, user_id, done=page._("The role is now %(role)s; the user's "
                                                    "sessions were ended.",
                                                    role=role_name(state.values["role"])))
        if what == "active":
            organisations.update_user(page.db, page.actor, user_id, active=not user.active,
                                      reason=reason)
            return _user(page, user_id, done=page._("The user was reactivated.")
                         if not user.active else
                         page._("The user was deactivated and signed out everywhere."))
        if what == "reset":
            password = one_time_password()
            organisations.update_user(page.db, page.actor, user_id, password=password,
                                      reason=reason)
            return _user(page, user_id, issued=password)
        result = auth.unlock(page.db, page.actor, user.username, reason=reason)
        if result.was_locked:
            done = page._("The account was unlocked.")
        elif result.failures:
            done = page._("The account was not locked; its failed sign-ins (%(n)s) were "
                          "cleared.", n=result.failures)
        else:
            done = page._("The account was not locked and had no failed sign-ins.")
        return _user(page, user_id, done=done)
    except NotFound:
        raise PageNotFound() from None
    except IsoflowError as exc:
        state.refuse(exc, page._("Nothing was changed."))
        return _user(page, user_id, state)
