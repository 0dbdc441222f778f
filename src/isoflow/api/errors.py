"""Every user error becomes JSON ``{"error": code, "message": ..., "field": ...}``, never a 500.

A request the schema refuses is a 422 listing every field error in ``details``; so is a body
that is not UTF-8 JSON (FastAPI alone answers that with a bare 400).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from isoflow.errors import IsoflowError


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "into", "label")`` -> ``"into.label"``; a list index as ``"elute_at[0]"``."""
    out = ""
    for p in loc:
        if p in ("body", "query", "path", "header", "cookie") and not out:
            continue
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or None


def _message_of(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "invalid request"))
    if error.get("type") == "json_invalid":
        return f"the body is not valid JSON ({(error.get('ctx') or {}).get('error', msg)})"
    return msg.removeprefix("Value error, ")


def invalid_input(errors: list[dict[str, Any]]) -> JSONResponse:
    first = errors[0] if errors else {}
    field = _field_of(first.get("loc", ()))
    msg = _message_of(first) if first else "invalid request"
    message = f"{field}: {msg}" if field else msg
    details = [{"field": _field_of(e.get("loc", ())), "message": _message_of(e)}
               for e in errors]
    return JSONResponse({"error": "invalid_input", "message": message, "field": field,
                         "details": details}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(IsoflowError)
    async def _domain(_: Request, exc: IsoflowError) -> JSONResponse:
        retry = getattr(exc, "retry_after_s", None)  # TooManyAttempts: 429 with Retry-After
        return JSONResponse(exc.to_dict(), status_code=exc.http_status,
                            headers=None if retry is None else {"Retry-After": str(retry)})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid_input(list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith("/api/") \
                and "text/html" in request.headers.get("accept", ""):
            from isoflow.web.shell import PageNotFound, not_found_page

            return await not_found_page(request, PageNotFound())
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeError | ValueError):
            # FastAPI could not decode the body (not UTF-8): a value error like any other.
            return invalid_input([{"loc": ("body",), "msg": "the body is not UTF-8 JSON "
                                   f"({type(exc.__cause__).__name__}: {exc.__cause__})"}])
        code = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
                429: "too_many_requests"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "message": str(exc.detail), "field": None},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))
