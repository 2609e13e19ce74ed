"""Refusals of the desk services, shaped so every front can show them the same way."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class DeskError(Exception):
    """A request the desk refuses: `status` is the HTTP status every front maps it to."""

    status: int
    code: str
    message: str
    fields: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def not_found(what: str) -> DeskError:
    # Another org's object is indistinguishable from a missing one.
    return DeskError(404, "not_found", f"{what} not found")
