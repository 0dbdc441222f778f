"""SQLAlchemy 2 models: organisations, sites, users, tokens, licence limits, the ledger of
radioactive material, signatures and the hash-chained audit trail.

Every tenant row carries ``org_id`` (DESIGN.md invariant 6). Ledger events and audit entries
are only ever inserted (invariant 3); what a container holds is computed, never stored
(invariant 2). Columns carry their unit (invariant 1). Schema changes go through Alembic
(``isoflow/store/migrations``), never ``create_all`` outside tests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from isoflow.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("kind IN ('hospital', 'supplier')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_sites_org_id_name"),
                      CheckConstraint("jurisdiction IN ('NRC', 'EU', 'RU')",
                                      name="jurisdiction"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: A measurement departing from the book value by more than this fraction needs a note
    #: and is flagged as a discrepancy.
    measurement_tolerance: Mapped[float] = mapped_column(Float, server_default="0.1")
    #: the 24-hour emergency contact a shipper's declaration gives for packages from the site
    emergency_contact: Mapped[str | None] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: None only for a platform administrator (see isoflow.domain.roles).
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The user's language for pages ("en", "ru"); None: the browser's Accept-Language.
    locale: Mapped[str | None] = mapped_column(String(8))


class ApiToken(Base):
    """A bearer token of the API (``kind`` "api") or a page session (``kind`` "session",
    its secret in an HttpOnly cookie); only its SHA-256 is stored. Sessions also expire
    after ``session_idle_timeout_s`` without use (``last_used_at``)."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("kind IN ('api', 'session')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16), server_default="api")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Consecutive failed sign-ins of one key ("user:<name>" or "addr:<client address>"),
    whether or not such a user exists, and the lock they led to."""

    __tablename__ = "sign_in_throttle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LicenceLimit(Base):
    """A possession limit of a site's licence [Bq]; ``nuclide`` NULL limits the total."""

    __tablename__ = "licence_limits"
    __table_args__ = (CheckConstraint("limit_bq > 0", name="limit_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    nuclide: Mapped[str | None] = mapped_column(String(16))
    limit_bq: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Container(Base):
    """A generator, vial, capsule, sealed source, syringe or waste container. Its identity
    only: the reference activity and all that follows are ledger events."""

    __tablename__ = "containers"
    __table_args__ = (
        Index("ix_containers_site_nuclide_received", "site_id", "nuclide", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(32))
    nuclide: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    #: When it was received (the receipt event's time, repeated here to find what a site
    #: may hold at a time without reading every ledger).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The container this one was filled from, for a transfer.
    source_container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    #: Number of events appended so far; bumped under the container's row lock.
    event_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LedgerEvent(Base):
    """An appended record of a container; never updated or deleted."""

    __tablename__ = "ledger_events"
    __table_args__ = (UniqueConstraint("container_id", "seq",
                                       name="uq_ledger_events_container_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    activity_bq: Mapped[float | None] = mapped_column(Float)
    volume_ml: Mapped[float | None] = mapped_column(Float)
    reference_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrects_event_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_events.id"))
    void: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    #: For a withdrawal into another container (a transfer): that container.
    counterpart_container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    #: A measurement that departed from the book value by more than the site's tolerance.
    discrepancy: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Signature(Base):
    """An electronic signature: who, when, and its meaning (21 CFR 11.50, 11.200)."""

    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_username: Mapped[str] = mapped_column(String(100))
    signer_name: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    meaning: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """One link of the append-only, hash-chained audit trail (isoflow.domain.audit)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity_type", "entity_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain head (one row): the last entry's number and hash. Locked by every writer so
    entries get consecutive numbers; reveals entries deleted from the end."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# the department's tables register on the same metadata
from isoflow.store import department_models as department_models  # noqa: E402

# and the supplier's
from isoflow.store import supplier_models as supplier_models  # noqa: E402
