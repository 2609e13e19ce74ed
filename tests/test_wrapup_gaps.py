"""Wrap-up rules the seed cases exposed: answers must be the step's own, scenarios must be
offered on the line, and an answer that opens a scenario makes its intake owed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sopdesk.playbooks import engine
from sopdesk.playbooks.engine.wrapup import CallRecord, ScenarioRecord
from sopdesk.playbooks.language.loader import load_file
from sopdesk.playbooks.language.schema import Playbook

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def myoperator() -> Playbook:
    return load_file(ROOT / "playbooks/myoperator/playbook.yaml").playbook


def plan_codes(playbook: Playbook, **given: object) -> list[tuple[str, str | None]]:
    record = CallRecord.model_validate({"agent_name": "Ana", "started_at": NOW, **given})
    plan = engine.wrap_up_plan(playbook, record, NOW)
    return [(m.code, m.step or m.scenario) for m in plan.missing]


def test_a_mistyped_answer_leaves_the_step_open(myoperator: Playbook) -> None:
    codes = plan_codes(
        myoperator, line="support", completed_steps=["greet"], choices={"request": "Somethin else"}
    )
    assert codes == [("step_pending", "request")]


def test_the_right_answer_closes_the_step(myoperator: Playbook) -> None:
    codes = plan_codes(
        myoperator, line="support", completed_steps=["greet"], choices={"request": "Something else"}
    )
    assert codes == []


def test_an_answer_that_opens_a_scenario_owes_its_intake(myoperator: Playbook) -> None:
    choices = {"request": "Paid for a suspended account"}
    codes = plan_codes(myoperator, line="support", completed_steps=["greet"], choices=choices)
    assert codes == [("scenario_not_opened", "request")]
    opened = [ScenarioRecord(id="suspended_account_payment")]
    codes = plan_codes(
        myoperator, line="support", completed_steps=["greet"], choices=choices, scenarios=opened
    )
    assert ("scenario_not_opened", "request") not in codes


def test_a_scenario_not_offered_on_the_line_hands_nothing_off() -> None:
    rondesse = load_file(ROOT / "playbooks/rondesse/playbook.yaml").playbook
    irs = ScenarioRecord(
        id="irs", values={"concern": "Letter", "details": "CP2000"}, completed_steps=["promise"]
    )
    record = CallRecord(
        line="unknown",
        agent_name="Ana",
        started_at=NOW,
        completed_steps=["identify"],
        scenarios=[irs],
    )
    plan = engine.wrap_up_plan(rondesse, record, NOW)
    assert [(m.code, m.scenario) for m in plan.missing] == [("scenario_not_offered", "irs")]
    assert [r.record for r in plan.records] == ["call_log"]
