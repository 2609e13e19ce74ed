"""The one refusal model: every room's refusals are a `Refusal`, so every front shows them alike.

A refusal is a request the desk will not carry out, for a reason the person can act on: its
HTTP `status` (always 4xx), a stable `code`, a `message` to read, and the `fields` that were
wrong. Rooms subclass it (`DeskError`, `CrmError`, `EscalationError`, `ArticleError`,
`OrgError`...) and raise; the web's one handler turns any of them into the documented JSON
shape under /api, or the error page for people. Nothing here imports a room: this module sits
at the bottom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The stable code of a status, for refusals that name no code of their own.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}


def code_for(status: int) -> str:
    return CODES.get(status, "error")


@dataclass
class FieldProblem:
    """One offending field of a refused request and what is wrong with it; `existing_id`: the
    object already holding this value (a duplicate refused with 409 names the one to use);
    `current` and `current_version`: what is stored now (a stale write refused with 412 shows
    the text it would have overwritten, and the version to write over)."""

    field: str
    message: str
    existing_id: int | None = None
    current: str | None = None
    current_version: int | None = None


class Refusal(Exception):
    """A request refused: `status` is the HTTP status every front answers with.

    `keeps_writes`: what the service wrote before refusing is committed all the same (a refused
    wrap-up records the refusal for the reports); every other refusal rolls its work back.
    """

    keeps_writes = False

    def __init__(
        self, status: int, code: str, message: str, fields: Iterable[FieldProblem] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r})"
