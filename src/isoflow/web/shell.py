"""The application shell every signed-in page lives in: who is signed in (a server-side
session behind an HttpOnly cookie), the request's language, CSRF tokens, navigation by role,
rendering, and what a page answers when it cannot be shown (sign-in needed, password change
needed, not found, refused form).

CSRF: every state-changing form carries ``csrf_token``; HTMX requests send it as the
``X-CSRF-Token`` header. For a signed-in user the token is an HMAC of the session's secret
(it changes with the session and needs no storage); before sign-in (the sign-in form itself)
it is a random value also set in a cookie of its own, compared on submit (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from isoflow import __version__
from isoflow.domain.roles import Actor, Permission
from isoflow.errors import Unauthenticated
from isoflow.services import auth
from isoflow.store.db import Database
from isoflow.web import i18n
from isoflow.web.pages import templates

SESSION_COOKIE = "isoflow_session"
ANON_CSRF_COOKIE = "isoflow_csrf"
LANG_COOKIE = "isoflow_lang"


class LoginRequired(Exception):
    """No valid session: the page answers with the sign-in page (a redirect)."""


class PasswordChangeNeeded(Exception):
    """Signed in with a one-time password: only the password page works until it changes."""


class CsrfRefused(Exception):
    """A state-changing form came without a valid CSRF token."""


class PageNotFound(Exception):
    """The object does not exist, or belongs to another organisation (the same page)."""


def csrf_of_session(token: str) -> str:
    return hmac.new(token.encode(), b"isoflow-csrf", hashlib.sha256).hexdigest()


def database(request: Request) -> Database:
    from isoflow.api.deps import database_of

    return database_of(request.app)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass
class Page:
    """One request of a page: the user (if signed in), the language, the CSRF token."""

    request: Request
    lang: str
    csrf: str
    user: auth.SessionUser | None = None
    token: str | None = None
    set_anon_csrf: bool = False
    extra_cookies: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        return database(self.request)

    @property
    def actor(self) -> Actor:
        if self.user is None:
            raise LoginRequired()
        return self.user.actor

    def can(self, permission: Permission) -> bool:
        return self.user is not None and self.user.actor.can(permission)

    def _(self, message: str, **variables: object) -> str:
        i18n.use(self.lang)
        return i18n.gettext(message, **variables)

    def nav(self) -> list[tuple[str, str]]:
        """(path, label) of what this user may open, in the header."""
        i18n.use(self.lang)
        _ = i18n.gettext
        items = []
        if self.user is not None and not self.user.password_change_required:
            items += [("/dashboard", _("Dashboard"))]
            if self.user.org_kind == "hospital" or self.user.actor.is_platform_admin:
                items.append(("/department", _("Department")))
            if self.user.org_kind == "supplier" or self.user.actor.is_platform_admin:
                items.append(("/supplier", _("Supplier")))
            items.append(("/containers", _("Ledger")))
            if self.can(Permission.READ_AUDIT):
                items.append(("/audit", _("Audit trail")))
            if self.can(Permission.MANAGE_ORGANISATION) or self.can(Permission.MANAGE_LICENCES):
                items.append(("/admin", _("Administration")))
        items += [("/decay", _("Decay calculator")), ("/generators/curve", _("Generator curve"))]
        return items

    def render(self, template: str, context: dict[str, Any] | None = None, *,
               status: int = 200) -> HTMLResponse:
        i18n.use(self.lang)
        ctx = {"page": self, "user": self.user, "lang": self.lang,
               "dir": i18n.direction(self.lang), "languages": i18n.LANGUAGES,
               "csrf_token": self.csrf, "version": __version__, "nav": self.nav(),
               "path": self.request.url.path, **(context or {})}
        response = templates.TemplateResponse(self.request, template, ctx, status_code=status)
        self.finish(response)
        return response

    def redirect(self, url: str) -> Response:
        """After a successful form: 303 to ``url`` (HTMX follows ``HX-Redirect``)."""
        response: Response
        if self.request.headers.get("HX-Request") == "true":
            response = Response(status_code=204, headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        if self.set_anon_csrf:
            response.set_cookie(ANON_CSRF_COOKIE, self.csrf, httponly=True, samesite="lax",
                                secure=self.secure, path="/")
        for name, value in self.extra_cookies.items():
            response.set_cookie(name, value, httponly=True, samesite="lax",
                                secure=self.secure, path="/", max_age=365 * 86400)

    @property
    def secure(self) -> bool:
        return self.request.url.scheme == "https"


def _language(request: Request, user: auth.SessionUser | None) -> str:
    preference = user.locale if user is not None else request.cookies.get(LANG_COOKIE)
    return i18n.negotiate(preference, request.headers.get("accept-language"))


def _session_user(request: Request) -> tuple[str | None, auth.SessionUser | None]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None, None
    try:
        return token, auth.session_of(database(request), token)
    except Unauthenticated:
        return None, None


def page_of(request: Request) -> Page:
    """The request's page: its user (if signed in), language and CSRF token. Blocking (it
    reads the session row)."""
    token, user = _session_user(request)
    if token is not None:
        return Page(request, _language(request, user), csrf_of_session(token), user, token)
    anon = request.cookies.get(ANON_CSRF_COOKIE)
    fresh = not anon or len(anon) != 43
    return Page(request, _language(request, None),
                secrets.token_urlsafe(32) if fresh else anon,  # type: ignore[arg-type]
                set_anon_csrf=fresh)


async def public_page(request: Request) -> Page:
    """A page anyone may open (sign-in, calculators); knows the user if there is one.

    Async, so the language is set in the request's own context (a sync dependency runs in a
    thread of its own, and what it sets would not reach the handler): everything the handler
    translates with i18n.gettext — chart titles, role names, messages — is in that language.
    """
    page = await run_in_threadpool(page_of, request)
    i18n.use(page.lang)
    return page


async def password_page(page: Annotated[Page, Depends(public_page)]) -> Page:
    """A signed-in page that a one-time password still allows (its change, sign-out)."""
    if page.user is None:
        raise LoginRequired()
    return page


async def signed_in_page(page: Annotated[Page, Depends(password_page)]) -> Page:
    """Every other page: signed in, password changed."""
    assert page.user is not None
    if page.user.password_change_required:
        raise PasswordChangeNeeded()
    return page


async def checked_form(request: Request) -> FormData:
    """The submitted form, refused (403 page) unless its CSRF token matches this session's
    (or, before sign-in, the browser's CSRF cookie)."""
    form = await request.form()
    sent = str(form.get("csrf_token") or request.headers.get("X-CSRF-Token") or "")
    token = request.cookies.get(SESSION_COOKIE)
    expected = csrf_of_session(token) if token else request.cookies.get(ANON_CSRF_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()
    return form


PublicPage = Annotated[Page, Depends(public_page)]
PasswordPage = Annotated[Page, Depends(password_page)]
SignedInPage = Annotated[Page, Depends(signed_in_page)]
Form = Annotated[FormData, Depends(checked_form)]


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def install(app: FastAPI) -> None:
    """The answers of pages that cannot be shown."""

    def _redirect(request: Request, url: str) -> Response:
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = _redirect(request, f"/login?next={quote(target, safe='')}")
        if request.cookies.get(SESSION_COOKIE):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(PasswordChangeNeeded)
    async def _password(request: Request, _: PasswordChangeNeeded) -> Response:
        return _redirect(request, "/password")

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        page = await run_in_threadpool(page_of, request)
        return page.render("error.html", {
            "title": page._("Form refused"),
            "message": page._("The form was sent without a valid security token (CSRF). "
                              "Reload the page and send it again.")}, status=403)

    app.add_exception_handler(PageNotFound, not_found_page)  # type: ignore[arg-type]


async def not_found_page(request: Request, _: PageNotFound) -> Response:
    """The 404 page: the same for what does not exist and what is another organisation's."""
    page = await run_in_threadpool(page_of, request)
    return page.render("error.html", {
        "title": page._("Not found"),
        "message": page._("There is no such page, or it belongs to another organisation.")},
        status=404)
