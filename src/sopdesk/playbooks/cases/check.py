"""What a playbook test case expects, and how each expectation is checked against the engine.

`cases` owns the given side (the call, what the agent did) and running; this module owns
`expect:`. Every key given is checked exactly (a `null` included); each mismatch becomes one
plain failure line that names the key, what was expected and what the engine gave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
)

from sopdesk.playbooks.engine import Missing, Screen, WrapUpPlan, owed_fields


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MissingExpect(Strict):
    """One missing item, by its fields; each key given must be equal."""

    code: str
    message: str | None = None
    step: str | None = None
    scenario: str | None = None
    field: str | None = None


class ClockExpect(Strict):
    policy: str | None = None
    team: str | None = None
    due_at: AwareDatetime | None = None
    remind_at: AwareDatetime | None = None
    state: Literal["running", "reminder_due", "met", "breached"] | None = None


RecordKind = Literal["lead", "call_log", "account_note", "task", "escalation", "ticket"]


class Expect(Strict):
    # The screen (needs `call`).
    line: str | None = None
    matched_by: Literal["label", "number", "fallback"] | None = None
    urgency: str | None = Field(None, description="the urgency level's name, e.g. Highest")
    urgency_rank: StrictInt | None = None
    urgency_color: str | None = None
    mode: Literal["spoken", "muted", "silent"] | None = None
    listen_only: StrictBool | None = None
    greeting: str | None = Field(None, description="exact text; null: no spoken greeting")
    banner: str | None = None
    banner_contains: str | None = None
    warnings: list[str] | None = None
    warnings_contain: list[str] | None = None
    steps: list[str] | None = None
    advice: list[str] | None = None
    scenarios: list[str] | None = None
    policies: list[str] | None = None
    policy_details: dict[str, dict[str, Any]] | None = None
    scenario_details: dict[str, dict[str, Any]] | None = None
    # The wrap-up plan (needs `call`).
    can_close: StrictBool | None = None
    records: list[dict[str, Any]] | None = None
    missing: list[str | MissingExpect] | None = None
    # Intake: scenario id or ticket category id -> field id -> message fragment.
    field_errors: dict[str, dict[str, str]] | None = None
    ticket_values: dict[str, Any] | None = Field(None, description="the ticket form, normalised")
    # Schedules (need `schedule`).
    cycle_submitted_by: AwareDatetime | None = None
    cycle_initiated_on: date | None = None
    cycle_completed_at: AwareDatetime | None = None
    reminder_days: list[date] | None = None
    reminder_message: str | None = None
    # Escalation clocks (need `email`); `clock: null` expects no clock.
    clock: ClockExpect | None = None

    @field_validator("records")
    @classmethod
    def _records_have_kind(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        kinds = RecordKind.__args__  # type: ignore[attr-defined]
        for item in value or []:
            if item.get("record") not in kinds:
                raise ValueError(f"each record needs `record:` one of {', '.join(kinds)}")
        return value


SCREEN_KEYS = frozenset(
    {"line", "matched_by", "urgency", "urgency_rank", "urgency_color", "mode", "listen_only"}
    | {"greeting", "banner"}
    | {"banner_contains", "warnings", "warnings_contain", "steps", "advice", "scenarios"}
    | {"policies", "policy_details", "scenario_details"}
)
PLAN_KEYS = frozenset({"can_close", "records", "missing"})
SCHEDULE_KEYS = frozenset(
    {"cycle_submitted_by", "cycle_initiated_on", "cycle_completed_at"}
    | {"reminder_days", "reminder_message"}
)
CLOCK_KEYS = frozenset({"clock"})
TICKET_KEYS = frozenset({"ticket_values"})


def same(expected: Any, actual: Any) -> bool:
    """Exact equality, reading YAML dates and times against the engine's ISO strings.

    An object with an `id` also equals its id, so `steps: [greet, probe]` may stand for steps.
    """
    if isinstance(expected, datetime) and isinstance(actual, str):
        try:
            return expected == datetime.fromisoformat(actual)
        except ValueError:
            return False
    if isinstance(expected, date) and isinstance(actual, str):
        return expected.isoformat() == actual
    if isinstance(expected, str) and isinstance(actual, Mapping) and "id" in actual:
        return bool(expected == actual["id"])
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        keys_equal = expected.keys() == actual.keys()
        return keys_equal and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    # True == 1 in Python; a case that expects a flag must not pass on a count.
    return isinstance(expected, bool) == isinstance(actual, bool) and bool(expected == actual)


def _subset(what: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Keys given must match; nested objects are checked the same way, key by key."""
    failures = []
    for key, want in expected.items():
        if key not in actual:
            failures.append(f"{what}: no key {key!r}; it has {', '.join(actual)}")
        elif isinstance(want, Mapping) and isinstance(actual[key], Mapping):
            failures += _subset(f"{what}.{key}", want, actual[key])
        elif not same(want, actual[key]):
            failures.append(f"{what}.{key}: expected {want!r}, got {actual[key]!r}")
    return failures


_SCREEN: dict[str, Callable[[Screen], Any]] = {
    "line": lambda s: s.line.id,
    "matched_by": lambda s: s.matched_by,
    "urgency": lambda s: s.urgency.name,
    "urgency_rank": lambda s: s.urgency.rank,
    "urgency_color": lambda s: s.urgency.color,
    "mode": lambda s: s.mode,
    "listen_only": lambda s: s.listen_only,
    "greeting": lambda s: s.greeting,
    "banner": lambda s: s.banner,
    "warnings": lambda s: s.warnings,
    "steps": lambda s: [step.id for step in s.steps],
    "advice": lambda s: s.advice,
    "scenarios": lambda s: [sc.id for sc in s.scenarios],
    "policies": lambda s: [p.id for p in s.policies],
}


def _details(what: str, wanted: dict[str, dict[str, Any]], views: list[Any]) -> list[str]:
    by_id = {v.id: v.model_dump(mode="json") for v in views}
    failures = []
    for item_id, fields in wanted.items():
        if item_id not in by_id:
            failures.append(f"{what}: {item_id!r} is not on the screen ({', '.join(by_id)})")
        else:
            failures += _subset(f"{what}.{item_id}", fields, by_id[item_id])
    return failures


def check_screen(expect: Expect, screen: Screen) -> list[str]:
    given = expect.model_fields_set
    f = [
        f"{key}: expected {getattr(expect, key)!r}, got {read(screen)!r}"
        for key, read in _SCREEN.items()
        if key in given and not same(getattr(expect, key), read(screen))
    ]
    if expect.banner_contains is not None and expect.banner_contains not in (screen.banner or ""):
        f.append(f"banner: expected to contain {expect.banner_contains!r}, got {screen.banner!r}")
    for text in expect.warnings_contain or []:
        if not any(text in w for w in screen.warnings):
            f.append(f"warnings: none contains {text!r} in {screen.warnings!r}")
    f += _details("policy_details", expect.policy_details or {}, screen.policies)
    f += _details("scenario_details", expect.scenario_details or {}, screen.scenarios)
    return f


def _record_matches(expected: dict[str, Any], kind: str, data: dict[str, Any]) -> bool:
    if expected["record"] != kind:
        return False
    return all(k in data and same(v, data[k]) for k, v in expected.items() if k != "record")


def _diff(expected: dict[str, Any], data: dict[str, Any]) -> str:
    wrong = [
        f"{k}: expected {v!r}, got {data.get(k, '<absent>')!r}"
        for k, v in expected.items()
        if k != "record" and not (k in data and same(v, data[k]))
    ]
    return "; ".join(wrong)


def _check_records(expected: list[dict[str, Any]], plan: WrapUpPlan) -> list[str]:
    unused = list(plan.records)
    failures = []
    for item in expected:
        hit = next((r for r in unused if _record_matches(item, r.record, owed_fields(r))), None)
        if hit is not None:
            unused.remove(hit)
            continue
        kind = item["record"]
        near = [_diff(item, owed_fields(r)) for r in unused if r.record == kind]
        if near:
            failures += [f"records: a {kind} differs: {d}" for d in near]
        else:
            failures.append(f"records: no {kind}; the plan has {[r.record for r in unused]}")
    if unused and not failures:
        failures.append(f"records: unexpected {[(r.record, owed_fields(r)) for r in unused]!r}")
    return failures


def _missing_matches(want: str | MissingExpect, item: Missing) -> bool:
    if isinstance(want, str):
        return want in f"{item.code}: {item.message}"
    return all(getattr(item, k) == v for k, v in want.model_dump(exclude_unset=True).items())


def check_plan(expect: Expect, plan: WrapUpPlan) -> list[str]:
    f: list[str] = []
    if "can_close" in expect.model_fields_set and expect.can_close != plan.can_close:
        f.append(f"can_close: expected {expect.can_close!r}, got {plan.can_close!r}")
    if expect.records is not None:
        f += _check_records(expect.records, plan)
    if expect.missing is not None:
        items = [f"{m.code}: {m.message}" for m in plan.missing]
        if len(items) != len(expect.missing):
            f.append(f"missing: expected {len(expect.missing)} items, got {len(items)}: {items!r}")
        for i, (want, item) in enumerate(zip(expect.missing, plan.missing, strict=False)):
            if not _missing_matches(want, item):
                shown = want if isinstance(want, str) else want.model_dump(exclude_unset=True)
                f.append(f"missing[{i}]: expected {shown!r}, got {item.model_dump()!r}")
    return f


def check_errors(what: str, wanted: dict[str, str], errors: dict[str, str]) -> list[str]:
    """The fields in error must be exactly those wanted, each message containing its text."""
    f = []
    if wanted.keys() != errors.keys():
        f.append(f"{what}: expected errors on {sorted(wanted)}, got {errors!r}")
    for field_id, text in wanted.items():
        if field_id in errors and text not in errors[field_id]:
            f.append(f"{what}.{field_id}: expected {text!r} in {errors[field_id]!r}")
    return f
