"""The playbook engine's front door: pure functions the desk, the API and the CLI call.

No database, clock or network in here or below: callers pass `now` and the facts of the call.

Must not import: sopdesk.playbooks.lint, sopdesk.playbooks.cases, sopdesk.playbooks.importer.
"""

from __future__ import annotations

from sopdesk.playbooks.engine.callrecord import (
    AccountNoteData,
    CallLogData,
    CallRecord,
    EscalationData,
    EscalationRecord,
    FieldValue,
    LeadData,
    Missing,
    OwedAccountNote,
    OwedCallLog,
    OwedEscalation,
    OwedLead,
    OwedRecord,
    OwedTask,
    OwedTicket,
    ScenarioRecord,
    TaskData,
    TicketData,
    WrapUpPlan,
    owed_fields,
)
from sopdesk.playbooks.engine.clocks import EmailClock, clock_for_email, clock_state
from sopdesk.playbooks.engine.intake import (
    IntakeResult,
    is_required,
    validate_fields,
    validate_scenario,
)
from sopdesk.playbooks.engine.matching import (
    LineMatch,
    MatchedBy,
    match_line,
    normalize_number,
    owns_number,
)
from sopdesk.playbooks.engine.missed import DEFAULT_ON_MISSED, missed_plan, on_missed
from sopdesk.playbooks.engine.progress import (
    Progress,
    ScenarioState,
    StepState,
    StepStatus,
    line_progress,
    scenario_progress,
    scenario_state,
    step_states,
    walk,
)
from sopdesk.playbooks.engine.schedules import CycleDates, cycle_for, reminder_days
from sopdesk.playbooks.engine.schemas import json_schema
from sopdesk.playbooks.engine.screen import ScenarioView, Screen, build_screen, scenarios_on_line
from sopdesk.playbooks.engine.wrapup import (
    RULE_CODES,
    converted_of,
    intake_of_type,
    resolved_line,
    rule_key,
    rule_text,
    rules_held,
    wrap_up_plan,
)
from sopdesk.playbooks.language.schema import Playbook

__all__ = [
    "DEFAULT_ON_MISSED",
    "RULE_CODES",
    "AccountNoteData",
    "CallLogData",
    "CallRecord",
    "CycleDates",
    "EmailClock",
    "EscalationData",
    "EscalationRecord",
    "FieldValue",
    "IntakeResult",
    "LeadData",
    "LineMatch",
    "MatchedBy",
    "Missing",
    "OwedAccountNote",
    "OwedCallLog",
    "OwedEscalation",
    "OwedLead",
    "OwedRecord",
    "OwedTask",
    "OwedTicket",
    "Progress",
    "ScenarioRecord",
    "ScenarioState",
    "ScenarioView",
    "Screen",
    "StepState",
    "StepStatus",
    "TaskData",
    "TicketData",
    "WrapUpPlan",
    "build_screen",
    "clock_for_email",
    "clock_state",
    "converted_of",
    "cycle_for",
    "intake_of_type",
    "is_required",
    "json_schema",
    "line_progress",
    "match_line",
    "missed_plan",
    "normalize_number",
    "on_missed",
    "owed_fields",
    "owns_number",
    "reminder_days",
    "resolve_call",
    "resolved_line",
    "rule_key",
    "rule_text",
    "rules_held",
    "scenario_progress",
    "scenario_state",
    "scenarios_on_line",
    "step_states",
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
