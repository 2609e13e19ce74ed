"""The agent's screen for a ringing call: what to say (or not), what to do, what may come up.

Pure: a playbook, a line match and the agent's name in, a `Screen` out. The same object is
what `sopdesk call --json` prints and what the desk renders.
"""

from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sopdesk.playbooks.engine.matching import LineMatch, MatchedBy
from sopdesk.playbooks.language.durations import format_duration
from sopdesk.playbooks.language.schema import (
    Condition,
    DocumentationRule,
    EscalationPolicy,
    Greeting,
    GreetingMode,
    IntakeField,
    Playbook,
    Scenario,
    Step,
)

PLACEHOLDERS = ("agent_name", "org_name", "line_name", "caller_name")


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrgView(View):
    id: str
    name: str


class LineView(View):
    id: str
    name: str
    labels: list[str]
    numbers: list[str]
    fallback: bool


class UrgencyView(View):
    id: str
    name: str
    rank: int
    color: str


class HandoffView(View):
    team_id: str
    team_name: str
    tell_caller: str
    requires: list[str]
    task_title: str
    task_due_in: str


class ScenarioView(View):
    id: str
    name: str
    description: str | None
    note: str | None
    steps: list[Step]
    fields: list[IntakeField]
    identity_check: list[str]
    identity_instruction: str | None
    handoff: HandoffView | None


class DocumentationView(View):
    record: str
    when: str
    stage: str | None
    content: str | None
    task_due_in: str | None


class PolicyView(View):
    id: str
    name: str
    trigger: str
    teams: list[str]
    team_emails: list[str]
    channel: str
    forbidden_channels: list[str]
    preconditions: list[str]
    tell_caller: str
    sla: str | None


class Screen(View):
    """Everything the agent sees when the call pops."""

    org: OrgView
    playbook_version: str
    line: LineView
    matched_by: MatchedBy
    warnings: list[str]
    urgency: UrgencyView
    mode: Literal["spoken", "muted", "silent"]
    listen_only: bool
    greeting: str | None
    banner: str | None
    steps: list[Step]
    advice: list[str]
    scenarios: list[ScenarioView]
    documentation: list[DocumentationView]
    policies: list[PolicyView]


def render_template(template: str, values: dict[str, str]) -> str:
    """Fill known placeholders; an unknown one is left visible rather than raising mid-call."""
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out)


def render_greeting(greeting: Greeting, values: dict[str, str]) -> tuple[str | None, str | None]:
    """(spoken greeting or None, banner or None)."""
    if greeting.mode is GreetingMode.SPOKEN and greeting.template:
        return render_template(greeting.template, values), greeting.banner
    banner = greeting.banner or (
        "MUTED: listen only, do not greet." if greeting.mode is GreetingMode.MUTED else "SILENT"
    )
    return None, banner


def describe_condition(condition: Condition) -> str:
    """Plain words for a documentation rule's condition."""
    parts = []
    if condition.converted is not None:
        parts.append(
            "the caller converted to a paid account"
            if condition.converted
            else "the caller did not convert to a paid account"
        )
    if condition.scenario == "any":
        parts.append("a scenario was handled")
    elif condition.scenario == "none":
        parts.append("no scenario was handled")
    elif condition.scenario:
        parts.append(f"scenario '{condition.scenario}' was handled")
    if condition.has_account is not None:
        parts.append("the customer has an account" if condition.has_account else "no account")
    return " and ".join(parts) or "always"


def _documentation_view(rule: DocumentationRule) -> DocumentationView:
    return DocumentationView(
        record=rule.record,
        when=describe_condition(rule.when),
        stage=rule.stage,
        content=rule.content,
        task_due_in=format_duration(rule.task.due) if rule.task else None,
    )


def _scenario_view(playbook: Playbook, scenario: Scenario) -> ScenarioView:
    handoff = None
    if scenario.handoff:
        team = playbook.team(scenario.handoff.team)
        handoff = HandoffView(
            team_id=scenario.handoff.team,
            team_name=team.name if team else scenario.handoff.team,
            tell_caller=scenario.handoff.tell_caller,
            requires=list(scenario.handoff.requires),
            task_title=scenario.handoff.task.title,
            task_due_in=format_duration(scenario.handoff.task.due),
        )
    check = scenario.identity_check
    return ScenarioView(
        id=scenario.id,
        name=scenario.name,
        description=scenario.description,
        note=scenario.note,
        steps=list(scenario.steps),
        fields=list(scenario.fields),
        identity_check=list(check.fields) if check else [],
        identity_instruction=check.instruction if check else None,
        handoff=handoff,
    )


def _policy_view(playbook: Playbook, policy: EscalationPolicy) -> PolicyView:
    teams = [playbook.team(t) for t in policy.teams]
    return PolicyView(
        id=policy.id,
        name=policy.name,
        trigger=policy.trigger,
        teams=[t.name for t in teams if t],
        team_emails=[t.email for t in teams if t and t.email],
        channel=policy.channel.value,
        forbidden_channels=[c.value for c in policy.forbidden_channels],
        preconditions=list(policy.preconditions),
        tell_caller=policy.tell_caller,
        sla=(
            f"answer within {format_duration(policy.sla.within)} of "
            f"{policy.sla.measured_from.replace('_', ' ')}"
            if policy.sla
            else None
        ),
    )


def scenarios_on_line(playbook: Playbook, line_id: str) -> list[Scenario]:
    return [s for s in playbook.scenarios if s.lines == "all" or line_id in s.lines]


def build_screen(
    playbook: Playbook, match: LineMatch, agent_name: str, caller_name: str | None = None
) -> Screen:
    """The screen for `agent_name` answering the matched line."""
    line = match.line
    urgency = next((u for u in playbook.urgencies if u.id == line.urgency), playbook.urgencies[0])
    values = {
        "agent_name": agent_name.strip() or "your name",
        "org_name": playbook.org.name,
        "line_name": line.name,
        "caller_name": (caller_name or "").strip() or "there",
    }
    greeting, banner = render_greeting(line.greeting, values)
    return Screen(
        org=OrgView(id=playbook.org.id, name=playbook.org.name),
        playbook_version=playbook.version,
        line=LineView(
            id=line.id,
            name=line.name,
            labels=list(line.labels),
            numbers=list(line.numbers),
            fallback=line.fallback,
        ),
        matched_by=match.matched_by,
        warnings=list(match.warnings),
        urgency=UrgencyView(
            id=urgency.id,
            name=urgency.name,
            rank=playbook.urgency_rank(urgency.id),
            color=urgency.color,
        ),
        mode=line.greeting.mode.value,
        listen_only=line.greeting.listen_only,
        greeting=greeting,
        banner=banner,
        steps=list(line.steps),
        advice=list(line.advice),
        scenarios=[_scenario_view(playbook, s) for s in scenarios_on_line(playbook, line.id)],
        documentation=[_documentation_view(r) for r in line.documentation],
        policies=[
            _policy_view(playbook, p)
            for p in (playbook.policy(pid) for pid in line.policies)
            if p is not None
        ],
    )
