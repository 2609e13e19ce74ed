"""Working leads over JSON: stage and owner, notes, follow-up tasks (each change audited)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sopdesk.crm import leads
from sopdesk.crm.views import LeadNotePublic, LeadPublic, TaskPublic
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.ids import IdField, IdPath, Moment

router = APIRouter(tags=["crm"])


class LeadPatch(BaseModel):
    stage: str | None = Field(
        None, min_length=1, max_length=40, description="one of the org's stages (GET .../stages)"
    )
    owner_id: IdField | None = Field(None, description="a user of the org; null: nobody")


class LeadNoteIn(BaseModel):
    body: str = Field(min_length=1, max_length=leads.NOTE_MAX)


class LeadTaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=leads.TITLE_MAX)
    due_at: Moment | None = Field(None, description="with its time zone; default: in a day")
    assignee_id: IdField | None = Field(None, description="a user of the org")
    team: str | None = Field(None, max_length=64, description="a team id of the playbook")


@router.get("/lead-stages", response_model=list[str])
def lead_stages(session: SessionDep, user: CurrentUser) -> list[str]:
    """The stages a lead may be moved to: the playbook's, the usual pipeline, any in use."""
    return leads.stages(session, user.org_id)


@router.patch("/leads/{lead_id}", response_model=LeadPublic)
def update_lead(
    lead_id: IdPath, body: LeadPatch, session: SessionDep, user: CurrentUser, now: Now
) -> LeadPublic:
    """Move the lead to a stage and/or give it an owner (`"owner_id": null` clears it)."""
    given = body.model_fields_set
    lead = leads.update_lead(
        session,
        user,
        lead_id,
        now,
        stage=body.stage,
        owner_id=body.owner_id,
        clear_owner="owner_id" in given and body.owner_id is None,
    )
    return LeadPublic.model_validate(lead)


@router.get("/leads/{lead_id}/notes", response_model=list[LeadNotePublic])
def lead_notes(lead_id: IdPath, session: SessionDep, user: CurrentUser) -> list[LeadNotePublic]:
    """The lead's notes, newest first."""
    lead = leads.lead_of(session, user, lead_id)
    return [LeadNotePublic.model_validate(n) for n in leads.notes(session, user.org_id, lead.id)]


@router.post("/leads/{lead_id}/notes", response_model=LeadNotePublic, status_code=201)
def add_note(
    lead_id: IdPath, body: LeadNoteIn, session: SessionDep, user: CurrentUser, now: Now
) -> LeadNotePublic:
    return LeadNotePublic.model_validate(leads.add_note(session, user, lead_id, body.body, now))


@router.post("/leads/{lead_id}/tasks", response_model=TaskPublic, status_code=201)
def add_task(
    lead_id: IdPath, body: LeadTaskIn, session: SessionDep, user: CurrentUser, now: Now
) -> TaskPublic:
    """A follow-up task: for `assignee_id`, for `team`, or else the lead's owner (else you)."""
    due: datetime = body.due_at or now + leads.DEFAULT_DUE
    task = leads.add_task(
        session,
        user,
        lead_id,
        now,
        title=body.title,
        due_at=due,
        assignee_id=body.assignee_id,
        team=body.team,
    )
    return TaskPublic.model_validate(task)
