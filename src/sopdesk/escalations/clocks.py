"""SLA clocks: which policy times a ticket, its stored deadlines, and stopping them.

Email tickets take their clock from `playbooks.clocks.clock_for_email` (the same function the
playbook test cases use); `plan_clock` covers the other starts (a ticket raised from the desk).
Both are pure. The other functions
write clock rows inside the caller's transaction; only the sweeper fires them. A clock is met by
the team's first reply (the document: "reply within 24 hours") or by resolving the ticket,
whichever comes first; calendar hours, as the seed playbooks assume. A reply counts when it
leaves (the outbox hands it to the relay: `reply_left`), not when it is written: a reply held
for want of a relay, or refused by it, has not reached the customer, and the clock runs on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from sopdesk.escalations.models import ClockKind, ClockState, SlaClock, SlaState, Ticket
from sopdesk.playbooks.language.schema import Playbook


@dataclass(frozen=True)
class ClockPlan:
    policy_id: str
    started_at: datetime
    remind_at: datetime
    due_at: datetime


def plan_clock(
    playbook: Playbook, team_id: str, measured_from: str, start: datetime
) -> ClockPlan | None:
    """The first policy (in playbook order) whose SLA times this team from this event."""
    if start.tzinfo is None:
        raise ValueError("start: pass an aware UTC datetime")
    for policy in playbook.policies:
        sla = policy.sla
        if sla is None or sla.measured_from != measured_from:
            continue
        if team_id != sla.team and not (sla.team is None and team_id in policy.teams):
            continue
        return ClockPlan(policy.id, start, start + sla.within * sla.remind_at, start + sla.within)
    return None


def start_clocks(session: Session, ticket: Ticket, plan: ClockPlan) -> None:
    """Store the reminder and the due time of a (re)started clock on a flushed ticket."""
    for kind, due in ((ClockKind.REMINDER, plan.remind_at), (ClockKind.RESOLUTION, plan.due_at)):
        session.add(
            SlaClock(
                org_id=ticket.org_id,
                ticket_id=ticket.id,
                kind=kind.value,
                policy_id=plan.policy_id,
                started_at=plan.started_at,
                due_at=due,
                state=ClockState.PENDING.value,
            )
        )
    ticket.policy_id = plan.policy_id
    ticket.sla_due_at = plan.due_at
    ticket.sla_state = SlaState.RUNNING.value


def stop_clocks(session: Session, ticket: Ticket, now: datetime) -> str:
    """Stop the ticket's pending clocks: met in time, or breached when the sweeper had not yet
    caught a late answer. Conditional updates: a clock the sweeper already fired stays fired."""
    session.execute(
        update(SlaClock)
        .where(
            SlaClock.ticket_id == ticket.id,
            SlaClock.kind == ClockKind.REMINDER.value,
            SlaClock.state == ClockState.PENDING.value,
        )
        .values(state=ClockState.CANCELLED.value)
    )
    pending = (
        SlaClock.ticket_id == ticket.id,
        SlaClock.kind == ClockKind.RESOLUTION.value,
        SlaClock.state == ClockState.PENDING.value,
    )
    session.execute(
        update(SlaClock).where(*pending, SlaClock.due_at >= now).values(state=ClockState.MET.value)
    )
    session.execute(
        update(SlaClock)
        .where(*pending, SlaClock.due_at < now)
        .values(state=ClockState.BREACHED.value, fired_at=now)
    )
    if ticket.sla_due_at is not None and ticket.sla_state in (SlaState.RUNNING, SlaState.REMINDED):
        late = now > ticket.sla_due_at
        ticket.sla_state = (SlaState.BREACHED if late else SlaState.MET).value
    return ticket.sla_state


def reply_left(session: Session, ticket: Ticket, sent_at: datetime) -> None:
    """A reply of the ticket's was handed to the relay at `sent_at`: the first one is the
    first response, and each stops the ticket's running clocks (met, or breached when late)."""
    if ticket.first_response_at is None:
        ticket.first_response_at = sent_at
    stop_clocks(session, ticket, sent_at)
    ticket.updated_at = max(ticket.updated_at, sent_at)
