"""Working a ticket from the desk: reply by email (threaded), resolve.

Nothing here commits; the caller owns the transaction. The reply's email is queued in the
outbox in the same transaction and leaves after commit (`outbox.send_queued`); only then does
it count against the SLA.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.crm.records import audit
from sopdesk.escalations.clocks import stop_clocks
from sopdesk.escalations.inbound import subject_with_reference
from sopdesk.escalations.models import Ticket, TicketMessage, TicketStatus
from sopdesk.escalations.notify import LOOP_HEADER
from sopdesk.escalations.outbox import OutgoingMail, queue_mail
from sopdesk.escalations.threads import reply_address, thread_message_id, thread_root
from sopdesk.escalations.ticket_events import ticket_event
from sopdesk.escalations.tickets import EscalationError, access_ticket, check_can_work
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_current_playbook

MAX_REFERENCES = 20  # enough to thread in every client; long chains only grow the header


def _audit(session: Session, user: User, ticket: Ticket, action: str, now: datetime) -> None:
    audit(
        session,
        org_id=ticket.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type="ticket",
        object_id=ticket.id,
        detail={"reference": ticket.reference, "sla_state": ticket.sla_state},
    )


def _last_inbound(session: Session, ticket: Ticket) -> TicketMessage | None:
    return session.scalar(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "in")
        .order_by(TicketMessage.received_at.desc(), TicketMessage.id.desc())
        .limit(1)
    )


def _team_sender(session: Session, ticket: Ticket) -> tuple[str, str | None]:
    current = get_current_playbook(session, ticket.org_id)
    team = current.playbook.team(ticket.team) if current else None
    address = ticket.team_address or (team.email if team else None)
    if not address:
        raise EscalationError("team", f"team {ticket.team} has no email address to reply from")
    org_name = current.playbook.org.name if current else ticket.org_id
    return address, f"{team.name if team else ticket.team} - {org_name}"


def reply(
    session: Session, user: User, ticket_id: int, text: str, now: datetime, *, resolve: bool = False
) -> TicketMessage:
    """Email `text` to the customer in the ticket's thread (queued in the outbox); the SLA is
    met when the first reply leaves, in time (`clocks.reply_left`)."""
    ticket = access_ticket(session, user, ticket_id)
    check_can_work(user, ticket)
    body = text.strip()
    if not body:
        raise EscalationError("text", "the reply is empty")
    if not ticket.customer_email:
        raise EscalationError("customer_email", "the ticket has no customer email address")
    sender, sender_name = _team_sender(session, ticket)
    last = _last_inbound(session, ticket)
    root = thread_root(ticket.thread_key, sender)
    refs: list[str] = []
    if last is not None:
        # RFC 5322 3.6.4: the parent's References (else its In-Reply-To), then the parent.
        parent = list(last.references) or ([last.in_reply_to] if last.in_reply_to else [])
        refs = [r for r in (*parent, last.message_id) if r != root]
    mail = OutgoingMail(
        message_id=thread_message_id(ticket.thread_key, sender),
        from_addr=sender,
        from_name=sender_name,
        to_addrs=(ticket.customer_email,),
        subject=subject_with_reference(ticket.reference, last.subject if last else ticket.subject),
        text=body + "\n",
        in_reply_to=last.message_id if last else None,
        # The thread's root first, so a client that trims References keeps the key.
        references=(root, *refs[-(MAX_REFERENCES - 1) :]),
        headers={LOOP_HEADER: ticket.org_id, "Reply-To": reply_address(ticket.thread_key, sender)},
    )
    queue_mail(session, mail, org_id=ticket.org_id, ticket_id=ticket.id, kind="reply", now=now)
    message = TicketMessage(
        org_id=ticket.org_id,
        team=ticket.team,
        ticket_id=ticket.id,
        direction="out",
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=list(mail.references),
        from_addr=sender,
        from_name=user.name,
        to_addrs=list(mail.to_addrs),
        subject=mail.subject,
        text=body,
        author_id=user.id,
        received_at=now,
    )
    session.add(message)
    # The SLA waits for the reply to leave (outbox -> clocks.reply_left), not for it to be
    # written: held or refused by the relay, it has not answered the customer.
    ticket.status = TicketStatus.ANSWERED.value
    ticket.updated_at = now
    _audit(session, user, ticket, "ticket.replied", now)
    if resolve:
        _resolve(session, user, ticket, now, stop=False)
    else:
        send_on_commit(session, ticket_event(ticket, "ticket.replied", by=user.name))
    session.flush()
    return message


def _resolve(
    session: Session, user: User, ticket: Ticket, now: datetime, *, stop: bool = True
) -> None:
    """Resolved now; `stop=False` when resolved with a reply, whose leaving stops the clocks."""
    if stop:
        stop_clocks(session, ticket, now)
    ticket.status = TicketStatus.RESOLVED.value
    ticket.resolved_at = now
    ticket.updated_at = now
    _audit(session, user, ticket, "ticket.resolved", now)
    send_on_commit(session, ticket_event(ticket, "ticket.resolved", by=user.name))


def resolve(session: Session, user: User, ticket_id: int, now: datetime) -> Ticket:
    """Close the ticket; a still-running clock is met (or breached, when past due)."""
    ticket = access_ticket(session, user, ticket_id)
    check_can_work(user, ticket)
    if ticket.status == TicketStatus.RESOLVED:
        raise EscalationError("status", f"{ticket.reference} is already resolved")
    _resolve(session, user, ticket, now)
    session.flush()
    return ticket
