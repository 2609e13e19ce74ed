"""The interaction: one call (one telephony session), from ringing to wrapped up."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.db import Base, UtcDateTime


class State(StrEnum):
    RINGING = "ringing"
    ACTIVE = "active"  # answered, agent on the call
    WRAP_UP = "wrap_up"  # call leg ended, documentation still owed
    CLOSED = "closed"  # wrapped up: CRM records written
    MISSED = "missed"  # ended before anyone accepted it: what on_missed owes written, final


class Interaction(Base):
    __tablename__ = "interaction"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        Index("ix_interaction_org_state", "org_id", "state", "urgency_rank", "rang_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    dialed_number: Mapped[str | None] = mapped_column(String(32), default=None)
    caller_number: Mapped[str | None] = mapped_column(String(32), default=None)
    caller_name: Mapped[str | None] = mapped_column(String(200), default=None)
    line_id: Mapped[str] = mapped_column(String(64))
    line_name: Mapped[str] = mapped_column(String(200))
    matched_by: Mapped[str] = mapped_column(String(16))
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgency_id: Mapped[str] = mapped_column(String(64))
    urgency_name: Mapped[str] = mapped_column(String(64))
    urgency_rank: Mapped[int] = mapped_column()
    playbook_version: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    agent_name: Mapped[str | None] = mapped_column(String(200), default=None)
    # Back in the queue for this playbook team (a transfer to a team), until someone accepts.
    queue_team: Mapped[str | None] = mapped_column(String(64), default=None)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("crm_account.id"), default=None)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rang_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_event_at: Mapped[datetime] = mapped_column(UtcDateTime())
