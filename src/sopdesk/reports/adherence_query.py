"""Reads what each wrapped-up call did with its playbook: the line's steps by the engine's own
step states, each scenario opened with its steps and fields, and the line's documentation rules
that applied to it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desk.models import Interaction, State
from sopdesk.desk.progress import call_record, progress_of
from sopdesk.desk.service import playbook_of
from sopdesk.playbooks.engine import RULE_CODES, rule_key, rule_text, rules_held, step_states
from sopdesk.playbooks.language.schema import Playbook
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.query import call_conditions
from sopdesk.reports.rows import AdherenceCall, ElementUse

_STATUS = {"done": "done", "todo": "skipped", "skipped": "off_path", "after_call": "after_call"}


def _line_uses(playbook: Playbook, i: Interaction) -> list[ElementUse]:
    line = playbook.line(i.line_id)
    if line is None:
        return []
    return [
        ElementUse("step", line.id, s.step.id, s.step.text, _STATUS.get(s.status, s.status))
        for s in step_states(line, call_record(i), closed=True)
    ]


def _rule_uses(playbook: Playbook, i: Interaction) -> list[ElementUse]:
    """The line's documentation rules: done where it applied (a wrapped-up call wrote its
    record: the wrap-up refuses until it can), off the call's path where it did not (still
    listed, so that a refusal it caused before the outcome was known counts for it)."""
    line = playbook.line(i.line_id)
    if line is None:
        return []
    return [
        ElementUse(
            "rule",
            line.id,
            rule_key(rule),
            rule_text(rule),
            "done" if held else "off_path",
            RULE_CODES.get(rule.record, ()),
        )
        for rule, held in rules_held(playbook, line, call_record(i))
    ]


def _scenario_uses(playbook: Playbook, i: Interaction) -> list[ElementUse]:
    uses = []
    for sid, entry in progress_of(i).scenarios.items():
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


def adherence_calls(session: Session, f: ReportFilter) -> list[AdherenceCall]:
    """Every call of the range wrapped up, with what it did with each element."""
    rows = session.scalars(
        select(Interaction)
        .where(*call_conditions(f), Interaction.state == State.CLOSED.value)
        .order_by(Interaction.rang_at, Interaction.id)
    ).all()
    found = []
    for i in rows:
        playbook = playbook_of(session, i)
        uses = (*_line_uses(playbook, i), *_scenario_uses(playbook, i), *_rule_uses(playbook, i))
        found.append(AdherenceCall(i.id, i.line_id, i.agent_name or "", i.playbook_version, uses))
    return found
