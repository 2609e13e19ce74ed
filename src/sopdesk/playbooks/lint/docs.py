"""Lint checks on documentation rules: what each call must leave in the CRM, and when.

Pure: takes a playbook and a source map, returns findings. No I/O, no engine imports.
"""

from __future__ import annotations

from collections.abc import Iterator

from sopdesk.playbooks.language.loader import Finding, PathKey, SourceMap
from sopdesk.playbooks.language.schema import DocumentationRule, Line, Playbook
from sopdesk.playbooks.lint.refs import scenario_offered


def check_documentation(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    for i, line in enumerate(playbook.lines):
        for j, rule in enumerate(line.documentation):
            at: PathKey = ("lines", i, "documentation", j)
            what = f"{rule.record} rule {j + 1} of line '{line.id}'"
            yield from _shape(rule, at, what, source)
            yield from _condition(playbook, line, rule, at, what, source)


def _shape(rule: DocumentationRule, at: PathKey, what: str, source: SourceMap) -> Iterator[Finding]:
    """The keys a rule gives must fit the kind of record it makes."""
    if rule.record == "lead" and not rule.stage:
        yield source.finding(
            (*at, "record"),
            f"{what} sets no lead stage; add stage (e.g. Hot) so the lead lands somewhere",
        )
    if rule.record != "lead" and rule.stage is not None:
        yield source.finding(
            (*at, "stage"), f"{what} sets a stage, but only lead records have stages"
        )
    if rule.record == "task" and rule.task is None:
        yield source.finding(
            (*at, "record"), f"{what} has no task; add task with a title and a due time"
        )
    if rule.record != "task" and rule.task is not None:
        yield source.finding(
            (*at, "task"),
            f"{what} has a task but records '{rule.record}'; set record: task or remove the task",
        )


def _condition(
    playbook: Playbook,
    line: Line,
    rule: DocumentationRule,
    at: PathKey,
    what: str,
    source: SourceMap,
) -> Iterator[Finding]:
    """A rule's condition must be something the call on this line can actually meet."""
    scenario_id = rule.when.scenario
    if scenario_id is not None and scenario_id not in ("any", "none"):
        if playbook.scenario(scenario_id) is None:
            yield source.finding(
                (*at, "when", "scenario"),
                f"{what} applies to scenario '{scenario_id}', which is not defined",
            )
        elif not scenario_offered(playbook, scenario_id, line.id):
            yield source.finding(
                (*at, "when", "scenario"),
                f"{what} applies to scenario '{scenario_id}', which is not offered on line "
                f"'{line.id}'; add '{line.id}' to the scenario's lines",
            )
    if rule.when.converted is not None and not _records_converted(playbook, line):
        yield source.finding(
            (*at, "when", "converted"),
            f"{what} depends on whether the caller converted, but no step of line '{line.id}' "
            "has an answer that records it; add a choice with converted: true/false",
        )


def _records_converted(playbook: Playbook, line: Line) -> bool:
    # A scenario offered on the line counts too: the agent can record the outcome there.
    step_lists = [line.steps] + [
        s.steps for s in playbook.scenarios if scenario_offered(playbook, s.id, line.id)
    ]
    return any(
        choice.converted is not None
        for steps in step_lists
        for step in steps
        for choice in step.choices
    )
