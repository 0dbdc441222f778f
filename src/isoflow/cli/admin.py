"""``isoflow admin``: set up organisations, users and licences from the server's console.

The console operator acts as a platform administrator; every action is audited as
``cli:<login name>``.
"""

from __future__ import annotations

import getpass
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import typer

from isoflow.domain.roles import Actor
from isoflow.errors import InvalidInput, NotFound
from isoflow.store.db import Database

admin_app = typer.Typer(no_args_is_help=True,
                        help="Organisations, users and licences (console administrator).")


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "console"
    return Actor.command_line(who)


def _db() -> Database:
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    db = default_database()
    if not migrate.is_up_to_date(db):
        raise InvalidInput("the database schema is not up to date; run 'isoflow db upgrade'")
    return db


def _read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        pw = getpass.getpass("password: ")
        if confirm and getpass.getpass("again: ") != pw:
            raise InvalidInput("the passwords differ", field="password")
        return pw
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@admin_app.command("create-org")
def create_org(
    name: str = typer.Argument(..., help="organisation name"),
    kind: str = typer.Option(..., help="hospital or supplier"),
    timezone: str = typer.Option(..., help="time zone of its first site, e.g. Asia/Bishkek"),
    jurisdiction: str = typer.Option(..., help="jurisdiction profile: NRC, EU or RU"),
    site: str = typer.Option(None, help="name of the first site (default: the organisation's)"),
) -> None:
    """Create an organisation and its first site."""
    from isoflow.services import organisations

    org, s = organisations.create_organisation(_db(), _actor(), name=name, kind=kind,
                                               timezone=timezone, jurisdiction=jurisdiction,
                                               site_name=site)
    print(f"organisation {org.id} {org.name!r} ({org.kind}); site {s.id} {s.name!r} "
          f"({s.timezone}, {s.jurisdiction})")


@admin_app.command("create-user")
def create_user(
    username: str = typer.Argument(...),
    org: str = typer.Option(None, help="organisation name (omit for a platform administrator)"),
    role: str = typer.Option(..., help="admin, supplier_sales, supplier_logistics, "
                                       "supplier_production, radiopharmacist, technologist, "
                                       "physician, rso, viewer"),
    full_name: str = typer.Option("", help="the person's name, shown on signatures"),
    must_change_password: bool = typer.Option(
        False, help="make the user change the password at first sign-in"),
) -> None:
    """Create a user; the password is read from standard input."""
    from isoflow.services import organisations

    db = _db()
    actor = _actor()
    org_id = None if org is None else organisations.find_organisation(db, actor, org).id
    password = _read_password()
    user = organisations.create_user(db, actor, username=username, password=password,
                                     role=role, org_id=org_id, full_name=full_name,
                                     must_change_password=must_change_password)
    where = f"organisation {org!r}" if org else "platform administrator"
    print(f"user {user.id} {user.username!r} ({user.role}, {where})")


def _valid_to(text: str | None, zone: str) -> datetime | None:
    """A date means 'valid through that date' in the site's time zone; a datetime needs a zone."""
    if text is None:
        return None
    try:
        d = date.fromisoformat(text)
    except ValueError:
        from isoflow.physics.times import parse_datetime

        return parse_datetime(text, field="valid_to")
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))


@admin_app.command("add-licence")
def add_licence(
    org: str = typer.Option(..., help="organisation name"),
    nuclide: str = typer.Option(None, help="radionuclide, e.g. Tc-99m (omit for a limit on "
                                           "the total of all nuclides)"),
    limit: str = typer.Option(..., help='possession limit, e.g. "100 GBq" or "5 Ci"'),
    site: str = typer.Option(None, help="site name (default: the organisation's only site)"),
    valid_from: str = typer.Option(None, help="default now; a time with its zone, e.g. "
                                   "'2026-11-22T12:00+03:00' or '2026-11-22T12:00 Europe/Moscow'"),
    valid_to: str = typer.Option(None, help="a date (valid through that date at the site) or "
                                            "a time with its zone (as --valid-from)"),
    reference: str = typer.Option("", help="licence number"),
) -> None:
    """Add a possession limit to a site's licence."""
    from isoflow.physics.times import parse_datetime
    from isoflow.physics.units import parse_activity
    from isoflow.services import licences, organisations

    db, actor = _db(), _actor()
    o = organisations.find_organisation(db, actor, org)
    sites = organisations.list_sites(db, actor, org_id=o.id)
    if site is not None:
        sites = [s for s in sites if s.name == site]
        if not sites:
            raise NotFound(f"organisation {org!r} has no site {site!r}", field="site")
    elif len(sites) != 1:
        raise InvalidInput(f"organisation {org!r} has {len(sites)} sites; name one with --site",
                           field="site")
    s = sites[0]
    lim = licences.add_limit(
        db, actor, site_id=s.id, nuclide=nuclide, limit_bq=parse_activity(limit, field="limit"),
        valid_from=None if valid_from is None else parse_datetime(valid_from, field="valid_from"),
        valid_to=_valid_to(valid_to, s.timezone), reference=reference)
    from isoflow.physics.units import format_activity

    zone = ZoneInfo(s.timezone)  # shown in the site's time zone, stored in UTC
    until = lim.valid_to.astimezone(zone).isoformat() if lim.valid_to else "further notice"
    print(f"licence limit {lim.id}: {format_activity(lim.limit_bq)} of "
          f"{lim.nuclide or 'all nuclides'} at site {s.name!r}, valid "
          f"{lim.valid_from.astimezone(zone).isoformat(timespec='seconds')} to {until}")


@admin_app.command("unlock")
def unlock(
    username: str = typer.Argument(None, help="the user whose sign-in lock to lift"),
    address: str = typer.Option(None, help="lift a client address's lock instead"),
    reason: str = typer.Option(None, help="why (kept in the audit trail)"),
) -> None:
    """Lift a sign-in lock (after too many failed sign-ins) and clear the failures."""
    from isoflow.services import auth

    if (username is None) == (address is None):
        raise InvalidInput("give a USERNAME or --address (one of them)", field="username")
    db, actor = _db(), _actor()
    if address is not None:
        done, what = auth.unlock_address(db, actor, address, reason=reason), f"address {address}"
    else:
        done, what = auth.unlock(db, actor, username, reason=reason), repr(username)
    if done.was_locked:
        assert done.locked_until is not None
        print(f"unlocked {what} (was locked until "
              f"{done.locked_until.isoformat(timespec='seconds')} after {done.failures} "
              f"failed sign-ins)")
    elif done.failures:
        print(f"{what} was not locked; cleared {done.failures} failed sign-ins")
    else:
        print(f"{what} was not locked")


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")
