"""Refusals of the desk services, shaped so every front can show them the same way."""

from __future__ import annotations

from sopdesk.errors import FieldProblem, Refusal

__all__ = ["STALE", "DeskError", "DocumentationMissing", "FieldProblem", "not_found", "stale"]

STALE = "stale"


class DeskError(Refusal):
    """A request the desk refuses: `DeskError(status, code, message, fields)`."""


class DocumentationMissing(DeskError):
    """A wrap-up refused for what is still owed; the refusal's audit entry is kept (committed)
    so the reports can count first-try wrap-ups and rank what was missing."""

    keeps_writes = True


def not_found(what: str) -> DeskError:
    # Another org's object is indistinguishable from a missing one.
    return DeskError(404, "not_found", f"{what} not found")


def stale(
    what: str, base_version: int, current_version: int, changed: list[tuple[str, str]]
) -> DeskError:
    """A write over a version of `what` that is no longer the stored one: 412, naming each
    field it would have overwritten with the text stored now, and the version to write over."""
    problems = [
        FieldProblem(
            field,
            f"changed elsewhere since version {base_version}: keep yours (write over version "
            f"{current_version}) or take the one stored",
            current=current,
            current_version=current_version,
        )
        for field, current in changed
    ]
    message = f"the {what} was changed elsewhere (another tab or client): nothing was overwritten"
    return DeskError(412, STALE, message, problems)
