"""The audit trail's hash chain (21 CFR 11.10(e), EU GMP Annex 11 §9).

Each entry records who, when (UTC), the entity, the action, the old and the new value and why,
and carries ``hash = SHA-256(canonical entry ‖ prev_hash)``; the first entry's ``prev_hash`` is
:data:`GENESIS_HASH`. Entries are numbered 1, 2, 3... without gaps, so a deleted or altered row
breaks the chain at a nameable place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    raise TypeError(f"not serialisable in the audit trail: {type(value).__name__}")


def utc_text(at: datetime) -> str:
    """An aware datetime as fixed-width ISO 8601 UTC with microseconds."""
    if at.tzinfo is None:
        raise ValueError("naive datetime in the audit trail")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    org_id: int | None
    entity_type: str
    entity_id: str
    action: str
    old: str | None
    new: str | None
    reason: str | None
    prev_hash: str
    hash: str = ""


def entry_hash(r: AuditRecord) -> str:
    """SHA-256 hex of the entry's content and its predecessor's hash."""
    body = canonical_json([r.seq, utc_text(r.at), r.actor, r.org_id, r.entity_type,
                           r.entity_id, r.action, r.old, r.new, r.reason, r.prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit entry #{self.seq}: {self.problem}"


def verify_chain(records: Iterable[AuditRecord], *, head_seq: int | None = None,
                 head_hash: str | None = None) -> tuple[int, ChainBreak | None]:
    """Recompute the chain; (entries checked, the first break or None).

    ``head_seq``/``head_hash`` is the chain head kept apart from the entries, which reveals
    entries deleted from the end.
    """
    expected_seq, prev = 1, GENESIS_HASH
    n = 0
    for r in records:
        if r.seq != expected_seq:
            missing = expected_seq if r.seq > expected_seq else r.seq
            return n, ChainBreak(missing, f"missing or out of order (found #{r.seq} where "
                                           f"#{expected_seq} was expected)")
        if r.prev_hash != prev:
            return n, ChainBreak(r.seq, "its prev_hash does not match the hash of entry "
                                        f"#{r.seq - 1} (this entry or the one before was "
                                        "altered)")
        if entry_hash(r) != r.hash:
            return n, ChainBreak(r.seq, "its content does not match its hash (altered)")
        prev = r.hash
        expected_seq += 1
        n += 1
    if head_seq is not None and head_seq != expected_seq - 1:
        return n, ChainBreak(expected_seq - 1 if head_seq < expected_seq - 1 else expected_seq,
                             f"the chain head says {head_seq} entries but {n} were found")
    if head_hash is not None and n and head_hash != prev:
        return n, ChainBreak(n, "its hash does not match the recorded chain head")
    return n, None
