"""One error shape for the whole API, and error pages for people.

Every API error is `{"error": {"code", "message", "fields": [{"field", "message"}]}}` (a
duplicate refused with 409 also names, in its field, the `existing_id` to use instead; a stale
write refused with 412 gives the field's `current` value and `current_version`). Any
`sopdesk.errors.Refusal` raised from a route or dependency (a room's `DeskError`, `CrmError`,
`EscalationError`, `ArticleError`, `OrgError`..., or the web's own `ApiError`, `NotFound`,
`Forbidden`...) reaches one handler, which answers JSON under /api and /events (and to clients
asking for JSON), and an HTML page (or a redirect to log in) elsewhere. Routes do not catch
refusals to translate them; validation errors, unknown paths and wrong methods take the same
shape, and only an unexpected exception is a 500.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sopdesk.db import driver_reason
from sopdesk.errors import CODES, FieldProblem, Refusal, code_for

__all__ = ["CODES", "ApiError", "ErrorResponse", "Forbidden", "NotFound", "Unauthenticated"]

log = logging.getLogger(__name__)
TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    422: "Check the form",
    503: "Please try again",
}


class ErrorField(BaseModel):
    field: str
    message: str
    existing_id: int | None = Field(
        None, description="on a 409 duplicate: the id of the object that already has this value"
    )
    current: str | None = Field(
        None, description="on a 412 stale write: the value stored now, which was not overwritten"
    )
    current_version: int | None = Field(
        None, description="on a 412 stale write: the version of `current` (send it as If-Match)"
    )


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[ErrorField] = []


class ErrorResponse(BaseModel):
    """The body of every API error."""

    error: ErrorDetail


class ApiError(Refusal):
    """The web's own refusals (log in, role, CSRF, no such id): status, stable code (by default
    the status's), message, and offending fields as (field, message) pairs."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: Sequence[tuple[str, str]] = (),
    ) -> None:
        problems = [FieldProblem(f, m) for f, m in fields]
        super().__init__(status, code or code_for(status), message, problems)


class NotFound(ApiError):
    def __init__(self, what: str = "object") -> None:
        super().__init__(404, f"{what} not found")


class Unauthenticated(ApiError):
    def __init__(self, message: str = "log in, or send Authorization: Bearer <token>") -> None:
        super().__init__(401, message)


class Forbidden(ApiError):
    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(403, message, code=code)


def documented(*statuses: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for refusals in the one error shape: (status, when) pairs."""
    return {status: {"model": ErrorResponse, "description": when} for status, when in statuses}


# What any operation with a request body can answer before its route runs (`limits`, FastAPI).
BAD_BODY = documented(
    (400, "The body could not be read: not JSON or a form, or a bad Content-Length"),
    (413, "The body is larger than this operation's limit (the message names it)"),
)


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


def login_url(request: Request) -> str:
    """Log in, then back to the page the person was on: a GET's own URL; for any other method
    the same-site page that sent it (its Referer), never the action's URL."""
    from sopdesk.web.security import safe_next

    if request.method in ("GET", "HEAD"):
        page = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        sender = urlsplit(request.headers.get("referer", ""))
        same_site = sender.netloc == request.url.netloc
        page = sender.path + (f"?{sender.query}" if sender.query else "") if same_site else ""
    page = safe_next(page, default="")
    return "/login?next=" + quote(page) if page else "/login"


async def _know_user(request: Request) -> None:
    """Error pages show the top bar of a logged-in user even when no route loaded them."""
    if getattr(request.state, "user", None) is None and request.session.get("user_id"):
        from sopdesk.web.deps import get_current_user

        with contextlib.suppress(ApiError):
            await run_in_threadpool(get_current_user, request)


def error_body(error: Refusal) -> dict[str, Any]:
    """The documented JSON body of a refusal."""
    fields = [
        ErrorField(
            field=f.field,
            message=f.message,
            existing_id=f.existing_id,
            current=f.current,
            current_version=f.current_version,
        )
        for f in error.fields
    ]
    detail = ErrorDetail(code=error.code, message=error.message, fields=fields)
    return ErrorResponse(error=detail).model_dump(exclude_none=True)


async def _respond(request: Request, error: Refusal) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if wants_json(request):
        body = error_body(error)
        return JSONResponse(body, status_code=error.status, headers=headers)
    if error.status == 401:
        if request.headers.get("hx-request"):
            # Neither the login page swapped into a fragment nor a redirect to log in and come
            # back to the action's URL (a GET there answers 405): the page's session_end.js
            # keeps what the agent typed and offers to log in and return to the page itself.
            return JSONResponse(error_body(error), status_code=401, headers=headers)
        return RedirectResponse(login_url(request), status_code=303)
    from sopdesk.web.templating import render

    await _know_user(request)
    context = {
        "status": error.status,
        "title": TITLES.get(error.status, "Something went wrong"),
        "message": error.message,
        "fields": error.fields,
    }
    return render(request, "error.html", context, status_code=error.status)


async def _refusal(request: Request, exc: Exception) -> Response:
    """Every room's refusal, and the web's own: the one handler."""
    assert isinstance(exc, Refusal)
    if exc.status >= 500 or exc.status < 400:  # not the client's doing: a bug to look at
        log.error(
            "refusal with status %s on %s %s: %r", exc.status, request.method, request.url.path, exc
        )
    return await _respond(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no page or endpoint at {request.url.path}"
    if exc.status_code == 405 and message == "Method Not Allowed":
        message = f"{request.method} is not one of the methods of {request.url.path} (see Allow)"
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


async def _does_not_fit(request: Request, exc: Exception) -> Response:
    # The edges bound what they take; a value the database still refuses is the client's, too.
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    message = "a value in the request does not fit its field (too long, out of range or malformed)"
    return await _respond(request, ApiError(422, message))


# How long a client should wait before retrying when the database is busy (a lock held by
# another process, a timeout) or cannot take a write (a full disk): the transaction was rolled
# back whole, so a retry loses nothing and repeats nothing.
RETRY_AFTER_SECONDS = 2


def _busy_reason(exc: OperationalError) -> str:
    text = str(exc.orig or exc).lower()
    if "full" in text:
        return "the database cannot take more data (disk full)"
    if "lock" in text or "timeout" in text or "busy" in text:
        return "the database is busy"
    return "the database is not available"


async def _database_busy(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OperationalError)
    reason = _busy_reason(exc)
    first = driver_reason(exc)
    log.warning("503 on %s %s: %s (%s)", request.method, request.url.path, reason, first)
    message = f"{reason}: nothing was changed; try again in {RETRY_AFTER_SECONDS} s"
    response = await _respond(request, ApiError(503, message, code="unavailable"))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _does_not_fit)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(Refusal, _refusal)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
