"""Sign-in, sign-out, the password change (forced at first sign-in) and the language switch.

Sign-in goes through the same throttled check as ``POST /api/v1/auth/token``
(``services.auth.open_session``): repeated failures slow down, then lock the account, and
every success and failure is in the audit trail. A new session (a fresh secret) is opened on
every sign-in, so a session id planted before sign-in is worthless.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from isoflow.config import get_settings
from isoflow.errors import InvalidInput, TooManyAttempts, Unauthenticated
from isoflow.services import auth
from isoflow.web import i18n
from isoflow.web.shell import (
    ANON_CSRF_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    Form,
    PasswordPage,
    PublicPage,
    client_address,
    form_text,
)

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only a path of this site (never '//host' or 'https://...'): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@router.get("/", response_class=HTMLResponse)
def start(page: PublicPage) -> Response:
    return page.redirect("/dashboard" if page.user is not None else "/login")


@router.get("/login", response_class=HTMLResponse)
def login_form(page: PublicPage, next: str | None = None) -> Response:
    if page.user is not None and not page.user.password_change_required:
        return page.redirect(safe_next(next))
    return page.render("login.html", {"next": safe_next(next), "username": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(page: PublicPage, form: Form) -> Response:
    """Async so that a slow-down window is waited out on the event loop, not in a thread
    (``auth.with_slowdown``): repeated failures answer later, as the API's do."""
    username, password = form_text(form, "username").strip(), form_text(form, "password")
    target = safe_next(form_text(form, "next"))
    client = client_address(page.request)
    try:
        session = await auth.with_slowdown(
            lambda: auth.open_session(page.db, username, password, client=client))
    except TooManyAttempts as exc:
        if exc.locked:
            error = page._("Too many failed sign-ins: sign-in is locked. Try again in "
                           "%(minutes)s min, or ask an administrator to unlock it.",
                           minutes=max(1, -(-exc.retry_after_s // 60)))
        else:
            error = page._("Too many failed sign-ins. Wait %(seconds)s s and try again.",
                           seconds=exc.retry_after_s)
        refused = page.render("login.html", {"next": target, "username": username,
                                             "error": error}, status=429)
        refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    except (Unauthenticated, InvalidInput):
        return page.render("login.html", {
            "next": target, "username": username,
            "error": page._("Wrong username or password.")}, status=401)
    response = RedirectResponse("/password" if session.password_change_required else target,
                                status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax",
                        secure=page.secure, path="/")
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(page: PublicPage, form: Form) -> Response:
    if page.token is not None:
        auth.close_session(page.db, page.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _password_context(errors: dict[str, str], error: str | None = None) -> dict[str, object]:
    return {"errors": errors, "error": error,
            "min_length": get_settings().password_min_length}


@router.get("/password", response_class=HTMLResponse)
def password_form(page: PasswordPage) -> Response:
    return page.render("password.html", _password_context({}))


@router.post("/password", response_class=HTMLResponse)
def change_password(page: PasswordPage, form: Form) -> Response:
    assert page.user is not None
    current = form_text(form, "current_password")
    new, again = form_text(form, "new_password"), form_text(form, "new_password_again")
    errors: dict[str, str] = {}
    if new != again:
        errors["new_password_again"] = page._("The two new passwords differ.")
    else:
        try:
            auth.change_password(page.db, page.user.actor.username, current, new,
                                 keep_token=page.token)
        except Unauthenticated:
            errors["current_password"] = page._("This is not your current password.")
        except TooManyAttempts as exc:
            errors["current_password"] = page._(
                "Too many failed attempts: wait %(seconds)s s and try again.",
                seconds=exc.retry_after_s)
        except InvalidInput as exc:
            minimum = get_settings().password_min_length
            messages = {
                "new_password": page._("A password needs at least %(n)s characters and may "
                                       "not begin or end with spaces.", n=minimum),
            }
            if "differ" in exc.message:
                messages["new_password"] = page._("The new password must differ from the "
                                                  "current one.")
            errors[exc.field or "new_password"] = messages.get(exc.field or "", exc.message)
    if errors:
        return page.render("password.html", _password_context(
            errors, page._("The password was not changed.")), status=422)
    return page.redirect("/dashboard")


@router.post("/language")
def switch_language(page: PublicPage, form: Form) -> Response:
    lang = form_text(form, "lang")
    target = safe_next(form_text(form, "next"), default="/")
    if lang not in i18n.LANGUAGES:
        return page.redirect(target)
    if page.user is not None:
        auth.set_locale(page.db, page.user.actor, lang)
    else:
        page.extra_cookies[LANG_COOKIE] = lang
    return page.redirect(target)
