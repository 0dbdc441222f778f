"""The FastAPI application: /api/v1 routers, the web pages, OpenAPI at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from isoflow import __version__
from isoflow.api.errors import install_error_handlers


def create_app() -> FastAPI:
    app = FastAPI(
        title="isoflow",
        version=__version__,
        description="The radioisotope chain from reactor to patient: decay physics, "
        "generators, hospital and supplier operations.",
    )
    install_error_handlers(app)

    # Each capability registers its router here (one module per topic under api/routers).
    from isoflow.api.routers import physics

    app.include_router(physics.router, prefix="/api/v1")

    from isoflow.api.routers import audit, auth, containers, licences, organisations

    for module in (auth, organisations, licences, containers, audit):
        app.include_router(module.router, prefix="/api/v1")

    from isoflow.api.routers import generators

    app.include_router(generators.router, prefix="/api/v1")

    from isoflow.web import generator_pages, pages

    pages.mount(app)
    generator_pages.mount(app)
    return app
