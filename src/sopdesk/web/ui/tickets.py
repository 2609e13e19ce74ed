"""Ticket pages: the SLA board (open by time left, breached, met; by team) and a ticket's thread
with the reply form. Both refresh on ticket events (the ticket page: its thread, and with it its
header and facts, never the reply being typed). A reply that has not left is flagged on both."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sopdesk.escalations import accounts, replies
from sopdesk.escalations import tickets as svc
from sopdesk.escalations.delivery import undelivered_replies
from sopdesk.escalations.models import Ticket
from sopdesk.escalations.ticket_events import REPLY_FAILED, REPLY_HELD, REPLY_SENT
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_current_playbook
from sopdesk.playbooks.language.schema import Playbook, TicketCategory
from sopdesk.web.api.tickets import send_after_commit
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound
from sopdesk.web.templating import render

router = APIRouter()

TICKET_EVENTS = (
    "ticket.opened",
    "ticket.reopened",
    "ticket.message",
    "ticket.replied",
    "ticket.resolved",
    "ticket.sla_reminder",
    "ticket.sla_breached",
    REPLY_SENT,
    REPLY_HELD,
    REPLY_FAILED,
    "resync",
)
STATUS_LABELS = {"open": "Open", "answered": "Answered", "resolved": "Resolved"}
SLA_LABELS = {
    "none": "No SLA",
    "running": "Running",
    "reminded": "Reminder sent",
    "breached": "Breached",
    "met": "Met",
}
# A reply that has not left (escalations.delivery): a problem, said as such on page and board.
UNDELIVERED_LABELS = {
    "failed": "Reply failed, not sent",
    "held": "Reply held, not sent",
    "queued": "Reply not sent yet",
}


def _playbook(session: Session, org_id: str) -> Playbook | None:
    current = get_current_playbook(session, org_id)
    return current.playbook if current else None


def _common(playbook: Playbook | None, now: datetime) -> dict[str, Any]:
    return {
        "triggers": ", ".join(f"sse:{kind}" for kind in TICKET_EVENTS),
        "now": now,
        "status_labels": STATUS_LABELS,
        "sla_labels": SLA_LABELS,
        "undelivered_labels": UNDELIVERED_LABELS,
        "reminders": accounts.reminders_due(playbook, now),
        "team_names": {t.id: t.name for t in playbook.teams} if playbook else {},
    }


def _board_context(session: Session, user: User, team: str | None, now: datetime) -> dict[str, Any]:
    playbook = _playbook(session, user.org_id)
    if team is None:
        team = svc.default_team(user)  # a team member sees their own team first
    team = team or None  # "" asks for every team
    context = _common(playbook, now)
    context.update(board=svc.sla_board(session, user, team=team), team=team or "")
    context["teams"] = [t for t in (playbook.teams if playbook else []) if t.email]
    context["categories"] = playbook.ticket_categories if playbook else []
    return context


@router.get("/tickets")
def board_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    team: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    return render(request, "tickets/board.html", _board_context(session, user, team, now))


@router.get("/tickets/board")
def board_fragment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    team: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The board's tables: what the page re-fetches on ticket events."""
    return render(request, "tickets/board_body.html", _board_context(session, user, team, now))


def _category_or_404(playbook: Playbook | None, category_id: str) -> TicketCategory:
    """The category the page's path names; a path naming none is a page that does not exist
    (404), where the API refuses a body naming none (422)."""
    category = accounts.find_category(playbook, category_id)
    if category is None:
        raise NotFound("ticket category")
    return category


@router.get("/tickets/new/{category_id}")
def new_ticket_page(
    category_id: str, request: Request, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """A ticket in a category, with its mandatory fields (e.g. Payment Tracking, on a call)."""
    playbook = _playbook(session, user.org_id)
    category = _category_or_404(playbook, category_id)
    context = _common(playbook, now)
    context.update(category=category, values={}, errors={}, error=None)
    return render(request, "tickets/new.html", context)


def _raise(
    session: Session, user: User, category_id: str, values: dict[str, str], now: datetime
) -> tuple[Ticket | None, dict[str, Any]]:
    """The new ticket, or the form's context with each field's problem."""
    playbook = _playbook(session, user.org_id)
    category = _category_or_404(playbook, category_id)
    fields = {f.id: values[f.id] for f in category.fields if values.get(f.id)}
    try:
        ticket = accounts.raise_category_ticket(
            session,
            user,
            category_id=category.id,
            fields=fields,
            subject=values.get("subject", ""),
            now=now,
            customer_email=values.get("customer_email") or None,
            customer_name=values.get("customer_name") or None,
        )
        return ticket, {}
    except accounts.TicketFieldsInvalid as exc:
        # Not the error page: the form again, each field with its problem.
        context = _common(playbook, now)
        context.update(category=category, values=values, errors=exc.errors)
        context["error"] = "Check the highlighted fields."
        return None, context


@router.post("/tickets/new/{category_id}", response_model=None)
async def new_ticket_form(
    category_id: str, request: Request, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse | RedirectResponse:
    form = await request.form()  # the category's fields are known only from the playbook
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}
    ticket, context = await run_in_threadpool(_raise, session, user, category_id, values, now)
    if ticket is None:
        return render(request, "tickets/new.html", context, status_code=422)
    return RedirectResponse(f"/tickets/{ticket.id}", status_code=303)


def _ticket_context(
    session: Session, user: User, ticket: Ticket, now: datetime, **extra: Any
) -> dict[str, Any]:
    playbook = _playbook(session, user.org_id)
    context = _common(playbook, now)
    category = accounts.find_category(playbook, ticket.category) if ticket.category else None
    credit = accounts.expected_credit(playbook, ticket.team, now) if playbook else None
    context.update(
        ticket=ticket,
        thread=svc.thread(session, ticket),
        can_work=svc.can_work(user, ticket),
        category=category,
        credit=credit,
        undelivered=undelivered_replies(session, ticket.org_id, [ticket.id]).get(ticket.id),
        error=None,
        text="",
    )
    context.update(extra)
    return context


@router.get("/tickets/{ticket_id}")
def ticket_page(
    ticket_id: int, request: Request, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    ticket = svc.access_ticket(session, user, ticket_id)
    return render(request, "tickets/ticket.html", _ticket_context(session, user, ticket, now))


@router.post("/tickets/{ticket_id}/reply", response_model=None)
def reply_form(
    ticket_id: int,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    text: Annotated[str, Form()] = "",
    resolve: Annotated[str | None, Form()] = None,
) -> HTMLResponse | RedirectResponse:
    try:
        replies.reply(session, user, ticket_id, text, now, resolve=bool(resolve))
    except svc.EscalationError as exc:
        # Not the error page: the thread again, the reply as typed and what is wrong with it.
        if exc.status != 422:
            raise  # another org's ticket, or not this user's team: the shared error page
        ticket = svc.access_ticket(session, user, ticket_id)
        context = _ticket_context(session, user, ticket, now, error=exc.message, text=text)
        return render(request, "tickets/ticket.html", context, status_code=422)
    send_after_commit(request, background, now)
    return RedirectResponse(f"/tickets/{ticket_id}#reply-sent", status_code=303)


@router.post("/tickets/{ticket_id}/resolve")
def resolve_form(
    ticket_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> RedirectResponse:
    replies.resolve(session, user, ticket_id, now)
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)
