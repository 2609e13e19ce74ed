"""What fronts show of CRM rows: the public shapes of accounts, notes, call logs, leads, tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AccountPublic(Public):
    id: int
    name: str
    paid: bool
    phone: str | None
    email: str | None
    created_at: datetime


class ContactPublic(Public):
    id: int
    account_id: int | None
    name: str | None
    phone: str | None
    email: str | None


class NotePublic(Public):
    id: int
    interaction_id: int | None
    author: str
    body: str
    created_at: datetime


class CallLogPublic(Public):
    id: int
    interaction_id: int
    line: str
    urgency: str
    agent_name: str
    caller_number: str | None
    caller_name: str | None
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    summary: str | None
    playbook_version: str
    data: dict[str, Any]


class LeadPublic(Public):
    id: int
    account_id: int | None
    interaction_id: int | None
    name: str | None
    phone: str | None
    email: str | None
    stage: str
    owner_id: int | None
    line: str | None
    created_at: datetime
    updated_at: datetime


class LeadNotePublic(Public):
    id: int
    lead_id: int
    author: str
    body: str
    created_at: datetime


class TaskPublic(Public):
    id: int
    title: str
    team: str | None
    assignee_id: int | None
    account_id: int | None
    interaction_id: int | None
    due_at: datetime
    status: str
    source: str | None
    data: dict[str, Any]
    created_at: datetime
    done_at: datetime | None
    outcome: str | None = Field(description="what came of it, as the closer wrote it")
    outcome_code: str | None = Field(
        description="resolved, no_answer, left_message, escalated or not_needed"
    )


class TaskCommentPublic(Public):
    id: int
    task_id: int
    author_id: int | None
    author: str
    body: str
    created_at: datetime


class AccountDetailPublic(BaseModel):
    account: AccountPublic
    contacts: list[ContactPublic]
    notes: list[NotePublic]
    calls: list[CallLogPublic]
    leads: list[LeadPublic]
    tasks: list[TaskPublic]
