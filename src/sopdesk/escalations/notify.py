"""Telling a team about its tickets: a row on the desk, a live event after commit, an email.

Email goes to the team's members who have desk accounts; a team with none gets it at its own
address, marked auto-generated and with our loop header so the intake never tickets it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.escalations.models import Notification, Ticket
from sopdesk.escalations.outbox import OutgoingMail, new_message_id, queue_mail
from sopdesk.events import Event, send_on_commit
from sopdesk.orgs.models import Role, User
from sopdesk.playbooks.schema import Team

LOOP_HEADER = "X-Sopdesk-Loop"  # the intake ignores mail carrying it (see channels.email.ingest)


def ticket_event(ticket: Ticket, kind: str, **extra: object) -> Event:
    data: dict[str, object] = {
        "ticket_id": ticket.id,
        "reference": ticket.reference,
        "team": ticket.team,
        "status": ticket.status,
        "sla_state": ticket.sla_state,
        "sla_due_at": ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
        "subject": ticket.subject,
    }
    data.update(extra)
    return Event(ticket.org_id, kind, data)


def _recipients(session: Session, ticket: Ticket, team: Team | None, fallback: bool) -> list[str]:
    members = session.scalars(
        select(User.email).where(
            User.org_id == ticket.org_id, User.role == Role.TEAM.value, User.team == ticket.team
        )
    ).all()
    if members:
        return sorted(members)
    return [team.email] if fallback and team is not None and team.email else []


def notify_team(
    session: Session,
    ticket: Ticket,
    team: Team | None,
    kind: str,
    text: str,
    now: datetime,
    *,
    clock_id: int | None = None,
    mail_team_address: bool = True,
) -> Notification:
    """Record `text` for the ticket's team, publish it after commit, and queue the email
    (to the team address too when no member has an account and `mail_team_address`)."""
    note = Notification(
        org_id=ticket.org_id,
        team=ticket.team,
        ticket_id=ticket.id,
        clock_id=clock_id,
        kind=kind,
        text=text[:500],
        created_at=now,
    )
    session.add(note)
    send_on_commit(session, ticket_event(ticket, f"ticket.{kind}", text=text))
    recipients = _recipients(session, ticket, team, mail_team_address)
    sender = (team.email if team is not None else None) or (recipients[0] if recipients else None)
    if recipients and sender:
        mail = OutgoingMail(
            message_id=new_message_id(sender),
            from_addr=sender,
            from_name=f"sopdesk for {team.name}" if team else "sopdesk",
            to_addrs=tuple(recipients),
            subject=f"[{ticket.reference}] {text}"[:500],
            text=f"{text}\n\nTicket {ticket.reference}: {ticket.subject}\n",
            in_reply_to=None,
            references=(),
            headers={"Auto-Submitted": "auto-generated", LOOP_HEADER: ticket.org_id},
        )
        queue_mail(
            session, mail, org_id=ticket.org_id, ticket_id=ticket.id, kind="notification", now=now
        )
    return note
