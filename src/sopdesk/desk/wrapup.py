"""Wrap-up: write every record the playbook owes, in one transaction, exactly once.

The engine says what is owed and what is missing; this module only writes it. A retried
wrap-up finds the interaction closed and returns what the first one wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sopdesk.crm.models import AuditEntry, CallLog, Lead, Note, Task
from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.desk.models import Interaction, State
from sopdesk.desk.service import access_interaction, plan_for
from sopdesk.desk.views import interaction_event
from sopdesk.escalations.accounts import raise_category_ticket
from sopdesk.escalations.models import Ticket
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import User
from sopdesk.playbooks.engine.wrapup import OwedRecord


@dataclass
class WrapUpResult:
    interaction_id: int
    already_closed: bool
    written: list[dict[str, Any]] = field(default_factory=list)


def _row(i: Interaction, owed: OwedRecord, now: datetime) -> CallLog | Lead | Note | Task | None:
    """The CRM row an owed record becomes (None: nothing to write for it)."""
    d = owed.data
    row: CallLog | Lead | Note | Task
    if owed.record == "call_log":
        row = CallLog(
            org_id=i.org_id,
            interaction_id=i.id,
            account_id=i.account_id,
            line=d["line"],
            urgency=d["urgency"],
            agent_name=d["agent"],
            caller_number=d["caller_number"],
            caller_name=d["caller_name"],
            started_at=datetime.fromisoformat(d["started_at"]),
            ended_at=datetime.fromisoformat(d["ended_at"]),
            duration_seconds=d["duration_seconds"],
            summary=d["summary"],
            playbook_version=d["playbook_version"],
            data={"scenarios": d["scenarios"], "intake": (i.progress or {}).get("scenarios", {})},
        )
    elif owed.record == "lead":
        row = Lead(
            org_id=i.org_id,
            account_id=i.account_id,
            interaction_id=i.id,
            name=d["name"],
            phone=d["phone"],
            stage=d["stage"],
            line=d["line"],
            created_at=now,
            updated_at=now,
        )
    elif owed.record == "account_note":
        assert i.account_id is not None  # the engine only owes a note when an account is linked
        row = Note(
            org_id=i.org_id,
            account_id=i.account_id,
            interaction_id=i.id,
            author=i.agent_name or "Agent",
            body=_note_body(i, d.get("content")),
            created_at=now,
        )
    elif owed.record == "task":
        row = Task(
            org_id=i.org_id,
            title=d["title"],
            team=d["team"],
            assignee_id=i.agent_id if d.get("assignee") else None,
            account_id=i.account_id,
            interaction_id=i.id,
            due_at=datetime.fromisoformat(d["due_at"]),
            status="open",
            source=d["source"],
            data={"intake": d.get("intake", {})},
            created_at=now,
        )
    else:  # escalation: documented on the account; the ticket opens when the email arrives
        body = (
            f"Escalation to {d['team']} under policy {d['policy']}: the client was asked to "
            f"email {d['address']} (channel {d['channel']} only). FAQ tried: "
            f"{', '.join(d['faq_tried']) or 'none'}."
        )
        if i.account_id is None:
            return None  # no account to note it on; the audit entry still records it
        row = Note(
            org_id=i.org_id,
            account_id=i.account_id,
            interaction_id=i.id,
            author=i.agent_name or "Agent",
            body=body,
            created_at=now,
        )
    return row


def _raise_ticket(
    session: Session, user: User, i: Interaction, owed: OwedRecord, now: datetime
) -> Ticket:
    """A hand-off that names a ticket category raises that ticket, with its SLA clock."""
    return raise_category_ticket(
        session,
        user,
        category_id=owed.data["category"],
        fields=owed.data["fields"],
        subject=owed.data["subject"],
        now=now,
        account_id=i.account_id,
        customer_name=i.caller_name,
    )


def _note_body(i: Interaction, content: str | None) -> str:
    summary = ((i.progress or {}).get("summary") or "no summary").rstrip(" .")
    when = (i.answered_at or i.rang_at).strftime("%Y-%m-%d %H:%M UTC")
    return f"Call {when} on {i.line_name} with {i.agent_name}: {summary}. {content or ''}".strip()


def _previous(session: Session, i: Interaction) -> list[dict[str, Any]]:
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.org_id == i.org_id,
            AuditEntry.object_type == "interaction",
            AuditEntry.object_id == str(i.id),
            AuditEntry.action == "interaction.wrapped_up",
        )
    ).all()
    return list(entries[0].detail.get("written", [])) if entries else []


def wrap_up(session: Session, user: User, interaction_id: int, now: datetime) -> WrapUpResult:
    """Close the call and write its CRM records, or refuse (422) naming everything missing."""
    interaction = access_interaction(session, user, interaction_id)
    if interaction.state == State.CLOSED.value:
        return WrapUpResult(interaction.id, True, _previous(session, interaction))
    plan = plan_for(session, interaction, now)
    if not plan.can_close:
        raise DeskError(
            422,
            "documentation_missing",
            "the call cannot be wrapped up yet",
            [FieldProblem(m.field or m.step or m.code, m.message) for m in plan.missing],
        )
    # Conditional update: of two concurrent wrap-ups only one moves the row, so only one writes.
    moved = session.execute(
        update(Interaction)
        .where(Interaction.id == interaction.id, Interaction.state != State.CLOSED.value)
        .values(state=State.CLOSED.value, closed_at=now, ended_at=interaction.ended_at or now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(interaction)
        return WrapUpResult(interaction.id, True, _previous(session, interaction))
    # The row now holds these values; record them without another SELECT or UPDATE.
    ended = interaction.ended_at or now
    for name, value in (("state", State.CLOSED.value), ("closed_at", now), ("ended_at", ended)):
        set_committed_value(interaction, name, value)
    owed_rows = [o for o in plan.records if o.record != "ticket"]
    rows = [(owed.record, _row(interaction, owed, now)) for owed in owed_rows]
    session.add_all([row for _, row in rows if row is not None])
    session.flush()  # one flush for every record: their ids go into the audit entry
    written: list[dict[str, Any]] = [
        {"record": kind, "id": row.id if row else 0} for kind, row in rows
    ]
    for owed in plan.records:
        if owed.record == "ticket":
            ticket = _raise_ticket(session, user, interaction, owed, now)
            written.append({"record": "ticket", "id": ticket.id, "reference": ticket.reference})
    session.add(
        AuditEntry(
            org_id=interaction.org_id,
            at=now,
            actor=user.email,
            action="interaction.wrapped_up",
            object_type="interaction",
            object_id=str(interaction.id),
            playbook_version=interaction.playbook_version,
            detail={"written": written},
        )
    )
    send_on_commit(session, interaction_event(interaction, "interaction.closed"))
    return WrapUpResult(interaction.id, False, written)
