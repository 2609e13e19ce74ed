"""What a wrapped-up call did with its playbook, element by element, kept as a shared pattern.

Each of the line's steps (by the engine's own step states), each step and field of every
scenario opened, and each of the line's documentation rules: done, skipped (on the call's path
and not done), off the call's path, or after the call. The wrap-up stores this once per call,
as a pattern shared by every call of the org that did the same (`CallPattern`), so that the
reports count calls by pattern instead of walking each call's progress again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sopdesk.desk.models import CallPattern, Interaction
from sopdesk.desk.progress import CallProgress, call_record, progress_of
from sopdesk.playbooks.engine import (
    RULE_CODES,
    CallRecord,
    rule_key,
    rule_text,
    rules_held,
    step_states,
)
from sopdesk.playbooks.language.schema import Line, Playbook

_STATUS = {"done": "done", "todo": "skipped", "skipped": "off_path", "after_call": "after_call"}


@dataclass(frozen=True)
class ElementUse:
    """One playbook element on one wrapped-up call: a line's step, a scenario's step or field,
    or a line's documentation rule.

    `status`: done; skipped (on the call's path, not done); off_path (a branch not taken, or a
    rule that did not apply); after_call (a step done after the call, by a task)."""

    kind: str  # step | scenario_step | field | rule
    owner: str  # the line id (steps, rules) or the scenario id
    element: str
    text: str
    status: str
    # A documentation rule's: the codes a refused wrap-up names when it cannot be met yet.
    refused_as: tuple[str, ...] = ()


def _line_uses(line: Line, record: CallRecord) -> list[ElementUse]:
    return [
        ElementUse("step", line.id, s.step.id, s.step.text, _STATUS.get(s.status, s.status))
        for s in step_states(line, record, closed=True)
    ]


def _rule_uses(playbook: Playbook, line: Line, record: CallRecord) -> list[ElementUse]:
    """The line's documentation rules: done where it applied (a wrapped-up call wrote its
    record: the wrap-up refuses until it can), off the call's path where it did not (still
    listed, so that a refusal it caused before the outcome was known counts for it)."""
    return [
        ElementUse(
            "rule",
            line.id,
            rule_key(rule),
            rule_text(rule),
            "done" if held else "off_path",
            RULE_CODES.get(rule.record, ()),
        )
        for rule, held in rules_held(playbook, line, record)
    ]


def _scenario_uses(playbook: Playbook, progress: CallProgress) -> list[ElementUse]:
    uses = []
    for sid, entry in progress.scenarios.items():
        scenario = playbook.scenario(sid)
        if scenario is None:
            continue
        for step in scenario.steps:
            status = "done" if step.id in entry.steps else "skipped"
            uses.append(ElementUse("scenario_step", sid, step.id, step.text, status))
        for field in scenario.fields:
            status = "done" if field.id in entry.values else "skipped"
            uses.append(ElementUse("field", sid, field.id, field.label, status))
    return uses


def element_uses(playbook: Playbook, i: Interaction) -> tuple[ElementUse, ...]:
    """What the call did with each element of `playbook` (its own version), as it stands."""
    scenarios = _scenario_uses(playbook, progress_of(i))
    line = playbook.line(i.line_id)
    if line is None:
        return tuple(scenarios)
    record = call_record(i)
    return (*_line_uses(line, record), *scenarios, *_rule_uses(playbook, line, record))


def uses_from_json(stored: Sequence[Any]) -> tuple[ElementUse, ...]:
    """A pattern's uses as stored: [kind, owner, element, text, status, [codes]] each."""
    return tuple(
        ElementUse(str(k), str(o), str(e), str(t), str(s), tuple(str(c) for c in r))
        for k, o, e, t, s, r in stored
    )


def pattern_id(
    session: Session, org_id: str, uses: Sequence[ElementUse], written: Sequence[str]
) -> int:
    """The id of the org's pattern for these uses and written record kinds, made if new."""
    stored = [[*astuple(u)[:5], list(u.refused_as)] for u in uses]
    kinds = sorted(written)
    canonical = json.dumps([stored, kinds], separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    query = select(CallPattern.id).where(CallPattern.org_id == org_id, CallPattern.digest == digest)
    with session.no_autoflush:  # patterns depend on nothing pending: flush with the wrap-up
        found = session.scalar(query)
    if found is not None:
        return found
    # Two wrap-ups may meet the same new pattern at once: the second insert does nothing.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(CallPattern)
        .values(org_id=org_id, digest=digest, uses=stored, written=kinds)
        .on_conflict_do_nothing(index_elements=["org_id", "digest"])
    )
    return session.scalars(query).one()
