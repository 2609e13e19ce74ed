"""Playbook test cases: given a call, an agent, intake and an outcome, expect a screen and a plan.

Cases live in `<org folder>/tests/*.yaml` beside the playbook they test. `sopdesk test PATH...`
finds them, runs each through the engine and reports `file::case` PASS or FAIL with the reason.
A case may also check a ticket category's form, a schedule's dates or an email's SLA clock.
What `expect:` can say, and how it is checked, lives in `cases_check`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from sopdesk.playbooks import engine
from sopdesk.playbooks.cases.check import check_errors, check_plan, check_screen, same
from sopdesk.playbooks.cases.examples import ScenarioExamples as ScenarioExamples
from sopdesk.playbooks.cases.examples import scenario_examples as scenario_examples
from sopdesk.playbooks.cases.model import CallGiven, Case, CaseFile, TicketGiven
from sopdesk.playbooks.cases.timing import check_clock, check_schedule
from sopdesk.playbooks.engine import (
    CallRecord,
    WrapUpPlan,
    clock_for_email,
    clock_state,
    resolved_line,
)
from sopdesk.playbooks.language.loader import PlaybookError, SourceMap, load_org, parse_text
from sopdesk.playbooks.language.schema import Playbook


@dataclass(frozen=True)
class Outcome:
    name: str
    failures: tuple[str, ...]


def _setup_errors(playbook: Playbook, case: Case, line_id: str) -> list[str]:
    """Ticked steps and chosen answers must exist: a typo must fail, not pass unnoticed."""
    line = resolved_line(playbook, line_id)
    steps = {s.id: s for s in line.steps}
    f = [f"steps: line '{line.id}' has no step '{s}'" for s in case.steps if s not in steps]
    for step_id, label in case.choices.items():
        options = [c.label for c in steps[step_id].choices] if step_id in steps else []
        if label not in options:
            f.append(f"choices.{step_id}: {label!r} is not one of {options!r}")
    for entry in case.scenarios:
        scenario = playbook.scenario(entry.id)
        known = {s.id for s in scenario.steps} if scenario else set()
        f += [
            f"scenarios.{entry.id}: no step '{s}'"
            for s in entry.completed_steps
            if scenario and s not in known
        ]
    return f


def _scenario_field_errors(playbook: Playbook, case: Case) -> list[str]:
    failures = []
    given = {s.id: s.values for s in case.scenarios}
    ticket = case.ticket.category if case.ticket else None
    for form_id, wanted in (case.expect.field_errors or {}).items():
        scenario = playbook.scenario(form_id)
        if form_id == ticket:
            continue  # checked with the ticket
        if scenario is None or form_id not in given:
            failures.append(f"field_errors: '{form_id}' is not an opened scenario or the ticket")
            continue
        errors = engine.validate_scenario(scenario, given[form_id], playbook.org.default_region)
        failures += check_errors(f"field_errors.{form_id}", wanted, errors.errors)
    return failures


def _ticket_failures(playbook: Playbook, case: Case, ticket: TicketGiven) -> list[str]:
    category = next((c for c in playbook.ticket_categories if c.id == ticket.category), None)
    if category is None:
        return [f"ticket: no ticket category '{ticket.category}'"]
    result = engine.validate_fields(category.fields, ticket.values, playbook.org.default_region)
    failures = []
    wanted = (case.expect.field_errors or {}).get(category.id)
    if wanted is not None:
        failures += check_errors(f"field_errors.{category.id}", wanted, result.errors)
    expected = case.expect.ticket_values
    if "ticket_values" in case.expect.model_fields_set and not same(expected, result.values):
        failures.append(f"ticket_values: expected {expected!r}, got {result.values!r}")
    return failures


def _call_failures(playbook: Playbook, case: Case, call: CallGiven) -> list[str]:
    screen = engine.resolve_call(playbook, case.agent, call.label, call.to, call.caller_name)
    setup = _setup_errors(playbook, case, screen.line.id)
    if setup:
        return setup
    record = CallRecord(
        line=screen.line.id,
        agent_name=case.agent,
        started_at=case.now,
        ended_at=case.ended_at,
        caller_number=call.caller_number,
        caller_name=call.caller_name,
        account_id=case.account,
        completed_steps=case.steps,
        choices=case.choices,
        converted=case.converted,
        scenarios=case.scenarios,
        escalations=case.escalations,
    )
    if case.missed:
        # Nobody accepted the call: it owes what on_missed says, and nothing can be missing.
        plan = WrapUpPlan(records=engine.missed_plan(playbook, record, case.now), missing=[])
    else:
        plan = engine.wrap_up_plan(playbook, record, case.now)
    return check_screen(case.expect, screen) + check_plan(case.expect, plan)


def run_case(playbook: Playbook, case: Case) -> list[str]:
    """Failures of one case; empty when it passes."""
    failures = _call_failures(playbook, case, case.call) if case.call else []
    if case.ticket is not None:
        failures += _ticket_failures(playbook, case, case.ticket)
    failures += _scenario_field_errors(playbook, case)
    if case.schedule is not None:
        rule = next((s for s in playbook.schedules if s.id == case.schedule.id), None)
        if rule is None:
            failures.append(f"schedule: no schedule '{case.schedule.id}'")
        else:
            failures += check_schedule(case.expect, rule, case.schedule)
    if case.email is not None:
        clock = clock_for_email(playbook, case.email.to, case.email.received)
        state = clock_state(clock, case.now, case.email.replied) if clock else None
        failures += check_clock(case.expect, clock, state)
    return failures


def discover_cases(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.y*ml") if p.parent.name == "tests")
        else:
            yield path


def _invalid(source: SourceMap, exc: ValidationError) -> tuple[str, ...]:
    out = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        out.append(f"{source.file}:{source.line_of(error['loc'])}: {where}: {message}")
    return tuple(out)


def run_file(path: Path) -> list[Outcome]:
    """Run every case of one file; a file that cannot be read is one failed outcome."""
    try:
        data, source = parse_text(path.read_text(encoding="utf-8"), str(path))
        spec = CaseFile.model_validate(data)
        playbook = load_org(path.parent.parent, spec.org).playbook
    except (OSError, UnicodeDecodeError) as exc:
        return [Outcome(str(path), (f"cannot read cases: {exc}",))]
    except ValidationError as exc:
        return [Outcome(str(path), _invalid(source, exc))]
    except PlaybookError as exc:
        return [Outcome(str(path), _not_cases(exc))]
    return [Outcome(f"{path}::{c.id}", tuple(run_case(playbook, c))) for c in spec.cases]


def _not_cases(exc: PlaybookError) -> tuple[str, ...]:
    # parse_text speaks of playbooks; here the file is a case file.
    return tuple(str(f).replace("a playbook must be", "a case file must be") for f in exc.findings)


# Cached by the file's text: the editor checks a draft on every keystroke, and its case files
# do not change while the playbook's text does. Running a case reads its models, never
# changes them (they are shared between checks).
@lru_cache(maxsize=256)
def _case_file(text: str, name: str) -> CaseFile | Outcome:
    try:
        data, source = parse_text(text, name)
        return CaseFile.model_validate(data)
    except ValidationError as exc:
        return Outcome(name, _invalid(source, exc))
    except PlaybookError as exc:
        return Outcome(name, _not_cases(exc))


# Texts larger than this are parsed every time: the cache keeps its keys, so it holds small
# files only (a seed's case file is a few kilobytes).
CACHED_CASE_CHARS = 100_000


def run_case_text(playbook: Playbook, text: str, name: str) -> list[Outcome]:
    """Run the cases of one case file's text against `playbook` (a draft's, not read from a
    folder): the cases named `name::id`; a file that cannot be read, or that is another
    org's, is one failed outcome."""
    spec = (
        _case_file(text, name)
        if len(text) <= CACHED_CASE_CHARS
        else _case_file.__wrapped__(text, name)
    )
    if isinstance(spec, Outcome):
        return [spec]
    if spec.org != playbook.org.id:
        wrong = f"{name}: the cases are for org {spec.org}, not {playbook.org.id}"
        return [Outcome(name, (wrong,))]
    return [Outcome(f"{name}::{c.id}", tuple(run_case(playbook, c))) for c in spec.cases]


# Keys only a playbook has at its top; a case file has `org: <id>` and `cases:` instead.
_PLAYBOOK_KEYS = frozenset({"format", "version", "urgencies", "lines", "scenarios", "teams"})


def _is_playbook(path: Path) -> bool:
    """Whether a file named on the command line is a playbook rather than a case file."""
    try:
        data, _ = parse_text(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, PlaybookError):
        return False  # run_file reports what is wrong with it
    return "cases" not in data and bool(_PLAYBOOK_KEYS & data.keys())


def run_cases(paths: Sequence[Path], out: TextIO) -> int:
    """Run cases under `paths`; 0 all passed, 1 a failure, 2 nothing to run (a path that does
    not exist, holds no cases, or is a playbook instead of a case file)."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        out.write(f"error: no such file or directory: {', '.join(map(str, missing))}\n")
        return 2
    playbook = next((p for p in paths if p.is_file() and _is_playbook(p)), None)
    if playbook is not None:
        out.write(
            f"error: {playbook} is a playbook, not a case file: `sopdesk test` runs the cases "
            "kept in tests/*.yaml beside a playbook; give it a case file or a folder, e.g. "
            f"`sopdesk test {playbook.parent}` (`sopdesk lint {playbook}` checks the playbook)\n"
        )
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
