"""Alembic migrations reproduce the models exactly on empty SQLite and PostgreSQL databases,
and round-trip (downgrade to base, upgrade again). SQLite runs in WAL mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from isoflow.store import migrate
from isoflow.store.db import Database
from isoflow.store.models import Organisation
from tests.conftest import _drop_pg_database, _scratch_pg_database, postgres_url_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.sqlite'}")
        yield db
        db.dispose()
        return
    base = postgres_url_or_skip()
    name = "isoflow_migrations_check"
    db = Database(_scratch_pg_database(base, name))
    yield db
    db.dispose()
    _drop_pg_database(base, name)


def test_upgrade_head_matches_the_models_exactly(empty_db: Database) -> None:
    assert migrate.current_revision(empty_db) is None
    migrate.upgrade(empty_db)
    assert migrate.is_up_to_date(empty_db)
    assert migrate.schema_differences(empty_db) == []
    migrate.downgrade(empty_db, "base")
    assert migrate.current_revision(empty_db) is None
    migrate.upgrade(empty_db)
    assert migrate.schema_differences(empty_db) == []


def test_sqlite_is_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    migrate.upgrade(db)
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_datetimes_round_trip_as_aware_utc(db) -> None:
    bishkek = timezone(timedelta(hours=6))
    at = datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=bishkek)
    with db.write() as s:
        s.add(Organisation(name="X", kind="hospital", created_at=at))
    with db.read() as s:
        back = s.query(Organisation).one().created_at
    assert back == at and back.tzinfo == UTC and back.hour == 6
    with pytest.raises(Exception, match="timezone-aware"), db.write() as s:
        s.add(Organisation(name="Y", kind="hospital", created_at=datetime(2026, 3, 2)))


def test_shipments_written_before_0005_leave_from_the_first_site(db) -> None:  # type: ignore[no-untyped-def]
    """0005 gives the shipments written before it their organisation's first site (what the
    service used until then), and its downgrade drops the column again."""
    from isoflow.services import organisations, shipments
    from isoflow.store.supplier_models import Shipment
    from tests.shipment_world import make_order, t_now
    from tests.supplier_world import make_supplier

    sup = make_supplier(db)
    second = organisations.create_site(db, sup.actors["admin"], org_id=None, name="Depot",
                                       timezone="Europe/Samara", jurisdiction="RU")
    order = make_order(db, sup, "I131-SOL", "BY-MINSK", gbq=10,
                       dispatch_at=t_now() + timedelta(days=2))
    shipped = shipments.prepare_shipment(db, sup.actors["supplier_logistics"], order,
                                         mode="road", package_type="Type A",
                                         surface_usv_h=50.0, at_1m_usv_h=2.0,
                                         site_id=second.id)
    migrate.downgrade(db, "0004")
    with db.read() as s:
        columns = {r[1] for r in s.execute(text("PRAGMA table_info(shipments)"))} \
            if db.dialect == "sqlite" else set(s.execute(text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'shipments'")).scalars())
    assert "site_id" not in columns and "number" in columns
    migrate.upgrade(db)
    assert migrate.schema_differences(db) == []
    with db.read() as s:
        assert s.get(Shipment, shipped.id).site_id == sup.site_id  # type: ignore[union-attr]
