"""Tables of the CRM room. Every row belongs to one org; every query filters by it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.db import Base, UtcDateTime


class Account(Base):
    """A customer account, paid or not."""

    __tablename__ = "crm_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    paid: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Contact(Base):
    __tablename__ = "crm_contact"
    __table_args__ = (Index("ix_crm_contact_org_email", "org_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("crm_account.id"), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Lead(Base):
    __tablename__ = "crm_lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("crm_account.id"), default=None)
    interaction_id: Mapped[int | None] = mapped_column(default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    stage: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    line: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LeadNote(Base):
    """A note on a lead, by whoever works it."""

    __tablename__ = "crm_lead_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("crm_lead.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallLog(Base):
    __tablename__ = "crm_call_log"
    __table_args__ = (UniqueConstraint("interaction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    interaction_id: Mapped[int] = mapped_column()
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_account.id"), default=None, index=True
    )
    line: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(64))
    agent_name: Mapped[str] = mapped_column(String(200))
    caller_number: Mapped[str | None] = mapped_column(String(32), default=None)
    caller_name: Mapped[str | None] = mapped_column(String(200), default=None)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    duration_seconds: Mapped[int] = mapped_column()
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    playbook_version: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Note(Base):
    """A note on a customer's account."""

    __tablename__ = "crm_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("crm_account.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(default=None)
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Task(Base):
    """Follow-up work for a person or a team, with a due time."""

    __tablename__ = "crm_task"
    __table_args__ = (Index("ix_crm_task_org_status_due", "org_id", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    title: Mapped[str] = mapped_column(String(300))
    team: Mapped[str | None] = mapped_column(String(64), default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("crm_account.id"), default=None)
    interaction_id: Mapped[int | None] = mapped_column(default=None)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")
    source: Mapped[str | None] = mapped_column(String(100), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # How it was closed: a short outcome in words, and optionally one of crm.tasks.OutcomeCode.
    outcome: Mapped[str | None] = mapped_column(String(200), default=None)
    outcome_code: Mapped[str | None] = mapped_column(String(20), default=None)


class TaskComment(Base):
    """One comment in a task's thread, by someone who works it."""

    __tablename__ = "crm_task_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("crm_task.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Who changed what, when, and under which playbook version."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_org_object", "org_id", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    playbook_version: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
