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
        # The reports read one org's calls by when they rang.
        Index("ix_interaction_org_rang", "org_id", "rang_at"),
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
    # Written by the wrap-up for the reports: refused attempts, and (once accepted) what the
    # call did with its playbook, as a pattern shared with every call that did the same.
    wrap_up_refusals: Mapped[int] = mapped_column(default=0, server_default="0")
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("call_pattern.id"), default=None)


class CallPattern(Base):
    """What wrapped-up calls did with their playbook: each element's status (desk.patterns)
    and the kinds of record the wrap-up wrote. One row is shared by every call of the org that
    did the same, is written once and never changed, so a report counts calls by pattern
    instead of walking each call's progress again."""

    __tablename__ = "call_pattern"
    __table_args__ = (UniqueConstraint("org_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of `uses` and `written`
    uses: Mapped[list[Any]] = mapped_column(JSON)
    written: Mapped[list[str]] = mapped_column(JSON)


class RefusedItem(Base):
    """One thing a refused wrap-up named as still owed (its audit entry lists them too), a row
    each so that the reports rank them in SQL. `rang_at` is the call's, for the range."""

    __tablename__ = "wrap_up_refused_item"
    __table_args__ = (Index("ix_wrap_up_refused_item_org_rang", "org_id", "rang_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interaction.id"))
    rang_at: Mapped[datetime] = mapped_column(UtcDateTime())
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    code: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(200))  # the step, field or rule it was missing at
    scenario: Mapped[str | None] = mapped_column(String(64), default=None)
    message: Mapped[str] = mapped_column(String(500))
