"""The playbook engine's front door: pure functions the desk, the API and the CLI call.

No database, clock or network in here or below: callers pass `now` and the facts of the call.
"""

from __future__ import annotations

from sopdesk.playbooks.engine.intake import IntakeResult, validate_fields, validate_scenario
from sopdesk.playbooks.engine.matching import LineMatch, match_line
from sopdesk.playbooks.engine.progress import Progress, line_progress, walk
from sopdesk.playbooks.engine.screen import Screen, build_screen
from sopdesk.playbooks.engine.wrapup import CallRecord, WrapUpPlan, wrap_up_plan
from sopdesk.playbooks.language.schema import Playbook

__all__ = [
    "CallRecord",
    "IntakeResult",
    "LineMatch",
    "Progress",
    "Screen",
    "WrapUpPlan",
    "line_progress",
    "match_line",
    "resolve_call",
    "validate_fields",
    "validate_scenario",
    "walk",
    "wrap_up_plan",
]


def resolve_call(
    playbook: Playbook,
    agent_name: str,
    label: str | None = None,
    number: str | None = None,
    caller_name: str | None = None,
) -> Screen:
    """The screen `agent_name` gets for a call ringing with this label and/or dialed number."""
    return build_screen(playbook, match_line(playbook, label, number), agent_name, caller_name)
