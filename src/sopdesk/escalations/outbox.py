"""The outbox: mail is written as a row in the transaction that decided it, and sent after.

A reply or notification therefore never leaves for a change that rolled back, and a crash
between commit and send loses nothing: the row waits. Each row is claimed with a conditional
UPDATE (a lease), so two workers never send it twice while both are alive; a worker that dies
mid-send lets its lease expire and the row is retried (at least once, by design).

A reply that leaves stops its ticket's SLA clocks in the transaction that marks it sent
(`clocks.reply_left`); one held or given up on is announced, so the ticket shows the problem.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import transaction
from sopdesk.escalations.clocks import reply_left
from sopdesk.escalations.models import MailState, OutboundMail, Ticket
from sopdesk.escalations.ticket_events import REPLY_FAILED, REPLY_HELD, REPLY_SENT, ticket_event
from sopdesk.events import send_on_commit

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 6
NO_RELAY = "held: no outbound SMTP relay configured (set SOPDESK_OUTBOUND_SMTP_HOST)"
REPLY = "reply"  # the kind of mail a team's answer is; notifications do not touch the SLA


@dataclass(frozen=True)
class OutgoingMail:
    """What an edge needs to compose and send one message."""

    message_id: str
    from_addr: str
    from_name: str | None
    to_addrs: tuple[str, ...]
    subject: str
    text: str
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: dict[str, str]


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> None:
        """Hand the message to a relay; raise on failure (it will be retried)."""


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0


def new_message_id(from_addr: str) -> str:
    domain = from_addr.rsplit("@", 1)[-1] or "sopdesk.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def mail_row(
    mail: OutgoingMail, *, org_id: str, ticket_id: int | None, kind: str, now: datetime
) -> dict[str, Any]:
    """The outbox row's columns, for one insert or a batch."""
    return dict(
        org_id=org_id,
        ticket_id=ticket_id,
        kind=kind,
        message_id=mail.message_id,
        from_addr=mail.from_addr,
        from_name=mail.from_name,
        to_addrs=list(mail.to_addrs),
        subject=mail.subject,
        text=mail.text,
        in_reply_to=mail.in_reply_to,
        references=list(mail.references),
        headers=dict(mail.headers),
        state=MailState.QUEUED.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def queue_mail(
    session: Session,
    mail: OutgoingMail,
    *,
    org_id: str,
    ticket_id: int | None,
    kind: str,
    now: datetime,
) -> OutboundMail:
    row = OutboundMail(**mail_row(mail, org_id=org_id, ticket_id=ticket_id, kind=kind, now=now))
    session.add(row)
    return row


def _outgoing(row: OutboundMail) -> OutgoingMail:
    return OutgoingMail(
        row.message_id,
        row.from_addr,
        row.from_name,
        tuple(row.to_addrs),
        row.subject,
        row.text,
        row.in_reply_to,
        tuple(row.references),
        dict(row.headers),
    )


def _claim(session: Session, row_id: int, now: datetime) -> bool:
    result = session.execute(
        update(OutboundMail)
        .where(
            OutboundMail.id == row_id,
            OutboundMail.state.in_([MailState.QUEUED, MailState.SENDING, MailState.HELD]),
            OutboundMail.next_attempt_at <= now,
        )
        .values(state=MailState.SENDING.value, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def _due(session: Session, now: datetime, states: list[MailState], limit: int) -> list[int]:
    due = or_(*(OutboundMail.state == s.value for s in states))
    query = select(OutboundMail.id).where(due, OutboundMail.next_attempt_at <= now)
    return list(session.scalars(query.order_by(OutboundMail.id).limit(limit)))


def send_queued(
    factory: sessionmaker[Session], mailer: Mailer | None, now: datetime, limit: int = 100
) -> SendReport:
    """Send due mail (and, once a relay exists, held mail); without a relay, hold it visibly."""
    report = SendReport()
    states = [MailState.QUEUED, MailState.SENDING] + ([MailState.HELD] if mailer else [])
    with factory() as session:
        ids = _due(session, now, states, limit)
    for row_id in ids:
        with transaction(factory) as session:
            if not _claim(session, row_id, now):
                continue  # another worker holds it: it is theirs to send
            row = session.get_one(OutboundMail, row_id)
            if mailer is None:
                row.state, row.last_error = MailState.HELD.value, NO_RELAY
                row.next_attempt_at = now
                _announce(session, row, REPLY_HELD)
                report.held += 1
                continue
            mail = _outgoing(row)
        _deliver(factory, mailer, mail, row_id, now, report)
    return report


def _deliver(
    factory: sessionmaker[Session],
    mailer: Mailer,
    mail: OutgoingMail,
    row_id: int,
    now: datetime,
    report: SendReport,
) -> None:
    error: str | None = None
    try:
        mailer.send(mail)
    except Exception as exc:  # any relay failure is retried later; the reason is kept
        error = f"{type(exc).__name__}: {exc}"[:500]
    with transaction(factory) as session:
        row = session.get_one(OutboundMail, row_id)
        row.attempts += 1
        if error is None:
            row.state, row.sent_at, row.last_error = MailState.SENT.value, now, None
            ticket = _reply_ticket(session, row)
            if ticket is not None:
                reply_left(session, ticket, now)
            _announce(session, row, REPLY_SENT)
            report.sent += 1
        elif row.attempts >= MAX_ATTEMPTS:
            row.state, row.last_error = MailState.FAILED.value, error
            _announce(session, row, REPLY_FAILED)
            report.failed += 1
        else:
            row.state, row.last_error = MailState.QUEUED.value, error
            row.next_attempt_at = now + timedelta(minutes=2**row.attempts)
            report.retried += 1


def _reply_ticket(session: Session, row: OutboundMail) -> Ticket | None:
    """The ticket a reply answers (None for a notification, or a row of no ticket)."""
    if row.kind != REPLY or row.ticket_id is None:
        return None
    return session.get(Ticket, row.ticket_id)


def _announce(session: Session, row: OutboundMail, kind: str) -> None:
    """Tell the ticket's screens, after the commit, what became of one of its replies."""
    ticket = _reply_ticket(session, row)
    if ticket is not None:
        send_on_commit(session, ticket_event(ticket, kind, mail_id=row.id))
