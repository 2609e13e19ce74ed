"""The pure SLA clock of an email policy, beyond what the playbook cases show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sopdesk.playbooks.engine.clocks import clock_for_email, clock_state, team_for_address
from sopdesk.playbooks.language.loader import load_file
from sopdesk.playbooks.language.schema import Playbook, Sla

ROOT = Path(__file__).resolve().parents[1]
RECEIVED = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def myoperator() -> Playbook:
    return load_file(ROOT / "playbooks/myoperator/playbook.yaml").playbook


def test_naive_receipt_time_is_refused(myoperator: Playbook) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_for_email(myoperator, "legal@myoperator.co", datetime(2026, 11, 25, 10, 0))


@pytest.mark.parametrize("address", ["", "not an address", "Legal <>"])
def test_unusable_address_has_no_team(myoperator: Playbook, address: str) -> None:
    assert team_for_address(myoperator, address) is None


def test_org_without_policies_starts_no_clock() -> None:
    rondesse = load_file(ROOT / "playbooks/rondesse/playbook.yaml").playbook
    assert clock_for_email(rondesse, "legal@myoperator.co", RECEIVED) is None


def test_sla_team_restricts_the_clock_to_that_team(myoperator: Playbook) -> None:
    policy = myoperator.policies[0]
    sla = Sla(within=timedelta(hours=8), measured_from="email_received", team="legal")
    narrowed = myoperator.model_copy(update={"policies": [policy.model_copy(update={"sla": sla})]})
    legal = clock_for_email(narrowed, "legal@myoperator.co", RECEIVED)
    assert legal is not None and legal.due_at == RECEIVED + timedelta(hours=8)
    assert clock_for_email(narrowed, "accounts@myoperator.co", RECEIVED) is None


def test_a_reply_not_yet_arrived_at_now_does_not_count(myoperator: Playbook) -> None:
    clock = clock_for_email(myoperator, "legal@myoperator.co", RECEIVED)
    assert clock is not None
    later_reply = RECEIVED + timedelta(hours=30)
    assert clock_state(clock, RECEIVED + timedelta(hours=1), later_reply) == "running"
    assert clock_state(clock, RECEIVED + timedelta(hours=31), later_reply) == "breached"
