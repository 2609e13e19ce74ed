"""The database side of `escalations.threads`: which stored ticket an inbound message refers
to, who its participants are, and whether the message joins it or opens a new ticket."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sopdesk.crm.models import Contact
from sopdesk.escalations.inbound import Delivery, InboundEmail
from sopdesk.escalations.models import Ticket, TicketMessage, TicketStatus
from sopdesk.escalations.threads import Followed, follow_up, keys_in, subject_note
from sopdesk.orgs.models import Role, User


def _referred(session: Session, email: InboundEmail, d: Delivery) -> Ticket | None:
    """The ticket of this team the message answers by a reference nobody can guess: a thread
    key in its threading headers or its tagged recipient, else a Message-ID stored on it."""
    keys = keys_in(email.thread_ids) + ((d.address_key,) if d.address_key else ())
    if keys:
        found = session.scalars(
            select(Ticket).where(
                Ticket.org_id == d.org_id, Ticket.team == d.team_id, Ticket.thread_key.in_(keys)
            )
        ).all()
        by_key = {t.thread_key: t for t in found}
        ticket = next((by_key[k] for k in keys if k in by_key), None)
        if ticket is not None:
            return ticket
    ids = list(email.thread_ids)
    if ids:
        ticket_id = session.scalar(
            select(TicketMessage.ticket_id)
            .where(
                TicketMessage.org_id == d.org_id,
                TicketMessage.team == d.team_id,
                TicketMessage.message_id.in_(ids),
            )
            .order_by(TicketMessage.id.desc())
            .limit(1)
        )
        if ticket_id is not None:
            return session.get(Ticket, ticket_id)
    return None


def _participants(session: Session, ticket: Ticket) -> frozenset[str]:
    """Who may add to the ticket by email: its customer and contact, everyone on its stored
    mail (senders, recipients, copies), the team's members, supervisors and admins."""
    found = {ticket.customer_email or ""}
    if ticket.contact_id is not None:
        contact = session.get(Contact, ticket.contact_id)
        found.add(contact.email or "" if contact else "")
    for sender, recipients in session.execute(
        select(TicketMessage.from_addr, TicketMessage.to_addrs).where(
            TicketMessage.ticket_id == ticket.id
        )
    ):
        found.update([sender, *recipients])
    staff = or_(
        and_(User.role == Role.TEAM.value, User.team == ticket.team),
        User.role.in_([Role.SUPERVISOR.value, Role.ADMIN.value]),
    )
    found.update(session.scalars(select(User.email).where(User.org_id == ticket.org_id, staff)))
    return frozenset(a.lower() for a in found if a)


def _followed(session: Session, ticket: Ticket) -> Followed:
    resolved = ticket.resolved_at if ticket.status == TicketStatus.RESOLVED else None
    return Followed(ticket.reference, resolved, _participants(session, ticket))


def thread_ticket(
    session: Session, email: InboundEmail, d: Delivery, at: datetime, reopen_within: timedelta
) -> tuple[Ticket | None, Ticket | None, str | None]:
    """(the ticket to join, or None; the ticket a new one follows; why it did not join)."""
    referred = _referred(session, email, d)
    if referred is not None:
        verdict = follow_up(_followed(session, referred), email.from_addr, at, reopen_within)
        return (referred, None, None) if verdict.join else (None, referred, verdict.note)
    if d.subject_reference is not None:
        named = session.get(Ticket, d.subject_reference)
        if named is not None and named.org_id == d.org_id and named.team == d.team_id:
            return None, named, subject_note(named.reference)
    return None, None, None
