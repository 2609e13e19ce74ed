"""Refusals of the desk services, shaped so every front can show them the same way."""

from __future__ import annotations

from sopdesk.errors import FieldProblem, Refusal

__all__ = ["DeskError", "FieldProblem", "not_found"]


class DeskError(Refusal):
    """A request the desk refuses: `DeskError(status, code, message, fields)`."""


def not_found(what: str) -> DeskError:
    # Another org's object is indistinguishable from a missing one.
    return DeskError(404, "not_found", f"{what} not found")
