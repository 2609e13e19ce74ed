"""The YAML shape of playbook test cases: what is given (a call, a ticket, a schedule, an email).

Strict like playbooks: an unknown key is an error, so a typo cannot silently check nothing.
What `expect:` may say is in `cases_check`; running the cases is in `cases`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Self

from pydantic import AwareDatetime, Field, model_validator

from sopdesk.playbooks.cases.check import (
    CLOCK_KEYS,
    PLAN_KEYS,
    SCHEDULE_KEYS,
    SCREEN_KEYS,
    TICKET_KEYS,
    Expect,
    Strict,
)
from sopdesk.playbooks.engine import EscalationRecord, ScenarioRecord

DEFAULT_NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


class CallGiven(Strict):
    label: str | None = None
    to: str | None = None
    caller_name: str | None = None
    caller_number: str | None = None


class TicketGiven(Strict):
    """A ticket of one of the playbook's categories, with what was typed into its form."""

    category: str
    values: dict[str, Any] = Field(default_factory=dict)


class ScheduleGiven(Strict):
    """A schedule to compute: a weekly cycle for a request, or a reminder's days."""

    id: str
    submitted: AwareDatetime | None = Field(None, description="weekly cycle: request sent at")
    start: date | None = Field(None, description="recurring reminder: first day looked at")
    days: int = Field(1, ge=1, le=366, description="recurring reminder: days looked at")


class EmailGiven(Strict):
    """An email reaching a team's address, and the team's reply if there was one."""

    to: str
    received: AwareDatetime
    replied: AwareDatetime | None = None


class Defaults(Strict):
    """Values every case of the file takes unless it sets its own."""

    agent: str | None = None
    now: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None


class Case(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    call: CallGiven | None = None
    agent: str = "Agent"
    now: AwareDatetime = Field(DEFAULT_NOW, description="the call starts; clocks are read")
    ended_at: AwareDatetime | None = None
    missed: bool = Field(
        False, description="the call ended before anyone accepted it: expect what on_missed owes"
    )
    account: str | None = None
    steps: list[str] = Field(default_factory=list)
    choices: dict[str, str] = Field(default_factory=dict)
    converted: bool | None = None
    scenarios: list[ScenarioRecord] = Field(default_factory=list)
    escalations: list[EscalationRecord] = Field(default_factory=list)
    ticket: TicketGiven | None = None
    schedule: ScheduleGiven | None = None
    email: EmailGiven | None = None
    expect: Expect

    @model_validator(mode="after")
    def _checks_something_it_was_given(self) -> Self:
        asked = self.expect.model_fields_set
        if not asked:
            raise ValueError("expect checks nothing: give at least one expectation")
        for keys, given, name in (
            (SCREEN_KEYS | PLAN_KEYS, self.call, "call"),
            (SCHEDULE_KEYS, self.schedule, "schedule"),
            (CLOCK_KEYS, self.email, "email"),
            (TICKET_KEYS, self.ticket, "ticket"),
        ):
            if asked & keys and given is None:
                raise ValueError(f"expect.{min(asked & keys)} needs `{name}:` in the case")
        about_call = self.steps or self.choices or self.converted is not None or self.account
        if self.call is None and (about_call or self.escalations):
            raise ValueError("steps, choices, converted, account and escalations need `call:`")
        handled = about_call or self.scenarios or self.escalations
        if self.missed and (self.call is None or handled):
            raise ValueError(
                "a missed call needs `call:` and has no steps, choices, outcome, "
                "account, scenarios or escalations: nobody took it"
            )
        if self.ended_at is not None and self.ended_at < self.now:
            raise ValueError("ended_at is before now (when the call started)")
        return self


class CaseFile(Strict):
    org: str
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, data: Any) -> Any:
        # Filled in before validation, so a case with its defaults is checked as a whole.
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            return data
        given = data.get("defaults")
        keys = Defaults.model_fields
        shared = {k: v for k, v in given.items() if k in keys} if isinstance(given, dict) else {}
        cases = [{**shared, **c} if isinstance(c, dict) else c for c in data["cases"]]
        return {**data, "cases": cases}

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [c.id for c in self.cases]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"case ids must be unique in a file: {', '.join(twice)}")
        return self
