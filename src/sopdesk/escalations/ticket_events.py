"""A ticket's live event (sent after commit by whoever changed it): what every screen showing
the ticket needs to refresh. Its own module so the outbox, which the notices depend on, can
announce a reply that left or was held without importing them."""

from __future__ import annotations

from sopdesk.escalations.models import Ticket
from sopdesk.events import Event

REPLY_SENT = "ticket.reply_sent"  # the relay took a reply: the SLA clock stopped then
REPLY_HELD = "ticket.reply_held"  # no relay: the reply waits, visibly, and the clock runs on
REPLY_FAILED = "ticket.reply_failed"  # the relay refused it every time: it will not leave


def ticket_event(ticket: Ticket, kind: str, **extra: object) -> Event:
    data: dict[str, object] = {
        "ticket_id": ticket.id,
        "reference": ticket.reference,
        "team": ticket.team,
        "status": ticket.status,
        "sla_state": ticket.sla_state,
        "sla_due_at": ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
        "subject": ticket.subject,
        # Who may receive it: the team's people, supervisors, admins, and whoever raised it.
        "raised_by_id": ticket.raised_by_id,
    }
    data.update(extra)
    return Event(ticket.org_id, kind, data)
