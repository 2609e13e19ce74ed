"""`CallProgress`: what the agent has done on a call so far, and the one owner of the
`Interaction.progress` column.

Nothing else reads or writes that JSON: the desk's actions change a `CallProgress` and save it
with `save_progress`, pages and the API read it with `progress_of`, and the engine's
`CallRecord` is derived from it by `call_record`. Each change returns a new model, so the
column is always replaced, never mutated in place (SQLAlchemy would not see a mutation).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sopdesk.desk.models import Interaction
from sopdesk.playbooks.engine import CallRecord, EscalationRecord, FieldValue, ScenarioRecord


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioProgress(_Frozen):
    """A scenario the agent opened: what was typed into its form and which of its steps are done."""

    values: dict[str, FieldValue] = Field(default_factory=dict)
    steps: list[str] = Field(default_factory=list)
    version: int = Field(default=0, description="counts the form's changes, like summary_version")


class CallProgress(_Frozen):
    """Steps done, answers chosen, scenarios, escalations, FAQs tried, summary and outcome."""

    completed_steps: list[str] = Field(default_factory=list)
    choices: dict[str, str] = Field(default_factory=dict, description="step id -> answer label")
    converted: bool | None = Field(
        default=None, description="the outcome: converted to a paid account"
    )
    scenarios: dict[str, ScenarioProgress] = Field(default_factory=dict)
    escalations: list[EscalationRecord] = Field(default_factory=list)
    faq_tried: list[str] = Field(default_factory=list, description="FAQ article slugs tried")
    summary: str | None = None
    summary_version: int = Field(
        default=0,
        description="counts the summary's changes: a write over an older version is stale",
    )

    def with_step(self, step_id: str, done: bool) -> CallProgress:
        steps = [s for s in self.completed_steps if s != step_id]
        return self._but(completed_steps=[*steps, step_id] if done else steps)

    def with_choice(
        self, step_id: str, label: str, converted: bool | None, scenario: str | None
    ) -> CallProgress:
        """An answer; one that records the outcome or opens a scenario does so."""
        changes: dict[str, object] = {"choices": {**self.choices, step_id: label}}
        if converted is not None:
            changes["converted"] = converted
        if scenario and scenario not in self.scenarios:
            changes["scenarios"] = {**self.scenarios, scenario: ScenarioProgress()}
        return self._but(**changes)

    def with_outcome(self, converted: bool) -> CallProgress:
        return self._but(converted=converted)

    def with_scenario(
        self, scenario_id: str, values: dict[str, FieldValue | None], steps: list[str]
    ) -> CallProgress:
        """The scenario's form as typed, one version on; empty fields are dropped, not stored as
        blanks. The same form again changes nothing."""
        kept = {k: v for k, v in values.items() if v is not None and v != ""}
        before = self.scenarios.get(scenario_id)
        if before is not None and (before.values, before.steps) == (kept, steps):
            return self
        version = before.version + 1 if before is not None else 1
        entry = ScenarioProgress(values=kept, steps=steps, version=version)
        return self._but(scenarios={**self.scenarios, scenario_id: entry})

    def with_escalation(self, entry: EscalationRecord) -> CallProgress:
        """A request for a team; it replaces an earlier one for the same policy and team."""
        others = [e for e in self.escalations if (e.policy, e.team) != (entry.policy, entry.team)]
        return self._but(escalations=[*others, entry])

    def with_faq_tried(self, article: str) -> CallProgress:
        """An FAQ tried with the caller; it counts for every escalation of the call too."""
        tried = [a for a in self.faq_tried if a != article]
        escalations = [
            e.model_copy(update={"faq_tried": sorted({*e.faq_tried, article})})
            for e in self.escalations
        ]
        return self._but(faq_tried=[*tried, article], escalations=escalations)

    def with_summary(self, summary: str) -> CallProgress:
        """The summary as typed, one version on; the same text again changes nothing."""
        text = summary.strip() or None
        if text == self.summary:
            return self
        return self._but(summary=text, summary_version=self.summary_version + 1)

    def _but(self, **changes: object) -> CallProgress:
        # Validated again, so a change can never store what a fresh read would refuse.
        return CallProgress.model_validate({**self.model_dump(), **changes})


def field_text(value: FieldValue | None) -> str:
    """A stored field value as the agent types it (a list one per line, money as "2500 USD")."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dict) and "amount" in value:
        return f"{value.get('amount', '')} {value.get('currency', '')}".strip()
    return "" if value is None else str(value)


def progress_of(interaction: Interaction) -> CallProgress:
    """The call's progress as stored (an empty one for a call nobody has worked on)."""
    return CallProgress.model_validate(interaction.progress or {})


def save_progress(interaction: Interaction, progress: CallProgress) -> None:
    """Store `progress` on the interaction (a new JSON value, so the change is flushed)."""
    interaction.progress = progress.model_dump(mode="json", exclude_defaults=True)


def call_record(interaction: Interaction) -> CallRecord:
    """What the engine needs to know about the call: its facts and its progress."""
    p = progress_of(interaction)
    return CallRecord(
        line=interaction.line_id,
        agent_name=interaction.agent_name or "Agent",
        started_at=interaction.answered_at or interaction.rang_at,
        ended_at=interaction.ended_at,
        caller_number=interaction.caller_number,
        caller_name=interaction.caller_name,
        account_id=str(interaction.account_id) if interaction.account_id else None,
        completed_steps=list(p.completed_steps),
        choices=dict(p.choices),
        converted=p.converted,
        scenarios=[
            ScenarioRecord(id=sid, values=dict(s.values), completed_steps=list(s.steps))
            for sid, s in p.scenarios.items()
        ],
        escalations=list(p.escalations),
        summary=p.summary,
    )
