"""The journals read what the hot lab wrote: rows from inserted records, in time order, within
the period, within the actor's organisation."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from isoflow.errors import InvalidInput, NotFound
from isoflow.services import journals
from tests.journal_world import MBQ, T0, H, make_records

DAY = (T0 - 6 * H, T0 + 18 * H)  # the site's local day of T0 (Asia/Bishkek, +06)


@pytest.fixture
def world(db: object) -> tuple[object, object, object]:
    ours = make_records(db, "Test Hospital", prefix="A")
    theirs = make_records(db, "Other Hospital", prefix="B")
    return db, ours, theirs


def test_receipts_and_use_lists_the_generator_receipt_and_each_use(world: tuple) -> None:
    db, ours, _ = world
    viewer = ours.dep.actors["viewer"]
    since, until = T0 - 48 * H, T0 + 18 * H
    rows = journals.receipts_and_use(db, viewer, since=since, until=until)
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    receipts = [r for r in rows if r.entry == "receipt"]
    # only the generator came from outside: eluates, vials and syringes are not receipts
    assert [(r.container_id, r.nuclide, r.serial, r.supplier, r.document) for r in receipts] \
        == [(ours.generator_id, "Mo-99", "GT-A", "Isotope JSC", "TTN-A-17")]
    assert receipts[0].compound == "GT-4K"
    assert receipts[0].activity_bq == pytest.approx(20e9)
    ops = [r.operation for r in rows if r.entry == "use"]
    assert ops.count("elution") == 2 and ops.count("kit_preparation") == 2
    assert ops.count("dose_drawn") == 2 and ops.count("administration") == 2
    assert ops.count("waste") == 1
    kit = [r for r in rows if r.operation == "kit_preparation"][-1]
    assert kit.container_id == ours.eluate_id and kit.compound == "eluate A1"
    # 15 GBq eluted at T0+1h, 5 GBq taken at T0+1.5h: the rest decayed by half an hour
    lam = 0.693147 / (6.0067 * 3600)
    import math
    assert kit.balance_bq == pytest.approx(15e9 * math.exp(-lam * 1800) - 5e9, rel=1e-3)
    adm = [r for r in rows if r.operation == "administration"][-1]
    assert adm.activity_bq == pytest.approx(480 * MBQ) and adm.container_id in ours.syringe_ids
    assert all(r.site_id == ours.dep.site_id for r in rows)


def test_the_period_bounds_the_journal(world: tuple) -> None:
    db, ours, _ = world
    rows = journals.receipts_and_use(db, ours.dep.actors["viewer"], since=DAY[0], until=DAY[1])
    assert all(DAY[0] <= r.at < DAY[1] for r in rows)
    assert not [r for r in rows if r.entry == "receipt"]  # received the day before
    assert [r.operation for r in rows if r.operation == "elution"] == ["elution"]
    with pytest.raises(InvalidInput) as exc:
        journals.receipts_and_use(db, ours.dep.actors["viewer"], since=DAY[1], until=DAY[0])
    assert exc.value.field == "until"
    with pytest.raises(InvalidInput) as exc:
        journals.administrations(db, ours.dep.actors["viewer"],
                                 since=datetime(2026, 3, 2), until=DAY[1])
    assert exc.value.field == "since"


def test_administrations_journal_columns(world: tuple) -> None:
    db, ours, _ = world
    rows = journals.administrations(db, ours.dep.actors["viewer"], since=T0 - 48 * H,
                                    until=T0 + 24 * H)
    assert [r.accession_number for r in rows] == ["A0001", "A0002"]
    first, second = rows
    assert first.patient_name == "Иванов Иван" and first.record_number == "MRN-A"
    # born 1980-03-02: 45 the day before, 46 on T0's local day
    assert (first.age_years, second.age_years) == (45, 46)
    assert (first.repeat, second.repeat) == (False, True)
    assert second.activity_bq == pytest.approx(480 * MBQ) and second.volume_ml == 1.2
    assert second.radiopharmaceutical == "Tc-99m MDP/HDP"
    assert second.procedure == "Bone scintigraphy"
    assert second.effective_dose == journals.NOT_COMPUTED
    # the second study is a repeat even when the period holds only it
    only = journals.administrations(db, ours.dep.actors["viewer"], since=DAY[0], until=DAY[1])
    assert [(r.accession_number, r.repeat) for r in only] == [("A0002", True)]


def test_nrc_records(world: tuple) -> None:
    db, ours, _ = world
    actor = ours.dep.actors["rso"]
    kw = {"since": T0 - 48 * H, "until": T0 + 24 * H}
    dosages = journals.dosage_records(db, actor, **kw)
    assert [(d.prescribed_bq, d.determined_bq) for d in dosages] == [
        (500 * MBQ, 510 * MBQ), (500 * MBQ, 520 * MBQ)]
    assert dosages[0].determined_by == ours.dep.usernames["technologist"]
    bt = journals.breakthrough_records(db, actor, **kw)
    assert len(bt) == 2 and bt[0].generator_serial == "GT-A"
    assert bt[0].ratio_kbq_per_mbq == pytest.approx(15.0 / 15000.0)
    dis = journals.decay_in_storage_records(db, actor, **kw)
    assert [(d.label, d.instrument, d.nuclides, d.background_usv_h, d.surface_usv_h)
            for d in dis] == [("bin A", "MKS-AT1117M", "Tc-99m", 0.12, 0.11)]
    cal = journals.calibrator_records(db, actor, **kw)
    assert [(c.test, c.serial, c.passed) for c in cal] == [("constancy", "test-hospital-001",
                                                            True)]


def test_tenancy(world: tuple) -> None:
    db, ours, theirs = world
    kw = {"since": T0 - 48 * H, "until": T0 + 24 * H}
    for name, j in journals.JOURNALS.items():
        mine = j.read(db, ours.dep.actors["viewer"], **kw)
        assert mine, name
        assert {r.site_id for r in mine} == {ours.dep.site_id}, name
        with pytest.raises(NotFound):
            j.read(db, ours.dep.actors["viewer"], site_id=theirs.dep.site_id, **kw)
    cli = journals.Actor.command_line("t")
    both = journals.administrations(db, cli, **kw)
    assert {r.site_id for r in both} == {ours.dep.site_id, theirs.dep.site_id}


def test_csv_has_bom_localised_header_and_local_times(world: tuple) -> None:
    db, ours, _ = world
    j = journals.JOURNALS["administrations"]
    rows = j.read(db, ours.dep.actors["viewer"], since=DAY[0], until=DAY[1])
    text = journals.to_csv(rows, j.columns, "ru")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][:3] == ["№ п/п", "Дата и время введения", "Ф.И.О. пациента"]
    assert table[1][0] == "1"
    assert table[1][1] == "2026-03-02T15:00:00+06:00"  # T0+3h in Bishkek
    assert "480" in table[1] and "повторное" in table[1] and "не рассчитывается" in table[1]
    en = list(csv.reader(io.StringIO(journals.to_csv(rows, j.columns, "en")[1:])))
    assert en[0][1] == "Date and time of administration" and "not computed" in en[1]
