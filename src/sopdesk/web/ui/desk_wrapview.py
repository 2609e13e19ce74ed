"""The wrap-up panel's words: what the engine says is missing (with where to fix it) and the
records it says the wrap-up will write, in the agent's terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sopdesk.playbooks.engine.wrapup import Missing, OwedRecord
from sopdesk.web.templating import duration


@dataclass(frozen=True)
class MissingRow:
    message: str
    target: str | None  # the id of the control that fixes it, for a link
    code: str


@dataclass(frozen=True)
class OwedRow:
    kind: str  # call_log, lead, account_note, task, escalation
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


def _due(iso: str, now: datetime) -> str:
    left = (datetime.fromisoformat(iso) - now).total_seconds()
    return f"due in {duration(left)}" if left >= 0 else f"overdue by {duration(-left)}"


def owed_rows(records: list[OwedRecord], names: Names, now: datetime) -> list[OwedRow]:
    teams = names.teams
    agent = names.agent or "the agent who takes the call"
    rows = []
    for owed in records:
        d = owed.data
        if owed.record == "call_log":
            line = names.lines.get(d["line"], d["line"])
            rows.append(OwedRow("call_log", "Call log", f"{line}, by {agent}"))
        elif owed.record == "lead":
            who = d.get("name") or d.get("phone") or "the caller"
            rows.append(OwedRow("lead", f"Lead, stage {d['stage']}", str(who)))
        elif owed.record == "account_note":
            rows.append(OwedRow("account_note", "Note on the account", d.get("content") or ""))
        elif owed.record == "task":
            team = d.get("team")
            owner = teams.get(team, team) if team else agent
            rows.append(
                OwedRow("task", f"Task for {owner}", f"{d['title']} ({_due(d['due_at'], now)})")
            )
        else:
            title = f"Escalation to {teams.get(d['team'], d['team'])}"
            rows.append(OwedRow("escalation", title, f"{d['channel']} only: {d['address']}"))
    return rows
