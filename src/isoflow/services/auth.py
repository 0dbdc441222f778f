"""Passwords (Argon2id), bearer tokens, password changes and the first administrator.

Passwords are hashed with Argon2id (memory-hard; cost from the settings). A token is 256 random
bits shown once; only its SHA-256 is stored. A user whose password was set by someone else
(the first administrator, a reset) must change it at first sign-in: their token then only
allows changing the password (21 CFR 11.300: unique credentials, periodically changed).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select

from isoflow.config import get_settings
from isoflow.domain.roles import Actor, Role
from isoflow.errors import InvalidInput, Unauthenticated
from isoflow.services import audit
from isoflow.services.clock import now
from isoflow.store.db import Database
from isoflow.store.models import ApiToken, User

FIRST_ADMIN_USERNAME = "admin"

#: Verified against when the username is unknown, so timing does not reveal which names exist.
_DUMMY_PASSWORD = "not-a-real-password-isoflow"


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib,
                          parallelism=s.argon2_parallelism)


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str, *, field: str = "password") -> None:
    minimum = get_settings().password_min_length
    if not isinstance(password, str) or len(password) < minimum:
        raise InvalidInput(f"a password needs at least {minimum} characters", field=field)
    if password.strip() != password:
        raise InvalidInput("a password may not begin or end with spaces", field=field)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(_DUMMY_PASSWORD)


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, role=Role(user.role), org_id=user.org_id,
                 user_id=user.id)


def check_credentials(db: Database, username: str, password: str) -> User:
    """The active user with this username and password; Unauthenticated otherwise."""
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
    if user is None:
        password_matches(_dummy_hash(), password)
        raise Unauthenticated("wrong username or password")
    if not password_matches(user.password_hash, password) or not user.active:
        raise Unauthenticated("wrong username or password")
    return user


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    token_type: str
    expires_at: datetime
    password_change_required: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(db: Database, username: str, password: str) -> IssuedToken:
    """Sign in: a new bearer token for the user with these credentials."""
    user = check_credentials(db, username, password)
    token = secrets.token_urlsafe(32)
    at = now()
    expires = at + timedelta(seconds=get_settings().token_ttl_s)
    with db.write() as s:
        s.add(ApiToken(user_id=user.id, token_sha256=_digest(token), created_at=at,
                       expires_at=expires, revoked_at=None))
    return IssuedToken(access_token=token, token_type="bearer", expires_at=expires,
                       password_change_required=user.must_change_password)


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    password_change_required: bool


#: The token and its user in one indexed lookup (unique token_sha256), built once.
_TOKEN_USER = (select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.username,
                      User.role, User.org_id, User.active, User.must_change_password)
               .join(User, User.id == ApiToken.user_id)
               .where(ApiToken.token_sha256 == bindparam("digest")))


def authenticate(db: Database, token: str) -> Authenticated:
    """The user a bearer token stands for; Unauthenticated if unknown, expired or revoked.
    Checked against the database on every call (a revocation takes effect at once)."""
    rows = db.fetch(_TOKEN_USER, {"digest": _digest(token)})
    row = rows[0] if rows else None
    if row is None:
        raise Unauthenticated("unknown bearer token; sign in at POST /api/v1/auth/token")
    if row.revoked_at is not None or row.expires_at <= now():
        raise Unauthenticated("the bearer token has expired or was revoked; sign in again")
    if not row.active:
        raise Unauthenticated("the user is deactivated")
    return Authenticated(actor=Actor(username=row.username, role=Role(row.role),
                                     org_id=row.org_id, user_id=row.id),
                         password_change_required=row.must_change_password)


def revoke_token(db: Database, token: str) -> None:
    """Sign out: the token stops working."""
    with db.write() as s:
        tok = s.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token))
                       .with_for_update())
        if tok is not None and tok.revoked_at is None:
            tok.revoked_at = now()


def change_password(db: Database, username: str, current_password: str,
                    new_password: str) -> None:
    """Change one's own password, proving the current one (required at first sign-in)."""
    user = check_credentials(db, username, current_password)
    if new_password == current_password:
        raise InvalidInput("the new password must differ from the current one",
                           field="new_password")
    check_password_rules(new_password, field="new_password")
    new_hash = _hasher().hash(new_password)
    with db.write() as s:
        u = s.get(User, user.id, with_for_update=True)
        assert u is not None
        u.password_hash, u.must_change_password, u.password_changed_at = new_hash, False, now()
        audit.record(s, actor_of(u), org_id=u.org_id, entity_type="user", entity_id=u.id,
                     action="password_changed", reason="changed by the user")


def create_first_admin(db: Database) -> tuple[str, str] | None:
    """On a database with no users: a platform administrator with a one-time password that
    must be changed at first sign-in. Returns (username, password), or None if users exist."""
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(User)):
            return None
    password = secrets.token_urlsafe(12)
    password_hash = _hasher().hash(password)
    with db.write() as s:
        if s.scalar(select(func.count()).select_from(User)):
            return None
        at = now()
        user = User(org_id=None, username=FIRST_ADMIN_USERNAME, full_name="Administrator",
                    role=Role.ADMIN.value, password_hash=password_hash,
                    must_change_password=True, active=True, created_at=at,
                    password_changed_at=at)
        s.add(user)
        s.flush()
        audit.record(s, Actor.command_line("isoflow serve"), org_id=None, entity_type="user",
                     entity_id=user.id, action="created",
                     new={"username": user.username, "role": user.role, "org_id": None},
                     reason="first start on a new database")
    return FIRST_ADMIN_USERNAME, password
