"""The wrap-up panel's words: what the engine says is missing (with where to fix it) and the
records it says the wrap-up will write, in the agent's terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from sopdesk.playbooks.engine import (
    Missing,
    OwedAccountNote,
    OwedCallLog,
    OwedEscalation,
    OwedLead,
    OwedRecord,
    OwedTask,
    OwedTicket,
)
from sopdesk.web.templating import duration


@dataclass(frozen=True)
class MissingRow:
    message: str
    target: str | None  # the id of the control that fixes it, for a link
    code: str


@dataclass(frozen=True)
class OwedRow:
    kind: str  # call_log, lead, account_note, task, escalation, ticket
    title: str
    detail: str


@dataclass(frozen=True)
class Names:
    """How the panel names things the engine gives by id."""

    teams: dict[str, str]
    lines: dict[str, str]
    agent: str | None  # None until someone takes the call


def missing_rows(
    missing: list[Missing], policy_anchor: str | None, outcome_step: str | None
) -> list[MissingRow]:
    return [MissingRow(m.message, _target(m, policy_anchor, outcome_step), m.code) for m in missing]


def _target(m: Missing, policy_anchor: str | None, outcome_step: str | None) -> str | None:
    if m.scenario and m.field:
        return f"f-{m.scenario}-{m.field}"
    if m.scenario:
        return f"sc-{m.scenario}"
    if m.step:
        return f"step-{m.step}"
    if m.code == "account_required":
        return "account-q"
    if m.code.startswith("precondition_"):
        return policy_anchor
    if m.code == "outcome_unknown" and outcome_step:
        return f"step-{outcome_step}"
    return None


def _due(due_at: datetime, now: datetime) -> str:
    left = (due_at - now).total_seconds()
    return f"due in {duration(left)}" if left >= 0 else f"overdue by {duration(-left)}"


def owed_row(owed: OwedRecord, names: Names, now: datetime) -> OwedRow:
    """One record the wrap-up will write, in the agent's words."""
    teams = names.teams
    agent = names.agent or "the agent who takes the call"
    match owed:
        case OwedCallLog(data=d):
            return OwedRow("call_log", "Call log", f"{names.lines.get(d.line, d.line)}, by {agent}")
        case OwedLead(data=d):
            return OwedRow("lead", f"Lead, stage {d.stage}", d.name or d.phone or "the caller")
        case OwedAccountNote(data=d):
            return OwedRow("account_note", "Note on the account", d.content or "")
        case OwedTask(data=d):
            owner = teams.get(d.team, d.team) if d.team else agent
            return OwedRow("task", f"Task for {owner}", f"{d.title} ({_due(d.due_at, now)})")
        case OwedEscalation(data=d):
            title = f"Escalation to {teams.get(d.team, d.team)}"
            where = d.address or "the team (the playbook gives no address)"
            return OwedRow("escalation", title, f"{d.channel} only: {where}")
        case OwedTicket(data=d):
            return OwedRow("ticket", f"Ticket for {teams.get(d.team, d.team)}", d.subject)
        case _:
            assert_never(owed)


def owed_rows(records: list[OwedRecord], names: Names, now: datetime) -> list[OwedRow]:
    return [owed_row(owed, names, now) for owed in records]
