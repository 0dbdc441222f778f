"""The audit trail: append (inside each use case's transaction), read, verify the chain.

Every create/correct use case calls :func:`record` in its own transaction, so an action and
its audit entry are committed together or not at all. Appending locks the chain head row, so
entries are numbered without gaps and chained in commit order on PostgreSQL as on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from isoflow.domain.audit import (
    AuditRecord,
    ChainBreak,
    canonical_json,
    entry_hash,
    verify_chain,
)
from isoflow.domain.roles import Actor, Permission
from isoflow.services.clock import aware_utc, now
from isoflow.store.db import Database
from isoflow.store.models import AuditEntry, AuditHead

# Core statements on the tables, built once: no ORM unit of work for an append-only row.
_ENTRIES = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_LOCK_HEAD = (select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
              .with_for_update())
_INSERT_ENTRY = insert(_ENTRIES).values({c.name: bindparam(c.name) for c in _ENTRIES.c})
_UPDATE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(
    last_seq=bindparam("seq"), last_hash=bindparam("hash"))
#: PostgreSQL: the entry and the new head in one statement (one round trip fewer while the
#: head is locked; SQLite, in-process, has no data-modifying WITH).
_APPEND_ENTRY = _UPDATE_HEAD.add_cte(_INSERT_ENTRY.cte("entry"))


def record(session: Session | Connection, actor: Actor, *, org_id: int | None,
           entity_type: str, entity_id: int | str, action: str, old: Any = None,
           new: Any = None, reason: str | None = None) -> AuditRecord:
    """Append one entry: who (``actor``), when (now, UTC), what, old and new value, why.

    Call it last in the use case's transaction: the chain head stays locked from here to
    the commit, and every writer of every organisation waits for it."""
    old_json = None if old is None else canonical_json(old)
    new_json = None if new is None else canonical_json(new)
    head = session.execute(_LOCK_HEAD).one()
    rec = AuditRecord(
        seq=head.last_seq + 1, at=now(), actor=actor.username, org_id=org_id,
        entity_type=entity_type, entity_id=str(entity_id), action=action,
        old=old_json, new=new_json, reason=reason, prev_hash=head.last_hash)
    rec = replace(rec, hash=entry_hash(rec))
    # parameters apart from the statement, so the compiled statements are cached
    values = dict(
        seq=rec.seq, at=rec.at, actor=rec.actor, actor_user_id=actor.user_id, org_id=org_id,
        entity_type=entity_type, entity_id=rec.entity_id, action=action, old=rec.old,
        new=rec.new, reason=reason, prev_hash=rec.prev_hash, hash=rec.hash)
    if _dialect(session) == "postgresql":
        session.execute(_APPEND_ENTRY, values)
    else:
        session.execute(_INSERT_ENTRY, values)
        session.execute(_UPDATE_HEAD, values)
    return rec


def _dialect(session: Session | Connection) -> str:
    return session.get_bind().dialect.name if isinstance(session, Session) \
        else session.dialect.name


@dataclass(frozen=True)
class AuditEntryView:
    seq: int
    at: datetime
    actor: str
    org_id: int | None
    entity_type: str
    entity_id: str
    action: str
    old: Any
    new: Any
    reason: str | None
    hash: str


def _view(e: AuditEntry) -> AuditEntryView:
    import json

    return AuditEntryView(seq=e.seq, at=e.at, actor=e.actor, org_id=e.org_id,
                          entity_type=e.entity_type, entity_id=e.entity_id, action=e.action,
                          old=None if e.old is None else json.loads(e.old),
                          new=None if e.new is None else json.loads(e.new),
                          reason=e.reason, hash=e.hash)


def list_entries(db: Database, actor: Actor, *, entity_type: str | None = None,
                 entity_id: str | None = None, after_seq: int = 0,
                 limit: int = 100, who: str | None = None, action: str | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 before_seq: int | None = None,
                 newest_first: bool = False) -> list[AuditEntryView]:
    """Entries the actor may read (their organisation's; all for a platform administrator),
    oldest first (``newest_first``: newest first), optionally only those of one entity (type,
    id), one actor (``who``: the username as recorded), one ``action``, or written in
    [``since``, ``until``). Pages: ``after_seq`` (oldest first) or ``before_seq`` (newest
    first) with the last ``seq`` seen; at most ``limit`` entries."""
    actor.require(Permission.READ_AUDIT)
    q = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if before_seq is not None:
        q = q.where(AuditEntry.seq < before_seq)
    if actor.org_id is not None:
        q = q.where(AuditEntry.org_id == actor.org_id)
    if entity_type is not None:
        q = q.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        q = q.where(AuditEntry.entity_id == entity_id)
    if who is not None:
        q = q.where(AuditEntry.actor == who)
    if action is not None:
        q = q.where(AuditEntry.action == action)
    if since is not None:
        q = q.where(AuditEntry.at >= aware_utc(since, "since"))
    if until is not None:
        q = q.where(AuditEntry.at < aware_utc(until, "until"))
    order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq
    with db.read() as s:
        return [_view(e) for e in s.scalars(q.order_by(order).limit(limit))]


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify(db: Database) -> VerifyReport:
    """Recompute the whole chain from the stored rows; name the first broken entry."""
    with db.read() as s:
        head = s.get(AuditHead, 1)
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq)
                         .execution_options(yield_per=2000)).scalars()
        records = (AuditRecord(seq=r.seq, at=r.at, actor=r.actor, org_id=r.org_id,
                               entity_type=r.entity_type, entity_id=r.entity_id,
                               action=r.action, old=r.old, new=r.new, reason=r.reason,
                               prev_hash=r.prev_hash, hash=r.hash) for r in rows)
        n, brk = verify_chain(records, head_seq=None if head is None else head.last_seq,
                              head_hash=None if head is None else head.last_hash)
    return VerifyReport(entries=n, first_break=brk)
