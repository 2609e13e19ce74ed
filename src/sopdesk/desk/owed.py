"""The CRM rows an owed call log or task becomes, for the wrap-up and for a missed call alike:
the engine's typed record in, the CRM's write out (through `crm.records`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sopdesk.crm import records as crm
from sopdesk.crm.models import CallLog, Task
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import progress_of
from sopdesk.playbooks.engine import CallLogData, TaskData


def write_call_log(session: Session, i: Interaction, d: CallLogData) -> CallLog:
    """The call's log, with what was typed into each scenario's form."""
    intake = {sid: s.values for sid, s in progress_of(i).scenarios.items()}
    return crm.write_call_log(
        session,
        org_id=i.org_id,
        interaction_id=i.id,
        account_id=i.account_id,
        line=d.line,
        urgency=d.urgency,
        agent_name=d.agent,
        caller_number=d.caller_number,
        caller_name=d.caller_name,
        started_at=d.started_at,
        ended_at=d.ended_at,
        summary=d.summary,
        playbook_version=d.playbook_version,
        scenarios=d.scenarios,
        intake=intake,
        missed=d.missed,
    )


def write_task(session: Session, i: Interaction, d: TaskData, now: datetime) -> Task:
    """A follow-up task; one the playbook assigns to the agent goes to whoever had the call."""
    return crm.write_task(
        session,
        org_id=i.org_id,
        title=d.title,
        due_at=d.due_at,
        now=now,
        team=d.team,
        assignee_id=i.agent_id if d.assignee else None,
        account_id=i.account_id,
        interaction_id=i.id,
        source=d.source,
        intake=d.intake,
    )
