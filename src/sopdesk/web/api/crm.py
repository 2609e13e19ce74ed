"""The CRM over JSON: accounts (search, detail with history), leads by stage, tasks: done, and
the team's follow-up (claim, assign, comments, close with an outcome)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sopdesk.crm import service as crm
from sopdesk.crm import tasks as follow_up
from sopdesk.crm.views import (
    AccountDetailPublic,
    AccountPublic,
    CallLogPublic,
    ContactPublic,
    LeadPublic,
    NotePublic,
    TaskCommentPublic,
    TaskPublic,
)
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound, documented
from sopdesk.web.ids import IdField, IdPath

router = APIRouter(tags=["crm"])
CLOSED = documented((409, "The task is already closed"))


@router.get("/accounts", response_model=list[AccountPublic])
def list_accounts(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200, description="part of a name, or 3+ phone digits")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AccountPublic]:
    """Your org's accounts, by name; with `q`, those whose name or phone matches."""
    return [
        AccountPublic.model_validate(a) for a in crm.search_accounts(session, user.org_id, q, limit)
    ]


@router.get("/accounts/{account_id}", response_model=AccountDetailPublic)
def get_account(account_id: IdPath, session: SessionDep, user: CurrentUser) -> AccountDetailPublic:
    """An account with its contacts, notes, call history, leads and tasks (newest first)."""
    detail = crm.account_detail(session, user.org_id, account_id)
    if detail is None:
        raise NotFound("account")
    return AccountDetailPublic(
        account=AccountPublic.model_validate(detail.account),
        contacts=[ContactPublic.model_validate(c) for c in detail.contacts],
        notes=[NotePublic.model_validate(n) for n in detail.notes],
        calls=[CallLogPublic.model_validate(c) for c in detail.calls],
        leads=[LeadPublic.model_validate(lead) for lead in detail.leads],
        tasks=[TaskPublic.model_validate(t) for t in detail.tasks],
    )


@router.get("/leads", response_model=list[LeadPublic])
def list_leads(
    session: SessionDep,
    user: CurrentUser,
    stage: Annotated[str | None, Query(max_length=40, description="e.g. Hot")] = None,
) -> list[LeadPublic]:
    """Your org's leads, newest first, optionally of one stage."""
    return [LeadPublic.model_validate(lead) for lead in crm.leads(session, user.org_id, stage)]


@router.get("/tasks", response_model=list[TaskPublic])
def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    scope: Annotated[
        crm.TaskScope, Query(description="mine: assigned to you; team: your team's; all")
    ] = crm.TaskScope.MINE,
    include_done: bool = False,
) -> list[TaskPublic]:
    """Open tasks (and done ones with include_done), soonest due first."""
    found = crm.tasks(session, user, scope, include_done=include_done)
    return [TaskPublic.model_validate(t) for t in found]


@router.post("/tasks/{task_id}/done", response_model=TaskPublic)
def task_done(task_id: IdPath, session: SessionDep, user: CurrentUser, now: Now) -> TaskPublic:
    """Mark a task done (its assignee, its team, a supervisor or an admin); repeating is a no-op."""
    task = crm.complete_task(session, user, task_id, now)
    return TaskPublic.model_validate(task)


class AssignIn(BaseModel):
    user_id: IdField = Field(description="a member of the task's team")


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=follow_up.COMMENT_MAX)


class CloseIn(BaseModel):
    outcome: str = Field(
        min_length=1, max_length=follow_up.OUTCOME_MAX, description="what came of it, in words"
    )
    code: follow_up.OutcomeCode | None = Field(default=None, description="for counting")
    note: str | None = Field(
        default=None, max_length=follow_up.COMMENT_MAX, description="added to the thread"
    )


@router.post("/tasks/{task_id}/claim", response_model=TaskPublic, responses=CLOSED)
def claim_task(task_id: IdPath, session: SessionDep, user: CurrentUser, now: Now) -> TaskPublic:
    """Make the task yours (its team's members, supervisors); 409 once it is closed."""
    return TaskPublic.model_validate(follow_up.claim(session, user, task_id, now))


@router.post("/tasks/{task_id}/assign", response_model=TaskPublic, responses=CLOSED)
def assign_task(
    task_id: IdPath, body: AssignIn, session: SessionDep, user: CurrentUser, now: Now
) -> TaskPublic:
    """Give the task to another member of its team (its team's members, supervisors)."""
    task = follow_up.assign(session, user, task_id, body.user_id, now)
    return TaskPublic.model_validate(task)


@router.get("/tasks/{task_id}/comments", response_model=list[TaskCommentPublic])
def task_comments(
    task_id: IdPath, session: SessionDep, user: CurrentUser
) -> list[TaskCommentPublic]:
    """The task's comment thread, oldest first."""
    thread = follow_up.comments(session, user, task_id)
    return [TaskCommentPublic.model_validate(c) for c in thread]


@router.post(
    "/tasks/{task_id}/comments", response_model=TaskCommentPublic, status_code=201, responses=CLOSED
)
def comment_task(
    task_id: IdPath, body: CommentIn, session: SessionDep, user: CurrentUser, now: Now
) -> TaskCommentPublic:
    """Add a comment (its assignee, its team, supervisors); 409 once it is closed."""
    row = follow_up.comment(session, user, task_id, body.body, now)
    return TaskCommentPublic.model_validate(row)


@router.post("/tasks/{task_id}/close", response_model=TaskPublic, responses=CLOSED)
def close_task(
    task_id: IdPath, body: CloseIn, session: SessionDep, user: CurrentUser, now: Now
) -> TaskPublic:
    """Close the task with its outcome (its assignee, its team, supervisors); 409 if closed."""
    task = follow_up.close(
        session, user, task_id, body.outcome, now, code=body.code, note=body.note
    )
    return TaskPublic.model_validate(task)
