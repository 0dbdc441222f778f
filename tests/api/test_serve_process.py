"""The real server process: first start on a new database (`make run`), crash safety —
SIGKILL in the middle of a stream of writes loses no acknowledged event and leaves the audit
chain verifiable — and ``--workers``: a listening socket per worker, a dead worker replaced."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from isoflow.services import audit, ledger
from tests.api.server_process import Server
from tests.conftest import PASSWORD, T0, make_tenant

ISO0 = T0.isoformat()


@pytest.mark.slow
def test_first_start_migrates_and_prints_a_one_time_admin_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'new.sqlite'}"
    server = Server(url, tmp_path / "serve.log")
    try:
        server.wait_ready()
        out = server.output()
        m = re.search(r"sign in as\s+(\S+)\s+password\s+(\S+)", out, re.S)
        assert m, out
        user, one_time = m.groups()
        api = f"{server.base_url}/api/v1"
        r = httpx.post(f"{api}/auth/token", json={"username": user, "password": one_time})
        assert r.status_code == 200 and r.json()["password_change_required"]
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert httpx.get(f"{api}/organisations", headers=h).status_code == 403
        r = httpx.post(f"{api}/auth/password", headers=h,
                       json={"current_password": one_time, "new_password": PASSWORD})
        assert r.status_code == 204
        assert httpx.get(f"{api}/organisations", headers=h).status_code == 200
    finally:
        server.stop()
    # a second start on the same database creates no second admin and prints no password
    again = Server(url, tmp_path / "serve2.log")
    try:
        again.wait_ready()
        assert "password" not in again.output()
    finally:
        again.stop()


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_event(db, db_url: str, tmp_path: Path) -> None:
    t = make_tenant(db, "H")
    vial = ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator",
                          nuclide="Mo-99", activity_bq=1e12, reference_at=T0, received_at=T0,
                          volume_ml=1000.0)
    server = Server(db_url, tmp_path / "serve.log")
    acknowledged: list[int] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    try:
        server.wait_ready()
        api = f"{server.base_url}/api/v1"
        token = httpx.post(f"{api}/auth/token", json={"username": t.rph_username,
                                                      "password": PASSWORD}).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}

        def writer(k: int) -> None:
            with httpx.Client(timeout=30) as c:
                i = 0
                while not stop.is_set():
                    i += 1
                    at = f"2026-03-02T{7 + (i % 10):02d}:00:00Z"
                    try:
                        r = c.post(f"{api}/containers/{vial.id}/withdrawals", headers=h,
                                   json={"volume_ml": 0.01, "at": at, "note": f"w{k}-{i}"})
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    if r.status_code == 201:
                        with lock:
                            acknowledged.append(r.json()["id"])
                    else:
                        errors.append(r.text)

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.proc.send_signal(signal.SIGKILL)  # in the middle of the stream
        server.proc.wait()
        stop.set()
        for th in threads:
            th.join(timeout=60)
    finally:
        stop.set()
        server.stop()
    assert not errors, errors[:3]
    assert len(acknowledged) >= 60
    stored = {e.id for e in ledger.list_events(db, t.radiopharmacist, vial.id)}
    missing = set(acknowledged) - stored
    assert not missing, f"acknowledged but lost: {sorted(missing)[:10]}"
    report = audit.verify(db)
    assert report.ok, str(report.first_break)
    # every stored event has its audit entry (action and record commit together)
    logged = {int(e.entity_id) for e in audit.list_entries(db, t.admin,
                                                           entity_type="ledger_event",
                                                           limit=1000)}
    assert stored - {min(stored)} <= logged


def _listening_sockets(port: int) -> int:
    """TCP sockets in LISTEN state on ``port`` (Linux /proc/net/tcp)."""
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return sum(1 for r in rows if int(r[1].split(":")[1], 16) == port and r[3] == "0A")


def _children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(name))
            except OSError:
                continue
    return out


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux /proc")
def test_workers_listen_on_a_socket_each_and_a_dead_one_is_replaced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    server = Server(url, tmp_path / "serve.log", workers=2)
    try:
        server.wait_ready()
        assert "[2 worker processes]" in server.output()
        assert _listening_sockets(server.port) == 2  # one SO_REUSEPORT socket per worker
        workers = _children(server.proc.pid)
        for _ in range(20):  # new connections, all answered
            assert httpx.get(f"{server.base_url}/api/v1/nuclides/Tc-99m").status_code == 200
        os.kill(max(workers), signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _listening_sockets(server.port) != 1:
            time.sleep(0.05)
        for _ in range(20):  # the dead worker's socket is gone: the other one answers
            assert httpx.get(f"{server.base_url}/api/v1/nuclides/Tc-99m").status_code == 200
        while time.monotonic() < deadline and _listening_sockets(server.port) != 2:
            time.sleep(0.2)
        assert _listening_sockets(server.port) == 2  # replaced by the supervisor
    finally:
        server.stop()
    assert server.proc.returncode == 0
    assert _listening_sockets(server.port) == 0
