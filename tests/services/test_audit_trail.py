"""The audit trail: every create/correct writes who/when/what/old/new/why, hash-chained;
tampering with any row in the database makes `isoflow audit verify` fail and name it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from isoflow.domain.roles import Actor
from isoflow.services import audit, ledger, organisations
from tests.conftest import T0, make_tenant


def _populate(db) -> int:
    t = make_tenant(db, "H")
    c = ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="vial", nuclide="Tc-99m",
                       activity_bq=1e10, reference_at=T0, volume_ml=10, received_at=T0)
    for i in range(3):
        ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + timedelta(hours=i + 1),
                        volume_ml=1.0)
    organisations.update_user(db, t.admin, t.radiopharmacist.user_id, full_name="A. Renamed",
                              reason="name change")
    return audit.verify(db).entries


def _tamper(db, sql: str) -> None:
    """Edit the store behind the application's back (what an attacker with DB access does)."""
    with db.engine.begin() as c:
        if db.is_sqlite:
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_update")
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_delete")
        else:
            c.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
        c.exec_driver_sql(sql)
        if not db.is_sqlite:
            c.exec_driver_sql("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only")


def test_entries_record_who_when_what_old_new_why(db) -> None:
    n = _populate(db)
    assert n >= 10
    report = audit.verify(db)
    assert report.ok and report.entries == n
    admin = make_tenant(db, "Other").admin
    assert all(e.org_id == admin.org_id for e in audit.list_entries(db, admin))
    entries = audit.list_entries(db, Actor.command_line("t"), entity_type="user")
    renamed = [e for e in entries if e.action == "updated"]
    assert renamed and renamed[0].old == {"full_name": "H radiopharmacist"}
    assert renamed[0].new == {"full_name": "A. Renamed"} and renamed[0].reason == "name change"
    assert renamed[0].actor == "h-admin" and renamed[0].at.tzinfo is not None


@pytest.mark.parametrize("column,value", [
    ("new", "'{\"activity_bq\":1}'"), ("old", "'{}'"), ("actor", "'mallory'"),
    ("reason", "'because'"), ("entity_id", "'999'"), ("action", "'deleted'"),
    ("hash", "'" + "f" * 64 + "'"), ("org_id", "77")])
def test_tampering_any_column_is_named(db, column: str, value: str) -> None:
    _populate(db)
    _tamper(db, f"UPDATE audit_entries SET {column} = {value} WHERE seq = 4")
    report = audit.verify(db)
    assert not report.ok and report.first_break.seq == 4, report.first_break


def test_tampering_time_and_deleting_are_named(db) -> None:
    n = _populate(db)
    _tamper(db, "UPDATE audit_entries SET at = at + interval '1 second' WHERE seq = 6"
            if not db.is_sqlite else
            "UPDATE audit_entries SET at = '2020-01-01 00:00:00.000000' WHERE seq = 6")
    assert audit.verify(db).first_break.seq == 6
    _tamper(db, "DELETE FROM audit_entries WHERE seq = 3")
    assert audit.verify(db).first_break.seq == 3
    _tamper(db, f"DELETE FROM audit_entries WHERE seq >= {n - 1}")
    assert audit.verify(db).first_break.seq == 3


def test_cli_verify_exits_non_zero_naming_the_entry(db, db_url: str) -> None:
    _populate(db)
    env = {**os.environ, "ISOFLOW_DATABASE_URL": db_url}
    cmd = [str(Path(sys.executable).parent / "isoflow"), "audit", "verify"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout
    _tamper(db, "UPDATE audit_entries SET new = '{\"activity_bq\":1}' WHERE seq = 5")
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "#5" in bad.stderr
