"""Every user error becomes JSON ``{"error": code, "message": ..., "field": ...}``, never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from isoflow.errors import IsoflowError


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(IsoflowError)
    async def _domain(_: Request, exc: IsoflowError) -> JSONResponse:
        retry = getattr(exc, "retry_after_s", None)  # TooManyAttempts: 429 with Retry-After
        return JSONResponse(exc.to_dict(), status_code=exc.http_status,
                            headers=None if retry is None else {"Retry-After": str(retry)})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = _field_of(first.get("loc", ()))
        msg = str(first.get("msg", "invalid request"))
        message = f"{field}: {msg}" if field else msg
        details = [{"field": _field_of(e.get("loc", ())), "message": str(e.get("msg"))}
                   for e in errors]
        return JSONResponse({"error": "invalid_input", "message": message, "field": field,
                             "details": details}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith("/api/") \
                and "text/html" in request.headers.get("accept", ""):
            from isoflow.web.shell import PageNotFound, not_found_page

            return await not_found_page(request, PageNotFound())
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "message": str(exc.detail), "field": None},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))
