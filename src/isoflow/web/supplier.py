"""/supplier: the isotope supplier's hub — sales (catalogue, customers, contracts and
orders), production and allocation, shipping, irradiation centres and analytics — with only
the sections the user's role may open. Each section is its own module (``PAGE_MODULES``) that
registers its pages; this module only links them."""

from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from isoflow.domain.roles import Permission
from isoflow.web.pages import N_
from isoflow.web.shell import SignedInPage

router = APIRouter(include_in_schema=False)

#: the page modules of the supplier, each with a ``router``
PAGE_MODULES: tuple[str, ...] = (
    "product_pages", "customer_pages", "contract_pages", "production_pages",
    "shipment_pages", "irradiation_pages", "analytics_pages",
)

#: (path, title, description, permission to see it) in the order of the work
SECTIONS: tuple[tuple[str, str, str, Permission], ...] = (
    ("/supplier/orders", N_("Orders"),
     N_("Orders by dispatch day, from contracts and ad hoc; amendments and cancellations."),
     Permission.READ),
    ("/supplier/contracts", N_("Contracts"),
     N_("Supply contracts with their recurring deliveries."), Permission.READ),
    ("/supplier/customers", N_("Customers"),
     N_("Customers with their licences per nuclide and delivery routes."), Permission.READ),
    ("/supplier/production", N_("Production and allocation"),
     N_("Production runs and manufacturing days; allocation when a batch falls short."),
     Permission.READ),
    ("/supplier/shipments", N_("Shipments"),
     N_("Packages classified for transport, shipper's declarations and tracking."),
     Permission.READ),
    ("/supplier/irradiation", N_("Irradiation centres"),
     N_("Installed Co-60 sources, projected activity and replenishment."), Permission.READ),
    ("/supplier/analytics", N_("Export analytics"),
     N_("Exports by country, product and year; growth; CSV."), Permission.READ),
    ("/supplier/products", N_("Product catalogue"),
     N_("Products with their nuclide, form, sizes, calibration, shelf life and price."),
     Permission.READ),
)


@router.get("/supplier", response_class=HTMLResponse)
def hub(page: SignedInPage) -> HTMLResponse:
    sections = [(path, page._(title), page._(text)) for path, title, text, permission
                in SECTIONS if page.can(permission)]
    return page.render("supplier/index.html", {"sections": sections})


def mount(app: FastAPI) -> None:
    app.include_router(router)
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(f"isoflow.web.{name}").router)
