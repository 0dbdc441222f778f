"""DICOM Modality Worklist SCP: a real association from a pynetdicom camera (and dcmtk's
findscu), matching per PS3.4 C.2.2.2, local times of the site's zone, association control
from the database, and the ``isoflow mwl serve`` command."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import ModalityWorklistInformationFind
from sqlalchemy import update

from isoflow.errors import InvalidInput
from isoflow.interop import mwl
from isoflow.store.department_models import (
    Appointment,
    Camera,
    Patient,
    Prescription,
    Procedure,
)
from tests.department_world import Department, make_department

OUR_AE = "ISOFLOW_MWL"
MBQ = 1e6


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    dep: Department
    other: Department
    port: int


def add_appointment(db: Any, dep: Department, *, accession: str, family: str, given: str,
                    camera: int, procedure: str, at: datetime, status: str = "scheduled",
                    activity_mbq: float | None = None, record: str | None = None,
                    birth: date = date(1970, 5, 17), sex: str = "F",
                    weight: float | None = 70.0) -> int:
    now = datetime.now(UTC)
    with db.write() as s:
        p = Patient(org_id=dep.org_id, record_number=record or f"MRN-{accession}",
                    family_name=family, given_name=given, birth_date=birth, sex=sex,
                    weight_kg=None, created_at=now)
        s.add(p)
        s.flush()
        a = Appointment(org_id=dep.org_id, site_id=dep.site_id, patient_id=p.id,
                        procedure_id=dep.procedure_ids[procedure],
                        camera_id=dep.camera_ids[camera], scheduled_at=at, weight_kg=weight,
                        accession_number=accession, status=status, created_by="tests",
                        created_at=now)
        s.add(a)
        s.flush()
        if activity_mbq is not None:
            s.add(Prescription(org_id=dep.org_id, appointment_id=a.id,
                               activity_bq=activity_mbq * MBQ, basis="value",
                               prescribed_by="tests", prescriber_name="Dr Test",
                               prescribed_at=now))
        return int(a.id)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(db: Any) -> tuple[Department, Department]:
    """Asia/Bishkek is UTC+6. Bone scans image 180 min after injection."""
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    with db.write() as s:
        s.execute(update(Procedure).where(Procedure.id
                                          == dep.procedure_ids["BONE_BISPHOSPHONATE"])
                  .values(uptake_min=180))
    add = add_appointment
    # injected 09:00 local, imaging 12:00 local on 8 Dec
    add(db, dep, accession="A1", family="Ivanov", given="Ivan", camera=0,
        procedure="BONE_BISPHOSPHONATE", at=utc(2026, 12, 8, 3, 0), status="prescribed",
        activity_mbq=500, sex="M")
    add(db, dep, accession="A2", family="Petrova", given="Anna", camera=1,
        procedure="THYROID", at=utc(2026, 12, 8, 4, 30))
    add(db, dep, accession="A3", family="Sidorov", given="Oleg", camera=0,
        procedure="LUNG_PERFUSION", at=utc(2026, 12, 7, 5, 0), activity_mbq=100,
        status="prescribed")
    add(db, dep, accession="A4", family="Ivanova", given="Maria", camera=1,
        procedure="RENAL_DMSA", at=utc(2026, 12, 9, 2, 0), activity_mbq=80,
        status="drawn")
    add(db, dep, accession="A5", family="Later", given="Lena", camera=0,
        procedure="THYROID", at=utc(2026, 12, 10, 3, 0))
    add(db, dep, accession="A6", family="Cancelled", given="Carl", camera=0,
        procedure="THYROID", at=utc(2026, 12, 8, 6, 0), status="cancelled")
    add(db, dep, accession="A7", family="Done", given="Dora", camera=0,
        procedure="THYROID", at=utc(2026, 12, 8, 7, 0), status="completed")
    # 7 Dec 19:00 UTC is 8 Dec 01:00 in Bishkek: it belongs to the 8th
    add(db, dep, accession="A8", family="Night", given="Nina", camera=0,
        procedure="THYROID", at=utc(2026, 12, 7, 19, 0))
    # 8 Dec 20:00 UTC is 9 Dec 02:00 in Bishkek: not on the 8th
    add(db, dep, accession="A9", family="Late", given="Lev", camera=1,
        procedure="THYROID", at=utc(2026, 12, 8, 20, 0))
    add(db, other, accession="X1", family="Ivanov", given="Foreign", camera=0,
        procedure="THYROID", at=utc(2026, 12, 8, 5, 0), record="MRN-X1")
    return dep, other


@pytest.fixture
def world(db: Any) -> Iterator[World]:
    dep, other = populate(db)
    port = free_port()
    server = mwl.serve(db, host="127.0.0.1", port=port, ae_title=OUR_AE, block=False)
    try:
        yield World(dep, other, port)
    finally:
        server.shutdown()


def query(*, station: str = "", day: str = "", time_: str = "", name: str = "",
          extra: dict[str, Any] | None = None) -> Dataset:
    ds = Dataset()
    ds.PatientName = name
    ds.PatientID = ""
    ds.AccessionNumber = ""
    ds.StudyInstanceUID = ""
    ds.RequestedProcedureDescription = ""
    sps = Dataset()
    sps.Modality = "NM"
    sps.ScheduledStationAETitle = station
    sps.ScheduledProcedureStepStartDate = day
    sps.ScheduledProcedureStepStartTime = time_
    sps.ScheduledProcedureStepID = ""
    sps.ScheduledProcedureStepDescription = ""
    sps.ScheduledProcedureStepStatus = ""
    sps.ScheduledStationName = ""
    sps.PreMedication = ""
    ds.ScheduledProcedureStepSequence = [sps]
    for k, v in (extra or {}).items():
        setattr(ds, k, v)
    return ds


def c_find(port: int, ds: Dataset, *, calling: str = "SPECT1",
           called: str = OUR_AE) -> list[Dataset]:
    ae = AE(ae_title=calling)
    ae.add_requested_context(ModalityWorklistInformationFind)
    assoc = ae.associate("127.0.0.1", port, ae_title=called)
    assert assoc.is_established, "association not established"
    out: list[Dataset] = []
    statuses: list[int] = []
    try:
        for status, ident in assoc.send_c_find(ds, ModalityWorklistInformationFind):
            assert status is not None and "Status" in status, "no C-FIND response"
            statuses.append(status.Status)
            if status.Status == 0xFF00:
                out.append(ident)
    finally:
        assoc.release()
    assert statuses[-1] == 0x0000, [hex(s) for s in statuses]
    return out


def accessions(items: list[Dataset]) -> list[str]:
    return sorted(str(i.AccessionNumber) for i in items)


# ---- over a real association ----------------------------------------------------------------


def test_all_items_of_a_day_for_every_camera_of_the_site(world: World) -> None:
    items = c_find(world.port, query(day="20261208"))
    # A6 cancelled, A7 completed, A9 on the 9th locally, X1 another organisation's site
    assert accessions(items) == ["A1", "A2", "A8"]
    by = {str(i.AccessionNumber): i for i in items}
    assert str(by["A1"].PatientName) == "Ivanov^Ivan"
    assert by["A1"].PatientID == "MRN-A1"
    sps = by["A1"].ScheduledProcedureStepSequence[0]
    assert sps.Modality == "NM"
    assert sps.ScheduledStationAETitle == "SPECT1"
    assert sps.ScheduledStationName == "SPECT 1"
    assert sps.ScheduledProcedureStepStatus == "SCHEDULED"
    assert sps.ScheduledProcedureStepDescription == "Bone scintigraphy"
    assert sps.ScheduledProcedureStepID == "A1"
    assert sps.PreMedication == "Tc-99m MDP/HDP 500 MBq"
    assert by["A2"].ScheduledProcedureStepSequence[0].ScheduledStationAETitle == "SPECT2"
    assert by["A2"].ScheduledProcedureStepSequence[0].PreMedication == "Tc-99m pertechnetate"
    assert by["A1"].StudyInstanceUID == mwl.study_uid("A1")
    assert by["A1"].StudyInstanceUID != by["A2"].StudyInstanceUID


def test_times_are_local_to_the_site_and_imaging_follows_uptake(world: World) -> None:
    ds = query(day="20261208", extra={"RadiopharmaceuticalInformationSequence": []})
    by = {str(i.AccessionNumber): i for i in c_find(world.port, ds)}
    sps1 = by["A1"].ScheduledProcedureStepSequence[0]
    # injected 03:00 UTC = 09:00 Asia/Bishkek; imaging 180 min later
    assert (sps1.ScheduledProcedureStepStartDate, sps1.ScheduledProcedureStepStartTime) == \
        ("20261208", "120000")
    rph = by["A1"].RadiopharmaceuticalInformationSequence[0]
    assert rph.Radiopharmaceutical == "Tc-99m MDP/HDP"
    assert rph.RadiopharmaceuticalStartTime == "090000"
    assert rph.RadiopharmaceuticalStartDateTime == "20261208090000+0600"
    assert float(rph.RadionuclideTotalDose) == 500.0  # MBq, as NM defines it
    code = rph.RadionuclideCodeSequence[0]
    assert (code.CodeValue, code.CodingSchemeDesignator) == ("72454006", "SCT")
    sps8 = by["A8"].ScheduledProcedureStepSequence[0]
    assert (sps8.ScheduledProcedureStepStartDate, sps8.ScheduledProcedureStepStartTime) == \
        ("20261208", "010000")
    # not prescribed yet: the dose is empty, the rest is there
    rph2 = by["A2"].RadiopharmaceuticalInformationSequence[0]
    assert rph2.Radiopharmaceutical == "Tc-99m pertechnetate"
    assert rph2.RadionuclideTotalDose in (None, "")


def test_the_day_is_the_imaging_day_not_the_injection_day(world: World, db: Any) -> None:
    # injected 7 Dec 22:00 local, imaged 180 min later: 8 Dec 01:00
    add_appointment(db, world.dep, accession="U1", family="Uptake", given="Uma", camera=0,
                    procedure="BONE_BISPHOSPHONATE", at=utc(2026, 12, 7, 16, 0))
    assert "U1" in accessions(c_find(world.port, query(day="20261208")))
    assert "U1" not in accessions(c_find(world.port, query(day="20261207")))
    assert accessions(c_find(world.port, query(day="20261208", time_="-0100"))) == \
        ["A8", "U1"]


def test_date_ranges(world: World) -> None:
    assert accessions(c_find(world.port, query(day="20261207-20261209"))) == \
        ["A1", "A2", "A3", "A4", "A8", "A9"]
    assert accessions(c_find(world.port, query(day="-20261207"))) == ["A3"]
    assert accessions(c_find(world.port, query(day="20261209-"))) == ["A4", "A5", "A9"]
    # combined date and time: 7 Dec 12:00 up to 9 Dec 02:00 (A3 at 11:00 and A4 at 08:00 out)
    assert accessions(c_find(world.port, query(day="20261207-20261209",
                                               time_="1200-0200"))) == \
        ["A1", "A2", "A8", "A9"]


def test_wildcard_patient_name_is_case_insensitive(world: World) -> None:
    items = c_find(world.port, query(day="20261207-20261209", name="ivan*"))
    assert accessions(items) == ["A1", "A4"]  # X1 (Ivanov of another hospital) absent
    assert accessions(c_find(world.port, query(name="Petrov?^Anna"))) == ["A2"]


def test_station_ae_title_narrows_to_a_camera(world: World) -> None:
    items = c_find(world.port, query(day="20261207-20261209", station="SPECT2"))
    assert accessions(items) == ["A2", "A4", "A9"]
    assert {i.ScheduledProcedureStepSequence[0].ScheduledStationAETitle for i in items} == \
        {"SPECT2"}
    assert accessions(c_find(world.port, query(day="20261208", station="SPECT*"))) == \
        ["A1", "A2", "A8"]
    # the site's cameras only, whoever asks: SPECT2 sees SPECT1's work too
    assert accessions(c_find(world.port, query(day="20261208"), calling="SPECT2")) == \
        ["A1", "A2", "A8"]


def test_other_organisation_sees_only_its_own(world: World) -> None:
    items = c_find(world.port, query(day="20261208"), calling="OTHER1")
    assert accessions(items) == ["X1"]


def test_only_requested_attributes_are_returned(world: World) -> None:
    ds = Dataset()
    ds.PatientID = "MRN-A3"
    ds.PatientBirthDate = ""
    ds.ScheduledProcedureStepSequence = [Dataset()]
    (item,) = c_find(world.port, ds)
    assert set(item.dir()) == {"PatientBirthDate", "PatientID",
                               "ScheduledProcedureStepSequence", "SpecificCharacterSet"}
    assert item.PatientBirthDate == "19700517"
    # an empty sequence item asks for every attribute of the step
    sps = item.ScheduledProcedureStepSequence[0]
    assert sps.ScheduledStationAETitle == "SPECT1" and sps.Modality == "NM"
    # a sequence of return keys only, which the worklist does not hold, matches universally
    # and comes back empty
    ref = Dataset()
    ref.ReferencedSOPClassUID = ""
    ref.ReferencedSOPInstanceUID = ""
    ds.ReferencedStudySequence = [ref]
    (item,) = c_find(world.port, ds)
    assert item.PatientID == "MRN-A3" and len(item.ReferencedStudySequence) == 0


def test_unknown_or_inactive_calling_ae_is_rejected(world: World, db: Any) -> None:
    for calling, called, diagnostic in (("NOBODY", OUR_AE, 0x03), ("SPECT1", "WRONG", 0x07)):
        ae = AE(ae_title=calling)
        ae.add_requested_context(ModalityWorklistInformationFind)
        assoc = ae.associate("127.0.0.1", world.port, ae_title=called)
        assert assoc.is_rejected
        rj = assoc.acceptor.primitive
        assert (rj.result, rj.result_source, rj.diagnostic) == (0x01, 0x01, diagnostic)
    with db.write() as s:
        s.execute(update(Camera).where(Camera.ae_title == "SPECT2").values(active=False))
    ae = AE(ae_title="SPECT2")
    ae.add_requested_context(ModalityWorklistInformationFind)
    assert ae.associate("127.0.0.1", world.port, ae_title=OUR_AE).is_rejected


def test_camera_added_after_start_is_accepted(world: World, db: Any) -> None:
    with db.write() as s:
        s.add(Camera(org_id=world.dep.org_id, site_id=world.dep.site_id, name="SPECT 3",
                     ae_title="SPECT3", modality="NM", active=True,
                     created_at=datetime.now(UTC)))
    assert accessions(c_find(world.port, query(day="20261208"), calling="SPECT3")) == \
        ["A1", "A2", "A8"]


def test_bad_date_key_fails_and_echo_works(world: World) -> None:
    ae = AE(ae_title="SPECT1")
    ae.add_requested_context(ModalityWorklistInformationFind)
    ae.add_requested_context("1.2.840.10008.1.1")  # Verification: cameras echo first
    with pytest.warns(UserWarning, match="Invalid value for VR DA"):
        bad = query(day="2026-12")
    assoc = ae.associate("127.0.0.1", world.port, ae_title=OUR_AE)
    try:
        assert assoc.send_c_echo().Status == 0x0000
        statuses = [st.Status for st, _ in
                    assoc.send_c_find(bad, ModalityWorklistInformationFind)]
        assert statuses == [0xA900]  # identifier does not match: nothing sent
    finally:
        assoc.release()


def test_camera_deactivated_during_association_gets_failure(world: World, db: Any) -> None:
    ae = AE(ae_title="SPECT2")
    ae.add_requested_context(ModalityWorklistInformationFind)
    assoc = ae.associate("127.0.0.1", world.port, ae_title=OUR_AE)
    try:
        with db.write() as s:
            s.execute(update(Camera).where(Camera.ae_title == "SPECT2").values(active=False))
        statuses = [st.Status for st, _ in
                    assoc.send_c_find(query(day="20261208"), ModalityWorklistInformationFind)]
        assert statuses == [0xC001]
    finally:
        assoc.release()


class _Event:
    """What the C-FIND handler reads of pynetdicom's event; cancelled after ``after``."""

    def __init__(self, identifier: Dataset, after: int) -> None:
        self.identifier = identifier
        self.assoc = type("A", (), {"requestor": type("R", (), {"ae_title": "SPECT1"})()})()
        self.context = type("C", (), {"transfer_syntax": mwl.EXPLICIT_LE})()
        self.after, self.asked = after, 0

    @property
    def is_cancelled(self) -> bool:
        self.asked += 1
        return self.asked > self.after


def test_find_handler_stops_on_cancel(world: World, db: Any) -> None:
    from pynetdicom import evt

    handlers = dict(mwl._handlers(db, OUR_AE))
    event = _Event(query(day="20261207-20261209"), after=2)
    out = list(handlers[evt.EVT_C_FIND](event))
    assert [s for s, _ in out] == [0xFF00, 0xFF00, 0xFE00]
    assert out[-1][1] is None


# ---- dcmtk findscu as the camera ----------------------------------------------------------


def test_findscu_worklist_query(world: World, tmp_path: Path) -> None:
    findscu = shutil.which("findscu")
    if findscu is None:
        pytest.skip("dcmtk's findscu is not installed (apt-get install dcmtk)")
    out = tmp_path / "out"
    out.mkdir()
    cmd = [findscu, "-W", "-aet", "SPECT1", "-aec", OUR_AE, "-X", "-od", str(out),
           "-k", "PatientName", "-k", "PatientID", "-k", "AccessionNumber",
           "-k", "(0040,0100)[0].Modality=NM",
           "-k", "(0040,0100)[0].ScheduledStationAETitle=SPECT1",
           "-k", "(0040,0100)[0].ScheduledProcedureStepStartDate=20261208",
           "-k", "(0040,0100)[0].ScheduledProcedureStepStartTime",
           "127.0.0.1", str(world.port)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    from pydicom import dcmread

    items = [dcmread(p) for p in sorted(out.iterdir())]
    assert accessions(items) == ["A1", "A8"]
    by = {str(i.AccessionNumber): i for i in items}
    assert by["A1"].ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime == \
        "120000"
    assert str(by["A8"].PatientName) == "Night^Nina"
    # an unknown camera is refused
    bad = subprocess.run([findscu, "-W", "-aet", "INTRUDER", "-aec", OUR_AE, "-k",
                          "PatientName", "127.0.0.1", str(world.port)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "reject" in (bad.stdout + bad.stderr).lower()


def test_fast_responses_encode_exactly_as_pydicom(db: Any) -> None:
    from pynetdicom.dsutils import encode

    dep, _ = populate(db)
    add_appointment(db, dep, accession="C1", family="Иванова", given="Мария", camera=0,
                    procedure="MPI_REST", at=utc(2026, 12, 8, 9, 0), activity_mbq=300.5)
    cam = mwl.calling_camera(db, "SPECT1")
    wide = query(name="*", extra={"PatientBirthDate": "", "PatientSex": "",
                                  "PatientWeight": ""})
    wide.add_new(0x00091010, "LO", "")  # a private key: returned empty
    for ds in (query(day="20261208", extra={"RadiopharmaceuticalInformationSequence": []}),
               wide):
        items = list(mwl.matching_items(db, cam, ds))
        assert len(items) >= 4
        for implicit in (True, False):
            for item in items:
                fast = encode(mwl.fast_response(ds, item, implicit), implicit, True)
                assert fast == encode(mwl.response(ds, item), implicit, True)
    (cyr,) = [i for i in items if i["AccessionNumber"] == "C1"]
    assert str(mwl.fast_response(ds, cyr, False).PatientName) == "Иванова^Мария"


# ---- pure matching ------------------------------------------------------------------------------


def test_start_window_combines_date_and_time() -> None:
    w = mwl.start_window("20261207-20261209", "0800-1200")
    assert w.low == datetime(2026, 12, 7, 8, 0)
    assert w.high is not None and w.high.date() == date(2026, 12, 9)
    assert w.contains(datetime(2026, 12, 9, 12, 0, 59))
    assert not w.contains(datetime(2026, 12, 9, 12, 1))
    assert not w.contains(datetime(2026, 12, 7, 7, 59))
    only_time = mwl.start_window("", "0800-0900")
    assert only_time.contains(datetime(2030, 1, 1, 8, 30))
    assert not only_time.contains(datetime(2030, 1, 1, 9, 30))
    assert not mwl.start_window(None, None).given
    with pytest.raises(InvalidInput) as exc:
        mwl.start_window("2026-12", "")
    assert exc.value.field == "ScheduledProcedureStepStartDate"


def test_value_matching_rules() -> None:
    assert mwl.value_matches("PN", "iv*^?van", "Ivanov^Ivan")
    assert not mwl.value_matches("LO", "mrn-*", "MRN-1")  # only names ignore case
    assert mwl.value_matches("LO", "MRN-*", "MRN-1")
    assert mwl.value_matches("UI", ["1.2", "1.3"], "1.3")
    assert not mwl.value_matches("UI", "1.2\\1.4", "1.3")
    assert mwl.value_matches("SH", "A1", "A1") and not mwl.value_matches("SH", "A", "A1")
    assert not mwl.value_matches("CS", "NM", None)  # a key on an empty value matches nothing
    assert mwl.value_matches("PN", "*", None)  # "*" alone is universal matching
    assert mwl.value_matches("DA", "19700101-19701231", "19700517")
    assert mwl.value_matches("DS", "500", "500.0")


def test_ae_title_and_port_rules() -> None:
    assert mwl.valid_ae_title(" SPECT1 ") == "SPECT1"
    for bad in ("", "    ", "X" * 17, "A\\B", "ÄE"):
        with pytest.raises(InvalidInput):
            mwl.valid_ae_title(bad)
    for port in (0, 65536):
        with pytest.raises(InvalidInput):
            mwl.valid_port(port)


# ---- the command line --------------------------------------------------------------------------


def _isoflow(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    exe = Path(sys.executable).with_name("isoflow")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "isoflow.cli"]
    return subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_one_query_and_stops_on_signal(db: Any, stop: int) -> None:
    populate(db)
    port = free_port()
    url = db.url.render_as_string(hide_password=False)
    proc = _isoflow("mwl", "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--ae-title", OUR_AE, "--database-url", url)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert accessions(c_find(port, query(day="20261208"))) == ["A1", "A2", "A8"]
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert f"isoflow MWL SCP {OUR_AE} on 127.0.0.1:{port}" in out
    assert "MWL C-FIND from SPECT1: 3 items" in err
    assert "isoflow MWL SCP stopped" in err


def test_cli_refuses_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _isoflow("mwl", "serve", "--host", "127.0.0.1", "--port", str(port))
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "--port: cannot listen on" in err and "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["--ae-title", "THIS-TITLE-IS-TOO-LONG"], "--ae-title"),
    (["--port", "70000"], "--port"),
])
def test_cli_refuses_bad_ae_title_or_port(args: list[str], message: str) -> None:
    port = [] if "--port" in args else ["--port", str(free_port())]
    proc = _isoflow("mwl", "serve", "--host", "127.0.0.1", *port, *args)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert message in err and "Traceback" not in err
