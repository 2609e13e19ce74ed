"""The facts of a call the engine reads (`CallRecord`) and the plan it answers (`WrapUpPlan`).

Plain data, shared by the engine, the desk and the playbook test cases.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# A value of an intake form: text as typed, a list for a list field, amount and currency for
# money; numbers, booleans and dates from API clients and playbook test cases.
FieldValue = str | int | float | bool | date | list[str] | dict[str, str]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioRecord(Frozen):
    """A scenario the agent opened, with what was typed into its form."""

    id: str
    values: dict[str, FieldValue] = Field(default_factory=dict)
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


class CallLogData(Frozen):
    line: str
    urgency: str
    agent: str
    caller_number: str | None
    caller_name: str | None
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    scenarios: list[str] = Field(description="ids of the scenarios opened on the call")
    summary: str | None
    playbook_version: str
    missed: bool = Field(False, description="the call ended before anyone accepted it")


class LeadData(Frozen):
    stage: str
    name: str | None
    phone: str | None
    line: str
    email: str | None = Field(
        None, description="from the intake's email field, when one was filled"
    )


class AccountNoteData(Frozen):
    account_id: str
    content: str | None


class TaskData(Frozen):
    title: str
    team: str | None = Field(description="the team that owns it; none: the agent's own task")
    assignee: str | None = Field(description="the agent's name when assigned to the agent")
    due_at: datetime
    source: str = Field(description="line:<id> or scenario:<id>, the rule that owes it")
    intake: dict[str, FieldValue] = Field(
        default_factory=dict, description="a hand-off's validated intake"
    )


class EscalationData(Frozen):
    policy: str
    team: str
    channel: str
    address: str | None
    forbidden_channels: list[str]
    faq_tried: list[str]
    sla_within_seconds: int | None
    sla_measured_from: str | None


class TicketData(Frozen):
    category: str
    team: str
    subject: str
    fields: dict[str, FieldValue]


class OwedCallLog(Frozen):
    record: Literal["call_log"] = "call_log"
    data: CallLogData


class OwedLead(Frozen):
    record: Literal["lead"] = "lead"
    data: LeadData


class OwedAccountNote(Frozen):
    record: Literal["account_note"] = "account_note"
    data: AccountNoteData


class OwedTask(Frozen):
    record: Literal["task"] = "task"
    data: TaskData


class OwedEscalation(Frozen):
    record: Literal["escalation"] = "escalation"
    data: EscalationData


class OwedTicket(Frozen):
    record: Literal["ticket"] = "ticket"
    data: TicketData


# One CRM record the wrap-up must write. Consumers match on the kind with `assert_never` in
# the last branch, so a new kind that one of them does not handle fails mypy.
OwedRecord = Annotated[
    OwedCallLog | OwedLead | OwedAccountNote | OwedTask | OwedEscalation | OwedTicket,
    Field(discriminator="record"),
]


def owed_fields(owed: OwedRecord) -> dict[str, Any]:
    """The record's data as plain values, for the playbook test cases' expectations."""
    return owed.data.model_dump()


class WrapUpPlan(Frozen):
    records: list[OwedRecord]
    missing: list[Missing]

    @property
    def can_close(self) -> bool:
        return not self.missing
