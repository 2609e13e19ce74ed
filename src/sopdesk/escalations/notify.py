"""Telling a team about its tickets: a row on the desk, a live event after commit, an email.

Email goes to the team's members who have desk accounts; a team with none gets it at its own
address, marked auto-generated and with our loop header so the intake never tickets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sopdesk.escalations.models import Notification, OutboundMail, Ticket
from sopdesk.escalations.outbox import OutgoingMail, mail_row, new_message_id
from sopdesk.escalations.ticket_events import ticket_event
from sopdesk.events import send_on_commit
from sopdesk.orgs.models import Role, User
from sopdesk.playbooks.language.schema import Team

LOOP_HEADER = "X-Sopdesk-Loop"  # the intake ignores mail carrying it (see channels.email.ingest)


def _members(session: Session, org_id: str, team: str) -> list[str]:
    # Cached for the session: a sweeper batch notifies the same few teams many times over.
    cache: dict[tuple[str, str], list[str]] = session.info.setdefault("sopdesk_team_members", {})
    if (org_id, team) not in cache:
        cache[(org_id, team)] = sorted(
            session.scalars(
                select(User.email).where(
                    User.org_id == org_id, User.role == Role.TEAM.value, User.team == team
                )
            )
        )
    return cache[(org_id, team)]


def _recipients(session: Session, ticket: Ticket, team: Team | None, fallback: bool) -> list[str]:
    members = _members(session, ticket.org_id, ticket.team)
    if members:
        return members
    return [team.email] if fallback and team is not None and team.email else []


@dataclass(frozen=True)
class Notice:
    """One thing to tell a ticket's team; `clock_id` when a fired clock caused it."""

    ticket: Ticket
    team: Team | None
    kind: str
    text: str
    clock_id: int | None = None
    mail_team_address: bool = True


def _mail(session: Session, notice: Notice, now: datetime) -> dict[str, Any] | None:
    ticket, team, text = notice.ticket, notice.team, notice.text
    recipients = _recipients(session, ticket, team, notice.mail_team_address)
    sender = (team.email if team is not None else None) or (recipients[0] if recipients else None)
    if not recipients or not sender:
        return None
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
    return mail_row(mail, org_id=ticket.org_id, ticket_id=ticket.id, kind="notification", now=now)


def notify_many(session: Session, notices: list[Notice], now: datetime) -> None:
    """Record each notice for its team, publish it after commit, and queue its email (to the
    team address too when no member has an account and the notice allows it). Batched."""
    notes, mails = [], []
    for notice in notices:
        ticket = notice.ticket
        notes.append(
            dict(
                org_id=ticket.org_id,
                team=ticket.team,
                ticket_id=ticket.id,
                clock_id=notice.clock_id,
                kind=notice.kind,
                text=notice.text[:500],
                created_at=now,
            )
        )
        send_on_commit(session, ticket_event(ticket, f"ticket.{notice.kind}", text=notice.text))
        mail = _mail(session, notice, now)
        if mail is not None:
            mails.append(mail)
    if notes:
        session.execute(insert(Notification), notes)
    if mails:
        session.execute(insert(OutboundMail), mails)


def notify_team(
    session: Session,
    ticket: Ticket,
    team: Team | None,
    kind: str,
    text: str,
    now: datetime,
    *,
    mail_team_address: bool = True,
) -> None:
    """One notice (see `notify_many`)."""
    notify_many(session, [Notice(ticket, team, kind, text, None, mail_team_address)], now)
