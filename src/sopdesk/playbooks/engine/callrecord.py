"""The facts of a call the engine reads (`CallRecord`) and the plan it answers (`WrapUpPlan`).

Plain data, shared by the engine, the desk and the playbook test cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioRecord(Frozen):
    """A scenario the agent opened, with what was typed into its form."""

    id: str
    values: dict[str, Any] = Field(default_factory=dict)
    completed_steps: list[str] = Field(default_factory=list)


class EscalationRecord(Frozen):
    """A request for a team that the agent started under an escalation policy."""

    policy: str
    team: str
    faq_tried: list[str] = Field(default_factory=list)
    customer_unsatisfied: bool = False
    identity_verified: bool = False


class CallRecord(Frozen):
    """What happened on the call, as the desk knows it at wrap-up time."""

    line: str
    agent_name: str
    started_at: datetime
    ended_at: datetime | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    account_id: str | None = None
    completed_steps: list[str] = Field(default_factory=list)
    choices: dict[str, str] = Field(default_factory=dict, description="step id -> choice label")
    converted: bool | None = None
    scenarios: list[ScenarioRecord] = Field(default_factory=list)
    escalations: list[EscalationRecord] = Field(default_factory=list)
    summary: str | None = None


class Missing(Frozen):
    """Something the playbook requires that the call has not documented yet."""

    code: str
    message: str
    step: str | None = None
    scenario: str | None = None
    field: str | None = None


class OwedRecord(Frozen):
    """One CRM record the wrap-up must write."""

    record: Literal["lead", "call_log", "account_note", "task", "escalation", "ticket"]
    data: dict[str, Any]


class WrapUpPlan(Frozen):
    records: list[OwedRecord]
    missing: list[Missing]

    @property
    def can_close(self) -> bool:
        return not self.missing
