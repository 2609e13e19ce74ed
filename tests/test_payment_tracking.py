"""Accounts procedures: Payment Tracking tickets with mandatory fields, the weekly payment cycle
as an expected credit date, and the Unclaimed Payments Report reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.db import transaction
from sopdesk.escalations import accounts
from sopdesk.escalations.tickets import EscalationError
from sopdesk.orgs.service import get_current_playbook
from sopdesk.playbooks.language.schema import Playbook
from test_escalations import deliver

IST = ZoneInfo("Asia/Kolkata")
NEFT = {
    "payment_method": "NEFT",
    "payment_date": "2026-11-20",
    "amount": "5900 INR",
    "company_name": "Acme Pvt Ltd",
    "customer_reference": "CUST-42",
}


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def myoperator(factory: sessionmaker[Session]) -> Playbook:
    with factory() as s:
        current = get_current_playbook(s, "myoperator")
        assert current is not None
        return current.playbook


def test_payment_tracking_fields_are_mandatory_and_cheque_number_only_for_cheques(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    priya = mw.world.agent_priya
    with transaction(session_factory) as s:
        with pytest.raises(accounts.TicketFieldsInvalid) as missing:
            accounts.raise_category_ticket(
                s, priya, category_id="payment_tracking", fields={}, subject="", now=T0
            )
        assert set(missing.value.errors) == set(NEFT)
        assert missing.value.errors["customer_reference"] == "Customer reference number is required"
        cheque = {**NEFT, "payment_method": "cheque"}
        with pytest.raises(accounts.TicketFieldsInvalid) as no_cheque:
            accounts.raise_category_ticket(
                s, priya, category_id="payment_tracking", fields=cheque, subject="", now=T0
            )
        assert list(no_cheque.value.errors) == ["cheque_number"]
        with pytest.raises(accounts.TicketFieldsInvalid, match="Amount: currency must be"):
            accounts.raise_category_ticket(
                s,
                priya,
                category_id="payment_tracking",
                fields={**NEFT, "amount": "5 USD"},
                subject="",
                now=T0,
            )
        ticket = accounts.raise_category_ticket(
            s,
            priya,
            category_id="payment_tracking",
            fields={**cheque, "cheque_number": "004211"},
            subject="Cheque not credited",
            now=T0,
            customer_email="ravi@client.example",
        )
        assert (ticket.team, ticket.category, ticket.channel) == (
            "accounts",
            "payment_tracking",
            "desk",
        )
        assert ticket.fields["payment_method"] == "Cheque"
        assert ticket.fields["amount"] == {"amount": "5900", "currency": "INR"}
        assert ticket.team_address == ACCOUNTS
        with pytest.raises(EscalationError, match="category: no ticket category 'refunds'"):
            accounts.raise_category_ticket(
                s, priya, category_id="refunds", fields=NEFT, subject="", now=T0
            )


def test_an_email_to_accounts_can_be_filed_as_payment_tracking(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(to=ACCOUNTS), rcpts=[ACCOUNTS])
    assert opened.ticket_id is not None
    (legal,) = deliver(session_factory, make_email(message_id="<l@c>"))
    assert legal.ticket_id is not None
    with transaction(session_factory) as s:
        ticket = accounts.set_category(
            s, mw.accounts_arun, opened.ticket_id, "payment_tracking", NEFT, T0
        )
        assert ticket.category == "payment_tracking"
        with pytest.raises(EscalationError, match="belongs to the accounts team"):
            accounts.set_category(s, mw.legal_lila, legal.ticket_id, "payment_tracking", NEFT, T0)


def test_weekly_cycle_gives_the_expected_credit_date(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    playbook = myoperator(session_factory)
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=IST)
    dates = accounts.expected_credit(playbook, "accounts", wednesday)
    assert dates is not None
    assert dates.initiated_on == date(2026, 11, 27)  # Friday
    assert dates.completed_at == datetime(2026, 12, 1, 17, 0, tzinfo=IST)  # Tuesday EOD
    late = accounts.expected_credit(playbook, "accounts", wednesday + timedelta(days=1))
    assert late is not None and late.completed_at.date() == date(2026, 12, 8)  # next cycle
    assert accounts.expected_credit(playbook, "legal", wednesday) is None


def test_unclaimed_payments_report_reminders_on_fridays_and_the_last_day_of_the_month(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    playbook = myoperator(session_factory)
    names = {
        d: [r.id for r in accounts.todays_reminders(playbook, d)]
        for d in (date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1))
    }
    assert names == {
        date(2026, 11, 27): ["unclaimed_payments_report"],  # Friday
        date(2026, 11, 30): ["unclaimed_payments_report"],  # Monday, last day of November
        date(2026, 12, 1): [],
    }
    assert datetime(2026, 11, 27, tzinfo=UTC).strftime("%A") == "Friday"


def test_today_and_its_reminders_fall_in_the_orgs_time_zone(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    playbook = myoperator(session_factory)
    assert accounts.org_zone(playbook) == IST
    assert accounts.org_zone(None) == ZoneInfo("UTC")  # an org without a playbook
    # Thursday 20:00 UTC is already Friday in India: the Friday report is due there.
    thursday_evening = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    assert accounts.org_today(playbook, thursday_evening) == date(2026, 11, 27)
    assert accounts.org_today(None, thursday_evening) == date(2026, 11, 26)
    assert [r.id for r in accounts.reminders_due(playbook, thursday_evening)] == [
        "unclaimed_payments_report"
    ]
    assert accounts.reminders_due(playbook, thursday_evening - timedelta(hours=12)) == []
    assert accounts.reminders_due(None, thursday_evening) == []


def test_a_category_is_found_by_id_or_refused_with_the_known_ones(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    playbook = myoperator(session_factory)
    found = accounts.find_category(playbook, "payment_tracking")
    assert found is not None and found.team == "accounts"
    assert accounts.category_of(playbook, "payment_tracking") == found
    assert accounts.find_category(playbook, "refunds") is None
    assert accounts.find_category(None, "payment_tracking") is None
    with pytest.raises(EscalationError, match="no ticket category 'refunds'") as refused:
        accounts.category_of(playbook, "refunds")
    assert refused.value.status == 422
