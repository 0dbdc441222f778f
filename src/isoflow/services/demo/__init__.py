"""The demo world (issue #9 item 5): the mission's two ends, ready to sign in to.

``load`` creates, through the ordinary services and as the console actor ``cli:demo`` (so every
row is audited and every licence limit holds):

- a supplier modelled on the seeds' isotope exporter, **Isotope Export Co.** (RU,
  Europe/Moscow), and a hospital modelled on the new radionuclide diagnostics department of a
  national oncology centre in Bishkek (Asia/Bishkek); each with one user per role;
- their licences (possession limits per nuclide and a total; the hospital's I-131 permit
  expires within 60 days, so the dashboard has something to warn about);
- a ledger history dated relative to today (isoflow.services.demo.history): the hospital's
  GT-4K generator received three days ago, a morning elution each day since, kit vials, patient
  doses, an assay, a decayed eluate disposed of; the supplier's Co-60 source, bulk Mo-99 and
  I-131 with the week's shipments, a Ge-68/Ga-68 generator and a GT-4K awaiting dispatch;
- a platform administrator ``admin``.

Demo accounts get generated passwords that need no change at first sign-in (they exist to be
signed in to at once); never keep real records in a demo world.

Loading again adds nothing: the organisations, users, licences and history are found and left
as they are, and the demo users' passwords are reset to new generated ones (audited), since
only their hashes are stored. An organisation or user of a demo name that the demo did not
create is refused (the platform administrator ``admin`` of a real installation is left alone
and not listed). The history is written when a demo site has no containers yet, so a load that
was interrupted half-way through a history does not complete it: load into a new database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from isoflow.domain.roles import Actor
from isoflow.errors import Conflict, NotFound
from isoflow.services import audit, ledger, licences, organisations
from isoflow.services.auth import actor_of
from isoflow.services.clock import now
from isoflow.services.demo.department import Staff, department_history
from isoflow.services.demo.history import (
    HOSPITAL_TIMEZONE,
    SUPPLIER_TIMEZONE,
    anchor_day,
    hospital_limits,
    supplier_history,
    supplier_limits,
)
from isoflow.services.demo.supplier_world import has_supplier_world, supplier_world
from isoflow.store.db import Database
from isoflow.store.models import User

DEMO_ACTOR = Actor.command_line("demo")

#: the username of the platform administrator (the same as the first administrator's)
PLATFORM_ADMIN = "admin"


@dataclass(frozen=True)
class OrgSpec:
    key: str  # "supplier" | "hospital"
    name: str
    kind: str
    timezone: str
    jurisdiction: str
    site: str
    emergency_contact: str | None = None


SUPPLIER = OrgSpec(key="supplier", name="Isotope Export Co.", kind="supplier",
                   timezone=SUPPLIER_TIMEZONE, jurisdiction="RU",
                   site="Production and dispatch, Moscow region",
                   # a placeholder, not a real number: the demo's declarations show where
                   # the site's own 24-hour contact goes
                   emergency_contact="Duty radiation safety officer, Isotope Export Co., "
                                     "+7 000 000-00-00 (demo)")
#: Kyrgyzstan has no profile of its own yet; the RU profile (Ph. Eur.-aligned limits) is the
#: closest of NRC, EU and RU for a department supplied with Russian generators and kits.
HOSPITAL = OrgSpec(key="hospital",
                   name="National Oncology Centre — Radionuclide Diagnostics, Bishkek",
                   kind="hospital", timezone=HOSPITAL_TIMEZONE, jurisdiction="RU",
                   site="Radionuclide diagnostics department, hot lab")
ORGS = (SUPPLIER, HOSPITAL)


@dataclass(frozen=True)
class UserSpec:
    username: str
    org: OrgSpec | None  # None: the platform administrator
    role: str
    full_name: str


USERS: tuple[UserSpec, ...] = (
    UserSpec(PLATFORM_ADMIN, None, "admin", "Platform administrator (demo)"),
    UserSpec("exporter.admin", SUPPLIER, "admin", "Irina Volkova"),
    UserSpec("exporter.sales", SUPPLIER, "supplier_sales", "Dmitry Orlov"),
    UserSpec("exporter.logistics", SUPPLIER, "supplier_logistics", "Sergei Belov"),
    UserSpec("exporter.production", SUPPLIER, "supplier_production", "Andrei Sokolov"),
    UserSpec("exporter.rso", SUPPLIER, "rso", "Natalia Kuznetsova"),
    UserSpec("exporter.viewer", SUPPLIER, "viewer", "Export analytics (read only)"),
    UserSpec("bishkek.admin", HOSPITAL, "admin", "Aibek Toktogulov"),
    UserSpec("bishkek.rph", HOSPITAL, "radiopharmacist", "Aigerim Asanova"),
    UserSpec("bishkek.tech", HOSPITAL, "technologist", "Nurlan Sadykov"),
    UserSpec("bishkek.doctor", HOSPITAL, "physician", "Gulnara Abdyldaeva"),
    UserSpec("bishkek.rso", HOSPITAL, "rso", "Bakyt Mamytov"),
    UserSpec("bishkek.viewer", HOSPITAL, "viewer", "Head of department (read only)"),
)


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    password: str
    org: str | None  # None: platform administrator
    role: str
    full_name: str


@dataclass(frozen=True)
class DemoLoad:
    """What ``load`` did: the sign-ins to print; ``created`` False when the world existed
    already (its users got new passwords); ``notes`` for the operator."""

    sign_ins: list[DemoSignIn]
    created: bool
    notes: list[str]


def new_password() -> str:
    return secrets.token_urlsafe(12)


def _created_by_demo(db: Database, entity_type: str, entity_id: int) -> bool:
    first = audit.list_entries(db, DEMO_ACTOR, entity_type=entity_type,
                               entity_id=str(entity_id), limit=1)
    return bool(first) and first[0].action == "created" \
        and first[0].actor == DEMO_ACTOR.username


def _existing_org(db: Database, spec: OrgSpec) -> organisations.OrganisationView | None:
    try:
        org = organisations.find_organisation(db, DEMO_ACTOR, spec.name)
    except NotFound:
        return None
    if not _created_by_demo(db, "organisation", org.id) or org.kind != spec.kind:
        raise Conflict(f"an organisation named {spec.name!r} exists and was not created by "
                       "'isoflow demo load'; the demo world is not loaded into a database "
                       "that holds it (use a new database)", field="name")
    return org


def has_users(db: Database) -> bool:
    """Whether anyone can sign in yet (a new database has no users)."""
    return bool(organisations.list_users(db, DEMO_ACTOR))


def load(db: Database) -> DemoLoad:
    """Create the demo world, or find it and give its users new passwords (see the module
    docstring). Conflict, before anything is written, if a demo name is taken by a real
    organisation or user."""
    orgs = {spec.key: _existing_org(db, spec) for spec in ORGS}
    users = {u.username: u for u in organisations.list_users(db, DEMO_ACTOR)}
    keep, notes = _demo_users(db, orgs, users)
    created = any(org is None for org in orgs.values())
    placed = {spec.key: _organisation(db, spec, orgs[spec.key]) for spec in ORGS}
    sign_ins = [_sign_in(db, spec, users.get(spec.username),
                         None if spec.org is None else placed[spec.org.key][0])
                for spec in keep]
    day = anchor_day(now())
    for spec, limits in ((SUPPLIER, supplier_limits), (HOSPITAL, hospital_limits)):
        site_id = placed[spec.key][1]
        if not licences.list_limits(db, DEMO_ACTOR, site_id=site_id):
            for limit in limits(day):
                licences.add_limit(db, DEMO_ACTOR, site_id=site_id, nuclide=limit.nuclide,
                                   limit_bq=limit.limit_bq, valid_from=limit.valid_from,
                                   valid_to=limit.valid_to, reference=limit.reference)
    supplier_site, hospital_site = placed[SUPPLIER.key][1], placed[HOSPITAL.key][1]
    if not ledger.list_containers(db, DEMO_ACTOR, site_id=supplier_site, limit=1):
        supplier_history(db, DEMO_ACTOR, supplier_site, day)
    supplier_org = placed[SUPPLIER.key][0]
    if not has_supplier_world(db, supplier_org):
        supplier_world(db, supplier_org, supplier_site, day)
    if not ledger.list_containers(db, DEMO_ACTOR, site_id=hospital_site, limit=1):
        passwords = {x.username: x.password for x in sign_ins}
        if "bishkek.rph" in passwords:
            department_history(db, _staff(db, passwords["bishkek.rph"]),
                               hospital_site, day)
    return DemoLoad(sign_ins=sign_ins, created=created, notes=notes)


def _staff(db: Database, rph_password: str) -> Staff:
    """The department's demo users as actors (they sign their own records)."""
    with db.read() as s:
        users = {u.username: actor_of(u) for u in s.scalars(
            select(User).where(User.username.in_(
                ["bishkek.admin", "bishkek.doctor", "bishkek.tech", "bishkek.rph",
                 "bishkek.rso"])))}
    return Staff(admin=users["bishkek.admin"], physician=users["bishkek.doctor"],
                 technologist=users["bishkek.tech"],
                 radiopharmacist=users["bishkek.rph"], rph_password=rph_password,
                 rso=users["bishkek.rso"])


def _demo_users(db: Database, orgs: dict[str, organisations.OrganisationView | None],
                users: dict[str, organisations.UserView]) -> tuple[list[UserSpec], list[str]]:
    """The demo users to create or give new passwords, and notes; Conflict if a demo
    username belongs to someone else."""
    keep: list[UserSpec] = []
    notes: list[str] = []
    for spec in USERS:
        u = users.get(spec.username)
        if u is None:
            keep.append(spec)
            continue
        if not _created_by_demo(db, "user", u.id):
            if spec.org is None and u.org_id is None:
                notes.append(f"the platform administrator {spec.username!r} existed before the "
                             "demo and keeps its password")
                continue
            raise Conflict(f"the username {spec.username!r} is taken by a user the demo did "
                           "not create; load the demo world into a new database",
                           field="username")
        org = None if spec.org is None else orgs[spec.org.key]
        if (spec.org is not None and org is None) or u.org_id != (None if org is None
                                                                  else org.id):
            raise Conflict(f"the demo user {spec.username!r} belongs to another organisation "
                           "than the demo's; load the demo world into a new database",
                           field="username")
        keep.append(spec)
    return keep, notes


def _organisation(db: Database, spec: OrgSpec,
                  org: organisations.OrganisationView | None) -> tuple[int, int]:
    """(organisation id, site id) of a demo organisation, created if missing."""
    if org is None:
        org, site = organisations.create_organisation(
            db, DEMO_ACTOR, name=spec.name, kind=spec.kind, timezone=spec.timezone,
            jurisdiction=spec.jurisdiction, site_name=spec.site)
        if spec.emergency_contact:
            organisations.update_site(db, DEMO_ACTOR, site.id,
                                      emergency_contact=spec.emergency_contact,
                                      reason="the demo world's dispatch site")
        return org.id, site.id
    return org.id, organisations.list_sites(db, DEMO_ACTOR, org_id=org.id)[0].id


def _sign_in(db: Database, spec: UserSpec, existing: organisations.UserView | None,
             org_id: int | None) -> DemoSignIn:
    password = new_password()
    if existing is None:
        organisations.create_user(db, DEMO_ACTOR, username=spec.username, password=password,
                                  role=spec.role, org_id=org_id, full_name=spec.full_name,
                                  must_change_password=False)
    else:
        organisations.update_user(db, DEMO_ACTOR, existing.id, password=password,
                                  must_change_password=False,
                                  reason="isoflow demo load: a new demo password")
    return DemoSignIn(username=spec.username, password=password,
                      org=None if spec.org is None else spec.org.name, role=spec.role,
                      full_name=spec.full_name)
