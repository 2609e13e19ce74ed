"""Leads by stage, and tasks: mine, my team's, everyone's; a task marked done from the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.crm import service as crm
from sopdesk.crm.models import Task
from sopdesk.orgs.models import User
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.templating import render
from sopdesk.web.ui.desk_accounts import field_labels, line_names, scenario_names, team_names

router = APIRouter()


@router.get("/leads")
def leads_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    stage: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    context = {
        "leads": crm.leads(session, user.org_id, stage),
        "stages": crm.lead_stages(session, user.org_id),
        "stage": stage,
        "lines": line_names(session, user.org_id),
    }
    return render(request, "desk/leads.html", context)


def _task_context(session: Session, user: User, rows: list[Task]) -> dict[str, object]:
    assignees = {t.assignee_id for t in rows if t.assignee_id}
    return {
        "teams": team_names(session, user.org_id),
        "people": crm.user_names(session, user.org_id, assignees),
        "labels": field_labels(session, user.org_id),
        "scenarios": scenario_names(session, user.org_id),
        "can_complete": crm.can_complete,
    }


@router.get("/tasks")
def tasks_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    scope: crm.TaskScope | None = None,
    done: bool = False,
) -> HTMLResponse:
    """Open tasks, soonest due first: mine, my team's (hand-offs with their intake), or all."""
    chosen = scope or crm.default_task_scope(user)
    rows = crm.tasks(session, user, chosen, include_done=done)
    counts = {s: len(crm.tasks(session, user, s)) for s in crm.TaskScope}
    context = {"tasks": rows, "scope": chosen, "counts": counts, "done": done, "now": now}
    context.update(_task_context(session, user, rows))
    return render(request, "desk/tasks.html", context)


@router.post("/tasks/{task_id}/done")
def task_done(
    request: Request, task_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """Mark the task done; answers its row, now done (htmx swaps it in place)."""
    task = crm.complete_task(session, user, task_id, now)
    context = {"t": task, "now": now}
    context.update(_task_context(session, user, [task]))
    return render(request, "desk/task_row.html", context)
