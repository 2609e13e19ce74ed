"""The pure engine on the real seed playbooks: matching, screens, intake, progress, wrap-up."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sopdesk.playbooks import engine
from sopdesk.playbooks.engine.wrapup import CallRecord, EscalationRecord, ScenarioRecord
from sopdesk.playbooks.language.loader import load_file
from sopdesk.playbooks.language.schema import IntakeField, Playbook

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def rondesse() -> Playbook:
    return load_file(ROOT / "playbooks/rondesse/playbook.yaml").playbook


@pytest.fixture(scope="module")
def myoperator() -> Playbook:
    return load_file(ROOT / "playbooks/myoperator/playbook.yaml").playbook


# --- matching -------------------------------------------------------------------------------


def test_label_wins_over_a_shared_number(rondesse: Playbook) -> None:
    match = engine.match_line(rondesse, label="Rondesse PSOS", number="888 5333002")
    assert (match.line.id, match.matched_by, match.warnings) == ("psos", "label", ())


@pytest.mark.parametrize("label", ["rondesse  psos", " RONDESSE PSOS ", "Rondesse\tPSOS"])
def test_labels_compare_loosely(rondesse: Playbook, label: str) -> None:
    assert engine.match_line(rondesse, label=label).line.id == "psos"


@pytest.mark.parametrize("number", ["+1 888-533-3002", "18885333002", "(888) 533-3002"])
def test_shared_number_without_label_picks_first_and_warns(rondesse: Playbook, number: str) -> None:
    match = engine.match_line(rondesse, number=number)
    assert match.line.id == "main"
    assert match.matched_by == "number"
    assert "shared by Main Hotline, PSOS" in match.warnings[0]


def test_unknown_label_falls_back_to_number(rondesse: Playbook) -> None:
    match = engine.match_line(rondesse, label="Rondesse Billing", number="+18888621150")
    assert (match.line.id, match.matched_by) == ("usos", "number")
    assert "not one of Rondesse's lines" in match.warnings[0]


def test_unknown_line_rings_on_the_fallback_with_a_warning(rondesse: Playbook) -> None:
    match = engine.match_line(rondesse, label="Somebody else", number="+1 212 555 0100")
    assert (match.line.id, match.matched_by) == ("unknown", "fallback")
    assert any("Unknown line" in w for w in match.warnings)


def test_builtin_fallback_when_the_org_has_none(rondesse: Playbook) -> None:
    bare = rondesse.model_copy(update={"lines": [li for li in rondesse.lines if not li.fallback]})
    match = engine.match_line(bare, label="nothing")
    assert match.line.fallback and match.line.urgency == "normal"
    screen = engine.resolve_call(bare, "Ana", label="nothing")
    assert screen.greeting == "Thank you for calling Rondesse, I'm Ana."


def test_no_label_and_no_number_is_still_a_call(rondesse: Playbook) -> None:
    match = engine.match_line(rondesse)
    assert match.matched_by == "fallback"
    assert "neither a line label nor a dialed number" in match.warnings[0]


# --- screen ---------------------------------------------------------------------------------


def test_main_screen_greets_with_the_agents_name(rondesse: Playbook) -> None:
    screen = engine.resolve_call(rondesse, "Ana Reyes", label="Rondesse Main Number")
    assert screen.greeting == "Thank you for calling Rondesse, I'm Ana Reyes, how can I help?"
    assert (screen.urgency.name, screen.urgency.rank, screen.mode) == ("Normal", 0, "spoken")
    assert [s.id for s in screen.scenarios] == ["law_enforcement", "crypto", "irs"]


def test_psos_screen_is_muted_with_no_greeting(rondesse: Playbook) -> None:
    screen = engine.resolve_call(rondesse, "Ana Reyes", label="Rondesse PSOS")
    assert screen.greeting is None
    assert screen.mode == "muted" and screen.listen_only
    assert screen.banner is not None and screen.banner.startswith("MUTED")
    assert screen.urgency.name == "Highest" and screen.urgency.rank == 2


def test_usos_screen_lists_the_four_pieces_of_advice(rondesse: Playbook) -> None:
    screen = engine.resolve_call(rondesse, "Bo", label="Rondesse USOS")
    assert screen.urgency.name == "Mid"
    assert len(screen.advice) == 4 and screen.advice[0].startswith("Ask the client to disconnect")


def test_myoperator_screen_offers_the_email_only_policy(myoperator: Playbook) -> None:
    screen = engine.resolve_call(myoperator, "Priya", number="+91 22 4000 0000")
    (policy,) = screen.policies
    assert policy.channel == "email" and policy.forbidden_channels == ["phone"]
    assert "accounts@myoperator.co" in policy.team_emails
    assert policy.sla == "answer within 24h of email received"


# --- intake ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2500 USD", {"amount": "2500", "currency": "USD"}),
        ("USD 2,500.50", {"amount": "2500.50", "currency": "USD"}),
        ("$1,000", {"amount": "1000", "currency": "USD"}),
        ("0.5 btc", {"amount": "0.5", "currency": "BTC"}),
        ({"amount": "12", "currency": "eur"}, {"amount": "12", "currency": "EUR"}),
    ],
)
def test_money_parses_amount_and_currency(raw: object, expected: dict[str, str]) -> None:
    assert (
        engine.validate_fields([IntakeField(id="a", label="A", type="money")], {"a": raw}).values[
            "a"
        ]
        == expected
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2500", "needs a currency"),
        ("-3 USD", "greater than zero"),
        ("lots of money", "not an amount with a currency"),
        (True, "expected an amount"),
    ],
)
def test_money_refuses_what_is_not_money(raw: object, message: str) -> None:
    result = engine.validate_fields([IntakeField(id="a", label="A", type="money")], {"a": raw})
    assert message in result.errors["a"]


def test_intake_reports_every_field_by_name(rondesse: Playbook) -> None:
    scenario = rondesse.scenario("law_enforcement")
    assert scenario is not None
    result = engine.validate_scenario(
        scenario,
        {"concern": "subpoena", "officer_names": "", "phone": "12", "email": "a@", "x": 1},
    )
    assert set(result.errors) == {"officer_names", "badge_number", "phone", "email", "x"}
    assert result.errors["badge_number"] == "Badge number is required"
    assert "unknown field" in result.errors["x"]


def test_conditional_field_required_only_when_paid_by_cheque(myoperator: Playbook) -> None:
    category = myoperator.ticket_categories[0]
    base = {
        "payment_date": "2026-11-20",
        "amount": "5900 INR",
        "company_name": "Acme",
        "customer_reference": "CR-1",
    }
    neft = engine.validate_fields(category.fields, {**base, "payment_method": "neft"})
    assert neft.ok and neft.values["payment_method"] == "NEFT"
    cheque = engine.validate_fields(category.fields, {**base, "payment_method": "Cheque"})
    assert cheque.errors == {"cheque_number": "Cheque number is required"}


# --- progress and wrap-up -------------------------------------------------------------------


def _call(line: str, **kw: object) -> CallRecord:
    return CallRecord(line=line, agent_name="Ana", started_at=NOW, **kw)  # type: ignore[arg-type]


def test_main_not_converted_owes_a_hot_lead_and_a_call_log(rondesse: Playbook) -> None:
    record = _call(
        "main",
        completed_steps=["greet", "probe"],
        choices={"outcome": "No, not converted (add as a Hot lead)"},
        caller_name="Dee",
    )
    plan = engine.wrap_up_plan(rondesse, record, NOW)
    assert plan.can_close
    assert [r.record for r in plan.records] == ["lead", "call_log"]
    assert plan.records[0].data.stage == "Hot" and plan.records[0].data.name == "Dee"


def test_main_converted_owes_no_lead(rondesse: Playbook) -> None:
    record = _call("main", completed_steps=["greet", "probe"], converted=True)
    plan = engine.wrap_up_plan(rondesse, record, NOW)
    assert [r.record for r in plan.records] == ["call_log"] and plan.can_close


def test_main_without_outcome_cannot_close(rondesse: Playbook) -> None:
    plan = engine.wrap_up_plan(rondesse, _call("main", completed_steps=["greet"]), NOW)
    codes = [m.code for m in plan.missing]
    assert codes == ["step_pending", "step_pending", "outcome_unknown"]
    assert not plan.can_close


def test_psos_owes_a_note_and_a_call_back_due_after_the_call(rondesse: Playbook) -> None:
    ended = NOW + timedelta(minutes=12)
    record = _call("psos", completed_steps=["mute", "listen"], account_id="ACC-1", ended_at=ended)
    plan = engine.wrap_up_plan(rondesse, record, NOW + timedelta(hours=1))
    assert [r.record for r in plan.records] == ["call_log", "account_note", "task"]
    assert plan.records[0].data.duration_seconds == 720
    assert plan.records[2].data.due_at == ended + timedelta(hours=1)
    assert plan.records[2].data.assignee == "Ana"


def test_psos_without_an_account_cannot_close(rondesse: Playbook) -> None:
    plan = engine.wrap_up_plan(rondesse, _call("psos", completed_steps=["mute", "listen"]), NOW)
    assert [m.code for m in plan.missing] == ["account_required"]


def test_law_enforcement_hand_off_to_lawyers(rondesse: Playbook) -> None:
    values = {
        "concern": "Records request",
        "officer_names": "Sgt. Ray Holt, Det. Amy Santiago",
        "badge_number": "NYPD-4471",
        "phone": "+1 212 555 0199",
        "email": "r.holt@nypd.example.org",
    }
    record = _call(
        "psos",
        completed_steps=["mute", "listen"],
        account_id="ACC-1",
        scenarios=[ScenarioRecord(id="law_enforcement", values=values)],
    )
    plan = engine.wrap_up_plan(rondesse, record, NOW)
    assert plan.can_close, plan.missing
    task = plan.records[-1]
    assert isinstance(task, engine.OwedTask)
    assert task.data.team == "lawyers" and task.data.due_at == NOW + timedelta(days=1)
    assert task.data.intake["officer_names"] == ["Sgt. Ray Holt", "Det. Amy Santiago"]


def test_scenario_step_without_fields_must_be_ticked(rondesse: Playbook) -> None:
    values = {"concern": "Audit letter", "details": "Letter dated Nov 1"}
    entry = ScenarioRecord(id="irs", values=values)
    record = _call("usos", completed_steps=["greet", "advise", "intake", "plan"], converted=True)
    plan = engine.wrap_up_plan(rondesse, record.model_copy(update={"scenarios": [entry]}), NOW)
    assert [m.step for m in plan.missing] == ["promise"]
    ticked = entry.model_copy(update={"completed_steps": ["promise"]})
    plan = engine.wrap_up_plan(rondesse, record.model_copy(update={"scenarios": [ticked]}), NOW)
    assert plan.can_close and plan.records[-1].data.team == "cpas"


def test_branch_not_taken_is_not_owed(myoperator: Playbook) -> None:
    record = _call("support", completed_steps=["greet"], choices={"request": "Something else"})
    plan = engine.wrap_up_plan(myoperator, record, NOW)
    assert plan.can_close and [r.record for r in plan.records] == ["call_log"]


def test_escalation_needs_the_faq_first(myoperator: Playbook) -> None:
    esc = EscalationRecord(
        policy="legal_accounts_by_email", team="legal", customer_unsatisfied=True
    )
    record = _call("support", completed_steps=["greet"], choices={"request": "Something else"})
    plan = engine.wrap_up_plan(myoperator, record.model_copy(update={"escalations": [esc]}), NOW)
    assert [m.code for m in plan.missing] == ["precondition_faq_tried"]
    tried = esc.model_copy(update={"faq_tried": ["legal-accounts-faq"]})
    plan = engine.wrap_up_plan(myoperator, record.model_copy(update={"escalations": [tried]}), NOW)
    (escalation,) = [r for r in plan.records if r.record == "escalation"]
    assert escalation.data.channel == "email" and escalation.data.address == "legal@myoperator.co"
    assert escalation.data.sla_within_seconds == 24 * 3600


# --- purity ---------------------------------------------------------------------------------

ENGINE = ROOT / "src/sopdesk/playbooks"
# The engine and the language it runs: every module of both packages, found, not listed, but
# the loader's file functions (the language's one I/O edge, which the engine never calls).
ENGINE_MODULES = sorted(
    str(p.relative_to(ENGINE))
    for d in ("language", "engine")
    for p in (ENGINE / d).rglob("*.py")
    if p.name != "loader.py"
)
FORBIDDEN = {
    "sqlalchemy",
    "socket",
    "httpx",
    "requests",
    "urllib",
    "time",
    "os",
    "pathlib",
    "sopdesk.db",
    "sopdesk.playbooks.language.loader",
}


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_modules_do_no_io(module: str) -> None:
    source = (ENGINE / module).read_text()
    tree = ast.parse(source)
    imported = {
        alias.name.split(".")[0] if not alias.name.startswith("sopdesk") else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & FORBIDDEN
    assert ".now(" not in source and "utcnow" not in source and "open(" not in source
    assert "read_text(" not in source and "read_bytes(" not in source
