"""Database: the driver-level reads (fetch) agree with SQLAlchemy Core, and SQLite writers of
every process queue on one lock."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

from isoflow.services import auth, ledger, ledger_records
from isoflow.store.db import Database
from tests.conftest import PASSWORD, T0, make_tenant


def test_fetch_returns_what_core_returns(db: Database) -> None:
    t = make_tenant(db, "H")
    c = ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="vial",  # type: ignore[arg-type]
                       nuclide="Tc-99m", activity_bq=1e9, reference_at=T0, received_at=T0,
                       volume_ml=2.5)
    ledger.withdraw(db, t.radiopharmacist, c.id, at=T0.replace(hour=7),  # type: ignore[arg-type]
                    volume_ml=0.5)
    token = auth.issue_token(db, t.rph_username, PASSWORD).access_token
    for statement, params in (
            (ledger_records.CONTAINER_AND_EVENTS_AFTER, {"cid": c.id, "after": 0}),
            (ledger_records.CONTAINER_AND_EVENTS_AFTER, {"cid": c.id, "after": 1}),
            (ledger_records.CONTAINER_AND_EVENTS_AFTER, {"cid": c.id + 1, "after": 0}),
            (auth._TOKEN_USER, {"digest": auth._digest(token), "kind": "api"})):
        with db.read_rows() as conn:
            expected = [tuple(r) for r in conn.execute(statement, params)]
        got = db.fetch(statement, params)
        assert [tuple(r) for r in got] == expected
        for row in got:
            assert row._fields == tuple(statement.selected_columns.keys())
    row = db.fetch(ledger_records.CONTAINER_AND_EVENTS_AFTER, {"cid": c.id, "after": 0})[0]
    assert row.received_at == T0 and row.received_at.tzinfo is UTC  # aware UTC


_TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""


def _other_process_can_lock(path: str) -> bool:
    return subprocess.run([sys.executable, "-c", _TRY_LOCK, path]).returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_sqlite_write_transactions_hold_a_lock_other_processes_queue_on(tmp_path: Path) -> None:
    from isoflow.store import migrate

    db = Database(f"sqlite:///{tmp_path / 'q.sqlite'}")
    migrate.upgrade(db)
    lock = str(tmp_path / "q.sqlite-writer.lock")
    with db.write_rows():
        assert not _other_process_can_lock(lock)
    assert _other_process_can_lock(lock)
    with db.write():
        assert not _other_process_can_lock(lock)
    assert _other_process_can_lock(lock)
    db.dispose()
