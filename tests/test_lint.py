"""The playbook linter: one test per check, exact lines, exit codes and the real playbooks."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from sopdesk.playbooks import lint as lint_module
from sopdesk.playbooks.language.loader import LoadedPlaybook, load_text
from sopdesk.playbooks.lint import lint_paths, lint_playbook, run_lint

ROOT = Path(__file__).resolve().parents[1]

# A small playbook that lints clean and touches every element a check looks at.
MINIMAL = """\
format: 1
version: "1"
org:
  id: acme
  name: Acme
  default_region: US
urgencies:
  - id: normal
    name: Normal
  - id: high
    name: High
teams:
  - id: support
    name: Support
    email: support@acme.example
  - id: legal
    name: Legal
    email: legal@acme.example
    phone_allowed: false
lines:
  - id: main
    name: Main line
    labels: ["Acme Main"]
    numbers: ["888 533 3002"]
    urgency: normal
    greeting:
      template: "Thanks for calling {org_name}, I'm {agent_name}."
    steps:
      - id: greet
        kind: say
        text: Greet the caller.
      - id: outcome
        kind: check
        text: Did they convert?
        choices:
          - label: "Yes"
            goto: end
            converted: true
          - label: "No"
            goto: end
            converted: false
          - label: "Fraud"
            goto: end
            scenario: fraud
    documentation:
      - record: lead
        when: {converted: false}
        stage: Hot
      - record: task
        task:
          title: Call back
          team: support
          due: 1h
    policies: [legal_request]
  - id: other
    name: Unrecognised line
    urgency: normal
    fallback: true
    greeting:
      mode: muted
      banner: Listen first.
scenarios:
  - id: fraud
    name: Fraud
    lines: [main]
    steps:
      - id: ask
        kind: ask
        text: Ask what happened.
        collect: [concern, kind, card_digits]
      - id: contact
        kind: ask
        text: Ask for a phone number.
        collect: [phone]
    fields:
      - id: concern
        label: Concern
      - id: kind
        label: Kind
        type: choice
        options: [card, wire]
      - id: card_digits
        label: Last four card digits
        type: identifier
        pattern: "^[0-9]{4}$"
        when: {kind: card}
      - id: phone
        label: Phone
        type: phone
    identity_check:
      instruction: Ask for the phone number on the account.
      fields: [phone]
    handoff:
      team: support
      tell_caller: We will call you back.
      requires: [concern, phone]
      task:
        title: Call back the fraud caller
        team: support
        due: 1 day
policies:
  - id: legal_request
    name: Legal request
    teams: [legal]
    trigger: Caller asks for Legal.
    channel: email
    forbidden_channels: [phone]
    tell_caller: Please email us.
    sla:
      within: 24h
ticket_categories:
  - id: payment_tracking
    name: Payment tracking
    team: support
    fields:
      - id: amount
        label: Amount
        type: money
        currencies: [INR]
schedules:
  - kind: weekly_cycle
    id: payments
    name: Payments
    team: support
    submit_by: wednesday
    initiated_on: friday
    completed_on: tuesday
"""

OTHER_LINE = MINIMAL[MINIMAL.index("  - id: other") : MINIMAL.index("scenarios:")]


def mutate(old: str, new: str, text: str = MINIMAL) -> str:
    """MINIMAL with exactly one occurrence of `old` replaced, so a test changes one thing."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based line on which the only occurrence of `needle` starts."""
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    return text[: text.index(needle)].count("\n") + 1


def lint(text: str) -> list[tuple[int, str]]:
    """(line, message) of every finding; calls the checks directly so a bug raises."""
    return [(f.line, f.message) for f in lint_playbook(load_text(text, "playbook.yaml"))]


def test_minimal_playbook_is_clean() -> None:
    assert lint(MINIMAL) == []


# --- teams and urgencies ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "who"),
    [
        ("    handoff:\n      team: support", "handoff of scenario 'fraud'"),
        (
            "    title: Call back the fraud caller\n        team: support",
            "handoff task of scenario 'fraud'",
        ),
        ("    title: Call back\n          team: support", "task rule of line 'main'"),
        ("teams: [legal]", "policy 'legal_request'"),
        ("      within: 24h", "SLA of policy 'legal_request'"),
        ("    name: Payment tracking\n    team: support", "ticket category 'payment_tracking'"),
        ("    name: Payments\n    team: support", "schedule 'payments'"),
    ],
)
def test_unknown_team_anywhere(old: str, who: str) -> None:
    if old == "teams: [legal]":
        new = "teams: [legal, nobody]"
    elif "within" in old:
        new = old + "\n      team: nobody"
    else:
        new = old.replace("team: support", "team: nobody")
    text = mutate(old, new)
    message = f"{who} names team 'nobody', which is not defined (teams: support, legal)"
    assert lint(text) == [(line_of(text, "nobody"), message)]


def test_unknown_urgency_on_a_line() -> None:
    text = mutate(
        '    numbers: ["888 533 3002"]\n    urgency: normal',
        '    numbers: ["888 533 3002"]\n    urgency: urgent',
    )
    assert lint(text) == [
        (
            line_of(text, "urgent"),
            "line 'main' has urgency 'urgent', which is not one of the org's urgencies "
            "(normal, high)",
        )
    ]


# --- greetings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        (
            "Hi, {agent} here",
            "uses {agent}, which is not filled in; use only {agent_name}, {org_name}, "
            "{line_name}, {caller_name}",
        ),
        ("Hi {org_name", "has unbalanced braces (expected '}' before end of string)"),
        ("Hi } there", "has unbalanced braces (Single '}' encountered in format string)"),
    ],
)
def test_greeting_placeholders(template: str, problem: str) -> None:
    text = mutate("Thanks for calling {org_name}, I'm {agent_name}.", template)
    found = lint(text)
    assert len(found) == 1
    assert found[0][0] == line_of(text, "template:")
    assert found[0][1].startswith(f"greeting template of line 'main' {problem}")


def test_greeting_allowed_placeholders_and_escaped_braces() -> None:
    template = "{{Acme}} {agent_name} {org_name} {line_name} {caller_name}"
    assert lint(mutate("Thanks for calling {org_name}, I'm {agent_name}.", template)) == []


def test_spoken_greeting_needs_a_template() -> None:
    text = mutate(
        '      template: "Thanks for calling {org_name}, I\'m {agent_name}."', "      mode: spoken"
    )
    assert lint(text) == [
        (
            line_of(text, "mode: spoken") - 1,
            "line 'main' has a spoken greeting but no template; add greeting.template with "
            "what the agent says",
        )
    ]


@pytest.mark.parametrize("mode", ["muted", "silent"])
def test_quiet_greeting_with_template_and_no_banner(mode: str) -> None:
    text = mutate(
        "      mode: muted\n      banner: Listen first.",
        f"      mode: {mode}\n      template: Hello",
    )
    greeting = line_of(text, f"mode: {mode}") - 1
    assert lint(text) == [
        (
            greeting,
            f"line 'other' has a {mode} greeting but no banner; add greeting.banner telling "
            "the agent what to do instead of speaking",
        ),
        (
            greeting + 2,
            f"line 'other' has a {mode} greeting with a template, which is never spoken; "
            "remove the template or set mode: spoken",
        ),
    ]


# --- duplicate ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  - id: high", "  - id: normal", "urgency 'normal' is defined twice (first on line 8)"),
        (
            "  - id: legal\n",
            "  - id: support\n",
            "team 'support' is defined twice (first on line 13)",
        ),
        ("  - id: other", "  - id: main", "line 'main' is defined twice (first on line 21)"),
        (
            "      - id: contact",
            "      - id: ask",
            "step 'ask' is defined twice in scenario 'fraud' (first on line 67)",
        ),
        (
            "      - id: phone\n",
            "      - id: concern\n",
            "field 'concern' is defined twice in scenario 'fraud' (first on line 76)",
        ),
    ],
)
def test_duplicate_ids(old: str, new: str, expected: str) -> None:
    # The copy keeps the line of the id it replaced.
    assert (line_of(MINIMAL, old), f"{expected}; ids must be unique") in lint(mutate(old, new))


def test_duplicate_scenario_and_policy_ids() -> None:
    scenario = MINIMAL[MINIMAL.index("  - id: fraud") : MINIMAL.index("\npolicies:") + 1]
    policy = MINIMAL[MINIMAL.index("  - id: legal_request") : MINIMAL.index("ticket_categories:")]
    text = mutate("\npolicies:\n", "\n" + scenario + "policies:\n")
    text = mutate("ticket_categories:", policy + "ticket_categories:", text)
    # Each copy lands where the next section used to start, pushed down by the copies above.
    scenario_lines, policy_start = scenario.count("\n"), line_of(MINIMAL, "  - id: legal_request")
    found = lint(text)
    assert (
        line_of(MINIMAL, "policies:\n  -"),
        "scenario 'fraud' is defined twice (first on line 63); ids must be unique",
    ) in found
    assert (
        line_of(MINIMAL, "ticket_categories:") + scenario_lines,
        f"policy 'legal_request' is defined twice (first on line {policy_start + scenario_lines}); "
        "ids must be unique",
    ) in found


# --- labels, numbers, fallback -------------------------------------------------------------


def test_duplicate_label_ignores_case_and_spaces() -> None:
    text = mutate(
        "    name: Unrecognised line\n",
        '    name: Unrecognised line\n    labels: [" acme   MAIN"]\n',
    )
    assert lint(text) == [
        (
            line_of(text, "MAIN"),
            "label ' acme   MAIN' of line 'other' is already the label of line 'main'; labels "
            "must tell lines apart",
        )
    ]


def test_shared_number_needs_a_label_on_every_line() -> None:
    text = mutate(
        "    name: Unrecognised line\n",
        '    name: Unrecognised line\n    numbers: ["+1 (888) 533-3002"]\n',
    )
    assert lint(text) == [
        (
            line_of(text, "(888)"),
            "number +18885333002 rings on lines 'main', 'other', but line 'other' has no label "
            "to tell it apart; give every line that shares a number a label",
        )
    ]
    labelled = text.replace('    numbers: ["+1', '    labels: ["Acme Other"]\n    numbers: ["+1')
    assert lint(labelled) == []


def test_number_listed_twice_on_one_line() -> None:
    text = mutate('numbers: ["888 533 3002"]', 'numbers: ["888 533 3002", "8885333002"]')
    assert lint(text) == [
        (line_of(text, "numbers:"), "'8885333002' is listed twice on line 'main'")
    ]


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("call us", "is not a phone number (region US)"),
        ("12", "is not a phone number (region US)"),
        (
            "555 1234",
            "is not a number in use (read as +15551234); check the digits, or write it with its "
            "+country code",
        ),
    ],
)
def test_numbers_that_are_not_phone_numbers(number: str, problem: str) -> None:
    text = mutate('"888 533 3002"', f'"{number}"')
    assert lint(text) == [(line_of(text, "numbers:"), f"'{number}' on line 'main' {problem}")]


def test_unknown_default_region() -> None:
    text = mutate("default_region: US", "default_region: XX")
    assert lint(text) == [
        (
            6,
            "default_region 'XX' is not a region code such as US, GB or IN, so phone numbers "
            "without a +country code cannot be read",
        )
    ]


def test_line_without_labels_or_numbers() -> None:
    text = mutate('    labels: ["Acme Main"]\n    numbers: ["888 533 3002"]\n', "")
    assert lint(text) == [
        (
            21,
            "line 'main' has neither labels nor numbers, so no call can ring on it; add one, "
            "or set fallback: true",
        )
    ]


def test_second_fallback_line() -> None:
    text = mutate("    name: Main line\n", "    name: Main line\n    fallback: true\n")
    assert lint(text) == [
        (
            line_of(text, "    fallback: true\n    greeting:\n      mode: muted"),
            "line 'other' is a second fallback line (line 'main' already is); only one line may "
            "take calls no other line matches",
        )
    ]


def test_no_fallback_line_is_fine() -> None:
    assert lint(mutate(OTHER_LINE, "")) == []


def test_unknown_policy_on_a_line() -> None:
    text = mutate("policies: [legal_request]", "policies: [legal_request, refund]")
    assert lint(text) == [
        (line_of(text, "refund"), "line 'main' offers policy 'refund', which is not defined")
    ]


# --- steps and scenarios -------------------------------------------------------------------


def test_scenario_on_unknown_line() -> None:
    text = mutate("lines: [main]", "lines: [main, side]")
    assert lint(text) == [
        (line_of(text, "side"), "scenario 'fraud' is offered on line 'side', which is not defined")
    ]


def test_goto_and_next_to_unknown_steps() -> None:
    text = mutate(
        "            goto: end\n            converted: true",
        "            goto: finish\n            converted: true",
    )
    text = mutate(
        "        text: Ask what happened.\n",
        "        text: Ask what happened.\n        next: nowhere\n",
        text,
    )
    assert lint(text) == [
        (
            line_of(text, "finish"),
            "answer 'Yes' of step 'outcome' in line 'main' goes to unknown step 'finish' (use "
            "the id of a step of line 'main', or 'end')",
        ),
        (
            line_of(text, "nowhere"),
            "step 'ask' of scenario 'fraud' goes next to unknown step 'nowhere' (use the id of a "
            "step of scenario 'fraud', or 'end')",
        ),
        (
            line_of(text, "id: contact"),
            "step 'contact' of scenario 'fraud' can never be reached from the first step 'ask'; "
            "point a choice or next at it, or remove it",
        ),
    ]


def test_unreachable_steps() -> None:
    text = mutate(
        "        text: Greet the caller.\n", "        text: Greet the caller.\n        next: end\n"
    )
    assert lint(text) == [
        (
            line_of(text, "id: outcome"),
            "step 'outcome' of line 'main' can never be reached from the first step 'greet'; "
            "point a choice or next at it, or remove it",
        )
    ]


def test_steps_after_a_choice_are_reached_only_through_a_goto() -> None:
    after = "    documentation:\n      - record: lead"
    extra = "      - id: note\n        text: Note the outcome.\n"
    text = mutate(after, extra + after)
    assert [m for _, m in lint(text)] == [
        "step 'note' of line 'main' can never be reached from the first step 'greet'; point a "
        "choice or next at it, or remove it"
    ]
    assert (
        lint(mutate("goto: end\n            scenario", "goto: note\n            scenario", text))
        == []
    )


def test_choice_and_next_together() -> None:
    text = mutate(
        "        text: Did they convert?\n", "        text: Did they convert?\n        next: end\n"
    )
    assert lint(text) == [
        (
            line_of(text, "next: end"),
            "step 'outcome' of line 'main' has both choices and next; next is ignored because the "
            "chosen answer decides where to go",
        )
    ]


def test_choice_opens_unknown_or_unoffered_scenario() -> None:
    unknown = mutate("scenario: fraud", "scenario: theft")
    assert lint(unknown) == [
        (
            line_of(unknown, "theft"),
            "answer 'Fraud' of step 'outcome' in line 'main' opens scenario 'theft', which is "
            "not defined",
        )
    ]
    unoffered = mutate("lines: [main]", "lines: [other]")
    assert lint(unoffered) == [
        (
            line_of(unoffered, "scenario: fraud"),
            "answer 'Fraud' of step 'outcome' in line 'main' opens scenario 'fraud', which is "
            "not offered on line 'main'; add 'main' to the scenario's lines",
        )
    ]


# --- fields and collection -----------------------------------------------------------------


def test_collect_names_an_unknown_field() -> None:
    text = mutate("collect: [phone]", "collect: [phone, fax]")
    assert lint(text) == [
        (
            line_of(text, "fax"),
            "step 'contact' of scenario 'fraud' collects 'fax', which is not a field of the "
            "scenario; add it under fields or fix the name",
        )
    ]


def test_collect_on_a_line_step() -> None:
    text = mutate(
        "        text: Greet the caller.\n",
        "        text: Greet the caller.\n        collect: [phone]\n",
    )
    assert lint(text) == [
        (
            line_of(text, "collect: [phone]\n      - id: outcome"),
            "step 'greet' of line 'main' collects fields, but only scenarios have fields; move "
            "the step into a scenario or remove collect",
        )
    ]


def test_handoff_and_identity_check_need_collected_fields() -> None:
    text = mutate("collect: [phone]", "collect: []")
    assert lint(text) == [
        (
            line_of(text, "fields: [phone]"),
            "identity check of scenario 'fraud' needs field 'phone' but no step collects it",
        ),
        (
            line_of(text, "requires:"),
            "handoff of scenario 'fraud' needs field 'phone' but no step collects it",
        ),
    ]


def test_handoff_requires_an_unknown_field() -> None:
    text = mutate("requires: [concern, phone]", "requires: [concern, phone, wallet_type]")
    assert lint(text) == [
        (
            line_of(text, "requires:"),
            "handoff of scenario 'fraud' needs field 'wallet_type', which the scenario does not "
            "define; add it under fields or fix the name",
        )
    ]


def test_required_field_never_collected() -> None:
    text = mutate("collect: [concern, kind, card_digits]", "collect: [concern, kind]")
    assert lint(text) == [
        (
            line_of(text, "id: card_digits"),
            "required field 'card_digits' of scenario 'fraud' is never collected; add it to a "
            "step's collect or set required: false",
        )
    ]
    optional = mutate(
        "        when: {kind: card}", "        when: {kind: card}\n        required: false", text
    )
    assert lint(optional) == []


def test_options_only_on_choice_fields() -> None:
    text = mutate("        label: Concern\n", "        label: Concern\n        options: [a, b]\n")
    text = mutate("        options: [card, wire]\n", "", text)
    assert lint(text) == [
        (
            line_of(text, "options: [a, b]"),
            "field 'concern' of scenario 'fraud' has options but is of type 'text'; options "
            "only apply to type: choice",
        ),
        (
            line_of(text, "type: choice"),
            "field 'kind' of scenario 'fraud' is a choice but lists no options; add options: [...]",
        ),
    ]


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("{sort: card}", "depends on unknown field 'sort' (under when)"),
        (
            "{kind: cash}",
            "depends on field 'kind' being 'cash', which is not one of its options (card, wire)",
        ),
    ],
)
def test_when_names_known_fields_and_options(when: str, problem: str) -> None:
    text = mutate("when: {kind: card}", f"when: {when}")
    assert lint(text) == [
        (line_of(text, f"when: {when}"), f"field 'card_digits' of scenario 'fraud' {problem}")
    ]


def test_currencies_only_on_money_fields() -> None:
    text = mutate("type: money", "type: text")
    assert lint(text) == [
        (
            line_of(text, "currencies:"),
            "field 'amount' of ticket category 'payment_tracking' lists currencies but is of type "
            "'text'; currencies only apply to type: money",
        )
    ]


def test_pattern_only_on_identifier_and_text() -> None:
    text = mutate("type: identifier", "type: date")
    assert lint(text) == [
        (
            line_of(text, "pattern:"),
            "field 'card_digits' of scenario 'fraud' has a pattern but is of type 'date'; "
            "patterns only apply to types identifier and text",
        )
    ]


# --- escalation policies -------------------------------------------------------------------


def test_sla_without_an_owning_team() -> None:
    # The schema requires a team on every policy, so build the case past validation.
    loaded = load_text(MINIMAL, "playbook.yaml")
    policy = loaded.playbook.policies[0].model_copy(update={"teams": []})
    playbook = loaded.playbook.model_copy(update={"policies": [policy]})
    found = lint_playbook(LoadedPlaybook(playbook, loaded.source, loaded.raw))
    assert [(f.line, f.message) for f in found] == [
        (line_of(MINIMAL, "sla:"), "SLA of policy 'legal_request' has no owning team; set sla.team")
    ]


def test_sla_team_outside_the_policy() -> None:
    text = mutate("      within: 24h", "      within: 24h\n      team: support")
    assert lint(text) == [
        (
            line_of(text, "team: support\nticket"),
            "SLA of policy 'legal_request' is owned by team 'support', which is not one of the "
            "policy's teams (legal)",
        )
    ]


def test_policy_channel_also_forbidden() -> None:
    text = mutate("forbidden_channels: [phone]", "forbidden_channels: [phone, email]")
    assert lint(text) == [
        (
            line_of(text, "channel: email"),
            "policy 'legal_request' escalates by email, which its own forbidden_channels forbid",
        )
    ]


def test_phone_policy_to_a_team_never_reached_by_phone() -> None:
    text = mutate("channel: email\n    forbidden_channels: [phone]", "channel: phone")
    assert lint(text) == [
        (
            line_of(text, "teams: [legal]"),
            "policy 'legal_request' escalates by phone to team 'legal', which must never be "
            "reached by phone (phone_allowed: false)",
        )
    ]


def test_email_policy_to_a_team_without_email() -> None:
    text = mutate("    email: legal@acme.example\n", "")
    assert lint(text) == [
        (
            line_of(text, "teams: [legal]"),
            "policy 'legal_request' escalates by email to team 'legal', which has no email "
            "address; add email to the team",
        )
    ]


# --- documentation rules -------------------------------------------------------------------


def test_lead_rule_without_stage() -> None:
    text = mutate("        stage: Hot\n", "")
    assert lint(text) == [
        (
            line_of(text, "record: lead"),
            "lead rule 1 of line 'main' sets no lead stage; add stage (e.g. Hot) so the lead "
            "lands somewhere",
        )
    ]


def test_stage_and_task_on_the_wrong_records() -> None:
    text = mutate(
        "      - record: task\n",
        "      - record: call_log\n        stage: Cold\n      - record: task\n",
    )
    text = mutate(
        "      - record: task\n        task:", "      - record: call_log\n        task:", text
    )
    text = mutate(
        "    policies: [legal_request]\n",
        "      - record: task\n    policies: [legal_request]\n",
        text,
    )
    assert lint(text) == [
        (
            line_of(text, "stage: Cold"),
            "call_log rule 2 of line 'main' sets a stage, but only lead records have stages",
        ),
        (
            line_of(text, "task:\n          title"),
            "call_log rule 3 of line 'main' has a task but records 'call_log'; set record: task "
            "or remove the task",
        ),
        (
            line_of(text, "record: task"),
            "task rule 4 of line 'main' has no task; add task with a title and a due time",
        ),
    ]


def test_rule_for_an_unknown_or_unoffered_scenario() -> None:
    text = mutate("when: {converted: false}", "when: {converted: false, scenario: theft}")
    assert lint(text) == [
        (
            line_of(text, "theft"),
            "lead rule 1 of line 'main' applies to scenario 'theft', which is not defined",
        )
    ]
    rule = "    documentation:\n      - record: call_log\n        when: {scenario: fraud}\n"
    text = mutate("      banner: Listen first.\n", "      banner: Listen first.\n" + rule)
    assert lint(text) == [
        (
            line_of(text, "when: {scenario: fraud}"),
            "call_log rule 1 of line 'other' applies to scenario 'fraud', which is not offered on "
            "line 'other'; add 'other' to the scenario's lines",
        )
    ]


def test_converted_condition_needs_a_way_to_record_it() -> None:
    rule = (
        "    documentation:\n      - record: lead\n        stage: Hot\n"
        "        when: {converted: true}\n"
    )
    text = mutate("      banner: Listen first.\n", "      banner: Listen first.\n" + rule)
    assert lint(text) == [
        (
            line_of(text, "when: {converted: true}"),
            "lead rule 1 of line 'other' depends on whether the caller converted, but no step of "
            "line 'other' has an answer that records it; add a choice with converted: true/false",
        )
    ]


# --- files, load errors and exit codes -----------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path so findings name files as relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(paths: list[Path]) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = run_lint(paths, out)
    return code, out.getvalue().splitlines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            mutate("    name: High\n", "    name: High\n    colour: red\n"),
            "playbook.yaml:12: unknown key 'colour'",
        ),
        (
            mutate("    fallback: true", "    fallback: maybe"),
            "playbook.yaml:58: 'lines.1.fallback': Input should be a valid boolean, unable to "
            "interpret input",
        ),
        (mutate("  name: Acme\n", "  name: [Acme\n"), "playbook.yaml:6: malformed YAML: "),
        (b"version: \xff\xfe\n", "playbook.yaml:1: not UTF-8 text: invalid start byte"),
        ("", "playbook.yaml:1: a playbook must be a YAML mapping of keys"),
    ],
)
def test_load_errors_are_findings(in_tmp: Path, text: str | bytes, expected: str) -> None:
    write(in_tmp / "playbook.yaml", text)
    code, lines = run([Path("playbook.yaml")])
    assert code == 1
    assert lines[0].startswith(expected)
    assert lines[-1] == "1 problem in 1 file"


def test_clean_run_exits_zero(in_tmp: Path) -> None:
    write(in_tmp / "acme" / "playbook.yaml", MINIMAL)
    assert run([Path(".")]) == (0, ["1 file, no problems"])


def test_findings_sorted_with_summary(in_tmp: Path) -> None:
    side = mutate("lines: [main]", "lines: [main, side]")
    write(
        in_tmp / "b" / "playbook.yaml",
        mutate("urgency: normal\n    fallback", "urgency: urgent\n    fallback", side),
    )
    write(in_tmp / "a" / "playbook.yaml", mutate("    name: High\n", "    name: High\n    x: 1\n"))
    code, lines = run([Path("b"), Path("a")])
    assert code == 1
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        "a/playbook.yaml:12",
        "b/playbook.yaml:57",
        "b/playbook.yaml:65",
    ]
    assert lines[-1] == "3 problems in 2 files"


def test_same_org_in_two_files(in_tmp: Path) -> None:
    write(in_tmp / "one.yaml", MINIMAL)
    write(in_tmp / "two.yaml", MINIMAL.replace("888 533 3002", "888 862 1150"))
    findings, checked = lint_paths([Path(".")])
    assert checked == 2
    assert [str(f) for f in findings] == [
        "two.yaml:4: org 'acme' is also declared in one.yaml:4; one file per org"
    ]


def test_same_number_in_two_orgs(in_tmp: Path) -> None:
    write(in_tmp / "one.yaml", MINIMAL)
    write(
        in_tmp / "two.yaml",
        MINIMAL.replace("id: acme", "id: zenith").replace('"888 533', '"+1 888 533'),
    )
    findings, _ = lint_paths([Path(".")])
    assert [str(f) for f in findings] == [
        "two.yaml:24: number +18885333002 is also claimed by org 'acme' in one.yaml:24; a dialed "
        "number must belong to one org"
    ]


def test_a_file_named_twice_is_checked_once(in_tmp: Path) -> None:
    write(in_tmp / "acme" / "playbook.yaml", MINIMAL)
    assert run([Path("acme"), Path("acme/playbook.yaml")]) == (0, ["1 file, no problems"])


def test_usage_errors_exit_two(in_tmp: Path) -> None:
    (in_tmp / "empty" / "tests").mkdir(parents=True)
    write(in_tmp / "empty" / "tests" / "case.yaml", "ignored: true\n")
    assert run([Path("empty")]) == (2, ["error: no playbook files found in empty"])
    assert run([Path("missing")]) == (2, ["error: no such file or directory: missing"])


def test_internal_error_becomes_a_finding(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(loaded: LoadedPlaybook) -> list[object]:
        raise KeyError("boom")

    monkeypatch.setattr(lint_module, "lint_playbook", broken)
    write(in_tmp / "playbook.yaml", MINIMAL)
    assert run([Path("playbook.yaml")]) == (
        1,
        ["playbook.yaml:1: internal error while linting: KeyError: 'boom'", "1 problem in 1 file"],
    )


# --- the real playbooks --------------------------------------------------------------------


def test_real_playbooks_lint_clean() -> None:
    findings, checked = lint_paths([ROOT / "playbooks"])
    assert [str(f) for f in findings] == []
    assert checked >= 1


def test_cli_lint() -> None:
    sopdesk = Path(sys.executable).parent / "sopdesk"
    done = subprocess.run(
        [str(sopdesk), "lint", "playbooks"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("no problems")
    missing = subprocess.run(
        [str(sopdesk), "lint", "no/such/dir"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2
    assert "Traceback" not in missing.stdout + missing.stderr


# --- on_missed: what a call nobody accepted leaves --------------------------------------

MISSED_TASK = "    policies: [legal_request]\n"


def with_on_missed(body: str, at_line: bool = True) -> str:
    """MINIMAL with an `on_missed:` on the main line (or at the playbook's top level)."""
    if at_line:
        indented = "".join(f"    {row}\n" for row in body.splitlines())
        return mutate(MISSED_TASK, MISSED_TASK + "    on_missed:\n" + indented)
    return MINIMAL + "on_missed:\n" + "".join(f"  {row}\n" for row in body.splitlines())


CALL_BACK = "  task: {title: Call back, team: support, due: 15m}"


@pytest.mark.parametrize("at_line", [True, False])
def test_on_missed_with_a_call_back_is_clean(at_line: bool) -> None:
    assert lint(with_on_missed(CALL_BACK, at_line)) == []


@pytest.mark.parametrize(
    ("at_line", "who"),
    [(True, "on_missed task of line 'main'"), (False, "the playbook's on_missed task")],
)
def test_on_missed_task_to_an_unknown_team(at_line: bool, who: str) -> None:
    text = with_on_missed(CALL_BACK.replace("support", "nobody"), at_line)
    message = f"{who} names team 'nobody', which is not defined (teams: support, legal)"
    assert lint(text) == [(line_of(text, "nobody"), message)]


def test_on_missed_call_back_by_a_team_never_reached_by_phone() -> None:
    text = with_on_missed(CALL_BACK.replace("support", "legal"))
    assert lint(text) == [
        (
            line_of(text, "team: legal, due"),
            "on_missed of line 'main' asks team 'legal' to call the caller back, but the team "
            "is never reached by phone (phone_allowed: false)",
        )
    ]


def test_on_missed_that_writes_nothing() -> None:
    text = with_on_missed("  call_log: false", at_line=False)
    assert lint(text) == [
        (
            line_of(text, "call_log: false"),
            "the playbook's on_missed writes nothing: a missed call would leave no trace; keep "
            "the call log or add a call-back task",
        )
    ]
    assert lint(with_on_missed("  call_log: false\n" + CALL_BACK)) == []  # the task is a trace


def test_on_missed_call_back_due_in_seconds() -> None:
    text = with_on_missed(CALL_BACK.replace("15m", "30s"))
    assert lint(text) == [
        (
            line_of(text, "due: 30s"),
            "on_missed of line 'main': a call-back due in under a minute is overdue before "
            "anyone sees it; give at least 1m",
        )
    ]


@pytest.mark.parametrize(
    ("due", "problem"), [("soon", "'soon' is not a duration"), ("0m", "'0m' is not a duration")]
)
def test_on_missed_due_that_is_no_duration(in_tmp: Path, due: str, problem: str) -> None:
    text = with_on_missed(CALL_BACK.replace("15m", due))
    write(in_tmp / "playbook.yaml", text)
    code, lines = run([Path("playbook.yaml")])
    assert code == 1
    assert lines[0].startswith(f"playbook.yaml:{line_of(text, 'due: ' + due)}: ")
    assert problem in lines[0]
