"""Refusals of the desk services, shaped so every front can show them the same way."""

from __future__ import annotations

from sopdesk.errors import FieldProblem, Refusal

__all__ = ["STALE", "DeskError", "FieldProblem", "not_found", "stale"]

STALE = "stale"


class DeskError(Refusal):
    """A request the desk refuses: `DeskError(status, code, message, fields)`."""


def not_found(what: str) -> DeskError:
    # Another org's object is indistinguishable from a missing one.
    return DeskError(404, "not_found", f"{what} not found")


def stale(field: str, base_version: int, current: str, current_version: int) -> DeskError:
    """A write over a version that is no longer the stored one: 412, with what is stored now."""
    problem = FieldProblem(
        field,
        f"changed elsewhere since version {base_version}: keep yours (write over version "
        f"{current_version}) or take the one stored",
        current=current,
        current_version=current_version,
    )
    message = f"the {field} was changed elsewhere (another tab or client): nothing was overwritten"
    return DeskError(412, STALE, message, [problem])
