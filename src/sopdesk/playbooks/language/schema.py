"""The playbook language: the typed shape of an SOP that a machine can run.

Owns the models only. Must not import the loader, the engine or anything with I/O.
Every model forbids unknown keys so that a typo in a playbook is a lint finding, not a
silently ignored instruction.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from sopdesk.playbooks.language.durations import parse_duration

FORMAT_VERSION = 1

Ident = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]*$", description="lower_snake_case identifier"),
]


def _zone_name(value: str) -> str:
    # Every page shows times in the org's zone: a misspelt zone must fail lint, not each page.
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}: use an IANA name like America/New_York"
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_zone_name)]


# The industry's common service level is 80 % of calls answered within 20 seconds.
DEFAULT_ANSWER_WITHIN = timedelta(seconds=20)


class Model(BaseModel):
    """Base for every playbook element: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(minutes=value)
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError("expected a duration such as '24h', '30 minutes' or 'PT24H'")


class Team(Model):
    """A team that receives hand-offs or escalations, and how it is reached."""

    id: Ident
    name: str
    email: str | None = Field(None, description="address the team is reached at by email")
    queue: str | None = Field(None, description="telephony or desk queue the team works from")
    phone_allowed: bool = Field(
        True, description="false when callers must never be put through to this team by phone"
    )
    note: str | None = None


class Urgency(Model):
    """One level of the org's ordered urgency scale; later entries are more urgent."""

    id: Ident
    name: str
    color: str = Field("#6b7280", pattern=r"^#[0-9a-fA-F]{6}$")


class GreetingMode(StrEnum):
    SPOKEN = "spoken"
    MUTED = "muted"
    SILENT = "silent"


class Greeting(Model):
    """What the agent says on answering, or an explicit instruction to stay quiet.

    `template` may use {agent_name}, {org_name}, {line_name} and {caller_name}.
    """

    mode: GreetingMode = GreetingMode.SPOKEN
    template: str | None = None
    banner: str | None = Field(
        None, description="what the screen shows instead of a script when muted or silent"
    )
    listen_only: bool = False


class Choice(Model):
    """One answer to a branching step: where the guide goes next."""

    label: str
    goto: str = Field(description="id of the next step, or 'end'")
    scenario: Ident | None = Field(None, description="scenario this answer opens")
    converted: bool | None = Field(
        None, description="records whether the caller converted to a paid account"
    )


class Step(Model):
    """One handling step. Steps run in order unless a choice or `next` says otherwise."""

    id: Ident
    text: str
    kind: Literal["say", "do", "ask", "listen", "check", "after_call"] = "do"
    required: bool = True
    collect: list[Ident] = Field(
        default_factory=list, description="scenario fields this step collects"
    )
    choices: list[Choice] = Field(default_factory=list)
    next: str | None = Field(None, description="id of the next step, or 'end'")


class FieldType(StrEnum):
    TEXT = "text"
    PHONE = "phone"
    EMAIL = "email"
    IDENTIFIER = "identifier"
    MONEY = "money"
    CHOICE = "choice"
    LIST = "list"
    DATE = "date"


class IntakeField(Model):
    """One piece of information the agent must or may record."""

    id: Ident
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = True
    pattern: str | None = Field(None, description="regular expression the value must match")
    options: list[str] = Field(default_factory=list, description="allowed values of a choice")
    currencies: list[str] = Field(
        default_factory=list, description="allowed currency codes of a money field; empty: any"
    )
    min_items: int = 0
    help: str | None = None
    when: dict[str, str] = Field(
        default_factory=dict,
        description="field is required only when the named fields have these values",
    )

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class IdentityCheck(Model):
    """How the agent validates who is calling before anything is promised."""

    instruction: str
    fields: list[Ident] = Field(min_length=1)


class FollowUpTask(Model):
    """A task created at wrap-up for a person or a team."""

    title: str
    team: Ident | None = Field(None, description="team the task is assigned to")
    due: Annotated[timedelta, Field(description="due this long after the call ends")]
    assign_to_agent: bool = False

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, value: Any) -> timedelta:
        return _duration(value)


class CallBackTask(Model):
    """The task a missed call leaves for a team: call the caller back within `due`."""

    title: str
    team: Ident = Field(description="team that calls the caller back")
    due: Annotated[timedelta, Field(description="due this long after the call ended unanswered")]

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, value: Any) -> timedelta:
        return _duration(value)


class OnMissed(Model):
    """What a call that ended before anyone accepted it owes the CRM (no steps, no agent).

    Absent everywhere: a call log marked missed, nothing else."""

    call_log: bool = Field(True, description="write a call log marked missed")
    task: CallBackTask | None = Field(None, description="a call-back task for a team")
    source: str | None = Field(None, description="the SOP text this rule comes from")


class Handoff(Model):
    """Who follows up a scenario, what the caller is told, and the task it creates."""

    team: Ident
    tell_caller: str
    requires: list[Ident] = Field(
        default_factory=list, description="fields that must be collected before the hand-off"
    )
    task: FollowUpTask
    ticket_category: Ident | None = Field(
        None, description="ticket category the hand-off raises; its mandatory fields apply"
    )


class Scenario(Model):
    """A situation that can arise on a call (law enforcement, crypto, IRS...)."""

    id: Ident
    name: str
    lines: list[Ident] | Literal["all"] = "all"
    description: str | None = None
    steps: list[Step] = Field(min_length=1)
    fields: list[IntakeField] = Field(default_factory=list)
    identity_check: IdentityCheck | None = None
    handoff: Handoff | None = None
    note: str | None = None
    summary_only: bool = Field(False, description="the source gives only a summary")
    source: str | None = Field(None, description="the SOP text this scenario comes from")


class Condition(Model):
    """When a documentation rule applies. Every key given must hold; none means always."""

    converted: bool | None = Field(
        None, description="caller converted to a paid account during the call"
    )
    scenario: Ident | Literal["any", "none"] | None = None
    has_account: bool | None = None


class DocumentationRule(Model):
    """A record the call must leave in the CRM before it may be wrapped up."""

    record: Literal["lead", "call_log", "account_note", "task"]
    when: Condition = Field(default_factory=Condition)
    stage: str | None = Field(None, description="lead stage to set")
    content: str | None = Field(None, description="what the record must say")
    task: FollowUpTask | None = None
    source: str | None = Field(None, description="the SOP sentence this rule comes from")


class Line(Model):
    """A phone line as the agent sees it ringing, and the procedure for its calls."""

    id: Ident
    name: str
    labels: list[str] = Field(
        default_factory=list, description="label shown in the phone system before answering"
    )
    numbers: list[str] = Field(default_factory=list, description="dialed numbers")
    urgency: Ident
    greeting: Greeting
    steps: list[Step] = Field(default_factory=list)
    advice: list[str] = Field(default_factory=list)
    documentation: list[DocumentationRule] = Field(default_factory=list)
    policies: list[Ident] = Field(
        default_factory=list, description="escalation policies agents may start on this line"
    )
    fallback: bool = Field(False, description="used for calls no other line matches")
    answer_within: timedelta = Field(
        DEFAULT_ANSWER_WITHIN,
        description="service-level target: a call answered within this long of ringing counts "
        "as answered in time (reports); default 20 seconds",
    )
    on_missed: OnMissed | None = Field(
        None, description="what a missed call on this line owes; none: the playbook's on_missed"
    )
    note: str | None = None

    @field_validator("answer_within", mode="before")
    @classmethod
    def _answer_within(cls, value: Any) -> timedelta:
        # A bare number is minutes elsewhere in the language; a target this short reads better
        # in words ("20s"), so only durations in words are taken here.
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("write the target in words, such as '20s' or '1 minute'")
        return _duration(value)


class Sla(Model):
    """A clock: the owning team must answer within `within`, counted from `measured_from`."""

    within: timedelta
    measured_from: Literal["email_received", "ticket_created", "call_ended"] = "email_received"
    remind_at: float = Field(0.75, gt=0, lt=1, description="share of the time at which to remind")
    team: Ident | None = Field(None, description="team that owns the clock")

    @field_validator("within", mode="before")
    @classmethod
    def _within(cls, value: Any) -> timedelta:
        return _duration(value)


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    TICKET = "ticket"


class EscalationPolicy(Model):
    """How a request for a team is escalated: preconditions, channels, clock."""

    id: Ident
    name: str
    teams: list[Ident] = Field(min_length=1)
    trigger: str
    preconditions: list[Literal["faq_tried", "identity_verified", "customer_unsatisfied"]] = Field(
        default_factory=list
    )
    channel: Channel
    forbidden_channels: list[Channel] = Field(default_factory=list)
    tell_caller: str
    steps: list[Step] = Field(default_factory=list)
    sla: Sla | None = None


class TicketCategory(Model):
    """A kind of ticket with mandatory fields (e.g. Accounts' Payment Tracking)."""

    id: Ident
    name: str
    team: Ident
    fields: list[IntakeField] = Field(min_length=1)
    summary_only: bool = Field(False, description="the source gives only a summary")
    source: str | None = None


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class WeeklyCycle(Model):
    """A weekly processing cycle: submit by one day, initiated on another, credited on a third."""

    kind: Literal["weekly_cycle"] = "weekly_cycle"
    id: Ident
    name: str
    team: Ident
    submit_by: Weekday
    submit_cutoff: str = Field(
        "23:59", pattern=r"^\d{2}:\d{2}$", description="last time on submit_by for this cycle"
    )
    initiated_on: Weekday
    completed_on: Weekday
    completed_at: str = Field("17:00", pattern=r"^\d{2}:\d{2}$", description="end of day")
    timezone: TimeZoneName = "UTC"
    summary_only: bool = False
    source: str | None = None


class RecurringReminder(Model):
    """A reminder that recurs on weekdays and/or the last day of the month."""

    kind: Literal["recurring_reminder"] = "recurring_reminder"
    id: Ident
    name: str
    team: Ident
    weekdays: list[Weekday] = Field(default_factory=list)
    last_day_of_month: bool = False
    message: str
    summary_only: bool = False
    source: str | None = None


Schedule = Annotated[WeeklyCycle | RecurringReminder, Field(discriminator="kind")]


class Org(Model):
    """The tenant whose SOPs these are."""

    id: Ident
    name: str
    default_region: str = Field("US", description="region for reading local phone numbers")
    timezone: TimeZoneName = "UTC"


class Playbook(Model):
    """One org's SOPs as a runnable, versioned document."""

    format: Literal[1] = Field(1, description="playbook format version")
    # A version names a URL path segment, a file name and a database key: plain characters.
    version: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$",
        description="content version, bumped on every published change (letters, digits, . _ + -)",
    )
    org: Org
    source: str | None = Field(None, description="the SOP document this playbook implements")
    urgencies: list[Urgency] = Field(min_length=1, description="ordered from least to most urgent")
    teams: list[Team] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    policies: list[EscalationPolicy] = Field(default_factory=list)
    ticket_categories: list[TicketCategory] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    on_missed: OnMissed | None = Field(
        None, description="what a missed call owes on lines without their own; none: a call log"
    )

    def team(self, team_id: str) -> Team | None:
        return next((t for t in self.teams if t.id == team_id), None)

    def line(self, line_id: str) -> Line | None:
        return next((li for li in self.lines if li.id == line_id), None)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id), None)

    def policy(self, policy_id: str) -> EscalationPolicy | None:
        return next((p for p in self.policies if p.id == policy_id), None)

    def urgency_rank(self, urgency_id: str) -> int:
        """Position on the org's scale; higher is more urgent, -1 when unknown."""
        ids = [u.id for u in self.urgencies]
        return ids.index(urgency_id) if urgency_id in ids else -1
