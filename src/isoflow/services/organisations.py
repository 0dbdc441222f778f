"""Organisations (suppliers, hospitals), their sites and their people.

Only a platform administrator creates organisations; an organisation's administrators manage
its sites and users. Everything is scoped to the actor's organisation: another tenant's rows
look exactly like missing ones (NotFound), DESIGN.md invariant 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isoflow.domain.jurisdictions import JURISDICTION_CODES
from isoflow.domain.roles import Actor, Permission, Role, parse_organisation_kind, parse_role
from isoflow.domain.text import (
    NAME_MAX,
    REASON_MAX,
    USERNAME_MAX,
    clean_optional_text,
    clean_text,
    text_problem,
)
from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.physics.times import parse_timezone
from isoflow.services import audit
from isoflow.services.auth import hash_password, revoke_all
from isoflow.services.clock import now
from isoflow.store.db import Database
from isoflow.store.models import Organisation, Site, User


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class SiteView:
    id: int
    org_id: int
    name: str
    timezone: str
    jurisdiction: str
    created_at: datetime
    #: a measurement departing from the book value by more than this fraction is flagged
    measurement_tolerance: float = 0.1
    #: the 24-hour emergency contact on the declarations of packages shipped from the site
    emergency_contact: str | None = None


@dataclass(frozen=True)
class UserView:
    id: int
    org_id: int | None
    username: str
    full_name: str
    role: str
    active: bool
    must_change_password: bool
    created_at: datetime


def _org_view(o: Organisation) -> OrganisationView:
    return OrganisationView(id=o.id, name=o.name, kind=o.kind, created_at=o.created_at)


def _site_view(s: Site) -> SiteView:
    return SiteView(id=s.id, org_id=s.org_id, name=s.name, timezone=s.timezone,
                    jurisdiction=s.jurisdiction, created_at=s.created_at,
                    measurement_tolerance=float(s.measurement_tolerance
                                                if s.measurement_tolerance is not None else 0.1),
                    emergency_contact=s.emergency_contact)


def _contact(value: str | None) -> str | None:
    return clean_optional_text(value, field="emergency_contact", max_length=NAME_MAX)


def _user_view(u: User) -> UserView:
    return UserView(id=u.id, org_id=u.org_id, username=u.username, full_name=u.full_name,
                    role=u.role, active=u.active, must_change_password=u.must_change_password,
                    created_at=u.created_at)


def _name(value: str, field: str = "name") -> str:
    """A name by the one free-text rule (isoflow.domain.text): NFC, trimmed, no control
    characters, 1-200 characters."""
    return clean_text(value, field=field, max_length=NAME_MAX)


def _reason(value: str | None) -> str | None:
    return clean_optional_text(value, field="reason", max_length=REASON_MAX, multiline=True)


def _username(value: str) -> str:
    name, problem = text_problem(value, max_length=USERNAME_MAX, spaces=False)
    if problem is not None:
        raise InvalidInput(f"a username is 1-{USERNAME_MAX} characters without spaces: it "
                           f"{problem}", field="username")
    return name


def _timezone(value: str) -> str:
    """An IANA time zone name (isoflow.physics.times: host aliases such as localtime,
    posixrules, Factory, posix/... and right/... are refused)."""
    parse_timezone(value, field="timezone")
    return value


def _jurisdiction(value: str) -> str:
    if value not in JURISDICTION_CODES:
        raise InvalidInput(f"unknown jurisdiction {value!r}; one of: "
                           f"{', '.join(JURISDICTION_CODES)}", field="jurisdiction")
    return value


def _tolerance(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise InvalidInput("the measurement tolerance is a fraction above 0 and at most 1 "
                           "(0.1 = 10 %)", field="measurement_tolerance")
    return float(value)


def _require_platform(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise Forbidden("only a platform administrator may manage organisations")


def visible_org(s: Session, actor: Actor, org_id: int, *, lock: bool = False) -> Organisation:
    org = s.get(Organisation, org_id, with_for_update=lock)
    if org is None or not actor.sees(org.id):
        raise NotFound(f"no organisation {org_id}", field="org_id")
    return org


def visible_site(s: Session, actor: Actor, site_id: int, *, lock: bool = False) -> Site:
    site = s.get(Site, site_id, with_for_update=lock)
    if site is None or not actor.sees(site.org_id):
        raise NotFound(f"no site {site_id}", field="site_id")
    return site


def _flush_unique(s: Session, what: str) -> None:
    try:
        s.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists") from None


# ------------------------------------------------------------------ organisations
def create_organisation(db: Database, actor: Actor, *, name: str, kind: str, timezone: str,
                        jurisdiction: str, site_name: str | None = None
                        ) -> tuple[OrganisationView, SiteView]:
    """A new organisation with its first site (its time zone and jurisdiction profile)."""
    _require_platform(actor)
    name, kind = _name(name), parse_organisation_kind(kind)
    timezone, jurisdiction = _timezone(timezone), _jurisdiction(jurisdiction)
    site_name = _name(site_name or name, "site_name")
    with db.write() as s:
        if s.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
            raise Conflict(f"an organisation named {name!r} already exists", field="name")
        at = now()
        org = Organisation(name=name, kind=kind, created_at=at)
        s.add(org)
        _flush_unique(s, f"organisation {name!r}")
        site = Site(org_id=org.id, name=site_name, timezone=timezone,
                    jurisdiction=jurisdiction, created_at=at)
        s.add(site)
        s.flush()
        audit.record(s, actor, org_id=org.id, entity_type="organisation", entity_id=org.id,
                     action="created", new={"name": name, "kind": kind})
        audit.record(s, actor, org_id=org.id, entity_type="site", entity_id=site.id,
                     action="created", new={"name": site_name, "timezone": timezone,
                                            "jurisdiction": jurisdiction})
        return _org_view(org), _site_view(site)


def list_organisations(db: Database, actor: Actor) -> list[OrganisationView]:
    actor.require(Permission.READ)
    q = select(Organisation).order_by(Organisation.id)
    if actor.org_id is not None:
        q = q.where(Organisation.id == actor.org_id)
    with db.read() as s:
        return [_org_view(o) for o in s.scalars(q)]


def get_organisation(db: Database, actor: Actor, org_id: int) -> OrganisationView:
    actor.require(Permission.READ)
    with db.read() as s:
        return _org_view(visible_org(s, actor, org_id))


def find_organisation(db: Database, actor: Actor, name: str) -> OrganisationView:
    with db.read() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == name))
        if org is None or not actor.sees(org.id):
            raise NotFound(f"no organisation named {name!r}", field="org")
        return _org_view(org)


def rename_organisation(db: Database, actor: Actor, org_id: int, *, name: str,
                        reason: str | None = None) -> OrganisationView:
    actor.require(Permission.MANAGE_ORGANISATION)
    name, reason = _name(name), _reason(reason)
    with db.write() as s:
        org = visible_org(s, actor, org_id, lock=True)
        old = org.name
        if old == name:
            return _org_view(org)
        org.name = name
        _flush_unique(s, f"an organisation named {name!r}")
        audit.record(s, actor, org_id=org.id, entity_type="organisation", entity_id=org.id,
                     action="updated", old={"name": old}, new={"name": name}, reason=reason)
        return _org_view(org)


# ------------------------------------------------------------------ sites
def create_site(db: Database, actor: Actor, *, org_id: int | None, name: str, timezone: str,
                jurisdiction: str, measurement_tolerance: float = 0.1,
                emergency_contact: str | None = None) -> SiteView:
    actor.require(Permission.MANAGE_ORGANISATION)
    org_id = _target_org(actor, org_id)
    name, timezone, jurisdiction = _name(name), _timezone(timezone), _jurisdiction(jurisdiction)
    tolerance = _tolerance(measurement_tolerance)
    contact = _contact(emergency_contact)
    with db.write() as s:
        visible_org(s, actor, org_id)
        if s.scalar(select(Site.id).where(Site.org_id == org_id, Site.name == name)):
            raise Conflict(f"the organisation already has a site named {name!r}", field="name")
        site = Site(org_id=org_id, name=name, timezone=timezone, jurisdiction=jurisdiction,
                    created_at=now(), measurement_tolerance=tolerance,
                    emergency_contact=contact)
        s.add(site)
        _flush_unique(s, f"a site named {name!r}")
        audit.record(s, actor, org_id=org_id, entity_type="site", entity_id=site.id,
                     action="created", new={"name": name, "timezone": timezone,
                                            "jurisdiction": jurisdiction,
                                            "measurement_tolerance": tolerance,
                                            "emergency_contact": contact})
        return _site_view(site)


def list_sites(db: Database, actor: Actor, *, org_id: int | None = None) -> list[SiteView]:
    actor.require(Permission.READ)
    q = select(Site).order_by(Site.id)
    if actor.org_id is not None:
        q = q.where(Site.org_id == actor.org_id)
    with db.read() as s:
        if org_id is not None:
            q = q.where(Site.org_id == visible_org(s, actor, org_id).id)
        return [_site_view(x) for x in s.scalars(q)]


def get_site(db: Database, actor: Actor, site_id: int) -> SiteView:
    actor.require(Permission.READ)
    with db.read() as s:
        return _site_view(visible_site(s, actor, site_id))


def update_site(db: Database, actor: Actor, site_id: int, *, name: str | None = None,
                timezone: str | None = None, jurisdiction: str | None = None,
                measurement_tolerance: float | None = None,
                emergency_contact: str | None = None,
                reason: str | None = None) -> SiteView:
    """Change what is given (None: unchanged; an empty emergency contact clears it)."""
    actor.require(Permission.MANAGE_ORGANISATION)
    reason = _reason(reason)
    changes: dict[str, object] = {
        k: v for k, v in (("name", None if name is None else _name(name)),
                          ("timezone", None if timezone is None else _timezone(timezone)),
                          ("jurisdiction", None if jurisdiction is None
                           else _jurisdiction(jurisdiction)),
                          ("measurement_tolerance", None if measurement_tolerance is None
                           else _tolerance(measurement_tolerance))) if v is not None}
    if emergency_contact is not None:
        changes["emergency_contact"] = _contact(emergency_contact)
    with db.write() as s:
        site = visible_site(s, actor, site_id, lock=True)
        old = {k: getattr(site, k) for k in changes if getattr(site, k) != changes[k]}
        if not old:
            return _site_view(site)
        for k in old:
            setattr(site, k, changes[k])
        _flush_unique(s, "a site with that name")
        audit.record(s, actor, org_id=site.org_id, entity_type="site", entity_id=site.id,
                     action="updated", old=old, new={k: changes[k] for k in old}, reason=reason)
        return _site_view(site)


# ------------------------------------------------------------------ users
def _target_org(actor: Actor, org_id: int | None) -> int:
    """The organisation an action applies to: the actor's own, or (platform) the one named."""
    if actor.org_id is not None:
        if org_id is not None and org_id != actor.org_id:
            raise NotFound(f"no organisation {org_id}", field="org_id")
        return actor.org_id
    if org_id is None:
        raise InvalidInput("org_id is required", field="org_id")
    return org_id


def create_user(db: Database, actor: Actor, *, username: str, password: str, role: str,
                org_id: int | None, full_name: str = "",
                must_change_password: bool = True) -> UserView:
    """A new user. ``org_id`` None (platform administrators only) makes another platform
    administrator. A password set by someone else must be changed at first sign-in."""
    actor.require(Permission.MANAGE_ORGANISATION)
    r = parse_role(role)
    username = _username(username)
    if org_id is None and actor.org_id is None:
        if r is not Role.ADMIN:
            raise InvalidInput("a user without an organisation is a platform administrator; "
                               "give --org or role admin", field="org_id")
        target: int | None = None
    else:
        target = _target_org(actor, org_id)
    password_hash = hash_password(password)
    with db.write() as s:
        if target is not None:
            visible_org(s, actor, target)
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"the username {username!r} is taken", field="username")
        at = now()
        user = User(org_id=target, username=username, full_name=_name(full_name or username,
                                                                       "full_name"),
                    role=r.value, password_hash=password_hash,
                    must_change_password=must_change_password, active=True, created_at=at,
                    password_changed_at=at)
        s.add(user)
        _flush_unique(s, f"the username {username!r}")
        audit.record(s, actor, org_id=target, entity_type="user", entity_id=user.id,
                     action="created", new={"username": username, "role": r.value,
                                            "org_id": target, "full_name": user.full_name})
        return _user_view(user)


def _visible_user(s: Session, actor: Actor, user_id: int, *, lock: bool = False) -> User:
    user = s.get(User, user_id, with_for_update=lock)
    if user is None or (actor.org_id is not None and user.org_id != actor.org_id):
        raise NotFound(f"no user {user_id}", field="user_id")
    return user


def list_users(db: Database, actor: Actor) -> list[UserView]:
    actor.require(Permission.MANAGE_ORGANISATION)
    q = select(User).order_by(User.id)
    if actor.org_id is not None:
        q = q.where(User.org_id == actor.org_id)
    with db.read() as s:
        return [_user_view(u) for u in s.scalars(q)]


def get_user(db: Database, actor: Actor, user_id: int) -> UserView:
    with db.read() as s:
        user = _visible_user(s, actor, user_id)
        if user.id != actor.user_id:
            actor.require(Permission.MANAGE_ORGANISATION)
        return _user_view(user)


def update_user(db: Database, actor: Actor, user_id: int, *, role: str | None = None,
                active: bool | None = None, full_name: str | None = None,
                password: str | None = None, reason: str | None = None,
                must_change_password: bool = True) -> UserView:
    """Change a user's role, name or status, or reset their password (which they must then
    change at next sign-in, unless ``must_change_password`` is False: the demo world's
    accounts). Users are deactivated, never deleted (their records stay)."""
    actor.require(Permission.MANAGE_ORGANISATION)
    reason = _reason(reason)
    changes: dict[str, object] = {}
    if role is not None:
        changes["role"] = parse_role(role).value
    if active is not None:
        changes["active"] = bool(active)
    if full_name is not None:
        changes["full_name"] = _name(full_name, "full_name")
    password_hash = hash_password(password) if password is not None else None
    with db.write() as s:
        user = _visible_user(s, actor, user_id, lock=True)
        if user.id == actor.user_id and (changes.get("active") is False
                                         or changes.get("role", user.role) != user.role):
            raise Conflict("you may not deactivate yourself or change your own role")
        if user.id == actor.user_id and password_hash is not None:
            # a reset ends every token of the user, the one making the call included
            raise Conflict("you may not reset your own password here; change it with your "
                           "current one (POST /api/v1/auth/password or the account page)")
        if user.org_id is None and changes.get("role", Role.ADMIN.value) != Role.ADMIN.value:
            raise InvalidInput("a platform administrator keeps the admin role", field="role")
        old = {k: getattr(user, k) for k in changes if getattr(user, k) != changes[k]}
        for k in old:
            setattr(user, k, changes[k])
        new = {k: changes[k] for k in old}
        if password_hash is not None:
            user.password_hash = password_hash
            user.must_change_password = must_change_password
            user.password_changed_at = now()
            new["password"] = "reset"
            if not must_change_password:
                new["must_change_password"] = False
        if password_hash is not None or "role" in old or old.get("active") is True:
            # a reset, a role change or a deactivation ends every token and session (#13)
            new["revoked_tokens"] = revoke_all(s, user.id)
        if new:
            audit.record(s, actor, org_id=user.org_id, entity_type="user", entity_id=user.id,
                         action="updated", old=old, new=new, reason=reason)
        return _user_view(user)


def reset_password(db: Database, actor: Actor, user_id: int, new_password: str, *,
                   reason: str | None = None) -> UserView:
    """An administrator sets a one-time password the user must change at next sign-in;
    every token and session of the user is revoked."""
    return update_user(db, actor, user_id, password=new_password, reason=reason)
