"""The typed rows the reports aggregate: what each room's tables say, read once per report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CallRow:
    """One interaction, with its line's service-level target from its own playbook version."""

    id: int
    line_id: str
    line_name: str
    urgency: str
    playbook_version: str
    agent_id: int | None
    agent_name: str | None
    state: str
    rang_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    closed_at: datetime | None
    answer_within: timedelta


@dataclass(frozen=True)
class MissingItem:
    """One thing a refused wrap-up named as still owed."""

    code: str
    place: str  # the step, scenario field or rule it was missing at
    message: str
    scenario: str | None = None  # the scenario of a missing scenario field or step


@dataclass(frozen=True)
class WrapAttempt:
    """A wrap-up audit entry: refused (with what was missing) or accepted (with what it wrote)."""

    interaction_id: int
    at: datetime
    accepted: bool
    missing: tuple[MissingItem, ...] = ()
    written: tuple[str, ...] = ()  # record kinds


@dataclass(frozen=True)
class TicketRow:
    id: int
    team: str
    status: str
    sla_state: str
    received_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_due_at: datetime | None
    reminders: int
