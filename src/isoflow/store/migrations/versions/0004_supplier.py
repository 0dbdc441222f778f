"""The isotope supplier (issue #11): product catalogue; customers with their licences,
delivery routes and installed Co-60 sources; contracts with recurring deliveries; orders;
production batches and their allocation; shipments with their transport classification and
tracking events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 17:15:31.693895
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("product_ids", sa.Text(), server_default="", nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity_bq", sa.Float(), nullable=False),
        sa.Column("yield_fraction", sa.Float(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=12), server_default="planned", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'produced', 'allocated', 'cancelled')",
            name=op.f("ck_batches_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_batches_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("org_id", "number", name="uq_batches_org_id_number"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batches_org_id"), ["org_id"], unique=False)

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="3", nullable=False),
        sa.Column("min_installed_bq", sa.Float(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('hospital', 'irradiation_centre', 'distributor', 'research')",
            name=op.f("ck_customers_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_customers_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("org_id", "code", name="uq_customers_org_id_code"),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_customers_org_id_country", ["org_id", "country"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("sizes_bq", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "calibration", sa.String(length=16), server_default="reference_time", nullable=False
        ),
        sa.Column("shelf_life_s", sa.Float(), nullable=True),
        sa.Column("unit_price", sa.Float(), server_default="0", nullable=False),
        sa.Column("price_per_gbq", sa.Float(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("procedures_per_unit", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "calibration IN ('reference_time', 'six_day_ci')", name=op.f("ck_products_calibration")
        ),
        sa.CheckConstraint(
            "form IN ('liquid', 'solid', 'special_form', 'generator', 'cold_kit')",
            name=op.f("ck_products_form"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_products_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("org_id", "code", name="uq_products_org_id_code"),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_org_id"), ["org_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="active", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'ended', 'cancelled')", name=op.f("ck_contracts_status")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contracts_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_contracts_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("org_id", "number", name="uq_contracts_org_id_number"),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_org_id"), ["org_id"], unique=False)

    op.create_table(
        "customer_licences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("limit_bq", sa.Float(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_licences_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_customer_licences_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_licences")),
    )
    with op.batch_alter_table("customer_licences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_licences_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_licences_org_id"), ["org_id"], unique=False)

    op.create_table(
        "delivery_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("transit_s", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint("mode IN ('road', 'air')", name=op.f("ck_delivery_routes_mode")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_delivery_routes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_delivery_routes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_routes")),
    )
    with op.batch_alter_table("delivery_routes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_routes_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_delivery_routes_org_id"), ["org_id"], unique=False)

    op.create_table(
        "installed_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("reference_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_installed_sources_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_installed_sources_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installed_sources")),
    )
    with op.batch_alter_table("installed_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_installed_sources_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_installed_sources_org_id"), ["org_id"], unique=False)

    op.create_table(
        "contract_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("calibration_time", sa.String(length=5), nullable=False),
        sa.Column("calibration_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_contract_deliveries_weekday")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_deliveries_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_contract_deliveries_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_contract_deliveries_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["delivery_routes.id"],
            name=op.f("fk_contract_deliveries_route_id_delivery_routes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_deliveries")),
    )
    with op.batch_alter_table("contract_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_deliveries_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contract_deliveries_org_id"), ["org_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("calibration_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatch_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="open", nullable=False),
        sa.Column("price", sa.Float(), server_default="0", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'allocated', 'shipped', 'delivered', 'cancelled')",
            name=op.f("ck_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_orders_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["contract_deliveries.id"],
            name=op.f("fk_orders_delivery_id_contract_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_orders_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_orders_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["delivery_routes.id"], name=op.f("fk_orders_route_id_delivery_routes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "delivery_id", "calibration_at", name="uq_orders_delivery_id_calibration_at"
        ),
        sa.UniqueConstraint("org_id", "number", name="uq_orders_org_id_number"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_orders_org_id_dispatch_at", ["org_id", "dispatch_at"], unique=False
        )

    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("needed_bq", sa.Float(), nullable=False),
        sa.Column("allocated_bq", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_allocations_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_allocations_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_allocations_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("batch_id", "order_id", name="uq_allocations_batch_id_order_id"),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_org_id"), ["org_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("form", sa.String(length=8), nullable=False),
        sa.Column("special_form", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("package_type", sa.String(length=12), nullable=False),
        sa.Column("un_number", sa.String(length=8), nullable=False),
        sa.Column("sum_of_fractions", sa.Float(), nullable=False),
        sa.Column("surface_usv_h", sa.Float(), nullable=False),
        sa.Column("at_1m_usv_h", sa.Float(), nullable=False),
        sa.Column("transport_index", sa.Float(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="prepared", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mode IN ('road', 'air-passenger', 'air-cargo')", name=op.f("ck_shipments_mode")
        ),
        sa.CheckConstraint(
            "status IN ('prepared', 'dispatched', 'delivered', 'cancelled')",
            name=op.f("ck_shipments_status"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_shipments_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_shipments_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("org_id", "number", name="uq_shipments_org_id_number"),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_org_id"), ["org_id"], unique=False)

    op.create_table(
        "shipment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_shipment_events_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_events_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_events")),
    )
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_events_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shipment_events_shipment_id"), ["shipment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_events_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_events_org_id"))

    op.drop_table("shipment_events")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_org_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_order_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_customer_id"))

    op.drop_table("shipments")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_org_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_order_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_batch_id"))

    op.drop_table("allocations")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_org_id_dispatch_at")
        batch_op.drop_index(batch_op.f("ix_orders_org_id"))
        batch_op.drop_index(batch_op.f("ix_orders_customer_id"))
        batch_op.drop_index(batch_op.f("ix_orders_contract_id"))

    op.drop_table("orders")
    with op.batch_alter_table("contract_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_deliveries_org_id"))
        batch_op.drop_index(batch_op.f("ix_contract_deliveries_contract_id"))

    op.drop_table("contract_deliveries")
    with op.batch_alter_table("installed_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installed_sources_org_id"))
        batch_op.drop_index(batch_op.f("ix_installed_sources_customer_id"))

    op.drop_table("installed_sources")
    with op.batch_alter_table("delivery_routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_routes_org_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_routes_customer_id"))

    op.drop_table("delivery_routes")
    with op.batch_alter_table("customer_licences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_licences_org_id"))
        batch_op.drop_index(batch_op.f("ix_customer_licences_customer_id"))

    op.drop_table("customer_licences")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_org_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_customer_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_org_id"))

    op.drop_table("products")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_org_id_country")
        batch_op.drop_index(batch_op.f("ix_customers_org_id"))

    op.drop_table("customers")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_org_id"))

    op.drop_table("batches")
