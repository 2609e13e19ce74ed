"""What a missed call owes: a call that ended before anyone accepted it.

Pure: the playbook, the facts of the call and `now` in; the owed records out, in the same
`OwedRecord` union a wrap-up answers. A missed call has no steps to do and nothing missing:
the line's `on_missed` (else the playbook's, else a call log only) says what it leaves.
"""

from __future__ import annotations

from datetime import datetime

from sopdesk.playbooks.engine.callrecord import (
    CallLogData,
    CallRecord,
    FieldValue,
    OwedCallLog,
    OwedRecord,
    OwedTask,
    TaskData,
)
from sopdesk.playbooks.engine.matching import fallback_line
from sopdesk.playbooks.language.schema import OnMissed, Playbook

DEFAULT_ON_MISSED = OnMissed()  # a call log marked missed, nothing else


def on_missed(playbook: Playbook, line_id: str) -> OnMissed:
    """The rule for a missed call on the line: its own, the playbook's, or the default."""
    line = playbook.line(line_id) or fallback_line(playbook)
    return line.on_missed or playbook.on_missed or DEFAULT_ON_MISSED


def missed_plan(playbook: Playbook, record: CallRecord, now: datetime) -> list[OwedRecord]:
    """The records a missed call owes, in a stable order (call log first). Due times count
    from the call's end (`now` when the record has none)."""
    line = playbook.line(record.line) or fallback_line(playbook)
    rule = on_missed(playbook, line.id)
    ended = record.ended_at or now
    records: list[OwedRecord] = []
    if rule.call_log:
        data = CallLogData(
            line=line.id,
            urgency=line.urgency,
            agent=record.agent_name,
            caller_number=record.caller_number,
            caller_name=record.caller_name,
            started_at=record.started_at,
            ended_at=ended,
            duration_seconds=max(0, int((ended - record.started_at).total_seconds())),
            scenarios=[],
            summary=None,
            playbook_version=playbook.version,
            missed=True,
        )
        records.append(OwedCallLog(data=data))
    if rule.task is not None:
        caller: dict[str, FieldValue] = {
            key: value
            for key, value in (
                ("caller_number", record.caller_number),
                ("caller_name", record.caller_name),
            )
            if value
        }
        task = TaskData(
            title=rule.task.title,
            team=rule.task.team,
            assignee=None,
            due_at=ended + rule.task.due,
            source=f"missed:{line.id}",
            intake=caller,
        )
        records.append(OwedTask(data=task))
    return records
