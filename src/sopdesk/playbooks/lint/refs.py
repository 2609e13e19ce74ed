"""Lint checks on references between playbook elements: teams, lines, scenarios, policies.

Pure: takes a playbook and a source map, returns findings. No I/O, no engine imports.
"""

from __future__ import annotations

from collections.abc import Iterator

from sopdesk.playbooks.language.loader import Finding, PathKey, SourceMap
from sopdesk.playbooks.language.schema import Channel, EscalationPolicy, Playbook, Step


def scenario_offered(playbook: Playbook, scenario_id: str, line_id: str) -> bool:
    scenario = playbook.scenario(scenario_id)
    return scenario is not None and (scenario.lines == "all" or line_id in scenario.lines)


def _team_references(playbook: Playbook) -> Iterator[tuple[PathKey, str, str]]:
    """(path, team id, who names it) for every place a team is named."""
    for i, scenario in enumerate(playbook.scenarios):
        handoff = scenario.handoff
        if handoff is not None:
            at: PathKey = ("scenarios", i, "handoff")
            yield (*at, "team"), handoff.team, f"handoff of scenario '{scenario.id}'"
            if handoff.task.team is not None:
                who = f"handoff task of scenario '{scenario.id}'"
                yield (*at, "task", "team"), handoff.task.team, who
    for i, line in enumerate(playbook.lines):
        for j, rule in enumerate(line.documentation):
            if rule.task is not None and rule.task.team is not None:
                path = ("lines", i, "documentation", j, "task", "team")
                yield path, rule.task.team, f"task rule of line '{line.id}'"
        if line.on_missed is not None and line.on_missed.task is not None:
            missed_at: PathKey = ("lines", i, "on_missed", "task", "team")
            yield missed_at, line.on_missed.task.team, f"on_missed task of line '{line.id}'"
    if playbook.on_missed is not None and playbook.on_missed.task is not None:
        yield (
            ("on_missed", "task", "team"),
            playbook.on_missed.task.team,
            "the playbook's on_missed task",
        )
    for i, policy in enumerate(playbook.policies):
        for k, team in enumerate(policy.teams):
            yield ("policies", i, "teams", k), team, f"policy '{policy.id}'"
        if policy.sla is not None and policy.sla.team is not None:
            yield ("policies", i, "sla", "team"), policy.sla.team, f"SLA of policy '{policy.id}'"
    for i, category in enumerate(playbook.ticket_categories):
        yield ("ticket_categories", i, "team"), category.team, f"ticket category '{category.id}'"
    for i, schedule in enumerate(playbook.schedules):
        yield ("schedules", i, "team"), schedule.team, f"schedule '{schedule.id}'"


def check_teams(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    known = [t.id for t in playbook.teams]
    listing = f"teams: {', '.join(known)}" if known else "no teams are defined"
    for path, team, who in _team_references(playbook):
        if team not in known:
            yield source.finding(
                path, f"{who} names team '{team}', which is not defined ({listing})"
            )


def check_scenario_lines(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    for i, scenario in enumerate(playbook.scenarios):
        if scenario.lines == "all":
            continue
        for k, line_id in enumerate(scenario.lines):
            if playbook.line(line_id) is None:
                yield source.finding(
                    ("scenarios", i, "lines", k),
                    f"scenario '{scenario.id}' is offered on line '{line_id}', which is not "
                    "defined",
                )


def check_choice_scenarios(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    """Answers that open a scenario must name one that exists (and, on a line, is offered)."""
    for i, line in enumerate(playbook.lines):
        yield from _choice_scenarios(
            playbook, line.steps, ("lines", i), f"line '{line.id}'", line.id, source
        )
    for i, scenario in enumerate(playbook.scenarios):
        owner = f"scenario '{scenario.id}'"
        yield from _choice_scenarios(
            playbook, scenario.steps, ("scenarios", i), owner, None, source
        )
    for i, policy in enumerate(playbook.policies):
        owner = f"policy '{policy.id}'"
        yield from _choice_scenarios(playbook, policy.steps, ("policies", i), owner, None, source)


def _choice_scenarios(
    playbook: Playbook,
    steps: list[Step],
    at: PathKey,
    owner: str,
    line_id: str | None,
    source: SourceMap,
) -> Iterator[Finding]:
    for i, step in enumerate(steps):
        for j, choice in enumerate(step.choices):
            if choice.scenario is None:
                continue
            path = (*at, "steps", i, "choices", j, "scenario")
            what = f"answer '{choice.label}' of step '{step.id}' in {owner}"
            if playbook.scenario(choice.scenario) is None:
                yield source.finding(
                    path, f"{what} opens scenario '{choice.scenario}', which is not defined"
                )
            elif line_id is not None and not scenario_offered(playbook, choice.scenario, line_id):
                yield source.finding(
                    path,
                    f"{what} opens scenario '{choice.scenario}', which is not offered on "
                    f"{owner}; add '{line_id}' to the scenario's lines",
                )


def check_policies(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    for i, policy in enumerate(playbook.policies):
        yield from _policy(playbook, policy, ("policies", i), source)


def _policy(
    playbook: Playbook, policy: EscalationPolicy, at: PathKey, source: SourceMap
) -> Iterator[Finding]:
    name = f"policy '{policy.id}'"
    channel = policy.channel.value
    if policy.sla is not None:
        owner = policy.sla.team
        if owner is None and not policy.teams:
            yield source.finding((*at, "sla"), f"SLA of {name} has no owning team; set sla.team")
        elif owner is not None and playbook.team(owner) and owner not in policy.teams:
            yield source.finding(
                (*at, "sla", "team"),
                f"SLA of {name} is owned by team '{owner}', which is not one of the policy's "
                f"teams ({', '.join(policy.teams)})",
            )
    if policy.channel in policy.forbidden_channels:
        yield source.finding(
            (*at, "channel"),
            f"{name} escalates by {channel}, which its own forbidden_channels forbid",
        )
    for k, team_id in enumerate(policy.teams):
        team = playbook.team(team_id)
        if team is None:
            continue  # reported by check_teams
        if policy.channel is Channel.PHONE and not team.phone_allowed:
            yield source.finding(
                (*at, "teams", k),
                f"{name} escalates by phone to team '{team_id}', which must never be reached "
                "by phone (phone_allowed: false)",
            )
        if policy.channel is Channel.EMAIL and not team.email:
            yield source.finding(
                (*at, "teams", k),
                f"{name} escalates by email to team '{team_id}', which has no email address; "
                "add email to the team",
            )
