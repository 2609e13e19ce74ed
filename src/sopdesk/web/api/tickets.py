"""Tickets: the list with SLA due times, a ticket's thread, replies, resolution, categories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool

from sopdesk.channels.email.outbound import mailer_from_settings
from sopdesk.escalations import accounts, replies
from sopdesk.escalations import tickets as svc
from sopdesk.escalations.models import TicketStatus
from sopdesk.escalations.outbox import send_queued
from sopdesk.escalations.views import (
    NotificationPublic,
    TicketDetail,
    TicketPublic,
    message_public,
    ticket_public,
)
from sopdesk.orgs.service import get_current_playbook
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import ApiError
from sopdesk.web.ids import IdField, IdPath

router = APIRouter(tags=["tickets"])


def send_after_commit(request: Request, background: BackgroundTasks, now: Any) -> None:
    """Send the outbox right after the response (the request's transaction has committed);
    the sweeper loop retries whatever this misses."""
    factory = request.app.state.sessionmaker
    background.add_task(send_queued, factory, mailer_from_settings(request.app.state.settings), now)


def detail(session: Any, ticket: Any, now: Any) -> TicketDetail:
    return TicketDetail(
        ticket=ticket_public(ticket, now),
        messages=[message_public(e) for e in svc.thread(session, ticket)],
    )


@router.get("/tickets", response_model=list[TicketPublic])
def list_tickets(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    team: Annotated[str | None, Query(description="only this team's tickets")] = None,
    status: Annotated[TicketStatus | None, Query(description="open, answered or resolved")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TicketPublic]:
    """The tickets you may see, newest first (your team's, every team's for supervisors and
    admins, the ones you raised): team, customer, status, received time, SLA due time."""
    rows = svc.list_tickets(session, user, team=team, status=status, limit=limit, offset=offset)
    return [ticket_public(t, now) for t in rows]


class CategoryTicketCreate(BaseModel):
    category: str = Field(description="a ticket category of the playbook, e.g. payment_tracking")
    fields: dict[str, Any] = Field(description="the category's fields; mandatory ones enforced")
    subject: str = Field("", max_length=500)
    account_id: IdField | None = None
    customer_email: str | None = Field(None, max_length=320)
    customer_name: str | None = Field(None, max_length=200)


@router.post("/tickets", response_model=TicketPublic, status_code=201)
def raise_ticket(
    body: CategoryTicketCreate, session: SessionDep, user: CurrentUser, now: Now
) -> TicketPublic:
    """Raise a ticket in a category (e.g. Payment Tracking); 422 lists each missing field."""
    ticket = accounts.raise_category_ticket(
        session,
        user,
        category_id=body.category,
        fields=body.fields,
        subject=body.subject,
        now=now,
        account_id=body.account_id,
        customer_email=body.customer_email,
        customer_name=body.customer_name,
    )
    return ticket_public(ticket, now)


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket_id: IdPath, session: SessionDep, user: CurrentUser, now: Now) -> TicketDetail:
    """One ticket with its thread, attachments and the delivery state of each reply."""
    return detail(session, svc.access_ticket(session, user, ticket_id), now)


class ReplyCreate(BaseModel):
    text: str = Field(min_length=1, max_length=100_000)
    resolve: StrictBool = Field(False, description="resolve the ticket with this reply")


@router.post("/tickets/{ticket_id}/replies", response_model=TicketDetail, status_code=201)
def reply(
    ticket_id: IdPath,
    body: ReplyCreate,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
) -> TicketDetail:
    """Email the customer in the ticket's thread (the team's members and supervisors)."""
    replies.reply(session, user, ticket_id, body.text, now, resolve=body.resolve)
    result = detail(session, svc.access_ticket(session, user, ticket_id), now)
    send_after_commit(request, background, now)
    return result


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketPublic)
def resolve(ticket_id: IdPath, session: SessionDep, user: CurrentUser, now: Now) -> TicketPublic:
    return ticket_public(replies.resolve(session, user, ticket_id, now), now)


class CategorySet(BaseModel):
    category: str
    fields: dict[str, Any]


@router.put("/tickets/{ticket_id}/category", response_model=TicketPublic)
def set_category(
    ticket_id: IdPath, body: CategorySet, session: SessionDep, user: CurrentUser, now: Now
) -> TicketPublic:
    """File a ticket under a category of its team, with the category's mandatory fields."""
    ticket = accounts.set_category(session, user, ticket_id, body.category, body.fields, now)
    return ticket_public(ticket, now)


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
def download(
    ticket_id: IdPath, attachment_id: IdPath, session: SessionDep, user: CurrentUser
) -> Response:
    """The attachment's bytes, always as a download (never rendered in the desk's origin)."""
    att = svc.attachment_for(session, user, ticket_id, attachment_id)
    name = att.filename.replace('"', "'")
    return Response(
        att.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/notifications", response_model=list[NotificationPublic])
def notifications(
    session: SessionDep, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[NotificationPublic]:
    """Ticket notifications (new, reminders, breaches) for your team, newest first."""
    return [NotificationPublic.of(n) for n in svc.notifications_for(session, user, limit)]


class ReminderPublic(BaseModel):
    id: str
    name: str
    team: str
    message: str


@router.get("/reminders/today", response_model=list[ReminderPublic])
def reminders_today(session: SessionDep, user: CurrentUser, now: Now) -> list[ReminderPublic]:
    """Recurring reminders due today in the org's time zone (e.g. the Unclaimed Payments
    Report, every Friday and on the last day of the month)."""
    current = get_current_playbook(session, user.org_id)
    return [
        ReminderPublic(id=r.id, name=r.name, team=r.team, message=r.message)
        for r in accounts.reminders_due(current.playbook if current else None, now)
    ]


class CyclePublic(BaseModel):
    team: str
    submitted_at: datetime
    submit_by: datetime = Field(description="the cut-off of the cycle this request falls in")
    initiated_on: date
    credited_by: datetime = Field(description="expected credit: end of day, in the cycle's zone")


@router.get("/payment-cycle", response_model=CyclePublic)
def payment_cycle(
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    team: Annotated[str, Query(description="the team whose weekly cycle applies")] = "accounts",
) -> CyclePublic:
    """When a request submitted now is initiated and credited, by the team's weekly cycle."""
    current = get_current_playbook(session, user.org_id)
    dates = accounts.expected_credit(current.playbook, team, now) if current else None
    if dates is None:
        raise ApiError(404, f"team '{team}' has no weekly cycle", fields=[("team", "no cycle")])
    return CyclePublic(
        team=team,
        submitted_at=now,
        submit_by=dates.submitted_by,
        initiated_on=dates.initiated_on,
        credited_by=dates.completed_at,
    )
