"""The CRM over JSON: accounts (search, detail with history), leads by stage, tasks, task done."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sopdesk.crm import service as crm
from sopdesk.crm.views import (
    AccountDetailPublic,
    AccountPublic,
    CallLogPublic,
    ContactPublic,
    LeadPublic,
    NotePublic,
    TaskPublic,
)
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound

router = APIRouter(tags=["crm"])


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
def get_account(account_id: int, session: SessionDep, user: CurrentUser) -> AccountDetailPublic:
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
def task_done(task_id: int, session: SessionDep, user: CurrentUser, now: Now) -> TaskPublic:
    """Mark a task done (its assignee, its team, a supervisor or an admin); repeating is a no-op."""
    task = crm.complete_task(session, user, task_id, now)
    return TaskPublic.model_validate(task)
