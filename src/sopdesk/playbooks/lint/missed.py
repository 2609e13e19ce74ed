"""Lint checks on `on_missed`: what a call nobody accepted leaves behind.

Pure: takes a playbook and a source map, returns findings. (Unknown teams are reported with
every other team reference, in `refs`; a due time that is no duration is a load error.)
"""

from __future__ import annotations

from collections.abc import Iterator

from sopdesk.playbooks.language.loader import Finding, PathKey, SourceMap
from sopdesk.playbooks.language.schema import OnMissed, Playbook


def _rules(playbook: Playbook) -> Iterator[tuple[PathKey, OnMissed, str]]:
    if playbook.on_missed is not None:
        yield ("on_missed",), playbook.on_missed, "the playbook's on_missed"
    for i, line in enumerate(playbook.lines):
        if line.on_missed is not None:
            yield ("lines", i, "on_missed"), line.on_missed, f"on_missed of line '{line.id}'"


def check_on_missed(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    for at, rule, who in _rules(playbook):
        if not rule.call_log and rule.task is None:
            yield source.finding(
                (*at, "call_log"),
                f"{who} writes nothing: a missed call would leave no trace; keep the call log "
                "or add a call-back task",
            )
        task = rule.task
        if task is None:
            continue
        team = playbook.team(task.team)
        if team is not None and not team.phone_allowed:
            yield source.finding(
                (*at, "task", "team"),
                f"{who} asks team '{task.team}' to call the caller back, but the team is never "
                "reached by phone (phone_allowed: false)",
            )
        if task.due.total_seconds() < 60:
            yield source.finding(
                (*at, "task", "due"),
                f"{who}: a call-back due in under a minute is overdue before anyone sees it; "
                "give at least 1m",
            )
