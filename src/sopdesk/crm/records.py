"""The CRM's writes: call logs, leads, notes, tasks, accounts, contacts, and the audit trail.

Every room that leaves a record in the CRM (the desk's wrap-up, the escalations' intake, the
fronts' own changes) calls these with plain values; none builds a CRM row itself. Nothing here
flushes or commits: the caller owns the transaction, and flushes once when it needs the ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.crm.models import (
    Account,
    AuditEntry,
    CallLog,
    Contact,
    Lead,
    LeadNote,
    Note,
    Task,
)
from sopdesk.crm.task_events import task_created

# What an audit entry's detail may hold: JSON values, as stored.
AuditDetail = Mapping[str, object]


def audit(
    session: Session,
    *,
    org_id: str,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | str,
    playbook_version: str | None = None,
    detail: AuditDetail | None = None,
) -> AuditEntry:
    """One line of the org's audit trail: who did what to which object, when, under which
    playbook version."""
    entry = AuditEntry(
        org_id=org_id,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        playbook_version=playbook_version,
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry


def first_audit_detail(
    session: Session, org_id: str, object_type: str, object_id: int | str, action: str
) -> dict[str, object] | None:
    """The detail of the first audit entry of `action` on the object (None: there is none)."""
    entry = session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.org_id == org_id,
            AuditEntry.object_type == object_type,
            AuditEntry.object_id == str(object_id),
            AuditEntry.action == action,
        )
        .order_by(AuditEntry.id)
        .limit(1)
    )
    return dict(entry.detail) if entry else None


def write_call_log(
    session: Session,
    *,
    org_id: str,
    interaction_id: int,
    account_id: int | None,
    line: str,
    urgency: str,
    agent_name: str,
    caller_number: str | None,
    caller_name: str | None,
    started_at: datetime,
    ended_at: datetime,
    summary: str | None,
    playbook_version: str,
    scenarios: list[str],
    intake: Mapping[str, object],
    missed: bool = False,
) -> CallLog:
    """The log of one call; `intake` is what was typed into each scenario's form; `missed`:
    the call ended before anyone accepted it (marked in its data)."""
    data: dict[str, object] = {"scenarios": scenarios, "intake": dict(intake)}
    if missed:
        data["missed"] = True
    row = CallLog(
        org_id=org_id,
        interaction_id=interaction_id,
        account_id=account_id,
        line=line,
        urgency=urgency,
        agent_name=agent_name,
        caller_number=caller_number,
        caller_name=caller_name,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=max(0, int((ended_at - started_at).total_seconds())),
        summary=summary,
        playbook_version=playbook_version,
        data=data,
    )
    session.add(row)
    return row


def write_lead(
    session: Session,
    *,
    org_id: str,
    stage: str,
    name: str | None,
    phone: str | None,
    line: str | None,
    now: datetime,
    account_id: int | None = None,
    interaction_id: int | None = None,
    email: str | None = None,
) -> Lead:
    row = Lead(
        org_id=org_id,
        account_id=account_id,
        interaction_id=interaction_id,
        name=name,
        phone=phone,
        email=email,
        stage=stage,
        line=line,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    return row


def write_lead_note(
    session: Session, *, org_id: str, lead_id: int, author: str, body: str, now: datetime
) -> LeadNote:
    row = LeadNote(org_id=org_id, lead_id=lead_id, author=author, body=body, created_at=now)
    session.add(row)
    return row


def write_note(
    session: Session,
    *,
    org_id: str,
    account_id: int,
    author: str,
    body: str,
    now: datetime,
    interaction_id: int | None = None,
) -> Note:
    row = Note(
        org_id=org_id,
        account_id=account_id,
        interaction_id=interaction_id,
        author=author,
        body=body,
        created_at=now,
    )
    session.add(row)
    return row


def write_task(
    session: Session,
    *,
    org_id: str,
    title: str,
    due_at: datetime,
    now: datetime,
    team: str | None = None,
    assignee_id: int | None = None,
    account_id: int | None = None,
    interaction_id: int | None = None,
    source: str | None = None,
    intake: Mapping[str, object] | None = None,
) -> Task:
    """An open task for a team or a person; `intake` is a hand-off's validated intake."""
    row = Task(
        org_id=org_id,
        title=title,
        team=team,
        assignee_id=assignee_id,
        account_id=account_id,
        interaction_id=interaction_id,
        due_at=due_at,
        status="open",
        source=source,
        data={"intake": dict(intake or {})},
        created_at=now,
    )
    session.add(row)
    task_created(session, row)  # live for its team, after the commit
    return row


def create_contact(
    session: Session,
    *,
    org_id: str,
    now: datetime,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    account_id: int | None = None,
) -> Contact:
    row = Contact(
        org_id=org_id,
        account_id=account_id,
        name=name,
        phone=phone,
        email=email,
        created_at=now,
    )
    session.add(row)
    return row


def create_account(
    session: Session,
    *,
    org_id: str,
    name: str,
    now: datetime,
    paid: bool = False,
    phone: str | None = None,
    email: str | None = None,
) -> Account:
    row = Account(
        org_id=org_id,
        name=name,
        paid=paid,
        phone=phone,
        email=email,
        created_at=now,
    )
    session.add(row)
    return row
