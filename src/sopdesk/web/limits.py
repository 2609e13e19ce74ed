"""Request body limits, enforced before any of the body is read.

Every request with a body gets a byte limit chosen by its path: a declared Content-Length over
the limit is refused at the first read, before a byte of the body is taken from the socket; a
body sent without a length (chunked) is counted as it arrives and refused the moment it passes
the limit. A JSON or form body holding text no store can keep (see `edgetext`) is refused (422) the
same way. Either way the route sees a `BodyTooLarge` refusal (413, naming the limit), which the
one error handler renders as JSON for the API and as the error page for people, so nothing
large is ever held in memory and nothing half-read is acted on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sopdesk.errors import FieldProblem, Refusal
from sopdesk.web import edgetext

KIB = 1024
MIB = 1024 * KIB
# The desk's forms and JSON are small; a ticket reply with a long quoted thread is the largest.
DEFAULT_LIMIT = 1 * MIB


@dataclass(frozen=True)
class BodyRule:
    """Bodies of requests whose path matches `pattern` may hold at most `limit` bytes."""

    pattern: re.Pattern[str]
    limit: int
    why: str
    # The phone network's text is cleaned event by event by its parser (a bad caller name
    # must not cost the delivery's other calls); everything else is refused whole.
    check_text: bool = True


RULES = (
    # A scenario's intake or a summary is a few fields of text, not megabytes: the page that
    # shows them back to every agent on the call must stay small.
    BodyRule(re.compile(r"/scenarios/[^/]+$"), 64 * KIB, "a scenario's intake"),
    BodyRule(re.compile(r"/summary$"), 64 * KIB, "a call summary"),
    # RingCentral batches events, each a few kilobytes (parse.MAX_BODY_BYTES says the same).
    BodyRule(
        re.compile(r"^/api/v1/telephony/ringcentral$"), 1_000_000, "a webhook delivery", False
    ),
    # An article of 100k characters, form-encoded, can triple in size.
    BodyRule(re.compile(r"^/kb/articles/[^/]+/edit$"), 2 * MIB, "an article"),
    # An SOP document with its images (.docx, PDF); its text is read and cleaned by the importer.
    BodyRule(re.compile(r"^(/api/v1)?/playbooks/imports$"), 10 * MIB, "an SOP document", False),
    # A playbook draft carries its folder: test cases, the traceability table, articles.
    BodyRule(
        re.compile(
            r"^(/api/v1/playbooks/[^/]+/(drafts(/\d+)?|check)|/playbooks/drafts/\d+(/check|/file)?)$"
        ),
        8 * MIB,
        "a playbook draft",
    ),
)


DEFAULT_RULE = BodyRule(re.compile(""), DEFAULT_LIMIT, "a request")


def rule_for(path: str) -> BodyRule:
    """The rule for a request body on `path`: its byte limit, and what such a body is."""
    return next((rule for rule in RULES if rule.pattern.search(path)), DEFAULT_RULE)


def limit_for(path: str) -> tuple[int, str]:
    """The byte limit for a request body on `path`, and what such a body is."""
    rule = rule_for(path)
    return rule.limit, rule.why


class _ReadRefusal(Refusal, HTTPException):
    """A refusal raised while a route reads its body. FastAPI turns any other exception from
    reading a body into "There was an error parsing the body" (400) but lets an HTTPException
    through; the app's handler for it is then the Refusal one (first in this class's MRO)."""

    def __init__(self, status: int, code: str, message: str, field: str) -> None:
        Refusal.__init__(self, status, code, message, [FieldProblem(field, message)])
        self.status_code = status
        self.detail = message
        self.headers = None


class BodyTooLarge(_ReadRefusal):
    def __init__(self, limit: int, why: str, size: int | None = None) -> None:
        sent = f"{size} bytes were sent" if size is not None else "more was sent"
        message = f"the request body is too large: {why} may be at most {limit} bytes; {sent}"
        super().__init__(413, "too_large", message, "body")


class BadText(_ReadRefusal):
    def __init__(self, problem: FieldProblem) -> None:
        super().__init__(422, "invalid", f"invalid text: {problem.message}", problem.field)


class BadLength(_ReadRefusal):
    def __init__(self, value: str) -> None:
        message = f"Content-Length {value!r} is not a number of bytes"
        super().__init__(400, "bad_request", message, "Content-Length")


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _declared_length(scope: Scope) -> int | None:
    text = _header(scope, b"content-length")
    if text is None:
        return None
    if not text.strip().isdigit():
        raise BadLength(text.strip())
    return int(text)


class BodyLimit:
    """Pure ASGI middleware (it must not buffer the SSE stream): wraps `receive` only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = rule_for(str(scope.get("path", "")))
        limit, why = rule.limit, rule.why
        counted = 0
        content_type = _header(scope, b"content-type") or ""
        # Checked bodies are kept as they pass (never more than the limit) and read whole
        # once the last part has arrived, before the route gets that part.
        checked = rule.check_text and edgetext.is_checked(content_type)
        kept: list[bytes] | None = [] if checked else None

        async def limited_receive() -> Message:
            nonlocal counted
            # Checked at the first read, so the route's own refusal (auth, CSRF) still comes
            # first when it comes before the body is needed.
            declared = _declared_length(scope)
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit, why, declared)
            message = await receive()
            if message["type"] == "http.request":
                counted += len(message.get("body", b""))
                if counted > limit:
                    raise BodyTooLarge(limit, why)
                if kept is not None:
                    kept.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        problem = edgetext.bad_text(content_type, b"".join(kept))
                        if problem is not None:
                            raise BadText(problem)
            return message

        await self.app(scope, limited_receive, send)
