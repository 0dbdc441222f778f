"""The audit hash chain: recomputed, it finds the first altered, missing or reordered entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from isoflow.domain.audit import GENESIS_HASH, AuditRecord, entry_hash, verify_chain

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def chain(n: int) -> list[AuditRecord]:
    out: list[AuditRecord] = []
    prev = GENESIS_HASH
    for i in range(1, n + 1):
        r = AuditRecord(seq=i, at=T0 + timedelta(seconds=i), actor="rph", org_id=1,
                        entity_type="container", entity_id=str(i), action="received",
                        old=None, new=f'{{"activity_bq":{i}e9}}', reason=None, prev_hash=prev)
        r = replace(r, hash=entry_hash(r))
        out.append(r)
        prev = r.hash
    return out


def test_intact_chain_verifies() -> None:
    records = chain(5)
    assert verify_chain(records, head_seq=5, head_hash=records[-1].hash) == (5, None)


def test_altered_content_is_named() -> None:
    records = chain(5)
    records[2] = replace(records[2], new='{"activity_bq":9e99}')
    _, brk = verify_chain(records)
    assert brk is not None and brk.seq == 3 and "altered" in str(brk)


def test_rehashed_entry_breaks_the_next_link() -> None:
    records = chain(5)
    forged = replace(records[1], actor="mallory")
    records[1] = replace(forged, hash=entry_hash(forged))
    _, brk = verify_chain(records)
    assert brk is not None and brk.seq == 3


def test_deleted_entries_are_found() -> None:
    records = chain(5)
    _, brk = verify_chain(records[:2] + records[3:])
    assert brk is not None and brk.seq == 3
    _, brk = verify_chain(records[:4], head_seq=5, head_hash=records[-1].hash)
    assert brk is not None and brk.seq == 5
