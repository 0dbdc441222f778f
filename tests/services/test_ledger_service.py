"""Ledger use cases on SQLite and PostgreSQL: receipt under licence, withdrawals, transfers,
corrections, disposal — every one audited, nothing stored "current"."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from isoflow.domain.roles import Actor, Role
from isoflow.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit, ledger, licences, organisations
from isoflow.store.models import LedgerEvent
from tests.conftest import T0, make_tenant

H = timedelta(hours=1)


def _vial(db, t, activity=10e9, volume=10.0, nuclide="Tc-99m", at=T0):
    return ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="vial",
                          nuclide=nuclide, activity_bq=activity, reference_at=at,
                          volume_ml=volume, received_at=at)


def test_receive_then_holdings_follow_decay(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t)
    assert c.activity_bq == pytest.approx(10e9) and c.nuclide == "Tc-99m"
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    later = ledger.get_container(db, t.radiopharmacist, c.id, T0 + 6 * H)
    assert later.activity_bq == pytest.approx(10e9 * math.exp(-lam * 6 * 3600), rel=1e-12)
    assert later.concentration_bq_per_ml == pytest.approx(later.activity_bq / 10.0)
    with db.read() as s:  # nothing "current" is stored: only the receipt event
        assert [e.kind for e in s.scalars(select(LedgerEvent))] == ["receipt"]


def test_withdraw_by_volume_and_by_activity(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t)
    e1 = ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + H, volume_ml=2.0)
    held = ledger.get_container(db, t.radiopharmacist, c.id, T0 + H - timedelta(seconds=1))
    assert e1.activity_bq == pytest.approx(held.concentration_bq_per_ml * 2.0, rel=1e-4)
    e2 = ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + 2 * H, activity_bq=1e9)
    conc = ledger.get_container(db, t.radiopharmacist, c.id, T0 + 2 * H - timedelta(seconds=1)
                                ).concentration_bq_per_ml
    assert e2.volume_ml == pytest.approx(1e9 / conc, rel=1e-4)
    after = ledger.get_container(db, t.radiopharmacist, c.id, T0 + 2 * H)
    assert after.volume_ml == pytest.approx(10.0 - 2.0 - e2.volume_ml)


def test_overdraw_refused_with_the_available_amount(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t)
    with pytest.raises(LimitExceeded) as e:
        ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + 6 * H, activity_bq=6e9)
    avail = e.value.details["available_activity_bq"]
    assert avail == pytest.approx(ledger.get_container(db, t.radiopharmacist, c.id,
                                                       T0 + 6 * H).activity_bq)
    assert "available" in e.value.message and "GBq" in e.value.message
    with pytest.raises(LimitExceeded):
        ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + H, volume_ml=10.5)
    # the whole volume is fine, after which nothing is left
    ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + H, volume_ml=10.0)
    assert ledger.get_container(db, t.radiopharmacist, c.id, T0 + 2 * H).activity_bq == 0.0
    with pytest.raises(LimitExceeded):
        ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + 2 * H, activity_bq=1.0)


def test_transfer_into_a_syringe(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t)
    e = ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + H, volume_ml=1.0,
                        into_kind="syringe", into_label="patient 17")
    syringe = ledger.get_container(db, t.radiopharmacist, e.counterpart_container_id, T0 + H)
    assert syringe.kind == "syringe" and syringe.source_container_id == c.id
    assert syringe.activity_bq == pytest.approx(e.activity_bq)
    assert syringe.volume_ml == pytest.approx(1.0)


def test_correction_points_to_the_event_and_is_audited(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t)
    w = ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + H, activity_bq=1e9)
    corr = ledger.correct(db, t.radiopharmacist, c.id, event_id=w.id, activity_bq=0.5e9,
                          reason="calibrator reading mis-typed")
    assert corr.corrects_event_id == w.id and corr.kind == "correction"
    events = ledger.list_events(db, t.radiopharmacist, c.id)
    assert [e.kind for e in events] == ["receipt", "withdrawal", "correction"]
    assert events[1].activity_bq == 1e9  # the original is untouched
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    held = ledger.get_container(db, t.radiopharmacist, c.id, T0 + 2 * H).activity_bq
    assert held == pytest.approx(10e9 * math.exp(-lam * 7200) - 0.5e9 * math.exp(-lam * 3600))
    entries = audit.list_entries(db, t.admin, entity_type="ledger_event",
                                 entity_id=str(corr.id))
    assert entries[0].action == "corrected"
    assert entries[0].old["activity_bq"] == 1e9 and entries[0].new["activity_bq"] == 0.5e9
    assert entries[0].reason == "calibrator reading mis-typed"
    with pytest.raises(InvalidInput):
        ledger.correct(db, t.radiopharmacist, c.id, event_id=w.id, activity_bq=1.0, reason=" ")
    ledger.correct(db, t.radiopharmacist, c.id, event_id=corr.id, void=True,
                   reason="withdrawal never happened")
    assert ledger.get_container(db, t.radiopharmacist, c.id, T0 + 2 * H).activity_bq == \
        pytest.approx(10e9 * math.exp(-lam * 7200))
    tech = Actor(username="tech", role=Role.TECHNOLOGIST, org_id=t.org_id)
    with pytest.raises(Forbidden):
        ledger.correct(db, tech, c.id, event_id=w.id, activity_bq=1.0, reason="x")


def test_disposal_ends_holdings(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t)
    ledger.measure(db, t.radiopharmacist, c.id, activity_bq=9.5e9, at=T0 + timedelta(minutes=5))
    ledger.dispose(db, t.radiopharmacist, c.id, at=T0 + 10 * H, note="decay in storage")
    view = ledger.get_container(db, t.radiopharmacist, c.id, T0 + 11 * H)
    assert view.disposed and view.activity_bq == 0.0
    with pytest.raises(Conflict):
        ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + 11 * H, activity_bq=1.0)
    with pytest.raises(Conflict):
        ledger.dispose(db, t.radiopharmacist, c.id, at=T0 + 12 * H)


def test_mo99_beyond_the_limit_is_refused_then_accepted_after_decay(db) -> None:
    t = make_tenant(db, "H", licence_bq=None)
    licences.add_limit(db, t.admin, site_id=t.site_id, nuclide="Mo-99", limit_bq=100e9,
                       valid_from=T0 - 24 * H, reference="KG-MO-1")
    gen = ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator",
                         nuclide="Mo-99", activity_bq=80e9, reference_at=T0, received_at=T0)
    with pytest.raises(LimitExceeded) as e:
        ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator",
                       nuclide="mo99", activity_bq=40e9, reference_at=T0 + H,
                       received_at=T0 + H)
    msg = e.value.message
    assert "Mo-99" in msg and "100 GBq" in msg and "40 GBq" in msg and "KG-MO-1" in msg
    assert e.value.details["held_bq"] == pytest.approx(
        ledger.get_container(db, t.radiopharmacist, gen.id, T0 + H).activity_bq)
    # 66 h later the first generator has decayed to half: 40 + 40 GBq fits under 100 GBq
    later = T0 + 66 * H
    ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator", nuclide="Mo-99",
                   activity_bq=40e9, reference_at=later, received_at=later)
    with pytest.raises(Forbidden):  # no licence for I-131 at this site
        ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="capsule",
                       nuclide="I-131", activity_bq=1e9, reference_at=later, received_at=later)


def test_late_entered_receipt_may_not_push_a_later_moment_over_the_limit(db) -> None:
    t = make_tenant(db, "H", licence_bq=None)
    licences.add_limit(db, t.admin, site_id=t.site_id, nuclide="Mo-99", limit_bq=100e9,
                       valid_from=T0 - 24 * H)
    ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator", nuclide="Mo-99",
                   activity_bq=90e9, reference_at=T0 + 2 * H, received_at=T0 + 2 * H)
    # at T0 the site held nothing, but 2 h later 90 GBq arrived: 20 GBq at T0 would then
    # still be ~19.6 GBq, over the limit
    with pytest.raises(LimitExceeded):
        ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator",
                       nuclide="Mo-99", activity_bq=20e9, reference_at=T0, received_at=T0)


def test_licence_limits_cannot_overlap_and_only_shorten(db) -> None:
    t = make_tenant(db, "H", licence_bq=None)
    lim = licences.add_limit(db, t.admin, site_id=t.site_id, nuclide="Tc-99m", limit_bq=1e11,
                             valid_from=T0)
    with pytest.raises(Conflict):
        licences.add_limit(db, t.admin, site_id=t.site_id, nuclide="tc99m", limit_bq=2e11,
                           valid_from=T0 + H)
    ended = licences.end_limit(db, t.admin, lim.id, valid_to=T0 + 24 * H, reason="amended")
    assert ended.valid_to == T0 + 24 * H
    with pytest.raises(Conflict):
        licences.end_limit(db, t.admin, lim.id, valid_to=T0 + 48 * H, reason="extend")
    licences.add_limit(db, t.admin, site_id=t.site_id, nuclide="Tc-99m", limit_bq=2e11,
                       valid_from=T0 + 24 * H)


def test_other_tenant_sees_nothing(db) -> None:
    a, b = make_tenant(db, "A"), make_tenant(db, "B")
    c = _vial(db, a)
    for call in (lambda: ledger.get_container(db, b.radiopharmacist, c.id),
                 lambda: ledger.list_events(db, b.radiopharmacist, c.id),
                 lambda: ledger.withdraw(db, b.radiopharmacist, c.id, activity_bq=1.0,
                                         at=T0 + H),
                 lambda: ledger.receive(db, b.radiopharmacist, site_id=a.site_id, kind="vial",
                                        nuclide="Tc-99m", activity_bq=1.0, reference_at=T0,
                                        received_at=T0)):
        with pytest.raises(NotFound):
            call()
    assert ledger.list_containers(db, b.radiopharmacist) == []


def test_events_are_append_only_in_the_database(db) -> None:
    t = make_tenant(db, "H")
    _vial(db, t)
    for sql in ("UPDATE ledger_events SET activity_bq = 1", "DELETE FROM ledger_events",
                "UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(Exception, match="append-only"), db.write() as s:
            s.execute(text(sql))


def test_naive_datetimes_never_reach_the_store(db) -> None:
    t = make_tenant(db, "H")
    with pytest.raises(InvalidInput):
        ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="vial",
                       nuclide="Tc-99m", activity_bq=1e9, reference_at=datetime(2026, 3, 2),
                       received_at=datetime(2026, 3, 2))
    assert ledger.list_containers(db, t.radiopharmacist) == []
    _ = UTC


# ---------------------------------------------------------------- issue #13 items 8 and 9
FAR_BACK = datetime(1950, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("at", [FAR_BACK, T0 - timedelta(seconds=1)])
def test_records_before_receipt_are_refused_naming_at(db, at) -> None:
    """A withdrawal dated 1950 on a 2026 vial used to answer "the decay correction
    overflows"."""
    t = make_tenant(db, "H")
    c = _vial(db, t)
    w = ledger.withdraw(db, t.radiopharmacist, c.id, at=T0 + H, activity_bq=1e9)
    rph = t.radiopharmacist
    calls = {
        "withdrawal": lambda: ledger.withdraw(db, rph, c.id, at=at, activity_bq=1e9),
        "transfer": lambda: ledger.withdraw(db, rph, c.id, at=at, volume_ml=1.0,
                                            into_kind="syringe"),
        "measurement": lambda: ledger.measure(db, rph, c.id, at=at, activity_bq=1e9),
        "disposal": lambda: ledger.dispose(db, rph, c.id, at=at),
        "withdrawal ": lambda: ledger.correct(db, rph, c.id, event_id=w.id, at=at,
                                              reason="clock was off"),
    }
    for what, call in calls.items():
        with pytest.raises(InvalidInput) as e:
            call()
        assert e.value.field == "at"
        assert e.value.message == (f"the {what.strip()} at {at.isoformat()} is before the "
                                   f"container's receipt at {T0.isoformat()}")
    assert [e.kind for e in ledger.list_events(db, rph, c.id)] == ["receipt", "withdrawal"]
    # a read for that time: the container held nothing then
    view = ledger.get_container(db, rph, c.id, at)
    assert view.activity_bq == 0.0 and view.volume_ml == 0.0 and not view.disposed
    assert ledger.site_possession(db, rph, t.site_id, at) == {}


def test_a_measurement_above_the_licence_is_refused(db) -> None:
    t = make_tenant(db, "H", licence_bq=None)
    licences.add_limit(db, t.admin, site_id=t.site_id, nuclide=None, limit_bq=100e9,
                       valid_from=T0 - 24 * H, reference="KG-100")
    c = _vial(db, t, activity=1e9)
    with pytest.raises(LimitExceeded) as e:
        ledger.measure(db, t.radiopharmacist, c.id, activity_bq=1e30, at=T0 + H,
                       note="as read")
    assert "KG-100" in e.value.message and "100 GBq" in e.value.message
    assert e.value.details["limit_bq"] == 100e9 and e.value.field == "activity_bq"
    m = ledger.measure(db, t.radiopharmacist, c.id, activity_bq=0.9e9, at=T0 + H)
    with pytest.raises(LimitExceeded):  # nor may a correction make it one
        ledger.correct(db, t.radiopharmacist, c.id, event_id=m.id, activity_bq=1e12,
                       reason="unit")
    assert [e.kind for e in ledger.list_events(db, t.radiopharmacist, c.id)] == \
        ["receipt", "measurement"]


def test_a_measurement_departing_from_the_book_needs_a_note_and_is_flagged(db) -> None:
    t = make_tenant(db, "H")
    c = _vial(db, t, activity=10e9)
    rph = t.radiopharmacist
    ok = ledger.measure(db, rph, c.id, activity_bq=10.5e9, at=T0)  # 5 % off: within 10 %
    assert not ok.discrepancy
    with pytest.raises(InvalidInput) as e:
        ledger.measure(db, rph, c.id, activity_bq=12e9, at=T0)
    assert e.value.field == "note" and "10 GBq" in e.value.message
    assert "20.0% off" in e.value.message and "10.0%" in e.value.message
    m = ledger.measure(db, rph, c.id, activity_bq=12e9, at=T0, note="calibrator drift?")
    assert m.discrepancy
    assert ledger.list_events(db, rph, c.id)[-1].discrepancy
    view = ledger.get_container(db, rph, c.id, T0 + H)
    assert view.discrepancies == 1
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    assert view.activity_bq == pytest.approx(10e9 * math.exp(-lam * 3600), rel=1e-12)
    entry = audit.list_entries(db, t.admin, entity_type="ledger_event",
                               entity_id=str(m.id))[0]
    assert entry.action == "measured_discrepancy"
    assert entry.new["discrepancy"] is True and entry.new["book_activity_bq"] == 10e9
    assert entry.new["tolerance"] == 0.1 and entry.new["note"] == "calibrator drift?"
    assert audit.list_entries(db, t.admin, entity_type="ledger_event",
                              entity_id=str(ok.id))[0].action == "measured"
    # a corrected reading within the tolerance is no longer a discrepancy
    ledger.correct(db, rph, c.id, event_id=m.id, activity_bq=10.2e9, reason="re-read")
    assert ledger.get_container(db, rph, c.id, T0 + H).discrepancies == 0
    # the site's own tolerance
    organisations.update_site(db, t.admin, t.site_id, measurement_tolerance=0.25)
    assert not ledger.measure(db, rph, c.id, activity_bq=12e9, at=T0).discrepancy


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, float("nan"), True, "0.2"])
def test_the_measurement_tolerance_is_a_fraction_in_0_1(db, bad) -> None:
    t = make_tenant(db, "H")
    for call in (lambda: organisations.update_site(db, t.admin, t.site_id,
                                                   measurement_tolerance=bad),
                 lambda: organisations.create_site(db, t.admin, org_id=None, name="Annex",
                                                   timezone="UTC", jurisdiction="EU",
                                                   measurement_tolerance=bad)):
        with pytest.raises(InvalidInput) as e:
            call()
        assert e.value.field == "measurement_tolerance"
    site = organisations.create_site(db, t.admin, org_id=None, name="Annex", timezone="UTC",
                                     jurisdiction="EU", measurement_tolerance=1)
    assert site.measurement_tolerance == 1.0
    assert organisations.get_site(db, t.admin, t.site_id).measurement_tolerance == 0.1


def test_free_text_follows_the_one_text_rule(db) -> None:
    """Labels, notes and reasons go through isoflow.domain.text (issue #13 item 2): NUL or a
    bidirectional override is refused naming the field, never stored."""
    t = make_tenant(db, "H")
    rph = t.radiopharmacist
    with pytest.raises(InvalidInput) as e:
        ledger.receive(db, rph, site_id=t.site_id, kind="vial", nuclide="Tc-99m",
                       activity_bq=1e9, reference_at=T0, received_at=T0, label="vial\x00 1")
    assert e.value.field == "label"
    c = ledger.receive(db, rph, site_id=t.site_id, kind="vial", nuclide="Tc-99m",
                       activity_bq=1e9, reference_at=T0, received_at=T0,
                       label="  Флакон Re\u0301f «1» ", note="line one\r\nline\ttwo")
    assert c.label == "Флакон R\u00e9f «1»"  # trimmed, NFC; Cyrillic stays
    assert ledger.list_events(db, rph, c.id)[0].note == "line one\nline\ttwo"
    with pytest.raises(InvalidInput) as e:
        ledger.withdraw(db, rph, c.id, at=T0 + H, activity_bq=1e8, into_kind="syringe",
                        into_label="evil\u202eexe.txt")
    assert e.value.field == "into.label"
    with pytest.raises(InvalidInput) as e:
        ledger.withdraw(db, rph, c.id, at=T0 + H, activity_bq=1e8, note="a\x07b")
    assert e.value.field == "note"
    w = ledger.withdraw(db, rph, c.id, at=T0 + H, activity_bq=1e8)
    for reason, field in (("x\x00", "reason"), ("   ", "reason")):
        with pytest.raises(InvalidInput) as e:
            ledger.correct(db, rph, c.id, event_id=w.id, activity_bq=2e8, reason=reason)
        assert e.value.field == field
    assert [e.kind for e in ledger.list_events(db, rph, c.id)] == ["receipt", "withdrawal"]
