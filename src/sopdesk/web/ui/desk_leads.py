"""The leads page: leads by stage, each worked in place (its stage, its owner, a note, a
follow-up task) through `crm.leads`, which holds every rule.

Every form works without JS: it posts, and the answer is a 303 back to the page. With htmx the
answer is the lead's own rows, swapped in place (the stage tabs with them, out of band). A
refusal (an unknown stage, an empty note, a stranger as owner...) answers the lead's rows again,
or without JS the whole page, with the problem beside its field (422); another org's lead, or
a missing one, is the error page's 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from sopdesk.crm import leads
from sopdesk.crm import service as crm
from sopdesk.crm.models import Lead
from sopdesk.errors import Refusal
from sopdesk.orgs.models import User
from sopdesk.web import localtime
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.templating import reader_zone, render
from sopdesk.web.ui.desk_accounts import line_names

router = APIRouter()

Short = Annotated[str, Form(max_length=400)]
# The stage tab the page was on, carried by each form so the answer shows the same tab.
View = Annotated[str, Form(max_length=40)]


def _work_context(session: Session, user: User, now: datetime, rows: list[Lead]) -> dict[str, Any]:
    """What the lead rows show and offer: stages, people, teams, each lead's notes and tasks."""
    people = leads.people(session, user.org_id)
    return {
        "now": now,
        "lines": line_names(session, user.org_id),
        "allowed": leads.stages(session, user.org_id),
        "people": people,
        "names": {p.id: p.name for p in people},
        "teams": leads.teams(session, user.org_id),
        "notes": leads.notes_by_lead(session, user.org_id, [lead.id for lead in rows]),
        "follow_ups": leads.tasks_by_lead(session, user.org_id, rows),
        "due_default": now + leads.DEFAULT_DUE,
        "note_max": leads.NOTE_MAX,
        "title_max": leads.TITLE_MAX,
        "work": None,
    }


def _page(
    request: Request,
    session: Session,
    user: User,
    now: datetime,
    stage: str | None,
    *,
    work: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = crm.leads(session, user.org_id, stage)
    if work is not None and all(lead.id != work["lead_id"] for lead in rows):
        rows.insert(0, leads.lead_of(session, user, work["lead_id"]))  # the one being worked
    context = _work_context(session, user, now, rows)
    context.update(leads=rows, stages=crm.lead_stages(session, user.org_id), stage=stage, work=work)
    return render(request, "desk/leads.html", context, status_code=status_code)


@router.get("/leads")
def leads_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    stage: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The org's leads, newest first (one stage's with `stage`), each with its work forms."""
    return _page(request, session, user, now, stage)


def _answer(
    request: Request,
    session: Session,
    user: User,
    lead_id: int,
    now: datetime,
    view: str,
    *,
    focus: str,
    opened: str | None = None,
    refused: Refusal | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse | RedirectResponse:
    """The lead's rows (htmx), else back to the page; on a refusal, the problems by field."""
    work: dict[str, Any] = {
        "lead_id": lead_id,
        "opened": opened,
        "focus": focus,
        "problems": {},
        "typed": typed or {},
    }
    status = 200
    if refused is not None:
        work["problems"] = {p.field: p.message for p in refused.fields}
        status = refused.status
    stage = view.strip() or None
    if not request.headers.get("hx-request"):
        if refused is not None:
            return _page(request, session, user, now, stage, work=work, status_code=status)
        query = f"?{urlencode({'stage': stage})}" if stage else ""
        return RedirectResponse(f"/leads{query}#lead-{lead_id}", status_code=303)
    lead = leads.lead_of(session, user, lead_id)
    context = _work_context(session, user, now, [lead])
    context.update(
        l=lead, work=work, stage=stage, stages=crm.lead_stages(session, user.org_id), oob=True
    )
    return render(request, "desk/lead_row.html", context, status_code=status)


@router.post("/leads/{lead_id}/stage", response_model=None)
def set_stage(
    request: Request,
    lead_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    stage: Annotated[str, Form(max_length=40)] = "",
    view: View = "",
) -> HTMLResponse | RedirectResponse:
    """Move the lead to another stage."""
    focus = f"lead-stage-{lead_id}"
    try:
        with session.begin_nested():
            leads.update_lead(session, user, lead_id, now, stage=stage)
    except leads.LeadInvalid as refused:  # a field's problem: the form again, beside it
        return _answer(request, session, user, lead_id, now, view, focus=focus, refused=refused)
    return _answer(request, session, user, lead_id, now, view, focus=focus)


@router.post("/leads/{lead_id}/owner", response_model=None)
def set_owner(
    request: Request,
    lead_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    owner_id: Short = "",
    view: View = "",
) -> HTMLResponse | RedirectResponse:
    """Give the lead to someone of the org, or (no one chosen) to nobody."""
    focus = f"lead-owner-{lead_id}"
    try:
        with session.begin_nested():
            owner = _user_id("owner_id", owner_id)
            leads.update_lead(
                session, user, lead_id, now, owner_id=owner, clear_owner=owner is None
            )
    except leads.LeadInvalid as refused:  # a field's problem: the form again, beside it
        return _answer(request, session, user, lead_id, now, view, focus=focus, refused=refused)
    return _answer(request, session, user, lead_id, now, view, focus=focus)


@router.post("/leads/{lead_id}/notes", response_model=None)
def add_note(
    request: Request,
    lead_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    body: Annotated[str, Form(max_length=4 * leads.NOTE_MAX)] = "",
    view: View = "",
) -> HTMLResponse | RedirectResponse:
    """Add a note to the lead; the answer shows its notes, the new one first."""
    focus = f"lead-note-{lead_id}"
    try:
        with session.begin_nested():
            leads.add_note(session, user, lead_id, body, now)
    except leads.LeadInvalid as refused:  # a field's problem: the form again, beside it
        return _answer(
            request,
            session,
            user,
            lead_id,
            now,
            view,
            focus=focus,
            opened="note",
            refused=refused,
            typed={"body": body},
        )
    return _answer(request, session, user, lead_id, now, view, focus=focus, opened="note")


@router.post("/leads/{lead_id}/tasks", response_model=None)
def add_task(
    request: Request,
    lead_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    title: Annotated[str, Form(max_length=4 * leads.TITLE_MAX)] = "",
    due_at: Short = "",
    assignee_id: Short = "",
    team: Short = "",
    view: View = "",
) -> HTMLResponse | RedirectResponse:
    """A follow-up task for the lead: for a person, a team, or else its owner (else you)."""
    focus = f"lead-task-title-{lead_id}"
    typed = {"title": title, "due_at": due_at, "assignee_id": assignee_id, "team": team}
    try:
        with session.begin_nested():
            leads.add_task(
                session,
                user,
                lead_id,
                now,
                title=title,
                due_at=_due(due_at, now, reader_zone(request)),
                assignee_id=_user_id("assignee_id", assignee_id),
                team=team.strip() or None,
            )
    except leads.LeadInvalid as refused:  # a field's problem: the form again, beside it
        return _answer(
            request,
            session,
            user,
            lead_id,
            now,
            view,
            focus=focus,
            opened="task",
            refused=refused,
            typed=typed,
        )
    return _answer(request, session, user, lead_id, now, view, focus=focus, opened="task")


def _user_id(field: str, text: str) -> int | None:
    """A user id as the form sends it ("" for none); whether they may be chosen is the
    service's to say."""
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise leads.LeadInvalid(field, "choose someone from the list") from None


def _due(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The due time as a datetime-local input sends it, read in the reader's zone (the one
    the desk shows times in); none given: the service's default, a day from now."""
    if not text.strip():
        return now + leads.DEFAULT_DUE
    try:
        return localtime.parse_typed(text, zone)
    except localtime.TypedTimeInvalid as bad:
        raise leads.LeadInvalid("due_at", str(bad)) from None
