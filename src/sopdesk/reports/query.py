"""Reads the rows a report aggregates: one org's, in the filter's range, as typed rows.

Calls belong to a range by the time they rang; tickets by the time they were received.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from sopdesk.crm.models import AuditEntry
from sopdesk.desk.models import Interaction
from sopdesk.desk.wrapup import WRAP_UP_REFUSED, WRAPPED_UP
from sopdesk.escalations.models import ClockKind, ClockState, SlaClock, Ticket
from sopdesk.orgs.service import get_playbook_version
from sopdesk.playbooks.language.schema import DEFAULT_ANSWER_WITHIN
from sopdesk.reports.filters import ReportFilter
from sopdesk.reports.rows import CallRow, MissingItem, TicketRow, WrapAttempt

T = TypeVar("T")


# Only the columns the reports read: never the progress JSON.
_CALL_COLUMNS = (
    Interaction.id,
    Interaction.line_id,
    Interaction.line_name,
    Interaction.urgency_name,
    Interaction.playbook_version,
    Interaction.agent_id,
    Interaction.agent_name,
    Interaction.state,
    Interaction.rang_at,
    Interaction.answered_at,
    Interaction.ended_at,
    Interaction.closed_at,
)


def call_conditions(f: ReportFilter) -> list[ColumnElement[bool]]:
    found = [
        Interaction.org_id == f.org_id,
        Interaction.rang_at >= f.start,
        Interaction.rang_at < f.end,
    ]
    if f.line:
        found.append(Interaction.line_id == f.line)
    if f.agent_id is not None:
        found.append(Interaction.agent_id == f.agent_id)
    if f.playbook_version:
        found.append(Interaction.playbook_version == f.playbook_version)
    if f.urgency:
        found.append(Interaction.urgency_name == f.urgency)
    return found


def _targets(session: Session, org_id: str, versions: set[str]) -> dict[tuple[str, str], timedelta]:
    """(playbook version, line id) -> the line's answer target in that version."""
    found: dict[tuple[str, str], timedelta] = {}
    for version in versions:
        playbook = get_playbook_version(session, org_id, version)
        for line in playbook.lines if playbook else ():
            found[(version, line.id)] = line.answer_within
    return found


def calls(session: Session, f: ReportFilter) -> list[CallRow]:
    rows = session.execute(
        select(*_CALL_COLUMNS)
        .where(*call_conditions(f))
        .order_by(Interaction.rang_at, Interaction.id)
    ).all()
    targets = _targets(session, f.org_id, {i.playbook_version for i in rows})
    return [
        CallRow(
            id=i.id,
            line_id=i.line_id,
            line_name=i.line_name,
            urgency=i.urgency_name,
            playbook_version=i.playbook_version,
            agent_id=i.agent_id,
            agent_name=i.agent_name,
            state=i.state,
            rang_at=i.rang_at,
            answered_at=i.answered_at,
            ended_at=i.ended_at,
            closed_at=i.closed_at,
            answer_within=targets.get((i.playbook_version, i.line_id), DEFAULT_ANSWER_WITHIN),
        )
        for i in rows
    ]


def _missing(detail: dict[str, Any]) -> tuple[MissingItem, ...]:
    items = detail.get("missing", [])
    return tuple(
        MissingItem(
            code=str(m.get("code")),
            place=str(m.get("field") or m.get("step") or m.get("scenario") or m.get("code")),
            message=str(m.get("message") or m.get("code")),
            scenario=str(m["scenario"]) if m.get("scenario") else None,
        )
        for m in items
    )


def wrap_attempts(session: Session, org_id: str, call_ids: Sequence[int]) -> list[WrapAttempt]:
    """Every wrap-up of these calls, refused or accepted, in order."""
    found: list[WrapAttempt] = []
    for chunk in _chunks([str(i) for i in call_ids]):
        entries = session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.org_id == org_id,
                AuditEntry.object_type == "interaction",
                AuditEntry.object_id.in_(chunk),
                AuditEntry.action.in_((WRAPPED_UP, WRAP_UP_REFUSED)),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
        for e in entries:
            accepted = e.action == WRAPPED_UP
            written = tuple(str(w.get("record")) for w in e.detail.get("written", []))
            found.append(WrapAttempt(int(e.object_id), e.at, accepted, _missing(e.detail), written))
    return sorted(found, key=lambda a: (a.at, a.interaction_id))


def tickets(session: Session, f: ReportFilter) -> list[TicketRow]:
    reminders = (
        select(func.count(SlaClock.id))
        .where(
            SlaClock.ticket_id == Ticket.id,
            SlaClock.kind == ClockKind.REMINDER.value,
            SlaClock.state == ClockState.REMINDED.value,
        )
        .scalar_subquery()
    )
    q = select(Ticket, reminders).where(
        Ticket.org_id == f.org_id, Ticket.received_at >= f.start, Ticket.received_at < f.end
    )
    if f.team:
        q = q.where(Ticket.team == f.team)
    return [
        TicketRow(
            id=t.id,
            team=t.team,
            status=t.status,
            sla_state=t.sla_state,
            received_at=t.received_at,
            first_response_at=t.first_response_at,
            resolved_at=t.resolved_at,
            sla_due_at=t.sla_due_at,
            reminders=count,
        )
        for t, count in session.execute(q.order_by(Ticket.received_at, Ticket.id))
    ]


def _chunks(items: list[T], size: int = 500) -> list[list[T]]:
    """IN lists of bounded size (SQLite's and drivers' parameter limits)."""
    return [items[n : n + size] for n in range(0, len(items), size)]
