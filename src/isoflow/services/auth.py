"""Passwords (Argon2id), sign-in and its throttle, bearer tokens, page sessions, password
changes, revocation and the first administrator.

Passwords are hashed with Argon2id (memory-hard; cost from the settings). A token is 256 random
bits shown once; only its SHA-256 is stored. An API token (kind "api") is sent as a bearer
token; a page session (kind "session") lives in an HttpOnly cookie and also ends after
``session_idle_timeout_s`` without use. A user whose password was set by someone else (the
first administrator, a reset) must change it at first sign-in: their token then only allows
changing the password (21 CFR 11.300: unique credentials, periodically changed).

Sign-in (:func:`sign_in`, used by the API and the pages alike) is throttled per username and
per client address, whether or not the username exists: the rule and how its slow-down is
served are in :mod:`isoflow.domain.sign_in`. An attempt is reserved (counted as a failure) in
a short transaction before its password is checked, outside any transaction, and its outcome
recorded in a second one; every success, failure, lock and unlock is audited. A password
change revokes every other token and session of the user; an administrator's reset, a
deactivation or a role change revokes all of them (:func:`revoke_all`).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from isoflow.config import get_settings
from isoflow.domain import sign_in as rule
from isoflow.domain.roles import Actor, Permission, Role
from isoflow.errors import Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from isoflow.services import audit
from isoflow.services.clock import now
from isoflow.store.db import Database
from isoflow.store.models import ApiToken, Organisation, SignInThrottle, User

FIRST_ADMIN_USERNAME = "admin"

#: Verified against when the username is unknown, so timing does not reveal which names exist.
_DUMMY_PASSWORD = "not-a-real-password-isoflow"

#: The languages a user may choose for the pages (None: the browser's Accept-Language).
LOCALES: tuple[str, ...] = ("en", "ru")

#: A session's last use is written at most this often [s] (reads stay cheap).
SESSION_TOUCH_S = 60

#: Who the audit trail names for an attempt nobody has proved to be.
_ANONYMOUS = Actor(username="anonymous", role=Role.VIEWER, org_id=None, user_id=None)

T = TypeVar("T")


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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ the sign-in throttle
def policies() -> tuple[rule.Policy, rule.Policy]:
    """The throttle's thresholds from the settings: (per username, per client address)."""
    s = get_settings()
    delay, longest = s.sign_in_delay_s, max(s.sign_in_delay_s, s.sign_in_max_delay_s)

    def policy(slowdown_after: int, lock_after: int) -> rule.Policy:
        return rule.Policy(slowdown_after=min(slowdown_after, lock_after), lock_after=lock_after,
                           lock_s=s.sign_in_lock_s, delay_s=delay, max_delay_s=longest,
                           forget_s=s.sign_in_forget_s)

    return (policy(s.sign_in_slowdown_after, s.sign_in_lock_after),
            policy(s.sign_in_address_slowdown_after, s.sign_in_address_lock_after))


@dataclass(frozen=True)
class _Key:
    key: str
    scope: str  # "username" or "address"
    policy: rule.Policy


def _keys(username: str, client: str | None) -> list[_Key]:
    per_user, per_address = policies()
    keys = [_Key(rule.username_key(_printable(username)), "username", per_user)]
    if client:
        keys.append(_Key(rule.address_key(_printable(client)), "address", per_address))
    return keys


def _printable(text: str) -> str:
    """``text`` if every character may be stored, else its escaped form (a NUL, say, which
    PostgreSQL's text refuses)."""
    if text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")


def _counter(row: SignInThrottle | None) -> rule.Counter:
    if row is None:
        return rule.FRESH
    return rule.Counter(failures=row.failures, first_failure_at=row.first_failure_at,
                        last_failure_at=row.last_failure_at, locked_until=row.locked_until)


def _store(row: SignInThrottle, c: rule.Counter, at: datetime) -> None:
    row.failures = c.failures
    row.first_failure_at = c.first_failure_at or at
    row.last_failure_at = c.last_failure_at or at
    row.locked_until = c.locked_until


def _refuse_if_waiting(keys: list[_Key], counters: dict[str, rule.Counter],
                       at: datetime) -> None:
    """TooManyAttempts for the longest wait of any key, if one must wait."""
    worst: tuple[rule.Verdict, _Key] | None = None
    for k in keys:
        v = rule.verdict(counters.get(k.key, rule.FRESH), at, k.policy)
        if not v.allowed and (worst is None or (v.locked, v.wait_s) > (worst[0].locked,
                                                                         worst[0].wait_s)):
            worst = (v, k)
    if worst is None:
        return
    v, k = worst
    seconds = max(1, math.ceil(v.wait_s))
    whose = "for this username" if k.scope == "username" else "from this client address"
    if v.locked:
        minutes = max(1, math.ceil(v.wait_s / 60))
        message = (f"too many failed sign-ins {whose}: locked for {minutes} more minute"
                   f"{'s' if minutes != 1 else ''}; try again later or ask an administrator "
                   f"to unlock it")
    else:
        message = (f"too many failed sign-ins {whose}: wait {seconds} s before the next "
                   f"attempt")
    raise TooManyAttempts(message, retry_after_s=seconds, locked=v.locked, wait_s=v.wait_s,
                          field="username" if k.scope == "username" else None, scope=k.scope)


def _insert_missing(s: Session, keys: list[_Key], at: datetime) -> None:
    """Rows for keys that have none (concurrent inserts of one key do not clash)."""
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for k in keys:
        s.execute(insert(SignInThrottle).values(
            key=k.key, failures=0, first_failure_at=at, last_failure_at=at, locked_until=None)
            .on_conflict_do_nothing(index_elements=["key"]))


def _locked_rows(s: Session, keys: list[_Key]) -> dict[str, SignInThrottle]:
    rows = s.scalars(select(SignInThrottle).where(SignInThrottle.key.in_([k.key for k in keys]))
                     .order_by(SignInThrottle.key).with_for_update())
    return {r.key: r for r in rows}


def _reserve(db: Database, keys: list[_Key]) -> None:
    """Refuse the attempt if a key must wait; else count it as a failure until its password
    proves right. A refusal is decided on a plain read first, so a flood of refused attempts
    never takes the write lock."""
    at = now()
    with db.read() as s:
        seen = s.scalars(select(SignInThrottle)
                         .where(SignInThrottle.key.in_([k.key for k in keys])))
        _refuse_if_waiting(keys, {r.key: _counter(r) for r in seen}, at)
    with db.write() as s:
        at = now()
        _insert_missing(s, keys, at)
        rows = _locked_rows(s, keys)
        _refuse_if_waiting(keys, {key: _counter(r) for key, r in rows.items()}, at)
        for k in keys:
            _store(rows[k.key], rule.reserve(_counter(rows[k.key]), at, k.policy), at)


_last_sweep = 0.0


def _sweep(s: Session, at: datetime) -> None:
    """Forget counters nobody renewed for ``sign_in_forget_s`` and that are not locked (so
    names tried once do not pile up); at most once a minute per process."""
    global _last_sweep
    if time.monotonic() - _last_sweep < 60:
        return
    _last_sweep = time.monotonic()
    cutoff = at - timedelta(seconds=get_settings().sign_in_forget_s)
    s.execute(delete(SignInThrottle).where(
        SignInThrottle.last_failure_at < cutoff,
        or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until < at)))


def _find_user(s: Session, username: str) -> User | None:
    if not username.isprintable():  # no such name can be stored (and PostgreSQL refuses NUL)
        return None
    return s.scalar(select(User).where(User.username == username))


@dataclass(frozen=True)
class _Subject:
    """Where an audit entry of the throttle is filed."""

    org_id: int | None
    entity_type: str
    entity_id: int | str

    def record(self, s: Session, actor: Actor, action: str, **entry: Any) -> None:
        audit.record(s, actor, org_id=self.org_id, entity_type=self.entity_type,
                     entity_id=self.entity_id, action=action, **entry)


def _audit_subject(user: User | None, username: str) -> _Subject:
    """Where an attempt's audit entry is filed: the user's own history if the name exists,
    else under the name tried (with no organisation: only platform administrators see it)."""
    if user is not None:
        return _Subject(user.org_id, "user", user.id)
    return _Subject(None, "sign_in", _printable(username)[:64] or "-")


def _record_failure(db: Database, keys: list[_Key], user: User | None, username: str,
                    client: str | None) -> None:
    with db.write() as s:
        at = now()
        _insert_missing(s, keys, at)  # unlocked by an administrator meanwhile
        rows = _locked_rows(s, keys)
        locked: list[tuple[_Key, rule.Counter]] = []
        failures = 0
        for k in keys:
            row = rows[k.key]
            c = _counter(row)
            c = (rule.fail(c, at, k.policy) if c.failures > 0
                 else rule.record_failure(rule.FRESH, at, k.policy))
            if c.locked_until is not None and row.locked_until is None:
                locked.append((k, c))
            if k.scope == "username":
                failures = c.failures
            _store(row, c, at)
        subject = _audit_subject(user, username)
        subject.record(s, _ANONYMOUS, "sign_in_failed",
                       new={"username": _printable(username)[:200], "client": client,
                            "failures": failures})
        for k, c in locked:
            assert c.locked_until is not None
            where = subject if k.scope == "username" else _Subject(None, "sign_in", k.key[:64])
            where.record(s, _ANONYMOUS, "sign_in_locked",
                         new={"key": k.key, "failures": c.failures,
                              "locked_until": c.locked_until.isoformat()},
                         reason=f"{c.failures} failed sign-ins in a row")
        _sweep(s, at)


def _record_success(s: Session, keys: list[_Key], at: datetime) -> None:
    """A success resets the username's count; an address keeps its other failures."""
    rows = _locked_rows(s, keys)
    for k in keys:
        row = rows.get(k.key)
        if row is None:
            continue
        c = rule.release(_counter(row)) if k.scope == "address" else rule.FRESH
        if c.failures == 0 and c.locked_until is None:
            s.delete(row)
        else:
            _store(row, c, at)


def _sign_in(db: Database, username: str, password: str, client: str | None,
             then: Callable[[Session, User], T], *, action: str | None,
             via: str) -> T:
    """The throttled check: reserve the attempt, check the password, record the outcome;
    on success ``then(session, user)`` runs in the same transaction as the reset."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise Unauthenticated("wrong username or password")
    keys = _keys(username, client)
    _reserve(db, keys)
    with db.read() as s:
        user = _find_user(s, username)
    if user is None:
        password_matches(_dummy_hash(), password)
    ok = user is not None and password_matches(user.password_hash, password) and user.active
    if not ok:
        _record_failure(db, keys, user, username, client)
        raise Unauthenticated("wrong username or password")
    assert user is not None
    with db.write() as s:
        at = now()
        _record_success(s, keys, at)
        fresh = s.get(User, user.id)
        if fresh is None or not fresh.active:  # deactivated meanwhile
            raise Unauthenticated("wrong username or password")
        result = then(s, fresh)
        if action is not None:
            audit.record(s, actor_of(fresh), org_id=fresh.org_id, entity_type="user",
                         entity_id=fresh.id, action=action, new={"via": via, "client": client})
        return result


def sign_in(db: Database, username: str, password: str, *, client: str | None) -> User:
    """The active user with this username and password, through the throttle (per username
    and per ``client`` address). Unauthenticated("wrong username or password") otherwise,
    the same whether or not the name exists; TooManyAttempts while a key must wait."""
    return _sign_in(db, username, password, client, lambda s, u: u, action="signed_in",
                    via="check")


def check_credentials(db: Database, username: str, password: str) -> User:
    """The active user with this username and password (throttled, no client address)."""
    return _sign_in(db, username, password, None, lambda s, u: u, action=None, via="check")


async def with_slowdown(call: Callable[[], T]) -> T:
    """Run a throttled sign-in (blocking: in a worker thread); if it falls in a slow-down
    window of at most ``sign_in_max_delay_s``, wait the window out on the event loop (no
    thread sleeps) and try once more. A lock, or a window a concurrent attempt took, stays
    TooManyAttempts. For the API route and async pages: their answers slow down."""
    import anyio
    import anyio.to_thread

    try:
        return await anyio.to_thread.run_sync(call)
    except TooManyAttempts as exc:
        if exc.locked or exc.wait_s > get_settings().sign_in_max_delay_s + 1:
            raise
        await anyio.sleep(exc.wait_s)
    return await anyio.to_thread.run_sync(call)


@dataclass(frozen=True)
class Unlocked:
    key: str
    was_locked: bool
    failures: int
    locked_until: datetime | None


def unlock(db: Database, actor: Actor, username: str, *,
           reason: str | None = None) -> Unlocked:
    """An administrator lifts a username's lock and clears its failures (an organisation's
    administrator for their own users, a platform administrator for anyone's), audited."""
    actor.require(Permission.MANAGE_ORGANISATION)
    key = rule.username_key(_printable(username))
    with db.write() as s:
        user = _find_user(s, username)
        if user is None or not (actor.org_id is None or user.org_id == actor.org_id):
            # a platform administrator may also clear a name that belongs to nobody
            if not (actor.is_platform_admin and s.scalar(
                    select(SignInThrottle.id).where(SignInThrottle.key == key))):
                raise NotFound(f"no user named {username!r}", field="username")
            user = None
        return _clear(s, actor, key, _audit_subject(user, username), reason)


def unlock_address(db: Database, actor: Actor, address: str, *,
                   reason: str | None = None) -> Unlocked:
    """A platform administrator lifts a client address's lock (addresses belong to no
    organisation), audited."""
    if not actor.is_platform_admin:
        raise Forbidden("only a platform administrator may unlock a client address")
    key = rule.address_key(_printable(address))
    with db.write() as s:
        return _clear(s, actor, key, _Subject(None, "sign_in", key[:64]), reason)


def _clear(s: Session, actor: Actor, key: str, subject: _Subject,
           reason: str | None) -> Unlocked:
    row = s.scalar(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update())
    at = now()
    if row is None:
        return Unlocked(key=key, was_locked=False, failures=0, locked_until=None)
    was_locked = row.locked_until is not None and row.locked_until > at
    out = Unlocked(key=key, was_locked=was_locked, failures=row.failures,
                   locked_until=row.locked_until if was_locked else None)
    s.delete(row)
    subject.record(s, actor, "sign_in_unlocked",
                   old={"failures": row.failures, "locked_until": None
                        if out.locked_until is None else out.locked_until.isoformat()},
                   reason=reason or "unlocked by an administrator")
    return out


# ------------------------------------------------------------------ API tokens
@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    token_type: str
    expires_at: datetime
    password_change_required: bool


def _new_token(s: Session, user: User, kind: str, ttl_s: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    at = now()
    expires = at + timedelta(seconds=ttl_s)
    s.add(ApiToken(user_id=user.id, token_sha256=_digest(token), created_at=at,
                   expires_at=expires, revoked_at=None, kind=kind,
                   last_used_at=at if kind == "session" else None))
    return token, expires


def issue_token(db: Database, username: str, password: str, *,
                client: str | None = None) -> IssuedToken:
    """Sign in (throttled): a new bearer token for the user with these credentials."""
    def then(s: Session, user: User) -> IssuedToken:
        token, expires = _new_token(s, user, "api", get_settings().token_ttl_s)
        return IssuedToken(access_token=token, token_type="bearer", expires_at=expires,
                           password_change_required=user.must_change_password)

    return _sign_in(db, username, password, client, then, action="signed_in", via="api")


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    password_change_required: bool


#: The token and its user in one indexed lookup (unique token_sha256), built once.
_TOKEN_USER = (select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.username,
                      User.role, User.org_id, User.active, User.must_change_password)
               .join(User, User.id == ApiToken.user_id)
               .where(ApiToken.token_sha256 == bindparam("digest"),
                      ApiToken.kind == bindparam("kind")))


def authenticate(db: Database, token: str) -> Authenticated:
    """The user an API bearer token stands for; Unauthenticated if unknown (a page
    session's secret included), expired or revoked. Checked against the database on every
    call (a revocation takes effect at once)."""
    rows = db.fetch(_TOKEN_USER, {"digest": _digest(token), "kind": "api"})
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
    """Sign out: the token (or session) stops working."""
    with db.write() as s:
        tok = s.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token))
                       .with_for_update())
        if tok is not None and tok.revoked_at is None:
            tok.revoked_at = now()


def revoke_all(s: Session, user_id: int, *, keep_token: str | None = None) -> int:
    """Inside a use case's transaction: revoke every live token and session of the user
    but ``keep_token`` (the one in use); returns how many."""
    at = now()
    q = (update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
                                ApiToken.expires_at > at).values(revoked_at=at))
    if keep_token is not None:
        q = q.where(ApiToken.token_sha256 != _digest(keep_token))
    return int(s.execute(q).rowcount or 0)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ page sessions
@dataclass(frozen=True)
class IssuedSession:
    token: str
    user_id: int
    password_change_required: bool
    expires_at: datetime


@dataclass(frozen=True)
class SessionUser:
    actor: Actor
    password_change_required: bool
    full_name: str
    locale: str | None
    org_name: str | None
    #: "hospital" | "supplier" (None for the platform administrator)
    org_kind: str | None = None


def open_session(db: Database, username: str, password: str, *,
                 client: str | None = None) -> IssuedSession:
    """Sign in on the pages (throttled as the API): a new server-side session, its secret
    for the cookie. Ends at sign-out, after ``session_ttl_s``, after
    ``session_idle_timeout_s`` without use, and when it is revoked."""
    def then(s: Session, user: User) -> IssuedSession:
        token, expires = _new_token(s, user, "session", get_settings().session_ttl_s)
        return IssuedSession(token=token, user_id=user.id, expires_at=expires,
                             password_change_required=user.must_change_password)

    return _sign_in(db, username, password, client, then, action="signed_in", via="page")


_SESSION_USER = (select(ApiToken.id.label("token_id"), ApiToken.revoked_at,
                        ApiToken.expires_at, ApiToken.created_at, ApiToken.last_used_at,
                        User.id, User.username, User.role, User.org_id, User.active,
                        User.must_change_password, User.full_name, User.locale,
                        Organisation.name.label("org_name"),
                        Organisation.kind.label("org_kind"))
                 .join(User, User.id == ApiToken.user_id)
                 .outerjoin(Organisation, Organisation.id == User.org_id)
                 .where(ApiToken.token_sha256 == bindparam("digest"),
                        ApiToken.kind == bindparam("kind")))


def session_of(db: Database, token: str) -> SessionUser:
    """The user of a page session; Unauthenticated if unknown (an API token included),
    revoked, expired, or idle for longer than ``session_idle_timeout_s``. Notes the use (at
    most once a minute, so the idle clock is exact to a minute)."""
    rows = db.fetch(_SESSION_USER, {"digest": _digest(token), "kind": "session"})
    row = rows[0] if rows else None
    if row is None:
        raise Unauthenticated("unknown session; sign in")
    at = now()
    if row.revoked_at is not None or row.expires_at <= at:
        raise Unauthenticated("the session has ended; sign in again")
    idle = get_settings().session_idle_timeout_s
    last = row.last_used_at or row.created_at
    if (at - last).total_seconds() > idle:
        raise Unauthenticated(f"the session ended after {idle // 60} minutes without use; "
                              f"sign in again")
    if not row.active:
        raise Unauthenticated("the user is deactivated")
    if (at - last).total_seconds() >= SESSION_TOUCH_S:
        stale = at - timedelta(seconds=SESSION_TOUCH_S)
        with db.write_rows() as c:
            c.execute(update(ApiToken).where(
                ApiToken.id == row.token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale))
                .values(last_used_at=at))
    return SessionUser(actor=Actor(username=row.username, role=Role(row.role),
                                   org_id=row.org_id, user_id=row.id),
                       password_change_required=row.must_change_password,
                       full_name=row.full_name, locale=row.locale, org_name=row.org_name,
                       org_kind=row.org_kind)


def close_session(db: Database, token: str) -> None:
    """Sign out of the pages: the session stops working."""
    revoke_token(db, token)


# ------------------------------------------------------------------ the user's own account
def change_password(db: Database, username: str, current_password: str, new_password: str,
                    *, keep_token: str | None = None, client: str | None = None) -> None:
    """Change one's own password, proving the current one (throttled as a sign-in; required
    at first sign-in). Every other token and session of the user is revoked; ``keep_token``,
    the one in use, stays valid."""
    if new_password == current_password:
        raise InvalidInput("the new password must differ from the current one",
                           field="new_password")
    check_password_rules(new_password, field="new_password")
    new_hash = _hasher().hash(new_password)

    def then(s: Session, user: User) -> None:
        u = s.get(User, user.id, with_for_update=True)
        assert u is not None
        u.password_hash, u.must_change_password, u.password_changed_at = new_hash, False, now()
        revoked = revoke_all(s, u.id, keep_token=keep_token)
        audit.record(s, actor_of(u), org_id=u.org_id, entity_type="user", entity_id=u.id,
                     action="password_changed", new={"revoked_tokens": revoked},
                     reason="changed by the user")

    _sign_in(db, username, current_password, client, then, action=None, via="password")


def set_locale(db: Database, actor: Actor, locale: str | None) -> None:
    """The signed-in user's language for the pages ('en', 'ru'; None: the browser's)."""
    if locale is not None and locale not in LOCALES:
        raise InvalidInput(f"unknown language {locale!r}; one of: {', '.join(LOCALES)}",
                           field="locale")
    if actor.user_id is None:
        raise InvalidInput("only a signed-in user has a language preference", field="locale")
    with db.write() as s:
        u = s.get(User, actor.user_id, with_for_update=True)
        if u is None:
            raise NotFound(f"no user {actor.user_id}", field="user_id")
        if u.locale == locale:
            return
        old, u.locale = u.locale, locale
        audit.record(s, actor, org_id=u.org_id, entity_type="user", entity_id=u.id,
                     action="updated", old={"locale": old}, new={"locale": locale})


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
