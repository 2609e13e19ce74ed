"""Tasks: mine, my team's, everyone's; each task worked in place (claim, give to a colleague,
comment, close with an outcome, mark done), live over /events. (The leads page: desk_leads.)"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.crm import service as crm
from sopdesk.crm import tasks as follow_up
from sopdesk.crm.models import Task
from sopdesk.crm.service import CrmError
from sopdesk.orgs.models import User
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound
from sopdesk.web.templating import render
from sopdesk.web.ui.desk_accounts import field_labels, scenario_names, team_names

router = APIRouter()


def _task_context(
    session: Session, user: User, rows: list[Task], now: datetime
) -> dict[str, object]:
    assignees = {t.assignee_id for t in rows if t.assignee_id}
    cards = follow_up.task_cards(session, user, rows, now)
    return {
        "tasks": rows,
        "now": now,
        "teams": team_names(session, user.org_id),
        "people": crm.user_names(session, user.org_id, assignees),
        "labels": field_labels(session, user.org_id),
        "scenarios": scenario_names(session, user.org_id),
        "can_complete": crm.can_complete,
        "cards": {card.task.id: card for card in cards},
        "outcome_labels": follow_up.OUTCOME_LABELS,
    }


def _counts(session: Session, user: User) -> dict[crm.TaskScope, int]:
    """Open tasks per tab."""
    return {s: len(crm.tasks(session, user, s)) for s in crm.TaskScope}


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
    context: dict[str, object] = {"scope": chosen, "counts": _counts(session, user), "done": done}
    context.update(_task_context(session, user, rows, now))
    return render(request, "desk/tasks.html", context)


@router.get("/tasks/rows")
def task_rows(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    scope: crm.TaskScope | None = None,
    done: bool = False,
) -> HTMLResponse:
    """The rows of a scope, fetched when a task is written (the page merges in the new ones)."""
    chosen = scope or crm.default_task_scope(user)
    rows = crm.tasks(session, user, chosen, include_done=done)
    context = _task_context(session, user, rows, now)
    context.update(scope=chosen, counts=_counts(session, user), done=done)
    return render(request, "desk/task_rows.html", context)


def _row(
    request: Request,
    session: SessionDep,
    user: User,
    task: Task,
    now: datetime,
    *,
    opened: str | None = None,
    problem: str | None = None,
    problem_field: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = _task_context(session, user, [task], now)
    context.update(t=task, opened=opened, problem=problem, problem_field=problem_field)
    return render(request, "desk/task_row.html", context, status_code=status_code)


def _refused(
    request: Request,
    session: SessionDep,
    user: User,
    task_id: int,
    refusal: CrmError,
    now: datetime,
    opened: str,
) -> HTMLResponse:
    """The row again with the problem beside its form (a 409 or 422 the person can act on)."""
    task = crm.get_task(session, user.org_id, task_id)
    if task is None or refusal.status not in (409, 422):
        raise refusal
    message = refusal.fields[0].message if refusal.fields else refusal.message
    field = refusal.fields[0].field if refusal.fields else None
    return _row(
        request,
        session,
        user,
        task,
        now,
        opened=opened,
        problem=message,
        problem_field=field,
        status_code=refusal.status,
    )


@router.get("/tasks/{task_id}/row")
def task_row(
    request: Request, task_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """One task's row, re-fetched when someone else changed it."""
    task = crm.get_task(session, user.org_id, task_id)
    if task is None:
        raise NotFound("task")
    return _row(request, session, user, task, now)


@router.post("/tasks/{task_id}/done")
def task_done(
    request: Request, task_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """Mark the task done; answers its row, now done (htmx swaps it in place)."""
    task = crm.complete_task(session, user, task_id, now)
    return _row(request, session, user, task, now)


@router.post("/tasks/{task_id}/claim")
def task_claim(
    request: Request, task_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """Make the task mine; answers its row."""
    try:
        task = follow_up.claim(session, user, task_id, now)
    except CrmError as refusal:
        return _refused(request, session, user, task_id, refusal, now, "")
    return _row(request, session, user, task, now)


@router.post("/tasks/{task_id}/assign")
def task_assign(
    request: Request,
    task_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    user_id: Annotated[int, Form()],
) -> HTMLResponse:
    """Give the task to another member of its team; answers its row."""
    try:
        task = follow_up.assign(session, user, task_id, user_id, now)
    except CrmError as refusal:
        return _refused(request, session, user, task_id, refusal, now, "")
    return _row(request, session, user, task, now)


@router.post("/tasks/{task_id}/comments")
def task_comment(
    request: Request,
    task_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    body: Annotated[str, Form(max_length=follow_up.COMMENT_MAX)],
) -> HTMLResponse:
    """Add a comment; answers the row with its thread open."""
    try:
        follow_up.comment(session, user, task_id, body, now)
    except CrmError as refusal:
        return _refused(request, session, user, task_id, refusal, now, "thread")
    task = crm.get_task(session, user.org_id, task_id)
    if task is None:  # pragma: no cover - the comment was just written on it
        raise NotFound("task")
    return _row(request, session, user, task, now, opened="thread")


@router.post("/tasks/{task_id}/close")
def task_close(
    request: Request,
    task_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    outcome: Annotated[str, Form(max_length=follow_up.OUTCOME_MAX)],
    code: Annotated[follow_up.OutcomeCode | None, Form()] = None,
    note: Annotated[str | None, Form(max_length=follow_up.COMMENT_MAX)] = None,
) -> HTMLResponse:
    """Close the task with its outcome; answers its row, now done."""
    try:
        task = follow_up.close(session, user, task_id, outcome, now, code=code, note=note)
    except CrmError as refusal:
        return _refused(request, session, user, task_id, refusal, now, "close")
    return _row(request, session, user, task, now)
