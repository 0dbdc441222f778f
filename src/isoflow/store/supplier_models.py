"""Models of the isotope supplier (issue #11): its product catalogue, its customers with their
licences, delivery routes and installed Co-60 sources, contracts with recurring deliveries,
orders, production batches and their allocation, and shipments with their packages and
tracking events.

Every activity is an activity *at a reference time* (``_bq`` with the time it stands for):
an order's is at its calibration time, a batch's at its end of processing, an allocation's at
dispatch, a package's at dispatch. Times are aware UTC; a customer's local times are shown in
its own zone. Every row carries ``org_id``, the supplier (tenancy); customers are the
supplier's records of its clients, not organisations that sign in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from isoflow.store.models import Base
from isoflow.store.types import UTCDateTime

PRODUCT_FORMS = ("liquid", "solid", "special_form", "generator", "cold_kit")
CALIBRATIONS = ("reference_time", "six_day_ci")
CUSTOMER_KINDS = ("hospital", "irradiation_centre", "distributor", "research")
ROUTE_MODES = ("road", "air")
ORDER_STATUSES = ("open", "allocated", "shipped", "delivered", "cancelled")
SHIPMENT_STATUSES = ("prepared", "dispatched", "delivered", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# ---- catalogue --------------------------------------------------------------------------------


class Product(Base):
    """A product of the supplier's catalogue: its nuclide and form, the activity sizes it is
    sold in, how its activity is stated (at a reference time, or in 6-day Ci for bulk Mo-99),
    its shelf life and price."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("org_id", "code", name="uq_products_org_id_code"),
                      CheckConstraint(_in("form", PRODUCT_FORMS), name="form"),
                      CheckConstraint(_in("calibration", CALIBRATIONS), name="calibration"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    #: the nuclide the activity is of (a generator: its parent, Mo-99 or Ge-68; a cold kit:
    #: the nuclide it is labelled with, no activity shipped)
    nuclide: Mapped[str] = mapped_column(String(16))
    form: Mapped[str] = mapped_column(String(16))
    #: the activity sizes sold [Bq], ascending, comma-separated (empty: any activity)
    sizes_bq: Mapped[str] = mapped_column(Text, server_default="")
    calibration: Mapped[str] = mapped_column(String(16), server_default="reference_time")
    shelf_life_s: Mapped[float | None] = mapped_column(Float)
    #: price per unit and per GBq (either may be 0) in ``currency``
    unit_price: Mapped[float] = mapped_column(Float, server_default="0")
    price_per_gbq: Mapped[float] = mapped_column(Float, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    #: Tc-99m procedures one unit enables (analytics; None: not a diagnostic product)
    procedures_per_unit: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---- customers --------------------------------------------------------------------------------


class Customer(Base):
    """A client of the supplier: country, zone, kind, allocation priority (1 first)."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("org_id", "code", name="uq_customers_org_id_code"),
                      CheckConstraint(_in("kind", CUSTOMER_KINDS), name="kind"),
                      Index("ix_customers_org_id_country", "org_id", "country"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    #: ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    #: allocation priority when a batch falls short (1 is served first)
    priority: Mapped[int] = mapped_column(Integer, server_default="3")
    #: an irradiation centre's least installed Co-60 activity [Bq] (replenishment below it)
    min_installed_bq: Mapped[float | None] = mapped_column(Float)
    contact: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CustomerLicence(Base):
    """A customer's licence for a nuclide: the most it may hold [Bq] and until when."""

    __tablename__ = "customer_licences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(80))
    nuclide: Mapped[str] = mapped_column(String(16))
    limit_bq: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryRoute(Base):
    """How deliveries reach a customer: mode and door-to-door transit time."""

    __tablename__ = "delivery_routes"
    __table_args__ = (CheckConstraint(_in("mode", ROUTE_MODES), name="mode"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(8))
    transit_s: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")


class InstalledSource(Base):
    """A sealed source installed at a customer's irradiation centre (Co-60 pencils)."""

    __tablename__ = "installed_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    serial: Mapped[str] = mapped_column(String(80))
    nuclide: Mapped[str] = mapped_column(String(16))
    activity_bq: Mapped[float] = mapped_column(Float)
    reference_at: Mapped[datetime] = mapped_column(UTCDateTime())
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# ---- contracts and orders ---------------------------------------------------------------------


class Contract(Base):
    """A supply contract with a customer, from ``start_date`` to ``end_date`` (inclusive)."""

    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("org_id", "number", name="uq_contracts_org_id_number"),
                      CheckConstraint(_in("status", ("active", "ended", "cancelled")),
                                      name="status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    #: allocation priority of the contract's orders (1 first; None: the customer's)
    priority: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), server_default="active")
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContractDelivery(Base):
    """A recurring delivery of a contract: every ``weekday`` (0 Monday) with ``quantity``
    units of ``activity_bq`` each, calibrated at ``calibration_time`` (HH:MM) in the customer's
    zone, ``calibration_days`` after the delivery day, by ``route_id``."""

    __tablename__ = "contract_deliveries"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_routes.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    calibration_time: Mapped[str] = mapped_column(String(5))
    calibration_days: Mapped[int] = mapped_column(Integer, server_default="0")
    activity_bq: Mapped[float] = mapped_column(Float)
    quantity: Mapped[int] = mapped_column(Integer, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")


class Order(Base):
    """An order: ``quantity`` units of ``activity_bq`` each at ``calibration_at``, leaving at
    ``dispatch_at`` by ``route_id``; from a contract's delivery or ad hoc."""

    __tablename__ = "orders"
    __table_args__ = (CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
                      UniqueConstraint("org_id", "number", name="uq_orders_org_id_number"),
                      UniqueConstraint("delivery_id", "calibration_at",
                                       name="uq_orders_delivery_id_calibration_at"),
                      Index("ix_orders_org_id_dispatch_at", "org_id", "dispatch_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("contract_deliveries.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_routes.id"))
    activity_bq: Mapped[float] = mapped_column(Float)
    quantity: Mapped[int] = mapped_column(Integer, server_default="1")
    calibration_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatch_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), server_default="open")
    #: the price agreed [currency of the product] (analytics)
    price: Mapped[float] = mapped_column(Float, server_default="0")
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---- production -------------------------------------------------------------------------------


class Batch(Base):
    """A production run (Mo-99, I-131) or a manufacturing day (generators, sources): what it
    yields of ``nuclide`` [Bq] at its end of processing ``available_at``."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("org_id", "number", name="uq_batches_org_id_number"),
                      CheckConstraint(_in("status", ("planned", "produced", "allocated",
                                                     "cancelled")), name="status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    nuclide: Mapped[str] = mapped_column(String(16))
    #: the products it serves, comma-separated ids (empty: every product of its nuclide)
    product_ids: Mapped[str] = mapped_column(Text, server_default="")
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity_bq: Mapped[float] = mapped_column(Float)
    #: processing yield (the activity available is capacity × yield)
    yield_fraction: Mapped[float] = mapped_column(Float, server_default="1")
    status: Mapped[str] = mapped_column(String(12), server_default="planned")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Allocation(Base):
    """What a batch gives an order [Bq at dispatch] against what it needs, and what the
    customer was told."""

    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("batch_id", "order_id",
                                       name="uq_allocations_batch_id_order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    needed_bq: Mapped[float] = mapped_column(Float)
    allocated_bq: Mapped[float] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---- shipments --------------------------------------------------------------------------------


class Shipment(Base):
    """A package sent to a customer with its transport classification (SSR-6): the contents
    at dispatch, the package type chosen, UN number, measured dose rates, TI and label."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("org_id", "number", name="uq_shipments_org_id_number"),
                      CheckConstraint(_in("status", SHIPMENT_STATUSES), name="status"),
                      CheckConstraint(_in("mode", ("road", "air-passenger", "air-cargo")),
                                      name="mode"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    #: the supplier's site it leaves from (consignor; its day and zone for the TI sums)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    nuclide: Mapped[str] = mapped_column(String(16))
    activity_bq: Mapped[float] = mapped_column(Float)  # at dispatch
    form: Mapped[str] = mapped_column(String(8))
    special_form: Mapped[bool] = mapped_column(Boolean, server_default="0")
    package_type: Mapped[str] = mapped_column(String(12))
    un_number: Mapped[str] = mapped_column(String(8))
    sum_of_fractions: Mapped[float] = mapped_column(Float)
    surface_usv_h: Mapped[float] = mapped_column(Float)
    at_1m_usv_h: Mapped[float] = mapped_column(Float)
    transport_index: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), server_default="prepared")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShipmentEvent(Base):
    """A tracking event of a shipment (append-only)."""

    __tablename__ = "shipment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(24))
    place: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
