"""What fronts show of a ticket: the public shapes of the API (and the live events' data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from sopdesk.escalations.models import Notification, Ticket
from sopdesk.escalations.tickets import ThreadEntry, time_left


class Customer(BaseModel):
    name: str | None
    email: str | None
    contact_id: int | None
    account_id: int | None


class TicketPublic(BaseModel):
    id: int
    reference: str = Field(description="e.g. MYO-000123; quoted in every email subject")
    team: str
    category: str | None
    subject: str
    status: str = Field(description="open, answered or resolved")
    channel: str = Field(description="email or desk")
    customer: Customer
    received_at: datetime = Field(description="receipt time: the SLA clock starts here")
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_due_at: datetime | None = Field(description="when the team's answer is due")
    sla_state: str = Field(description="none, running, reminded, breached or met")
    sla_seconds_left: float | None = Field(description="negative when overdue; None if no clock")
    fields: dict[str, Any]
    follows_id: int | None = Field(
        description="the earlier ticket this one follows (a reply that could not join it)"
    )
    follows_reference: str | None
    opened_note: str | None = Field(description="why a reply opened this ticket, if it did")


def ticket_public(ticket: Ticket, now: datetime) -> TicketPublic:
    return TicketPublic(
        id=ticket.id,
        reference=ticket.reference,
        team=ticket.team,
        category=ticket.category,
        subject=ticket.subject,
        status=ticket.status,
        channel=ticket.channel,
        customer=Customer(
            name=ticket.customer_name,
            email=ticket.customer_email,
            contact_id=ticket.contact_id,
            account_id=ticket.account_id,
        ),
        received_at=ticket.received_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        sla_due_at=ticket.sla_due_at,
        sla_state=ticket.sla_state,
        sla_seconds_left=time_left(ticket, now) if ticket.resolved_at is None else None,
        fields=ticket.fields or {},
        follows_id=ticket.follows_id,
        follows_reference=ticket.follows_reference,
        opened_note=ticket.opened_note,
    )


class AttachmentPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class MessagePublic(BaseModel):
    id: int
    direction: str = Field(description="in (from the customer) or out (a reply)")
    message_id: str
    from_addr: str
    from_name: str | None
    to_addrs: list[str]
    subject: str
    text: str
    received_at: datetime
    attachments: list[AttachmentPublic]
    delivery: str | None = Field(description="replies: queued, sending, sent, held or failed")
    delivery_error: str | None


def message_public(entry: ThreadEntry) -> MessagePublic:
    m, mail = entry.message, entry.delivery
    return MessagePublic(
        id=m.id,
        direction=m.direction,
        message_id=m.message_id,
        from_addr=m.from_addr,
        from_name=m.from_name,
        to_addrs=list(m.to_addrs),
        subject=m.subject,
        text=m.text,
        received_at=m.received_at,
        attachments=[
            AttachmentPublic(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
            for a in entry.attachments
        ],
        delivery=mail.state if mail else None,
        delivery_error=mail.last_error if mail else None,
    )


class TicketDetail(BaseModel):
    ticket: TicketPublic
    messages: list[MessagePublic]


class NotificationPublic(BaseModel):
    id: int
    team: str
    ticket_id: int | None
    kind: str
    text: str
    created_at: datetime

    @classmethod
    def of(cls, n: Notification) -> NotificationPublic:
        return cls(
            id=n.id,
            team=n.team,
            ticket_id=n.ticket_id,
            kind=n.kind,
            text=n.text,
            created_at=n.created_at,
        )
