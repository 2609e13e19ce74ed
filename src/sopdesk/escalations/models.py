"""Tables of the escalations room: tickets, their messages and attachments, SLA clocks,
notifications for the desk, and the outbox of mail to send. Every row belongs to one org.

Attachments are kept in the database, not under var/: they then commit or roll back with their
message (no orphan files, no missing file for a stored row), every web worker on every host sees
them through the one database, and backups take them along. The intake's size limits bound
what this costs.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.db import Base, UtcDateTime
from sopdesk.escalations.inbound import ticket_reference


class TicketStatus(StrEnum):
    OPEN = "open"  # waiting for the team
    ANSWERED = "answered"  # the team replied; waiting for the customer or a resolution
    RESOLVED = "resolved"


class SlaState(StrEnum):
    """Where a ticket stands against its SLA (a copy of its clocks, for the board and the API)."""

    NONE = "none"  # no policy times this ticket
    RUNNING = "running"
    REMINDED = "reminded"  # the reminder fired; still in time
    BREACHED = "breached"
    MET = "met"


class ClockKind(StrEnum):
    REMINDER = "reminder"  # fires at the policy's remind_at share of the time
    RESOLUTION = "resolution"  # fires (a breach) at the due time


class ClockState(StrEnum):
    PENDING = "pending"
    REMINDED = "reminded"  # a reminder clock that fired
    BREACHED = "breached"  # a resolution clock that fired
    MET = "met"  # answered in time
    CANCELLED = "cancelled"  # a reminder no longer needed


def new_thread_key() -> str:
    """128 random bits, lower-case hex: survives clients that change the case of headers."""
    return secrets.token_hex(16)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_org_status_due", "org_id", "status", "sla_due_at"),
        Index("ix_ticket_org_team_received", "org_id", "team", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    team: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64), default=None)
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.OPEN.value)
    channel: Mapped[str] = mapped_column(String(16))  # email | desk
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("crm_contact.id"), default=None)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("crm_account.id"), default=None)
    customer_email: Mapped[str | None] = mapped_column(String(320), default=None)
    customer_name: Mapped[str | None] = mapped_column(String(200), default=None)
    team_address: Mapped[str | None] = mapped_column(String(320), default=None)
    policy_id: Mapped[str | None] = mapped_column(String(64), default=None)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    sla_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    sla_state: Mapped[str] = mapped_column(String(16), default=SlaState.NONE.value)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The secret a reply must carry (in the desk's Message-IDs) to join this ticket's thread;
    # the reference in the subject is for people and is guessable (escalations.threading).
    thread_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_thread_key)
    # Who raised it from the desk (an agent on a call may read what they raised).
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    # The earlier ticket this one follows, and why the mail did not join it.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), default=None)
    opened_note: Mapped[str | None] = mapped_column(String(500), default=None)

    @property
    def reference(self) -> str:
        return ticket_reference(self.org_id, self.id)

    @property
    def follows_reference(self) -> str | None:
        return ticket_reference(self.org_id, self.follows_id) if self.follows_id else None


class TicketMessage(Base):
    __tablename__ = "ticket_message"
    # One Message-ID once per team mailbox: a redelivery, even a concurrent one, is refused here.
    __table_args__ = (UniqueConstraint("org_id", "team", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    team: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    message_id: Mapped[str] = mapped_column(String(500))
    in_reply_to: Mapped[str | None] = mapped_column(String(500), default=None)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    from_addr: Mapped[str] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200), default=None)
    to_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, default=None)
    date_header: Mapped[str | None] = mapped_column(String(100), default=None)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Attachment(Base):
    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column()
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read on download only


class SlaClock(Base):
    """A stored deadline; the sweeper flips it once with a conditional UPDATE."""

    __tablename__ = "sla_clock"
    __table_args__ = (Index("ix_sla_clock_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    policy_id: Mapped[str | None] = mapped_column(String(64), default=None)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default=ClockState.PENDING.value)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Notification(Base):
    """Something a team must see on the desk; `clock_id` unique: one per fired clock at most."""

    __tablename__ = "team_notification"
    __table_args__ = (
        UniqueConstraint("clock_id"),
        Index("ix_team_notification_org_team_at", "org_id", "team", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    team: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), default=None)
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("sla_clock.id"), default=None)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class MailState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"  # gave up after retries; shown on the ticket
    HELD = "held"  # no outbound relay configured; shown on the ticket


class OutboundMail(Base):
    """A message to send, written in the transaction that decided it; sent after commit."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        UniqueConstraint("message_id"),
        Index("ix_outbound_mail_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), default=None)
    kind: Mapped[str] = mapped_column(String(32))  # reply | notification
    message_id: Mapped[str] = mapped_column(String(500))
    from_addr: Mapped[str] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200), default=None)
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(500), default=None)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=MailState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class SweeperBeat(Base):
    """Each sweeper process's last pass, so /health and `sopdesk health` see a stalled one."""

    __tablename__ = "sweeper_beat"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
