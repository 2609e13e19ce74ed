"""The live queue: open calls by urgency, then waiting time, refreshed on interaction events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from sopdesk.crm import tasks as follow_up
from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction, State
from sopdesk.orgs.models import User
from sopdesk.orgs.service import get_current_playbook
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.templating import render

router = APIRouter()

# The SSE event kinds that change the queue; the rows re-fetch on any of them.
QUEUE_EVENTS = (
    "interaction.ringing",
    "interaction.accepted",
    "interaction.updated",
    "interaction.closed",
    "interaction.missed",
    "resync",
)
STATE_LABELS = {
    State.RINGING.value: "Ringing",
    State.ACTIVE.value: "On call",
    State.WRAP_UP.value: "Wrap-up",
    State.CLOSED.value: "Closed",
    State.MISSED.value: "Missed",
}


def _top_rank(session: Session, org_id: str, rows: list[Interaction]) -> int:
    current = get_current_playbook(session, org_id)
    if current is not None:
        return len(current.playbook.urgencies) - 1
    return max((row.urgency_rank for row in rows), default=0)


def _queue_context(session: Session, org_id: str) -> dict[str, object]:
    rows = desk.queue(session, org_id)
    counts = {state: 0 for state in (State.RINGING, State.ACTIVE, State.WRAP_UP)}
    for row in rows:
        counts[State(row.state)] += 1
    return {
        "rows": rows,
        "counts": counts,
        "top_rank": _top_rank(session, org_id, rows),
        "state_labels": STATE_LABELS,
    }


def home_path(user: User) -> str:
    """Where a person starts: a team member on their team's tasks, everyone else on the queue."""
    if follow_up.works_from_tasks(user):
        return f"/tasks?scope={follow_up.home_scope(user).value}"
    return "/queue"


@router.get("/")
def home(user: CurrentUser) -> RedirectResponse:
    return RedirectResponse(home_path(user), status_code=303)


@router.get("/queue")
def queue_page(request: Request, session: SessionDep, user: CurrentUser, now: Now) -> HTMLResponse:
    context = _queue_context(session, user.org_id)
    context.update(now=now, triggers=", ".join(f"sse:{kind}" for kind in QUEUE_EVENTS))
    return render(request, "queue.html", context)


@router.get("/queue/rows")
def queue_rows(request: Request, session: SessionDep, user: CurrentUser, now: Now) -> HTMLResponse:
    """The table body (and, out of band, the counts): what the page re-fetches on events."""
    context = _queue_context(session, user.org_id)
    context.update(now=now, oob=True)
    return render(request, "queue_rows.html", context)
