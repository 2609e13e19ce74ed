"""What a call owes the CRM, and what is still missing before it may close.

Pure: the playbook, what happened on the call (`CallRecord`) and `now` in; a `WrapUpPlan` out.
The desk writes exactly the records of the plan, in one transaction, only when `can_close`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sopdesk.playbooks.engine.callrecord import (
    AccountNoteData,
    CallLogData,
    CallRecord,
    EscalationRecord,
    FieldValue,
    LeadData,
    Missing,
    OwedAccountNote,
    OwedCallLog,
    OwedLead,
    OwedRecord,
    OwedTask,
    ScenarioRecord,
    TaskData,
    WrapUpPlan,
)
from sopdesk.playbooks.engine.handoffs import category_ticket, escalation_records
from sopdesk.playbooks.engine.intake import validate_scenario
from sopdesk.playbooks.engine.matching import fallback_line
from sopdesk.playbooks.engine.progress import line_progress, scenario_progress
from sopdesk.playbooks.language.schema import (
    Condition,
    DocumentationRule,
    FieldType,
    FollowUpTask,
    Line,
    Playbook,
    Scenario,
    Step,
)

__all__ = [
    "CallRecord",
    "EscalationRecord",
    "Missing",
    "OwedRecord",
    "ScenarioRecord",
    "WrapUpPlan",
    "converted_of",
    "intake_of_type",
    "resolved_line",
    "wrap_up_plan",
]


def resolved_line(playbook: Playbook, line_id: str) -> Line:
    return playbook.line(line_id) or fallback_line(playbook)


def converted_of(playbook: Playbook, record: CallRecord) -> bool | None:
    """Outcome as recorded explicitly, else as implied by a chosen answer."""
    if record.converted is not None:
        return record.converted
    line = resolved_line(playbook, record.line)
    for step in line.steps:
        label = record.choices.get(step.id)
        for choice in step.choices:
            if choice.label == label and choice.converted is not None:
                return choice.converted
    return None


def _holds(condition: Condition, converted: bool | None, record: CallRecord) -> bool | None:
    """True/False when decidable; None when it depends on an outcome not yet recorded."""
    opened = {s.id for s in record.scenarios}
    if condition.scenario == "any" and not opened:
        return False
    if condition.scenario == "none" and opened:
        return False
    if condition.scenario not in (None, "any", "none") and condition.scenario not in opened:
        return False
    if condition.has_account is not None and condition.has_account != bool(record.account_id):
        return False
    if condition.converted is not None:
        if converted is None:
            return None
        return condition.converted == converted
    return True


# What a refused wrap-up names when a rule cannot be met yet: the codes of its Missing items.
RULE_CODES = {"lead": ("outcome_unknown",), "account_note": ("account_required",)}


def rule_key(rule: DocumentationRule) -> str:
    """The rule as the traceability table names it: `record=lead`."""
    return f"record={rule.record}"


def rule_text(rule: DocumentationRule) -> str:
    """A documentation rule in words: "lead (stage Hot) when converted is false"."""
    what = rule.record.replace("_", " ")
    if rule.stage:
        what += f" (stage {rule.stage})"
    if rule.task is not None:
        what += f": {rule.task.title}"
    when = rule.when.model_dump(exclude_none=True)
    if when:
        shown = {k: str(v).lower() if isinstance(v, bool) else v for k, v in when.items()}
        what += " when " + ", ".join(f"{k.replace('_', ' ')} is {v}" for k, v in shown.items())
    return what


def rules_held(
    playbook: Playbook, line: Line, record: CallRecord
) -> list[tuple[DocumentationRule, bool | None]]:
    """Each documentation rule of the line and whether it held for the call (None: it depends
    on an outcome not recorded): the rules a wrapped-up call was documented against."""
    converted = converted_of(playbook, record)
    return [(rule, _holds(rule.when, converted, record)) for rule in line.documentation]


def _task(
    task: FollowUpTask,
    record: CallRecord,
    now: datetime,
    source: str,
    team: str | None = None,
    intake: dict[str, FieldValue] | None = None,
) -> OwedTask:
    base = record.ended_at or now
    return OwedTask(
        data=TaskData(
            title=task.title,
            team=task.team or team,
            assignee=record.agent_name if task.assign_to_agent else None,
            due_at=base + task.due,
            source=source,
            intake=intake or {},
        )
    )


def _call_log(playbook: Playbook, line: Line, record: CallRecord, now: datetime) -> OwedCallLog:
    ended = record.ended_at or now
    return OwedCallLog(
        data=CallLogData(
            line=line.id,
            urgency=line.urgency,
            agent=record.agent_name,
            caller_number=record.caller_number,
            caller_name=record.caller_name,
            started_at=record.started_at,
            ended_at=ended,
            duration_seconds=max(0, int((ended - record.started_at).total_seconds())),
            scenarios=[s.id for s in record.scenarios],
            summary=record.summary,
            playbook_version=playbook.version,
        )
    )


def intake_of_type(playbook: Playbook, record: CallRecord, kind: FieldType) -> str | None:
    """The first value typed into a field of this type (email, phone...) of the call's
    scenarios, in the order they were opened; None when there is none."""
    for entry in record.scenarios:
        scenario = playbook.scenario(entry.id)
        for f in scenario.fields if scenario else []:
            value = entry.values.get(f.id)
            if f.type is kind and isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _line_records(
    playbook: Playbook, line: Line, record: CallRecord, now: datetime
) -> tuple[list[OwedRecord], list[Missing]]:
    records: list[OwedRecord] = []
    missing: list[Missing] = []
    converted = converted_of(playbook, record)
    for rule in line.documentation:
        holds = _holds(rule.when, converted, record)
        if holds is None:
            missing.append(
                Missing(
                    code="outcome_unknown",
                    message="Record whether the caller converted to a paid account.",
                )
            )
            continue
        if not holds:
            continue
        if rule.record == "call_log":
            records.append(_call_log(playbook, line, record, now))
        elif rule.record == "lead":
            assert rule.stage is not None  # the linter refuses a lead rule without a stage
            lead = LeadData(
                stage=rule.stage,
                name=record.caller_name,
                phone=record.caller_number,
                line=line.id,
                email=intake_of_type(playbook, record, FieldType.EMAIL),
            )
            records.append(OwedLead(data=lead))
        elif rule.record == "account_note":
            if not record.account_id:
                missing.append(
                    Missing(
                        code="account_required",
                        message="Link the customer's account: the playbook requires a note on it.",
                    )
                )
                continue
            note = AccountNoteData(account_id=record.account_id, content=rule.content)
            records.append(OwedAccountNote(data=note))
        elif rule.record == "task" and rule.task is not None:
            records.append(_task(rule.task, record, now, f"line:{line.id}"))
    return _dedupe(records), _dedupe(missing)


def _scenario_records(
    playbook: Playbook, scenario: Scenario, entry: ScenarioRecord, record: CallRecord, now: datetime
) -> tuple[list[OwedRecord], list[Missing]]:
    missing: list[Missing] = []
    result = validate_scenario(scenario, entry.values, playbook.org.default_region)
    for field_id in result.errors:
        missing.append(
            Missing(
                code="field_invalid",
                message=f"{scenario.name}: {result.labelled(field_id)}",
                scenario=scenario.id,
                field=field_id,
            )
        )
    for step in scenario_progress(scenario, entry, result.values).pending_required:
        if any(f in result.errors for f in step.collect):
            continue  # the field's own error already says what to do
        missing.append(
            Missing(
                code="step_pending",
                message=f"{scenario.name}: step not done: {step.text}",
                scenario=scenario.id,
                step=step.id,
            )
        )
    records: list[OwedRecord] = []
    if scenario.handoff and not missing:
        source = f"scenario:{scenario.id}"
        handoff = scenario.handoff
        records.append(_task(handoff.task, record, now, source, handoff.team, result.values))
        ticket = category_ticket(playbook, scenario, result.values, record)
        if isinstance(ticket, Missing):
            missing.append(ticket)
        elif ticket is not None:
            records.append(ticket)
    return records, missing


T = TypeVar("T")


def _dedupe(items: list[T]) -> list[T]:
    out: list[T] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _scenarios_called_for(
    playbook: Playbook, path: tuple[Step, ...], record: CallRecord
) -> list[Missing]:
    """An answer that opens a scenario makes its intake owed: without it nothing is handed off."""
    opened = {s.id for s in record.scenarios}
    missing = []
    for step in path:
        label = record.choices.get(step.id)
        choice = next((c for c in step.choices if c.label == label), None)
        if choice is None or choice.scenario is None or choice.scenario in opened:
            continue
        scenario = playbook.scenario(choice.scenario)
        name = scenario.name if scenario else choice.scenario
        missing.append(
            Missing(
                code="scenario_not_opened",
                message=f'Open "{name}": the answer "{label}" calls for it.',
                step=step.id,
                scenario=choice.scenario,
            )
        )
    return missing


def wrap_up_plan(playbook: Playbook, record: CallRecord, now: datetime) -> WrapUpPlan:
    """Every record the call owes and everything still missing, in a stable order."""
    line = resolved_line(playbook, record.line)
    progress = line_progress(line, record)
    missing = [
        Missing(code="step_pending", message=f"Step not done: {step.text}", step=step.id)
        for step in progress.pending_required
    ]
    missing += _scenarios_called_for(playbook, progress.path, record)
    records, line_missing = _line_records(playbook, line, record, now)
    missing += line_missing
    for entry in record.scenarios:
        scenario = playbook.scenario(entry.id)
        if scenario is None:
            missing.append(Missing(code="scenario_unknown", message=f"No scenario '{entry.id}'."))
            continue
        if scenario.lines != "all" and line.id not in scenario.lines:
            # Not offered here: its hand-off must not fire from a line the SOP did not give it.
            message = f"{scenario.name} is not offered on {line.name}."
            missing.append(Missing(code="scenario_not_offered", message=message, scenario=entry.id))
            continue
        owed, lacking = _scenario_records(playbook, scenario, entry, record, now)
        records += owed
        missing += lacking
    escalations, lacking = escalation_records(playbook, record)
    return WrapUpPlan(records=[*records, *escalations], missing=missing + lacking)
