"""One JSON error shape for every error: {"error": {"code", "message", "source"?}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from postlens.errors import PostlensError, TooManyRequests

log = logging.getLogger("postlens.service")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, machine-readable: invalid_input, not_found, ...")
    message: str
    source: str | None = Field(default=None, description="The file or field at fault.")


class ErrorPublic(BaseModel):
    """Every error the API sends has this shape."""

    error: ErrorBody


# Documented on every route (the server can send each of these to any request).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic, "description": description} for status, description in {
        400: "Bad request", 401: "No or unknown API key / not signed in",
        403: "Not yours, or a cross-site form", 404: "Unknown id",
        408: "The request body arrived too slowly", 413: "The body or picture is too large",
        415: "Not a supported picture type", 422: "Invalid input (the message says which)",
        429: "Too many requests (see Retry-After)", 500: "Unexpected server error"}.items()}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get(
        "accept", "")


def _render(request: Request, status: int, body: dict[str, object]) -> Response:
    if _wants_html(request):
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html", {"error": body},
                                          status_code=status)
    return JSONResponse({"error": body}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PostlensError)
    async def postlens_error(request: Request, exc: PostlensError) -> Response:
        response = _render(request, exc.status_code, exc.to_dict())
        if isinstance(exc, TooManyRequests):
            response.headers["retry-after"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                            for e in exc.errors())
        return _render(request, 422, {"code": "invalid_input", "message": details})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _render(request, exc.status_code, {"code": code, "message": str(exc.detail)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # The client learns nothing about the internals; the operator gets the traceback.
        log.error("unexpected error in %s %s", request.method, request.url.path,
                  exc_info=(type(exc), exc, exc.__traceback__))
        return _render(request, 500, {"code": "internal_error",
                                      "message": "unexpected server error"})

