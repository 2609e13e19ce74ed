"""The history's emailed tickets: customers write to the teams reached by email, the team
answers (most within the SLA, some after it), the SLA sweeper runs as time passes.

Every message goes through the same intake as SMTP (`channels.email.ingest`, then
`escalations.intake.receive_email`), every answer through `escalations.replies.reply`, every
breach through `escalations.sweeper.sweep` at the moment it would have run, all in time order
across the days, so the tickets, their clocks and their audit are what the desk would hold.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from sopdesk.channels.email.ingest import Action, ingest
from sopdesk.db import transaction
from sopdesk.escalations.intake import load_directory, receive_email
from sopdesk.escalations.outbox import OutgoingMail, send_queued
from sopdesk.escalations.replies import reply
from sopdesk.escalations.sweeper import sweep
from sopdesk.orgs.models import User
from sopdesk.playbooks.language.schema import Playbook

if TYPE_CHECKING:
    from sopdesk.history import HistoryReport

CUSTOMERS = ("dee.carter", "sam.wu", "lina.park", "omar.haddad", "jo.meyer", "ravi.iyer")
CONCERNS = (
    ("Payment not showing on my account", "I paid on Monday and it is still not tracked."),
    ("Question about my contract", "Please explain the termination clause in my agreement."),
    ("Refund of my security deposit", "My account is closed; when is the deposit refunded?"),
    ("Invoice looks wrong", "This month's invoice charges a plan I do not have."),
)
LATE_REPLY_SHARE = 0.15
UNANSWERED_SHARE = 0.05


class _PastRelay:
    """The relay the history's mail left through: those replies went out in the past, so
    nothing is sent now (a demo must not mail its made-up customers), yet each is handed over
    at its moment through the outbox, which is what meets a ticket's SLA."""

    def send(self, mail: OutgoingMail) -> None:
        return None


@dataclass(frozen=True)
class TicketPlan:
    org_id: str
    playbook: Playbook
    members: dict[str, User]  # team id -> who answers its tickets
    zone: ZoneInfo
    per_day: int


@dataclass(frozen=True)
class _Mail:
    at: datetime
    team: str
    address: str
    message_id: str
    sender: str
    subject: str
    text: str
    answer_after: timedelta | None  # None: never answered in the history


def _raw(mail: _Mail) -> bytes:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.at)
    message.set_content(mail.text)
    return bytes(message)


def _mails(plan: TicketPlan, day: date, rng: random.Random) -> list[_Mail]:
    found = []
    for team in plan.playbook.teams:
        if not team.email or team.id not in plan.members:
            continue
        for n in range(plan.per_day):
            local = datetime.combine(day, time(8), plan.zone) + timedelta(
                minutes=rng.randint(0, 10 * 60)
            )
            subject, text = rng.choice(CONCERNS)
            draw = rng.random()
            answer = (
                None
                if draw < UNANSWERED_SHARE
                else timedelta(hours=rng.uniform(25, 40))
                if draw < UNANSWERED_SHARE + LATE_REPLY_SHARE
                else timedelta(hours=rng.uniform(0.5, 20))
            )
            found.append(
                _Mail(
                    at=local,
                    team=team.id,
                    address=team.email,
                    message_id=f"<history-{plan.org_id}-{team.id}-{day.isoformat()}-{n}@mail.example>",
                    sender=f"{rng.choice(CUSTOMERS)}@customer.example",
                    subject=subject,
                    text=text,
                    answer_after=answer,
                )
            )
    return found


def _receive(factory: sessionmaker[Session], mail: _Mail) -> int | None:
    """The ticket the mail opened, or None when it was there already (a second run)."""
    with factory() as session:
        directory = load_directory(session)
    decision = ingest(_raw(mail), mail.sender, [mail.address], mail.at, directory)
    if decision.action is not Action.DELIVER or decision.email is None:
        return None
    outcomes = receive_email(factory, decision.email, decision.deliveries, mail.at)
    opened = [o.ticket_id for o in outcomes if o.kind == "opened"]
    return opened[0] if opened else None


def write_tickets(
    factory: sessionmaker[Session],
    plan: TicketPlan,
    days: list[date],
    now: datetime,
    seed: str,
    report: HistoryReport,
) -> None:
    """Each day's mail to the teams (drawn from a random stream of that day's: `seed` and the
    day), answered and swept in time order, up to `now`."""
    mails = sorted(
        (m for day in days for m in _mails(plan, day, random.Random(f"{seed}:mail:{day}"))),
        key=lambda m: m.at,
    )
    # Arrivals and answers interleaved in time order; the sweeper runs before each, as it would
    # have every few seconds. (when, sequence, mail, ticket to answer or None for an arrival)
    events: list[tuple[datetime, int, _Mail, int | None]] = [
        (m.at, n, m, None) for n, m in enumerate(mails)
    ]
    heapq.heapify(events)
    sequence = len(events)
    while events:
        at, _, mail, ticket_id = heapq.heappop(events)
        if at >= now:
            break
        report.tickets_breached += sweep(factory, at).breached
        if ticket_id is None:
            opened = _receive(factory, mail)
            if opened is None:
                continue
            report.tickets += 1
            if mail.answer_after is not None:
                sequence += 1
                heapq.heappush(events, (at + mail.answer_after, sequence, mail, opened))
            continue
        with transaction(factory) as session:
            text = "Thank you for writing: we looked into it and it is sorted out now."
            reply(session, plan.members[mail.team], ticket_id, text, at, resolve=True)
        send_queued(factory, _PastRelay(), at)
    report.tickets_breached += sweep(factory, now).breached
