"""A hand-off that names a ticket category (MyOperator's Payment Tracking) raises that ticket
at wrap-up, with the category's mandatory fields; the linter checks the link."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.desk.wrapup import wrap_up
from sopdesk.escalations.accounts import TicketFieldsInvalid, category_of, check_fields
from sopdesk.escalations.models import Ticket
from sopdesk.orgs.service import publish_playbook
from sopdesk.playbooks import engine
from sopdesk.playbooks.engine.wrapup import CallRecord, ScenarioRecord
from sopdesk.playbooks.language.loader import load_text
from sopdesk.playbooks.lint import lint_playbook
from web_helpers import csrf_from, login, make_app

ROOT = Path(__file__).resolve().parents[1]
MYOPERATOR = (ROOT / "playbooks/myoperator/playbook.yaml").read_text()
DEPOSIT = {
    "payment_method": "NEFT",
    "payment_date": "2026-11-20",
    "amount": "10000 INR",
    "company_name": "Acme Pvt Ltd",
    "customer_reference": "CR-88120",
}
DEPOSIT_STEPS = ["do_not_settle", "advise_rails"]


def test_engine_owes_the_category_ticket() -> None:
    playbook = load_text(MYOPERATOR).playbook
    record = CallRecord(
        line="support",
        agent_name="Priya",
        started_at=T0,
        choices={"request": "Paid (or wants to pay) a security deposit"},
        completed_steps=["greet"],
        scenarios=[
            ScenarioRecord(id="security_deposit", values=DEPOSIT, completed_steps=DEPOSIT_STEPS)
        ],
    )
    plan = engine.wrap_up_plan(playbook, record, T0)
    assert plan.can_close, plan.missing
    (ticket,) = [r for r in plan.records if r.record == "ticket"]
    assert ticket.data.category == "payment_tracking" and ticket.data.team == "accounts"
    assert ticket.data.fields["amount"] == {"amount": "10000", "currency": "INR"}


def test_lint_checks_the_category_link() -> None:
    unknown = MYOPERATOR.replace(
        "      ticket_category: payment_tracking\n", "      ticket_category: refunds\n", 1
    )
    messages = [f.message for f in lint_playbook(load_text(unknown, "x.yaml"))]
    assert any("category 'refunds'" in m for m in messages)
    # Rename the field in the category only (its block comes last): the scenarios lack it.
    head, _, tail = MYOPERATOR.rpartition("- id: customer_reference")
    lacking = head + "- id: customer_ref_no" + tail
    messages = [f.message for f in lint_playbook(load_text(lacking, "x.yaml"))]
    assert any("needs field 'customer_ref_no'" in m for m in messages)


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def test_wrap_up_raises_the_payment_tracking_ticket(
    session_factory: sessionmaker[Session], world: World
) -> None:
    priya = world.agent_priya
    with transaction(session_factory) as s:
        call = CallIn(org_id="myoperator", at=T0, caller_name="Ravi Kumar")
        iid = receive_call(s, call, T0).id
        service.accept(s, priya, iid, T0)
        service.set_step(s, priya, iid, "greet", True, T0)
        service.choose(s, priya, iid, "request", "Paid (or wants to pay) a security deposit", T0)
        result = service.record_scenario(
            s, priya, iid, "security_deposit", DEPOSIT, DEPOSIT_STEPS, T0
        )
        assert result.ok
    with transaction(session_factory) as s:
        written = wrap_up(s, priya, iid, T0).written
    assert [w.record for w in written][-1] == "ticket"
    with session_factory() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.org_id, ticket.team, ticket.category) == (
            "myoperator",
            "accounts",
            "payment_tracking",
        )
        assert (
            ticket.customer_name == "Ravi Kumar"
            and ticket.fields["customer_reference"] == "CR-88120"
        )


def _deposit_call(factory: sessionmaker[Session], world: World) -> int:
    """A MyOperator security-deposit call whose scenario is valid: it owes a ticket."""
    priya = world.agent_priya
    with transaction(factory) as s:
        iid = receive_call(s, CallIn(org_id="myoperator", at=T0, caller_name="Ravi Kumar"), T0).id
        service.accept(s, priya, iid, T0)
        service.set_step(s, priya, iid, "greet", True, T0)
        service.choose(s, priya, iid, "request", "Paid (or wants to pay) a security deposit", T0)
        service.record_scenario(s, priya, iid, "security_deposit", DEPOSIT, DEPOSIT_STEPS, T0)
    return iid


def test_the_call_screen_shows_the_ticket_a_valid_deposit_call_owes(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    """Regression: the page answered 500 (the wrap-up panel had no ticket branch)."""
    iid = _deposit_call(session_factory, world)
    with TestClient(make_app(db_url)) as client:
        login(client, world.agent_priya)
        page = client.get(f"/calls/{iid}")
        assert page.status_code == 200
        assert "Ticket for Accounts" in page.text and "Payment Tracking" in page.text
        api = client.get(f"/api/v1/interactions/{iid}").json()
        owed = [o for o in api["owed"] if o["record"] == "ticket"]
        assert owed[0]["data"]["category"] == "payment_tracking"


def test_a_call_keeps_its_playbook_version_when_a_new_one_changes_the_ticket_rules(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    """Regression: a version published mid-call with stricter ticket fields made the wrap-up
    500: the ticket was checked against the current playbook, not the call's."""
    iid = _deposit_call(session_factory, world)
    scenarios, categories = MYOPERATOR.split("\nticket_categories:\n")
    field = "        label: Customer reference number\n        type: identifier\n"
    assert categories.count(field) == 1
    stricter = (
        scenarios.replace('version: "2026.11.2"', 'version: "2026.11.2-strict"')
        + "\nticket_categories:\n"
        + categories.replace(field, field + '        pattern: "^REF-[0-9]+$"\n')
    )
    strict = load_text(stricter).playbook
    with pytest.raises(TicketFieldsInvalid):  # the new rules refuse what the call collected
        check_fields(strict, category_of(strict, "payment_tracking"), DEPOSIT)
    with transaction(session_factory) as s:
        publish_playbook(s, stricter, T0)
    with TestClient(make_app(db_url)) as client:
        login(client, world.agent_priya)
        token = csrf_from(client.get(f"/calls/{iid}").text)
        reply = client.post(f"/api/v1/interactions/{iid}/wrap-up", headers={"X-CSRF-Token": token})
        assert reply.status_code == 200, reply.text
    with session_factory() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.fields["customer_reference"] == "CR-88120"
    # A call that rings now takes the new version, and its rules apply to it.
    with transaction(session_factory) as s:
        later = receive_call(s, CallIn(org_id="myoperator", at=T0, external_id="new"), T0)
        assert later.playbook_version == "2026.11.2-strict"
