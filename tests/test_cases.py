"""`sopdesk test`: the seed playbooks' cases pass, wrong ones fail with a reason, bad files are
reported without a traceback; and the traceability tables cite cases that exist.

The seed documents are read from playbooks/<org>/sources/, shipped beside their playbooks."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SEED_DOCUMENTS
from sopdesk.playbooks.cases import run_cases
from sopdesk.playbooks.cases.check import same
from sopdesk.playbooks.engine.screen import Screen

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


def sopdesk_test(*paths: Path | str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sopdesk", "test", *map(str, paths)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def case_ids(org_dir: Path) -> list[str]:
    return [
        f"{path.name}::{case['id']}"
        for path in sorted((org_dir / "tests").glob("*.yaml"))
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    ]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A scratch copy of the playbooks directory, cases included."""
    return Path(shutil.copytree(PLAYBOOKS, tmp_path / "playbooks"))


# --- the command on the real playbooks ------------------------------------------------------


def test_every_seed_case_passes() -> None:
    total = sum(len(case_ids(d)) for d in PLAYBOOKS.iterdir() if d.is_dir())
    result = sopdesk_test("playbooks")
    assert result.returncode == 0, result.stdout
    assert "FAIL" not in result.stdout
    assert result.stdout.splitlines()[-1] == f"{total} passed, 0 failed"
    assert total >= 80


def test_a_wrong_expectation_fails_with_its_reason(copy: Path) -> None:
    main = copy / "rondesse/tests/main.yaml"
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace("I'm Ana, how", "I'm Anna, how", 1), encoding="utf-8")
    total = sum(len(case_ids(d)) for d in copy.iterdir() if d.is_dir())
    result = sopdesk_test(copy)
    assert result.returncode == 1
    assert f"FAIL {main}::label_routes_to_main" in result.stdout
    assert (
        '    greeting: expected "Thank you for calling Rondesse, I\'m Anna, how can I help?", '
        'got "Thank you for calling Rondesse, I\'m Ana, how can I help?"'
    ) in result.stdout
    assert result.stdout.splitlines()[-1] == f"{total - 1} passed, 1 failed"


def test_a_malformed_case_file_is_reported_without_traceback(copy: Path) -> None:
    tests = copy / "rondesse/tests"
    (tests / "broken.yaml").write_text("org: rondesse\ncases:\n  - id: x\n    call: {\n")
    (tests / "typo.yaml").write_text(
        "org: rondesse\ncases:\n  - id: x\n    call: {label: Rondesse PSOS}\n"
        "    expect:\n      greting: hello\n"
    )
    result = sopdesk_test(tests)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"FAIL {tests / 'broken.yaml'}\n    {tests / 'broken.yaml'}:5: malformed YAML" in (
        result.stdout
    )
    assert f"{tests / 'typo.yaml'}:6: cases.0.expect.greting: unknown key" in result.stdout


def test_a_missing_path_exits_2() -> None:
    result = sopdesk_test("playbooks/nowhere")
    assert result.returncode == 2
    assert "no such file or directory: playbooks/nowhere" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_directory_without_cases_exits_2(tmp_path: Path) -> None:
    assert sopdesk_test(tmp_path).returncode == 2


@pytest.mark.parametrize("org", ["rondesse", "myoperator"])
def test_a_playbook_given_for_a_case_file_is_recognised_and_exits_2(org: str) -> None:
    """Not a list of 'unknown key' failures: say what the command expects."""
    result = sopdesk_test(f"playbooks/{org}/playbook.yaml")
    assert result.returncode == 2, result.stdout
    assert result.stdout.startswith(
        f"error: playbooks/{org}/playbook.yaml is a playbook, not a case file"
    )
    assert "give it a case file or a folder" in result.stdout
    assert f"`sopdesk test playbooks/{org}`" in result.stdout
    assert "unknown key" not in result.stdout and "FAIL" not in result.stdout


def test_a_case_file_that_is_not_a_playbook_still_runs_when_named_with_one(copy: Path) -> None:
    """A malformed case file is still reported as one; only a playbook is turned away."""
    broken = copy / "rondesse/tests/broken.yaml"
    broken.write_text("org: rondesse\ncases: []\nurgencies: []\n", encoding="utf-8")
    out = io.StringIO()
    assert run_cases([broken], out) == 1
    assert "is a playbook" not in out.getvalue()


# --- the case format, in process ------------------------------------------------------------


def run(copy: Path, body: str) -> tuple[int, str]:
    """Run one case file written into the scratch Rondesse folder."""
    path = copy / "rondesse/tests/extra.yaml"
    path.write_text(body, encoding="utf-8")
    out = io.StringIO()
    return run_cases([path], out), out.getvalue()


CALL = "org: rondesse\ncases:\n  - id: c\n    call: {label: Rondesse Main Number}\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "org: rondesse\ncases:\n  - id: c\n    call: {}\n    expect: {}\n",
            "expect checks nothing",
        ),
        (
            "org: rondesse\ncases:\n  - id: c\n    expect: {line: main}\n",
            "expect.line needs `call:`",
        ),
        (
            "org: rondesse\ncases:\n  - id: c\n    steps: [greet]\n    ticket: {category: x}\n"
            "    expect: {field_errors: {}}\n",
            "steps, choices, converted, account and escalations",
        ),
        (CALL + "    now: 2026-11-25T15:00:00\n    expect: {line: main}\n", "timezone"),
        (
            CALL + "    now: 2026-11-25T15:00:00Z\n    ended_at: 2026-11-25T14:00:00Z\n"
            "    expect: {line: main}\n",
            "ended_at is before now",
        ),
        (CALL + "    expect: {records: [{stage: Hot}]}\n", "each record needs `record:`"),
        (
            CALL
            + "    expect: {line: main}\n"
            + CALL.split("cases:\n")[1]
            + "    expect: {line: main}\n",
            "case ids must be unique in a file: c",
        ),
        (
            "org: rondesse\ndefaults: {agnet: Ana}\ncases:\n  - id: c\n    call: {}\n"
            "    expect: {line: unknown}\n",
            "defaults.agnet: unknown key",
        ),
        ("- just a list\n", "a case file must be a YAML mapping"),
        (
            CALL + "    expect: {listen_only: 0}\n",
            "cases.0.expect.listen_only: Input should be a valid boolean",
        ),
        (
            CALL + "    expect: {urgency_rank: 0.0}\n",
            "cases.0.expect.urgency_rank: Input should be a valid integer",
        ),
        (
            "org: nobody\ncases:\n  - id: c\n    call: {}\n    expect: {line: x}\n",
            "no playbook for org 'nobody'",
        ),
        (
            CALL + "    missed: true\n    steps: [greet]\n    expect: {can_close: true}\n",
            "a missed call needs `call:` and has no steps",
        ),
        (
            "org: rondesse\ncases:\n  - id: c\n    missed: true\n    schedule: {id: x}\n"
            "    expect: {reminder_days: []}\n",
            "a missed call needs `call:`",
        ),
    ],
)
def test_case_files_are_strict(copy: Path, body: str, message: str) -> None:
    code, out = run(copy, body)
    assert code == 1
    assert message in out


def test_defaults_apply_unless_a_case_sets_its_own(copy: Path) -> None:
    code, out = run(
        copy,
        "org: rondesse\ndefaults: {agent: Ana}\ncases:\n"
        "  - id: a\n    call: {label: Rondesse Main Number}\n"
        '    expect: {greeting: "Thank you for calling Rondesse, I\'m Ana, how can I help?"}\n'
        "  - id: b\n    agent: Bo\n    call: {label: Rondesse Main Number}\n"
        '    expect: {greeting: "Thank you for calling Rondesse, I\'m Bo, how can I help?"}\n',
    )
    assert (code, out.splitlines()[-1]) == (0, "2 passed, 0 failed")


@pytest.mark.parametrize(
    ("given_and_expect", "failure"),
    [
        (
            "    steps: [gret]\n    expect: {can_close: false}\n",
            "steps: line 'main' has no step 'gret'",
        ),
        (
            "    choices: {outcome: Nope}\n    expect: {can_close: false}\n",
            "choices.outcome: 'Nope' is not one of ['Yes, converted to a paid account'",
        ),
        (
            "    scenarios: [{id: irs, completed_steps: [promis]}]\n"
            "    expect: {can_close: false}\n",
            "scenarios.irs: no step 'promis'",
        ),
        (
            "    steps: [greet, probe]\n    converted: true\n    expect: {records: []}\n",
            "records: unexpected [('call_log'",
        ),
        (
            "    steps: [greet, probe]\n    converted: true\n"
            "    expect: {records: [{record: lead, stage: Hot}, {record: call_log}]}\n",
            "records: no lead; the plan has ['call_log']",
        ),
        (
            "    steps: [greet, probe]\n    converted: false\n"
            "    expect: {records: [{record: lead, stage: Warm}, {record: call_log}]}\n",
            "records: a lead differs: stage: expected 'Warm', got 'Hot'",
        ),
        ("    expect: {missing: [step_pending]}\n", "missing: expected 1 items, got 4"),
        (
            "    steps: [probe]\n    converted: true\n"
            "    expect: {missing: [{code: step_pending, step: probe}]}\n",
            "missing[0]: expected {'code': 'step_pending', 'step': 'probe'}",
        ),
        (
            "    scenarios: [{id: irs, values: {concern: x}}]\n"
            "    expect: {field_errors: {irs: {}}}\n",
            "field_errors.irs: expected errors on [], "
            "got {'details': 'All pertinent information is required'}",
        ),
        (
            "    scenarios: [{id: irs, values: {concern: x}}]\n"
            "    expect: {field_errors: {irs: {details: wrong text}}}\n",
            "field_errors.irs.details: expected 'wrong text' in",
        ),
        (
            "    expect: {field_errors: {crypto: {}}}\n",
            "'crypto' is not an opened scenario or the ticket",
        ),
        ("    expect: {greeting: null}\n", 'greeting: expected None, got "Thank you'),
        (
            "    expect: {scenario_details: {irs: {handoff: {team_id: lawyers}}}}\n",
            "scenario_details.irs.handoff.team_id: expected 'lawyers', got 'cpas'",
        ),
        (
            "    expect: {scenario_details: {irs: {colour: red}}}\n",
            "scenario_details.irs: no key 'colour'",
        ),
        (
            "    expect: {policy_details: {legal: {}}}\n",
            "policy_details: 'legal' is not on the screen",
        ),
        (
            "    missed: true\n    expect: {records: [{record: call_log, missed: false}]}\n",
            "records: a call_log differs: missed: expected False, got True",
        ),
        (
            "    missed: true\n    expect: {records: [{record: call_log}, {record: lead}]}\n",
            "records: no lead; the plan has []",
        ),
        ("    expect: {records: [{record: call_log, missed: true}]}\n", "missed: expected True"),
    ],
)
def test_each_expectation_can_fail(copy: Path, given_and_expect: str, failure: str) -> None:
    code, out = run(copy, CALL + given_and_expect)
    assert code == 1, out
    assert failure in out


@pytest.mark.parametrize(
    ("case", "failure"),
    [
        (
            "    schedule: {id: unclaimed_payments_report, start: 2026-11-27}\n"
            "    expect: {cycle_initiated_on: 2026-11-27}\n",
            "cycle_initiated_on: does not apply to recurring reminder 'unclaimed_payments_report'",
        ),
        (
            "    schedule: {id: weekly_payment_cycle}\n"
            "    expect: {cycle_initiated_on: 2026-11-27}\n",
            "'weekly_payment_cycle' is a weekly cycle: give `submitted:`",
        ),
        ("    schedule: {id: payday}\n    expect: {reminder_days: []}\n", "no schedule 'payday'"),
        (
            "    email: {to: legal@myoperator.co, received: 2026-11-25T10:00:00+05:30}\n"
            "    expect: {clock: null}\n",
            "clock: expected none, got EmailClock(policy=",
        ),
        (
            "    email: {to: sales@myoperator.co, received: 2026-11-25T10:00:00+05:30}\n"
            "    expect: {clock: {team: sales}}\n",
            "clock: expected one, but no email policy",
        ),
        (
            "    now: 2026-11-25T04:35:00Z\n"
            "    email: {to: legal@myoperator.co, received: 2026-11-25T10:00:00+05:30}\n"
            "    expect: {clock: {state: breached}}\n",
            "clock.state: expected 'breached', got 'running'",
        ),
        (
            "    ticket: {category: refunds}\n    expect: {field_errors: {refunds: {}}}\n",
            "ticket: no ticket category 'refunds'",
        ),
        (
            "    ticket: {category: payment_tracking, values: {payment_method: neft}}\n"
            "    expect: {ticket_values: {payment_method: neft}}\n",
            "ticket_values: expected {'payment_method': 'neft'}, got {'payment_method': 'NEFT'}",
        ),
    ],
)
def test_schedule_clock_and_ticket_expectations_can_fail(
    copy: Path, case: str, failure: str
) -> None:
    path = copy / "myoperator/tests/extra.yaml"
    path.write_text(f"org: myoperator\ncases:\n  - id: c\n{case}", encoding="utf-8")
    out = io.StringIO()
    assert run_cases([path], out) == 1, out.getvalue()
    assert failure in out.getvalue()


def test_same_reads_yaml_values_against_engine_strings() -> None:
    from datetime import UTC, date, datetime

    assert same(datetime(2026, 11, 26, 15, 10, tzinfo=UTC), "2026-11-26T15:10:00+00:00")
    assert same(date(2026, 11, 24), "2026-11-24")
    assert same(["greet"], [{"id": "greet", "text": "Answer."}])
    assert not same(True, 1)
    assert not same({"a": 1}, {"a": 1, "b": 2})
    assert not same(datetime(2026, 1, 1, tzinfo=UTC), "not a date")


# --- traceability ---------------------------------------------------------------------------

CITATION = re.compile(r"`([a-z_]+\.yaml)::([a-z0-9_]+)`|`(tests/[\w/]+\.py)::(\w+)`")
# Section labels of the seed that the tables use as their own headings instead of rows.
UNTRACED_LABELS = {"Introduction", "Procedure: -", "- Handling:", "Conclusion"}


def _norm(text: str) -> str:
    # The seeds use typographic quotes and dashes; the tables quote them in ASCII.
    for curly, plain in (("\u201c", '"'), ("\u201d", '"'), ("\u2019", "'"), ("\u2013", "-")):
        text = text.replace(curly, plain)
    return re.sub(r"\s+", " ", text).strip()


def _rows(org: str) -> list[list[str]]:
    text = (PLAYBOOKS / org / "TRACEABILITY.md").read_text(encoding="utf-8")
    tables = text.split("## Test cases\n")[0]
    return [
        line[2:-2].split(" | ")
        for line in tables.splitlines()
        if line.startswith("| ") and not line.startswith(("| #", "| Element", "|---"))
    ]


@pytest.mark.parametrize("org", sorted(SEED_DOCUMENTS))
def test_the_shipped_seed_is_the_shared_one_unchanged(org: str) -> None:
    """The copy beside the playbook is the seed itself (checked where ../shared is beside us)."""
    path = SEED_DOCUMENTS[org]
    assert (path.parent / "README.md").is_file(), "a shipped seed says where it comes from"
    shared = SHARED_SEEDS / path.name
    if shared.is_file():
        assert path.read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("org", sorted(SEED_DOCUMENTS))
def test_every_seed_sentence_is_traced(org: str) -> None:
    """Each row quotes its seed verbatim, and the quotes cover the whole seed."""
    seed = _norm(SEED_DOCUMENTS[org].read_text(encoding="utf-8"))
    covered = [False] * len(seed)
    for cells in _rows(org):
        if len(cells) != 5:
            continue
        quote = re.fullmatch(r'"(.*)"(?: \([a-z ;]+\))?', cells[1])
        assert quote, f"{cells[0]}: the source cell is not a quotation"
        wanted = _norm(quote.group(1))
        hits = [m.span() for m in re.finditer(re.escape(wanted), seed)]
        assert hits, f"{cells[0]}: not in the seed: {wanted}"
        for start, end in hits:
            covered[start:end] = [True] * (end - start)
    gaps = re.split(
        r"\x00+", "".join("\x00" if c else ch for ch, c in zip(seed, covered, strict=True))
    )
    assert {g.strip() for g in gaps if re.search(r"\w", g)} <= UNTRACED_LABELS


@pytest.mark.parametrize("org", sorted(SEED_DOCUMENTS))
def test_every_row_cites_tests_that_exist(org: str) -> None:
    existing = set(case_ids(PLAYBOOKS / org))
    text = (PLAYBOOKS / org / "TRACEABILITY.md").read_text(encoding="utf-8")
    for cells in _rows(org):
        test_cell = cells[3] if len(cells) == 5 else cells[2]
        assert CITATION.search(test_cell), f"{cells[0]}: cites no test"
    for case_file, case_id, test_file, test_name in CITATION.findall(text):
        if case_file:
            assert f"{case_file}::{case_id}" in existing, f"no case {case_file}::{case_id}"
        else:
            source = (ROOT / test_file).read_text(encoding="utf-8")
            assert f"def {test_name}(" in source, f"no test {test_file}::{test_name}"


@pytest.mark.parametrize("org", sorted(SEED_DOCUMENTS))
def test_case_index_lists_exactly_the_cases(org: str) -> None:
    text = (PLAYBOOKS / org / "TRACEABILITY.md").read_text(encoding="utf-8")
    index = text.split("## Test cases\n")[1]
    listed = re.findall(r"^- `([a-z_]+\.yaml::[a-z0-9_]+)`", index, flags=re.MULTILINE)
    assert sorted(listed) == sorted(case_ids(PLAYBOOKS / org))


# --- docs/call-json.md ----------------------------------------------------------------------


def _call_json(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "sopdesk", "call", "--json", "--agent", "Ana", *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_call_json_examples_are_what_the_command_prints() -> None:
    doc = (ROOT / "docs/call-json.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", doc, flags=re.DOTALL)]
    psos = _call_json("--org", "rondesse", "--label", "Rondesse PSOS")
    main = _call_json("--org", "rondesse", "--label", "Rondesse Main Number")
    policy = _call_json("--org", "myoperator", "--to", "+91 98765 43210")["policies"][0]
    assert [s["id"] for s in psos["scenarios"]] == ["law_enforcement", "crypto", "irs"]
    assert [s["id"] for s in main["scenarios"]] == ["law_enforcement", "crypto", "irs"]
    # The doc cuts PSOS's scenarios to the first and Main's to none, and says so.
    assert blocks == [
        {**psos, "scenarios": psos["scenarios"][:1]},
        {**main, "scenarios": []},
        policy,
    ]


def test_call_json_doc_names_every_screen_field() -> None:
    doc = (ROOT / "docs/call-json.md").read_text(encoding="utf-8")
    table = {m for m in re.findall(r"^\| `(\w+)` \|", doc, flags=re.MULTILINE)}
    assert set(Screen.model_fields) <= table


def test_the_format_docs_examples_run_and_pass(copy: Path) -> None:
    """The case examples of docs/playbooks.md are real cases that pass."""
    doc = (ROOT / "docs/playbooks.md").read_text(encoding="utf-8").split("## Test cases\n")[1]
    examples = re.findall(r"```yaml\n(.*?)```", doc, flags=re.DOTALL)
    assert len(examples) == 2
    for number, example in enumerate(examples):
        org = yaml.safe_load(example)["org"]
        path = copy / org / "tests" / f"doc_{number}.yaml"
        path.write_text(example, encoding="utf-8")
        out = io.StringIO()
        assert run_cases([path], out) == 0, out.getvalue()
