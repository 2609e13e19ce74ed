"""Wrap-up: write every record the playbook owes, in one transaction, exactly once.

The engine says what is owed and what is missing; this module only writes it. A retried
wrap-up finds the interaction closed and returns what the first one wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, assert_never

from pydantic import BaseModel, Field, TypeAdapter
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sopdesk.crm import records as crm
from sopdesk.crm.models import CallLog, Lead, Note, Task
from sopdesk.desk import agents
from sopdesk.desk import owed as owed_rows
from sopdesk.desk.errors import DeskError, DocumentationMissing, FieldProblem
from sopdesk.desk.models import Interaction, RefusedItem, State
from sopdesk.desk.patterns import element_uses, pattern_id
from sopdesk.desk.progress import progress_of
from sopdesk.desk.service import (
    access_interaction,
    holds,
    owner_refusal,
    plan_for,
    playbook_of,
)
from sopdesk.desk.views import interaction_event
from sopdesk.escalations.accounts import raise_category_ticket
from sopdesk.escalations.models import Ticket
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import User
from sopdesk.playbooks.engine import (
    Missing,
    OwedAccountNote,
    OwedCallLog,
    OwedEscalation,
    OwedLead,
    OwedRecord,
    OwedTask,
    OwedTicket,
)

WRAPPED_UP = "interaction.wrapped_up"
WRAP_UP_REFUSED = "interaction.wrap_up_refused"
RecordKind = Literal["call_log", "lead", "account_note", "task", "escalation", "ticket"]


class WrittenRecord(BaseModel):
    """One record a wrap-up wrote (id 0: documented only in the audit, e.g. an escalation on a
    call without an account)."""

    record: RecordKind
    id: int
    reference: str | None = Field(None, description="a ticket's reference")


_WRITTEN = TypeAdapter(list[WrittenRecord])


@dataclass
class WrapUpResult:
    interaction_id: int
    already_closed: bool
    written: list[WrittenRecord] = field(default_factory=list)


Written = CallLog | Lead | Note | Task | Ticket


def _write(
    session: Session, user: User, i: Interaction, owed: OwedRecord, now: datetime
) -> Written | None:
    """Write one owed record through the room that owns it (None: nothing to write for it)."""
    match owed:
        case OwedCallLog(data=d):
            return owed_rows.write_call_log(session, i, d)
        case OwedLead(data=d):
            return crm.write_lead(
                session,
                org_id=i.org_id,
                stage=d.stage,
                name=d.name,
                phone=d.phone,
                email=d.email,
                line=d.line,
                now=now,
                account_id=i.account_id,
                interaction_id=i.id,
            )
        case OwedAccountNote(data=d):
            assert i.account_id is not None  # the engine only owes a note when one is linked
            # The rule's `content` tells the playbook's reader what the note is for; the
            # customer's record gets only what happened on the call.
            return _note(session, i, _note_body(i), now)
        case OwedTask(data=d):
            return owed_rows.write_task(session, i, d, now)
        case OwedEscalation(data=d):
            # Documented on the account; the ticket opens when the client's email arrives.
            if i.account_id is None:
                return None  # no account to note it on; the audit entry still records it
            body = (
                f"Escalation to {d.team} under policy {d.policy}: the client was asked to "
                f"email {d.address or 'the team'} (channel {d.channel} only). FAQ tried: "
                f"{', '.join(d.faq_tried) or 'none'}."
            )
            return _note(session, i, body, now)
        case OwedTicket(data=d):
            # A hand-off that names a ticket category raises it, with its SLA clock, under
            # the playbook version the call rang with.
            return raise_category_ticket(
                session,
                user,
                category_id=d.category,
                fields=d.fields,
                subject=d.subject,
                now=now,
                account_id=i.account_id,
                customer_name=i.caller_name,
                playbook=playbook_of(session, i),
            )
        case _:
            assert_never(owed)


def _note(session: Session, i: Interaction, body: str, now: datetime) -> Note:
    assert i.account_id is not None
    return crm.write_note(
        session,
        org_id=i.org_id,
        account_id=i.account_id,
        author=i.agent_name or "Agent",
        body=body,
        now=now,
        interaction_id=i.id,
    )


def _note_body(i: Interaction) -> str:
    """The account note: when, which line, who took it and the agent's summary, nothing else."""
    summary = (progress_of(i).summary or "no summary").rstrip(" .")
    when = (i.answered_at or i.rang_at).strftime("%Y-%m-%d %H:%M UTC")
    return f"Call {when} on {i.line_name} with {i.agent_name}: {summary}."


def _written(kind: RecordKind, row: Written | None) -> WrittenRecord:
    reference = row.reference if isinstance(row, Ticket) else None
    return WrittenRecord(record=kind, id=row.id if row else 0, reference=reference)


def _previous(session: Session, i: Interaction) -> list[WrittenRecord]:
    """What the first wrap-up wrote, as its audit entry recorded it."""
    detail = crm.first_audit_detail(session, i.org_id, "interaction", i.id, WRAPPED_UP) or {}
    return _WRITTEN.validate_python(detail.get("written", []))


def _record_refusal(
    session: Session, user: User, i: Interaction, missing: Sequence[Missing], now: datetime
) -> None:
    """The refused attempt, in the audit trail: what was missing, by code and place."""
    items = [
        {
            "code": m.code,
            "step": m.step,
            "scenario": m.scenario,
            "field": m.field,
            "message": m.message,
        }
        for m in missing
    ]
    crm.audit(
        session,
        org_id=i.org_id,
        at=now,
        actor=user.email,
        action=WRAP_UP_REFUSED,
        object_type="interaction",
        object_id=i.id,
        playbook_version=i.playbook_version,
        detail={"missing": items},
    )
    # For the reports: the count on the call, and each item as a row to rank in SQL.
    session.execute(
        update(Interaction)
        .where(Interaction.id == i.id)
        .values(wrap_up_refusals=Interaction.wrap_up_refusals + 1)
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        RefusedItem(
            org_id=i.org_id,
            interaction_id=i.id,
            rang_at=i.rang_at,
            at=now,
            code=m.code,
            place=(m.field or m.step or m.scenario or m.code)[:200],
            scenario=m.scenario,
            message=(m.message or m.code)[:500],
        )
        for m in missing
    )


def wrap_up(session: Session, user: User, interaction_id: int, now: datetime) -> WrapUpResult:
    """Close the call and write its CRM records, or refuse (422) naming everything missing."""
    interaction = access_interaction(session, user, interaction_id)
    if interaction.state == State.CLOSED.value:
        return WrapUpResult(interaction.id, True, _previous(session, interaction))
    if interaction.state == State.MISSED.value:
        # Nobody accepted it: what it owes was written when it ended (desk.calls).
        raise DeskError(409, "missed", "this call was missed: it has nothing to wrap up")
    if not holds(user, interaction):
        # Only the owner wraps up; a call nobody has taken cannot be wrapped up yet.
        raise owner_refusal(interaction)
    playbook = playbook_of(session, interaction)
    plan = plan_for(session, interaction, now, playbook)
    if not plan.can_close:
        _record_refusal(session, user, interaction, plan.missing, now)
        raise DocumentationMissing(
            422,
            "documentation_missing",
            "the call cannot be wrapped up yet",
            [FieldProblem(m.field or m.step or m.code, m.message) for m in plan.missing],
        )
    # What the call did with its playbook, for the reports: final now, as are the records.
    pattern = pattern_id(
        session,
        interaction.org_id,
        element_uses(playbook, interaction),
        [owed.record for owed in plan.records],
    )
    # Conditional update: of two concurrent wrap-ups only one moves the row, so only one writes.
    moved = session.execute(
        update(Interaction)
        .where(
            Interaction.id == interaction.id,
            Interaction.state.not_in((State.CLOSED.value, State.MISSED.value)),
            Interaction.agent_id == user.id,  # a takeover in between wins
        )
        .values(
            state=State.CLOSED.value,
            closed_at=now,
            ended_at=interaction.ended_at or now,
            pattern_id=pattern,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(interaction)
        if interaction.state != State.CLOSED.value:
            raise owner_refusal(interaction)  # someone else has it now
        return WrapUpResult(interaction.id, True, _previous(session, interaction))
    # The row now holds these values; record them without another SELECT or UPDATE.
    ended = interaction.ended_at or now
    for name, value in (
        ("state", State.CLOSED.value),
        ("closed_at", now),
        ("ended_at", ended),
        ("pattern_id", pattern),
    ):
        set_committed_value(interaction, name, value)
    # Tickets last, as before: the CRM's rows share one flush (their ids go into the audit).
    ordered = sorted(plan.records, key=lambda owed: owed.record == "ticket")
    rows = [(owed.record, _write(session, user, interaction, owed, now)) for owed in ordered]
    session.flush()
    written = [_written(kind, row) for kind, row in rows]
    crm.audit(
        session,
        org_id=interaction.org_id,
        at=now,
        actor=user.email,
        action=WRAPPED_UP,
        object_type="interaction",
        object_id=interaction.id,
        playbook_version=interaction.playbook_version,
        detail={"written": [w.model_dump() for w in written]},
    )
    agents.call_wrapped_up(session, interaction, now)  # its agent is free again
    send_on_commit(session, interaction_event(interaction, "interaction.closed"))
    return WrapUpResult(interaction.id, False, written)
