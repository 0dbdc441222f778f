"""Shared database and API fixtures: every storage, service and API test runs on a real SQLite
file and on the real PostgreSQL server that scripts/run-tests.sh starts
(ISOFLOW_TEST_POSTGRES_URL). Without that variable the PostgreSQL cases are skipped locally,
and fail when CI=true — CI must never pass by skipping them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Cheap Argon2 in tests (the production cost is a setting); set before settings are read.
os.environ.setdefault("ISOFLOW_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("ISOFLOW_ARGON2_TIME_COST", "1")
os.environ.setdefault("ISOFLOW_ARGON2_PARALLELISM", "1")

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def postgres_url_or_skip() -> str:
    url = os.environ.get("ISOFLOW_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but ISOFLOW_TEST_POSTGRES_URL is not set: the PostgreSQL "
                        "test server did not start (see scripts/postgres-test-server.sh)")
        pytest.skip("ISOFLOW_TEST_POSTGRES_URL not set (run scripts/run-tests.sh)")
    return url


def _scratch_pg_database(base_url: str, name: str) -> str:
    """Create (afresh) database ``name`` on the test server; returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to the newest schema, copied for each test."""
    from isoflow.store import migrate
    from isoflow.store.db import Database

    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A database of its own on the PostgreSQL test server, migrated; truncated per test."""
    base = postgres_url_or_skip()
    name = f"isoflow_t_{_worker()}_{os.getpid()}"
    url = _scratch_pg_database(base, name)
    from isoflow.store import migrate
    from isoflow.store.db import Database

    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    _drop_pg_database(base, name)


def _truncate_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from isoflow.domain.audit import GENESIS_HASH
    from isoflow.store.models import Base

    eng = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with eng.begin() as c:
        c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        c.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, :h)"),
                  {"h": GENESIS_HASH})
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database URL: a fresh SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        path = tmp_path / "isoflow.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated")
    _truncate_postgres(url)
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[object]:
    from isoflow.store.db import Database

    database = Database(db_url)
    yield database
    database.dispose()


@dataclass
class Tenant:
    org_id: int
    site_id: int
    admin: object  # Actor
    radiopharmacist: object  # Actor
    admin_username: str
    rph_username: str


def make_tenant(db: object, name: str, *, jurisdiction: str = "EU",
                timezone: str = "Asia/Bishkek", licence_bq: float | None = 1e13) -> Tenant:
    """An organisation with one site, an admin and a radiopharmacist (passwords already
    changed) and, unless None, a total possession limit valid from 2000."""
    from isoflow.domain.roles import Actor
    from isoflow.services import licences, organisations
    from isoflow.services.auth import actor_of
    from isoflow.store.models import User

    cli = Actor.command_line("tests")
    org, site = organisations.create_organisation(db, cli, name=name, kind="hospital",  # type: ignore[arg-type]
                                                  timezone=timezone, jurisdiction=jurisdiction)
    slug = name.lower().replace(" ", "-")
    users = {}
    for role in ("admin", "radiopharmacist"):
        u = organisations.create_user(db, cli, username=f"{slug}-{role}", password=PASSWORD,  # type: ignore[arg-type]
                                      role=role, org_id=org.id, full_name=f"{name} {role}",
                                      must_change_password=False)
        with db.read() as s:  # type: ignore[attr-defined]
            users[role] = actor_of(s.get(User, u.id))
    if licence_bq is not None:
        licences.add_limit(db, cli, site_id=site.id, nuclide=None, limit_bq=licence_bq,  # type: ignore[arg-type]
                           valid_from=datetime(2000, 1, 1, tzinfo=UTC), reference=f"{slug}-L1")
    return Tenant(org_id=org.id, site_id=site.id, admin=users["admin"],
                  radiopharmacist=users["radiopharmacist"], admin_username=f"{slug}-admin",
                  rph_username=f"{slug}-radiopharmacist")


@pytest.fixture
def app(db: object):  # type: ignore[no-untyped-def]
    from isoflow.api.app import create_app

    application = create_app()
    application.state.isoflow_db = db
    return application


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def token_for(client, username: str, password: str = PASSWORD) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
