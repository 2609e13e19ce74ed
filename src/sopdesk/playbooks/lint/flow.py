"""Lint checks on one list of steps: unique ids, known jump targets, every step reachable.

Pure: takes steps and a source map, returns findings. Must not import the engine or do I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from sopdesk.playbooks.language.loader import Finding, PathKey, SourceMap
from sopdesk.playbooks.language.schema import Step

END = "end"


class HasId(Protocol):
    @property
    def id(self) -> str: ...


def duplicate_ids(
    items: Sequence[HasId], where: PathKey, what: str, source: SourceMap, owner: str = ""
) -> Iterator[Finding]:
    """A finding for every item whose id an earlier item of the same list already took."""
    first_line: dict[str, int] = {}
    in_owner = f" in {owner}" if owner else ""
    for index, item in enumerate(items):
        path = (*where, index, "id")
        if item.id in first_line:
            yield source.finding(
                path,
                f"{what} '{item.id}' is defined twice{in_owner} "
                f"(first on line {first_line[item.id]}); ids must be unique",
            )
        else:
            first_line[item.id] = source.line_of(path)


def check_steps(
    steps: Sequence[Step], where: PathKey, owner: str, source: SourceMap
) -> Iterator[Finding]:
    """Every flow problem of the steps at `where`, which belong to `owner` ("line 'main'")."""
    yield from duplicate_ids(steps, where, "step", source, owner)
    yield from _targets(steps, where, owner, source)
    yield from _unreachable(steps, where, owner, source)


def _targets(
    steps: Sequence[Step], where: PathKey, owner: str, source: SourceMap
) -> Iterator[Finding]:
    known = {step.id for step in steps} | {END}
    hint = f"use the id of a step of {owner}, or '{END}'"
    for i, step in enumerate(steps):
        if step.next is not None and step.choices:
            yield source.finding(
                (*where, i, "next"),
                f"step '{step.id}' of {owner} has both choices and next; next is ignored "
                "because the chosen answer decides where to go",
            )
        elif step.next is not None and step.next not in known:
            yield source.finding(
                (*where, i, "next"),
                f"step '{step.id}' of {owner} goes next to unknown step '{step.next}' ({hint})",
            )
        for j, choice in enumerate(step.choices):
            if choice.goto not in known:
                yield source.finding(
                    (*where, i, "choices", j, "goto"),
                    f"answer '{choice.label}' of step '{step.id}' in {owner} goes to unknown "
                    f"step '{choice.goto}' ({hint})",
                )


def _successors(steps: Sequence[Step], index: int, first_index: dict[str, int]) -> list[int]:
    """Indices the step at `index` can flow to; a step with choices goes only where they say."""
    step = steps[index]
    if step.choices:
        targets = [choice.goto for choice in step.choices]
    elif step.next is not None:
        targets = [step.next]
    else:
        return [index + 1] if index + 1 < len(steps) else []
    return [first_index[t] for t in targets if t in first_index]


def _unreachable(
    steps: Sequence[Step], where: PathKey, owner: str, source: SourceMap
) -> Iterator[Finding]:
    if not steps:
        return
    first_index: dict[str, int] = {}
    for i, step in enumerate(steps):
        first_index.setdefault(step.id, i)
    seen = {0}
    pending = [0]
    while pending:
        for successor in _successors(steps, pending.pop(), first_index):
            if successor not in seen:
                seen.add(successor)
                pending.append(successor)
    for i, step in enumerate(steps):
        if i not in seen:
            yield source.finding(
                (*where, i, "id"),
                f"step '{step.id}' of {owner} can never be reached from the first step "
                f"'{steps[0].id}'; point a choice or next at it, or remove it",
            )
