"""Step completion: which steps lie on the path the call took, which are done, what is next.

Pure. Steps run in order; a step with choices goes where the chosen answer says; `next`
overrides the order; 'end' ends. Steps of kind `after_call` never block wrap-up: the
documentation rules turn them into tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sopdesk.playbooks.engine.callrecord import CallRecord, ScenarioRecord
from sopdesk.playbooks.engine.intake import is_required, validate_scenario
from sopdesk.playbooks.language.schema import Line, Scenario, Step

END = "end"


@dataclass(frozen=True)
class Progress:
    path: tuple[Step, ...]
    done: frozenset[str]
    current: Step | None

    @property
    def pending_required(self) -> list[Step]:
        return [
            s for s in self.path if s.required and s.kind != "after_call" and s.id not in self.done
        ]


def walk(steps: Sequence[Step], done: frozenset[str], choices: Mapping[str, str]) -> Progress:
    """Follow the steps from the first, through chosen answers, until the end or an open choice."""
    by_id = {s.id: i for i, s in enumerate(steps)}
    path: list[Step] = []
    index: int | None = 0 if steps else None
    seen: set[int] = set()
    current: Step | None = None
    while index is not None and index < len(steps) and index not in seen:
        seen.add(index)
        step = steps[index]
        path.append(step)
        if current is None and step.id not in done and step.kind != "after_call":
            current = step
        target: str | None
        if step.choices:
            chosen = next((c for c in step.choices if c.label == choices.get(step.id)), None)
            if chosen is None:
                break
            target = chosen.goto
        else:
            target = step.next
        if target == END:
            break
        index = by_id.get(target) if target else index + 1
    return Progress(tuple(path), done, current)


def line_progress(line: Line, record: CallRecord) -> Progress:
    """An outcome recorded directly (converted or not) answers the step that asks for it."""
    choices = dict(record.choices)
    if record.converted is not None:
        for step in line.steps:
            match = next((c for c in step.choices if c.converted == record.converted), None)
            if match is not None and not choices.get(step.id):
                choices[step.id] = match.label
    # Only one of the step's own answers answers it: a mistyped label leaves the step open.
    labels = {s.id: {c.label for c in s.choices} for s in line.steps}
    answered = {sid for sid, label in choices.items() if label in labels.get(sid, ())}
    return walk(line.steps, frozenset(record.completed_steps) | answered, choices)


def scenario_progress(
    scenario: Scenario, entry: ScenarioRecord, valid: Mapping[str, Any]
) -> Progress:
    """A collecting step is done once what it collects is validly filled, or when ticked."""
    fields = {f.id: f for f in scenario.fields}
    done = set(entry.completed_steps)
    for step in scenario.steps:
        collected = [fields[c] for c in step.collect if c in fields]
        started = any(f.id in valid for f in collected)
        if started and all(f.id in valid for f in collected if is_required(f, valid)):
            done.add(step.id)
    return walk(scenario.steps, frozenset(done), {})


StepStatus = Literal["done", "current", "todo", "later", "skipped", "after_call"]


@dataclass(frozen=True)
class StepState:
    """Where one of the line's steps stands on this call, and the answer chosen for it."""

    step: Step
    number: int
    status: StepStatus
    chosen: str | None


def step_states(line: Line, record: CallRecord, closed: bool) -> list[StepState]:
    """Every step of the line in order: done, current, still to do on the path, waiting on an
    unanswered choice ("later"), skipped by the answer given, or after the call."""
    progress = line_progress(line, record)
    on_path = {s.id for s in progress.path}
    last = progress.path[-1] if progress.path else None
    waiting = last is not None and bool(last.choices) and last.id not in progress.done
    states = []
    for number, step in enumerate(line.steps, 1):
        status: StepStatus
        if step.kind == "after_call":
            status = "after_call"
        elif step.id in progress.done:
            status = "done"
        elif closed:
            status = "todo" if step.id in on_path else "skipped"
        elif progress.current is not None and step.id == progress.current.id:
            status = "current"
        elif step.id in on_path:
            status = "todo"
        else:
            status = "later" if waiting else "skipped"
        states.append(StepState(step, number, status, record.choices.get(step.id)))
    return states


@dataclass(frozen=True)
class ScenarioState:
    """Where an opened scenario stands: each field's problem, which fields are required now,
    which steps are done (and which of those by themselves, their fields validly filled)."""

    id: str
    errors: dict[str, str]
    required_fields: tuple[str, ...]
    done_steps: tuple[str, ...]
    auto_done_steps: tuple[str, ...]
    pending_steps: tuple[str, ...] = ()  # required, not done, and no field of theirs is wrong

    @property
    def problems(self) -> int:
        return len(self.errors) + len(self.pending_steps)


def scenario_state(scenario: Scenario, entry: ScenarioRecord, region: str) -> ScenarioState:
    result = validate_scenario(scenario, entry.values, region)
    progress = scenario_progress(scenario, entry, result.values)
    ticked = set(entry.completed_steps)
    done = [s.id for s in scenario.steps if s.id in progress.done]
    return ScenarioState(
        id=scenario.id,
        errors=dict(result.errors),
        required_fields=tuple(f.id for f in scenario.fields if is_required(f, result.values)),
        done_steps=tuple(done),
        auto_done_steps=tuple(s for s in done if s not in ticked),
        pending_steps=tuple(
            s.id
            for s in progress.pending_required
            if not any(c in result.errors for c in s.collect)
        ),
    )
