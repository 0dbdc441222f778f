"""/auth: sign in for a bearer token, change one's password, sign out, who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from isoflow.api.deps import DB, SignedIn, Token
from isoflow.api.fields import ErrorOut, NewPassword, Out, Password, Schema, Username
from isoflow.services import auth

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenRequest(Schema):
    username: Username
    password: Password


class TokenOut(Out):
    access_token: str
    token_type: str
    expires_at: datetime
    password_change_required: bool


class PasswordChange(Schema):
    current_password: Password
    new_password: NewPassword


class MeOut(Out):
    username: str
    role: str
    org_id: int | None
    user_id: int | None


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before the next attempt",
                                 "schema": {"type": "integer", "minimum": 1}}}
TOO_MANY: dict[int | str, dict[str, Any]] = {429: {
    "model": ErrorOut, "headers": _RETRY_AFTER,
    "description": "Too many failed sign-ins for the username or from the client address: "
                   "after a few the answers slow down, then the username (or address) is "
                   "locked for a while, the right password included. Wait `Retry-After` "
                   "seconds, or ask an administrator to unlock it "
                   "(POST /api/v1/users/{user_id}/unlock)."}}


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (behind a reverse proxy, run the server
    with the proxy's headers trusted so this is the real client's)."""
    return request.client.host if request.client else None


@router.post("/token", response_model=TokenOut,
             responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}, **TOO_MANY})
async def issue_token(body: TokenRequest, request: Request, db: DB) -> auth.IssuedToken:
    """Sign in with username and password; returns a bearer token. With a one-time password
    (``password_change_required``) the token only serves POST /auth/password.

    Throttled per username (whether or not it exists) and per client address: after
    ``ISOFLOW_SIGN_IN_SLOWDOWN_AFTER`` failures in a row the answers come slower (a wait
    doubling up to ``ISOFLOW_SIGN_IN_MAX_DELAY_S``), after ``ISOFLOW_SIGN_IN_LOCK_AFTER`` the
    username is locked for ``ISOFLOW_SIGN_IN_LOCK_S`` seconds: 429 with ``Retry-After``. A
    success resets the username's count."""
    client = client_address(request)
    return await auth.with_slowdown(
        lambda: auth.issue_token(db, body.username, body.password, client=client))


@router.post("/password", status_code=204, responses={401: {"model": ErrorOut},
                                                      422: {"model": ErrorOut}, **TOO_MANY})
def change_password(body: PasswordChange, request: Request, actor: SignedIn, token: Token,
                    db: DB) -> Response:
    """Change your own password (required after a one-time password). Every other token and
    session of yours is revoked; the token of this request stays valid."""
    auth.change_password(db, actor.username, body.current_password, body.new_password,
                         keep_token=token, client=client_address(request))
    return Response(status_code=204)


@router.post("/logout", status_code=204, responses={401: {"model": ErrorOut}})
def logout(actor: SignedIn, token: Token, db: DB) -> Response:
    """Revoke the bearer token used for this request."""
    auth.revoke_token(db, token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses={401: {"model": ErrorOut}})
def me(actor: SignedIn) -> MeOut:
    return MeOut(username=actor.username, role=actor.role.value, org_id=actor.org_id,
                 user_id=actor.user_id)
