"""Where a call stands, step by step and scenario by scenario, as the engine says: one answer
for the call screen, the API (`GET /api/v1/interactions/{id}`) and any other front."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from sopdesk.desk.models import Interaction, State
from sopdesk.desk.progress import call_record, progress_of
from sopdesk.desk.service import line_of, playbook_of
from sopdesk.playbooks import engine
from sopdesk.playbooks.engine import ScenarioRecord, StepStatus


class StepStatusPublic(BaseModel):
    step: str
    number: int
    status: StepStatus = Field(
        description="done, current, todo (on the path), later (waits on an answer), skipped "
        "(the answer given skips it) or after_call"
    )
    chosen: str | None = Field(description="the answer chosen, for a step with choices")


class ScenarioStatusPublic(BaseModel):
    scenario: str
    errors: dict[str, str] = Field(description="field id -> what is wrong with it")
    required_fields: list[str] = Field(description="fields required now (some depend on others)")
    done_steps: list[str]
    auto_done_steps: list[str] = Field(description="done because their fields are validly filled")
    problems: int = Field(description="invalid fields and required steps not done")


class CallStatusPublic(BaseModel):
    steps: list[StepStatusPublic]
    scenarios: list[ScenarioStatusPublic] = Field(description="the scenarios opened on the call")


def call_status(session: Session, interaction: Interaction) -> CallStatusPublic:
    playbook = playbook_of(session, interaction)
    closed = interaction.state == State.CLOSED.value
    states = engine.step_states(line_of(playbook, interaction), call_record(interaction), closed)
    steps = [
        StepStatusPublic(step=s.step.id, number=s.number, status=s.status, chosen=s.chosen)
        for s in states
    ]
    scenarios = []
    for sid, entry in progress_of(interaction).scenarios.items():
        scenario = playbook.scenario(sid)
        if scenario is None:  # pragma: no cover - progress only holds the call's own scenarios
            continue
        record = ScenarioRecord(id=sid, values=entry.values, completed_steps=entry.steps)
        state = engine.scenario_state(scenario, record, playbook.org.default_region)
        scenarios.append(
            ScenarioStatusPublic(
                scenario=sid,
                errors=state.errors,
                required_fields=list(state.required_fields),
                done_steps=list(state.done_steps),
                auto_done_steps=list(state.auto_done_steps),
                problems=state.problems,
            )
        )
    return CallStatusPublic(steps=steps, scenarios=scenarios)
