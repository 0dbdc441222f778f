"""/auth: sign in for a bearer token, change one's password, sign out, who am I."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response

from isoflow.api.deps import DB, SignedIn, Token
from isoflow.api.fields import ErrorOut, Out, Password, Schema, Username
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
    new_password: Password


class MeOut(Out):
    username: str
    role: str
    org_id: int | None
    user_id: int | None


@router.post("/token", response_model=TokenOut,
             responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def issue_token(body: TokenRequest, db: DB) -> auth.IssuedToken:
    """Sign in with username and password; returns a bearer token. With a one-time password
    (``password_change_required``) the token only serves POST /auth/password."""
    return auth.issue_token(db, body.username, body.password)


@router.post("/password", status_code=204, responses={401: {"model": ErrorOut},
                                                      422: {"model": ErrorOut}})
def change_password(body: PasswordChange, actor: SignedIn, db: DB) -> Response:
    """Change your own password (required after a one-time password)."""
    auth.change_password(db, actor.username, body.current_password, body.new_password)
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
