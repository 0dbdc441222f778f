"""Page sessions beside API tokens (kind, last use), sign-in throttling, a user's language, a
site's measurement tolerance and the discrepancy flag of a measurement (issues #9, #13).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="api",
                                   nullable=False))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint("kind", "kind IN ('api', 'session')")
    op.create_table(
        "sign_in_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_throttle")),
        sa.UniqueConstraint("key", name=op.f("uq_sign_in_throttle_key")),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("measurement_tolerance", sa.Float(), server_default="0.1",
                                   nullable=False))
    # Not in batch mode: on SQLite that copies the table and loses its append-only triggers
    # (0001); a plain ADD COLUMN keeps them on both databases.
    op.add_column("ledger_events", sa.Column("discrepancy", sa.Boolean(),
                                             server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("ledger_events", "discrepancy")  # SQLite >= 3.35; keeps the triggers
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("measurement_tolerance")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_kind"), type_="check")
        batch.drop_column("last_used_at")
        batch.drop_column("kind")
