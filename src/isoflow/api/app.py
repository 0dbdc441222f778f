"""The FastAPI application: /api/v1 routers, the web pages, OpenAPI at /docs."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class HttpContract:
    """ASGI middleware for two rules of the HTTP contract that no single route can keep.

    * **401 before the body.** A request with a body (POST, PUT, PATCH, DELETE) to a route
      that needs a bearer token is authenticated before FastAPI reads and parses its body
      (which it does before any dependency runs): without a valid token the answer is 401,
      never a 400 or 422 about a body nobody signed for. The route checks the token again
      (one more indexed read per write; a revocation in between still counts).
    * **Allow names every method of the path.** ``OPTIONS`` is answered 204 with ``Allow``;
      a 405's ``Allow`` lists the methods of every route of that path (Starlette names only
      those of the first route it tried, while one path has one route per method here).
    """

    BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: list[tuple[re.Pattern[str], frozenset[str], bool]] | None = None

    def _index(self, app: Any) -> list[tuple[re.Pattern[str], frozenset[str], bool]]:
        """Every route with methods: (its path pattern, its methods, whether it needs a
        bearer token)."""
        if self._routes is None:
            from isoflow.api.deps import bearer_token

            try:  # FastAPI >= 0.16x keeps included routers whole: their routes in context
                from fastapi.routing import iter_route_contexts

                routes: list[Any] = list(iter_route_contexts(app.routes))
            except ImportError:  # pragma: no cover - older FastAPI flattens them
                routes = list(app.routes)

            def needs_token(dependant: Any) -> bool:
                return any(d.call is bearer_token or needs_token(d)
                           for d in getattr(dependant, "dependencies", ()))

            self._routes = [(r.path_regex, frozenset(m.upper() for m in r.methods),
                             needs_token(getattr(r, "dependant", None)))
                            for r in routes if getattr(r, "methods", None)
                            and getattr(r, "path_regex", None) is not None]
        return self._routes

    def _of_path(self, scope: Scope) -> list[tuple[bool, frozenset[str], bool]]:
        """The routes of the request's path: (whether the method is theirs, their methods,
        whether they need a token)."""
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        return [(scope["method"] in methods, methods, protected)
                for pattern, methods, protected in self._index(scope["app"])
                if pattern.match(path)]

    @staticmethod
    def _allow(methods: set[str]) -> bytes:
        return ", ".join(sorted(methods | {"OPTIONS"})).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "app" not in scope:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            routes = self._of_path(scope)
            if routes:
                allow = self._allow({m for _, methods, _ in routes for m in methods})
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", allow)]})
                await send({"type": "http.response.body", "body": b""})
                return
        elif method in self.BODY_METHODS:
            problem = next((self._unauthenticated(scope) for own, _, protected
                            in self._of_path(scope) if own and protected), None)
            if problem is not None:
                body = json.dumps({"error": "unauthenticated", "message": problem,
                                   "field": None}).encode()
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = self._allow({m for _, methods, _ in self._of_path(scope)
                                     for m in methods})
                message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                       if k.lower() != b"allow"] + [(b"allow", allow)]
            await send(message)

        await self.app(scope, receive, send_with_allow)

    @staticmethod
    def _unauthenticated(scope: Scope) -> str | None:
        """Why the request is not signed in, or None (signed in, or for the route to tell)."""
        from isoflow.api.deps import database_of
        from isoflow.errors import Unauthenticated
        from isoflow.services import auth

        tokens = [v for k, v in scope["headers"] if k == b"authorization"]
        scheme, _, token = (tokens[0].decode("latin-1") if tokens else "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return ("sign in: send 'Authorization: Bearer <token>' with a token from "
                    "POST /api/v1/auth/token")
        try:
            auth.authenticate(database_of(scope["app"]), token.strip())
        except Unauthenticated as exc:
            return exc.message
        except Exception:  # the database down...: the route answers as it would have
            return None
        return None


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

    # the hospital department (issue #10)
    from isoflow.api.routers import (
        catalogue,
        dispensing,
        hotlab,
        plans,
        quality,
        records,
        schedule,
    )

    for module in (catalogue, schedule, hotlab, dispensing, quality, records, plans):
        app.include_router(module.router, prefix="/api/v1")

    # the supplier (issue #11)
    from isoflow.api.routers import (
        analytics,
        contracts,
        customers,
        irradiation,
        production,
        products,
        shipments,
    )

    for module in (products, customers, contracts, production, shipments, irradiation,
                   analytics):
        app.include_router(module.router, prefix="/api/v1")

    from isoflow.web import generator_pages, pages

    pages.mount(app)
    generator_pages.mount(app)
    if container_read_shortcut:
        from isoflow.api.container_reads import ContainerReadShortcut

        app.add_middleware(ContainerReadShortcut)
    app.add_middleware(HttpContract)
    return app
