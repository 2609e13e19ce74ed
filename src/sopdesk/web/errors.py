"""One error shape for the whole API, and error pages for people.

Every API error is `{"error": {"code", "message", "fields": [{"field", "message"}]}}`: raise
`ApiError` (or `NotFound`, `Forbidden`..., or the desk's `DeskError`) from a route or
dependency and the handlers below
answer JSON under /api and /events, and an HTML page (or a redirect to log in) elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sopdesk.desk.errors import DeskError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal",
}
TITLES = {401: "Please log in", 403: "Not allowed", 404: "Not found", 422: "Check the form"}


class ErrorField(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[ErrorField] = []


class ErrorResponse(BaseModel):
    """The body of every API error."""

    error: ErrorDetail


class ApiError(Exception):
    """An error a client can act on: HTTP status, stable code, message, and offending fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.fields = [ErrorField(field=f, message=m) for f, m in fields]


class NotFound(ApiError):
    def __init__(self, what: str = "object") -> None:
        super().__init__(404, f"{what} not found")


class Unauthenticated(ApiError):
    def __init__(self, message: str = "log in, or send Authorization: Bearer <token>") -> None:
        super().__init__(401, message)


class Forbidden(ApiError):
    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(403, message, code=code)


def wants_json(request: Request) -> bool:
    """API and event-stream clients get JSON; browsers asking for pages get HTML."""
    path = request.url.path
    if path.startswith("/api/") or path == "/events" or path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _know_user(request: Request) -> None:
    """Error pages show the top bar of a logged-in user even when no route loaded them."""
    if getattr(request.state, "user", None) is None and request.session.get("user_id"):
        from sopdesk.web.deps import get_current_user

        with contextlib.suppress(ApiError):
            await run_in_threadpool(get_current_user, request)


async def _respond(request: Request, error: ApiError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if wants_json(request):
        body = ErrorResponse(
            error=ErrorDetail(code=error.code, message=error.message, fields=error.fields)
        )
        return JSONResponse(body.model_dump(), status_code=error.status, headers=headers)
    if error.status == 401:
        login = "/login?next=" + quote(request.url.path)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)
    from sopdesk.web.templating import render

    await _know_user(request)
    context = {
        "status": error.status,
        "title": TITLES.get(error.status, "Something went wrong"),
        "message": error.message,
        "fields": error.fields,
    }
    return render(request, "error.html", context, status_code=error.status)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return await _respond(request, exc)


async def _desk_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DeskError)
    fields = [(f.field, f.message) for f in exc.fields]
    return await _respond(request, ApiError(exc.status, exc.message, code=exc.code, fields=fields))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no page or endpoint at {request.url.path}"
    error = ApiError(exc.status_code, message)
    response = await _respond(request, error)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = [(_field_name(e.get("loc", ())), str(e.get("msg", "invalid"))) for e in exc.errors()]
    names = ", ".join(dict.fromkeys(f for f, _ in fields))
    return await _respond(request, ApiError(422, f"invalid request: check {names}", fields=fields))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return await _respond(request, ApiError(500, "internal error: the request was not completed"))


async def _out_of_range(request: Request, exc: Exception) -> Response:
    # A number no column can hold (an id of 2**64, say) names nothing: the client's mistake.
    return await _respond(request, ApiError(422, "a number in the request is out of range"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DeskError, _desk_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
