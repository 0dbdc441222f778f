"""The FastAPI application: /api/v1 routers, the web pages, OpenAPI at /docs."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from isoflow import __version__
from isoflow.api.errors import install_error_handlers


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    from isoflow.api.deps import limit_threads

    limit_threads()
    # What is loaded by now lives as long as the process: keep it out of the garbage
    # collector's full passes. One pass over those ~130,000 objects took 84 ms, and every
    # request in flight waited through it (a 300 ms stall under load, measured).
    gc.collect()
    gc.freeze()
    yield


def create_app(*, container_read_shortcut: bool = True) -> FastAPI:
    """The application. ``container_read_shortcut=False`` leaves every request to the
    FastAPI routes (the tests compare both; see isoflow.api.container_reads)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="isoflow",
        version=__version__,
        description="The radioisotope chain from reactor to patient: decay physics, "
        "generators, hospital and supplier operations.",
    )
    install_error_handlers(app)

    # Each capability registers its router here (one module per topic under api/routers).
    # Routes are matched in this order, so the ledger, whose reads are the hottest requests,
    # comes first (no two routers share a path).
    from isoflow.api.routers import containers, physics

    app.include_router(containers.router, prefix="/api/v1")
    app.include_router(physics.router, prefix="/api/v1")

    from isoflow.api.routers import audit, auth, licences, organisations

    for module in (auth, organisations, licences, audit):
        app.include_router(module.router, prefix="/api/v1")

    from isoflow.api.routers import generators

    app.include_router(generators.router, prefix="/api/v1")

    from isoflow.web import generator_pages, pages

    pages.mount(app)
    generator_pages.mount(app)
    if container_read_shortcut:
        from isoflow.api.container_reads import ContainerReadShortcut

        app.add_middleware(ContainerReadShortcut)
    return app
