"""A shipment leaves from one of the supplier's sites (its consignor address, its calendar day
for the conveyance's TI sums, its zone). Shipments written before are given their
organisation's first site, which is what the service used until now. A site has the 24-hour
emergency contact its shippers' declarations give.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 00:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("emergency_contact", sa.String(length=200), nullable=True))
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
    op.execute("UPDATE shipments SET site_id = (SELECT min(sites.id) FROM sites "
               "WHERE sites.org_id = shipments.org_id)")
    with op.batch_alter_table("shipments") as batch:
        batch.alter_column("site_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index(batch.f("ix_shipments_site_id"), ["site_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_shipments_site_id_sites"), "sites",
                                 ["site_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.drop_constraint(batch.f("fk_shipments_site_id_sites"), type_="foreignkey")
        batch.drop_index(batch.f("ix_shipments_site_id"))
        batch.drop_column("site_id")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("emergency_contact")
