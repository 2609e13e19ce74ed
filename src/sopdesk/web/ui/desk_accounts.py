"""Customer accounts: the list with search by name or phone, and one account's history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.crm import service as crm
from sopdesk.orgs.service import get_current_playbook
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound
from sopdesk.web.templating import render

router = APIRouter()


def team_names(session: Session, org_id: str) -> dict[str, str]:
    """Team id -> name from the org's current playbook, for showing who a task is for."""
    current = get_current_playbook(session, org_id)
    return {t.id: t.name for t in current.playbook.teams} if current else {}


def scenario_names(session: Session, org_id: str) -> dict[str, str]:
    current = get_current_playbook(session, org_id)
    return {s.id: s.name for s in current.playbook.scenarios} if current else {}


def line_names(session: Session, org_id: str) -> dict[str, str]:
    current = get_current_playbook(session, org_id)
    return {line.id: line.name for line in current.playbook.lines} if current else {}


def field_labels(session: Session, org_id: str) -> dict[str, dict[str, str]]:
    """Scenario id -> field id -> label, so a hand-off task's intake reads like the form did."""
    current = get_current_playbook(session, org_id)
    if current is None:
        return {}
    return {s.id: {f.id: f.label for f in s.fields} for s in current.playbook.scenarios}


@router.get("/accounts")
def accounts_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Every account of the org, or those whose name or phone matches `q`."""
    found = crm.search_accounts(session, user.org_id, q, limit=crm.LIST_LIMIT)
    return render(request, "desk/accounts.html", {"accounts": found, "q": q.strip()})


@router.get("/accounts/{account_id}")
def account_page(
    request: Request, account_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """One account: notes, call history, leads and tasks."""
    detail = crm.account_detail(session, user.org_id, account_id)
    if detail is None:
        raise NotFound("account")
    assignees = {t.assignee_id for t in detail.tasks if t.assignee_id}
    context = {
        "d": detail,
        "now": now,
        "teams": team_names(session, user.org_id),
        "lines": line_names(session, user.org_id),
        "scenarios": scenario_names(session, user.org_id),
        "people": crm.user_names(session, user.org_id, assignees),
        "labels": field_labels(session, user.org_id),
        "can_complete": crm.can_complete,
    }
    return render(request, "desk/account.html", context)
