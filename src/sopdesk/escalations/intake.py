"""Receiving email: which team addresses exist, and storing a delivered message on its ticket.

`receive_email` runs one transaction per team delivery. It is idempotent on Message-ID: a
stored Message-ID for the team is a duplicate, and a concurrent delivery of the same message
that slips past that check hits the unique constraint and is reported as a duplicate too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.crm.models import Account, Contact
from sopdesk.crm.records import create_contact
from sopdesk.db import transaction
from sopdesk.escalations.clocks import ClockPlan, start_clocks
from sopdesk.escalations.followups import thread_ticket
from sopdesk.escalations.inbound import Delivery, InboundEmail, TeamAddress, TeamDirectory
from sopdesk.escalations.models import (
    Attachment,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from sopdesk.escalations.notify import notify_team
from sopdesk.escalations.threads import REOPEN_WITHIN
from sopdesk.escalations.ticket_events import ticket_event
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import Org
from sopdesk.orgs.service import get_current_playbook
from sopdesk.playbooks.engine import clock_for_email


@dataclass(frozen=True)
class Outcome:
    kind: str  # opened | joined | reopened | duplicate
    org_id: str
    team: str
    ticket_id: int | None
    reference: str | None


def load_directory(session: Session) -> TeamDirectory:
    """Every team address of every org's current playbook."""
    found: list[TeamAddress] = []
    for org_id in session.scalars(select(Org.id).order_by(Org.created_at, Org.id)):
        current = get_current_playbook(session, org_id)
        if current is None:
            continue
        for team in current.playbook.teams:
            if team.email:
                found.append(TeamAddress(org_id, team.id, team.name, team.email.lower()))
    return TeamDirectory.of(found)


def receive_email(
    factory: sessionmaker[Session],
    email: InboundEmail,
    deliveries: tuple[Delivery, ...],
    received_at: datetime,
    reopen_within: timedelta = REOPEN_WITHIN,
) -> list[Outcome]:
    """Store a delivered message on each addressed team's ticket (opening one when new, or
    when `escalations.threads` says the message may not join the ticket it refers to)."""
    outcomes = []
    for delivery in deliveries:
        try:
            with transaction(factory) as session:
                outcomes.append(_deliver(session, email, delivery, received_at, reopen_within))
        except IntegrityError:
            # The same Message-ID committed by a concurrent delivery since our check.
            outcomes.append(Outcome("duplicate", delivery.org_id, delivery.team_id, None, None))
    return outcomes


def _customer(session: Session, org_id: str, email: InboundEmail, now: datetime) -> Contact | None:
    if not email.from_addr:
        return None
    contact = session.scalar(
        select(Contact)
        .where(Contact.org_id == org_id, func.lower(Contact.email) == email.from_addr)
        .order_by(Contact.id)
        .limit(1)
    )
    if contact is None:
        account_id = session.scalar(
            select(Account.id)
            .where(Account.org_id == org_id, func.lower(Account.email) == email.from_addr)
            .limit(1)
        )
        contact = create_contact(
            session,
            org_id=org_id,
            now=now,
            name=email.from_name,
            email=email.from_addr,
            account_id=account_id,
        )
        session.flush()
    return contact


def _deliver(
    session: Session, email: InboundEmail, d: Delivery, at: datetime, reopen_within: timedelta
) -> Outcome:
    stored = session.scalar(
        select(TicketMessage.ticket_id).where(
            TicketMessage.org_id == d.org_id,
            TicketMessage.team == d.team_id,
            TicketMessage.message_id == email.message_id,
        )
    )
    if stored is not None:
        ticket = session.get_one(Ticket, stored)
        return Outcome("duplicate", d.org_id, d.team_id, ticket.id, ticket.reference)
    current = get_current_playbook(session, d.org_id)
    playbook = current.playbook if current else None
    team = playbook.team(d.team_id) if playbook else None
    found, follows, note = thread_ticket(session, email, d, at, reopen_within)
    if found is None:
        kind = "opened"
        ticket = _open_ticket(session, email, d, at)
        ticket.follows_id, ticket.opened_note = (follows.id if follows else None), note
    else:
        ticket = found
        kind = "reopened" if found.status == TicketStatus.RESOLVED else "joined"
        ticket.resolved_at = None
    # A customer email that awaits an answer again (new, reopened, or after the team's reply)
    # starts a clock; a follow-up to a still unanswered ticket keeps the clock it has.
    restart = kind != "joined" or ticket.status == TicketStatus.ANSWERED
    ticket.status = TicketStatus.OPEN.value
    ticket.updated_at = at
    if restart and playbook is not None:
        # The playbook's own email clock, so the desk and the playbook test cases agree.
        clock = clock_for_email(playbook, d.address, at)
        if clock is not None:
            plan = ClockPlan(clock.policy, at, clock.remind_at, clock.due_at)
            start_clocks(session, ticket, plan)
    _store_message(session, ticket, email, at)
    if kind == "joined":
        send_on_commit(session, ticket_event(ticket, "ticket.message", from_addr=email.from_addr))
    else:
        verb = "New" if kind == "opened" else "Reopened"
        text = f"{verb} ticket {ticket.reference} from {email.from_addr}: {ticket.subject}"
        if note:
            text = f"{text} ({note})"
        # The message itself reached the team address: only members get an extra email.
        notify_team(session, ticket, team, kind, text, at, mail_team_address=False)
    return Outcome(kind, d.org_id, d.team_id, ticket.id, ticket.reference)


def _open_ticket(session: Session, email: InboundEmail, d: Delivery, at: datetime) -> Ticket:
    contact = _customer(session, d.org_id, email, at)
    ticket = Ticket(
        org_id=d.org_id,
        team=d.team_id,
        subject=email.subject or "(no subject)",
        status=TicketStatus.OPEN.value,
        channel="email",
        contact_id=contact.id if contact else None,
        account_id=contact.account_id if contact else None,
        customer_email=email.from_addr or None,
        customer_name=email.from_name,
        team_address=d.address,
        received_at=at,
        fields={},
        updated_at=at,
    )
    session.add(ticket)
    session.flush()
    return ticket


def _store_message(session: Session, ticket: Ticket, email: InboundEmail, at: datetime) -> None:
    message = TicketMessage(
        org_id=ticket.org_id,
        team=ticket.team,
        ticket_id=ticket.id,
        direction="in",
        message_id=email.message_id,
        in_reply_to=email.in_reply_to,
        references=list(email.references),
        from_addr=email.from_addr,
        from_name=email.from_name,
        to_addrs=list(email.to_addrs + email.cc_addrs),
        subject=email.subject,
        text=email.text,
        html=email.html,
        date_header=email.date_header,
        received_at=at,
    )
    session.add(message)
    session.flush()  # the unique (org, team, Message-ID) check happens here, before attachments
    for att in email.attachments:
        session.add(
            Attachment(
                org_id=ticket.org_id,
                message_id=message.id,
                filename=att.filename,
                content_type=att.content_type[:200],
                size=att.size,
                content=att.data,
            )
        )
