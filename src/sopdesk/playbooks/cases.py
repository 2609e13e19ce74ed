"""Playbook test cases: given a call, an agent, intake and an outcome, expect a screen and a plan.

Cases live in `<org folder>/tests/*.yaml` beside the playbook they test. `sopdesk test PATH...`
finds them, runs each through the engine and reports `file::case` PASS or FAIL with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sopdesk.playbooks import engine
from sopdesk.playbooks.loader import PlaybookError, load_org
from sopdesk.playbooks.schema import Playbook
from sopdesk.playbooks.screen import Screen
from sopdesk.playbooks.wrapup import CallRecord, EscalationRecord, ScenarioRecord, WrapUpPlan

DEFAULT_NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallGiven(Strict):
    label: str | None = None
    to: str | None = None
    caller_name: str | None = None
    caller_number: str | None = None


class Expect(Strict):
    line: str | None = None
    matched_by: str | None = None
    urgency: str | None = None
    mode: str | None = None
    greeting: str | None = Field(None, description="exact greeting; use greeting_absent for none")
    greeting_absent: bool | None = None
    banner_contains: str | None = None
    warnings_contain: list[str] = Field(default_factory=list)
    no_warnings: bool | None = None
    steps: list[str] | None = None
    advice: list[str] | None = None
    scenarios: list[str] | None = None
    policies: list[str] | None = None
    can_close: bool | None = None
    records: list[dict[str, Any]] | None = None
    missing: list[str] | None = Field(
        None, description="each entry is a code or a substring of one missing item's message"
    )
    field_errors: dict[str, dict[str, str]] = Field(default_factory=dict)


class Case(Strict):
    id: str
    description: str | None = None
    call: CallGiven
    agent: str = "Agent"
    now: datetime = DEFAULT_NOW
    ended_at: datetime | None = None
    account: str | None = None
    steps: list[str] = Field(default_factory=list)
    choices: dict[str, str] = Field(default_factory=dict)
    converted: bool | None = None
    scenarios: list[ScenarioRecord] = Field(default_factory=list)
    escalations: list[EscalationRecord] = Field(default_factory=list)
    expect: Expect


class CaseFile(Strict):
    org: str
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class Outcome:
    name: str
    failures: tuple[str, ...]


def _eq(failures: list[str], what: str, expected: Any, actual: Any) -> None:
    if expected is not None and expected != actual:
        failures.append(f"{what}: expected {expected!r}, got {actual!r}")


def _check_screen(expect: Expect, screen: Screen) -> list[str]:
    f: list[str] = []
    _eq(f, "line", expect.line, screen.line.id)
    _eq(f, "matched_by", expect.matched_by, screen.matched_by)
    _eq(f, "urgency", expect.urgency, screen.urgency.name)
    _eq(f, "mode", expect.mode, screen.mode)
    _eq(f, "greeting", expect.greeting, screen.greeting)
    if expect.greeting_absent and screen.greeting is not None:
        f.append(f"greeting: expected none, got {screen.greeting!r}")
    if expect.banner_contains and expect.banner_contains not in (screen.banner or ""):
        f.append(f"banner: expected to contain {expect.banner_contains!r}, got {screen.banner!r}")
    for text in expect.warnings_contain:
        if not any(text in w for w in screen.warnings):
            f.append(f"warnings: none contains {text!r} in {screen.warnings!r}")
    if expect.no_warnings and screen.warnings:
        f.append(f"warnings: expected none, got {screen.warnings!r}")
    _eq(f, "steps", expect.steps, [s.id for s in screen.steps])
    _eq(f, "advice", expect.advice, screen.advice)
    _eq(f, "scenarios", expect.scenarios, [s.id for s in screen.scenarios])
    _eq(f, "policies", expect.policies, [p.id for p in screen.policies])
    return f


def _record_matches(expected: dict[str, Any], kind: str, data: dict[str, Any]) -> bool:
    if expected.get("record") != kind:
        return False
    return all(data.get(k) == v for k, v in expected.items() if k != "record")


def _check_records(expected: list[dict[str, Any]], plan: WrapUpPlan) -> list[str]:
    unused = list(plan.records)
    failures = []
    for item in expected:
        hit = next((r for r in unused if _record_matches(item, r.record, r.data)), None)
        if hit is None:
            failures.append(f"records: no {item!r} among {[r.record for r in unused]!r}")
        else:
            unused.remove(hit)
    if unused and not failures:
        failures.append(f"records: unexpected {[(r.record, r.data) for r in unused]!r}")
    return failures


def _check_plan(expect: Expect, plan: WrapUpPlan) -> list[str]:
    f: list[str] = []
    _eq(f, "can_close", expect.can_close, plan.can_close)
    if expect.records is not None:
        f += _check_records(expect.records, plan)
    if expect.missing is not None:
        items = [f"{m.code}: {m.message}" for m in plan.missing]
        for want in expect.missing:
            if not any(want in item for item in items):
                f.append(f"missing: nothing matches {want!r} in {items!r}")
        if len(items) != len(expect.missing):
            f.append(f"missing: expected {len(expect.missing)} items, got {items!r}")
    return f


def _check_fields(expect: Expect, playbook: Playbook, case: Case) -> list[str]:
    failures = []
    given = {s.id: s.values for s in case.scenarios}
    for scenario_id, wanted in expect.field_errors.items():
        scenario = playbook.scenario(scenario_id)
        if scenario is None:
            failures.append(f"field_errors: no scenario {scenario_id!r}")
            continue
        result = engine.validate_scenario(
            scenario, given.get(scenario_id, {}), playbook.org.default_region
        )
        for field_id, text in wanted.items():
            if text not in result.errors.get(field_id, ""):
                failures.append(
                    f"field_errors: {scenario_id}.{field_id}: expected {text!r}, "
                    f"got {result.errors.get(field_id)!r}"
                )
    return failures


def run_case(playbook: Playbook, case: Case) -> list[str]:
    """Failures of one case; empty when it passes."""
    screen = engine.resolve_call(
        playbook, case.agent, case.call.label, case.call.to, case.call.caller_name
    )
    record = CallRecord(
        line=screen.line.id,
        agent_name=case.agent,
        started_at=case.now,
        ended_at=case.ended_at,
        caller_number=case.call.caller_number,
        caller_name=case.call.caller_name,
        account_id=case.account,
        completed_steps=case.steps,
        choices=case.choices,
        converted=case.converted,
        scenarios=case.scenarios,
        escalations=case.escalations,
    )
    plan = engine.wrap_up_plan(playbook, record, case.now)
    return (
        _check_screen(case.expect, screen)
        + _check_plan(case.expect, plan)
        + _check_fields(case.expect, playbook, case)
    )


def discover_cases(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.y*ml") if p.parent.name == "tests")
        else:
            yield path


def run_file(path: Path) -> list[Outcome]:
    """Run every case of one file; a file that cannot be read is one failed outcome."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = CaseFile.model_validate(data)
        playbook = load_org(path.parent.parent, spec.org).playbook
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [Outcome(str(path), (f"cannot read cases: {exc}",))]
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return [Outcome(str(path), tuple(problems))]
    except PlaybookError as exc:
        return [Outcome(str(path), tuple(str(f) for f in exc.findings))]
    return [Outcome(f"{path}::{c.id}", tuple(run_case(playbook, c))) for c in spec.cases]


def run_cases(paths: Sequence[Path], out: TextIO) -> int:
    """Run cases under `paths`; 0 all passed, 1 a failure, 2 nothing to run."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        out.write(f"error: no such file or directory: {', '.join(map(str, missing))}\n")
        return 2
    files = list(discover_cases(paths))
    if not files:
        out.write("error: no test cases found (they live in tests/*.yaml beside a playbook)\n")
        return 2
    outcomes = [o for f in files for o in run_file(f)]
    for o in outcomes:
        out.write(f"{'PASS' if not o.failures else 'FAIL'} {o.name}\n")
        for failure in o.failures:
            out.write(f"    {failure}\n")
    failed = sum(1 for o in outcomes if o.failures)
    out.write(f"{len(outcomes) - failed} passed, {failed} failed\n")
    return 1 if failed else 0
