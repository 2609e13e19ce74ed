"""Tickets over HTTP: GET /api/v1/tickets, replies, categories, attachments, the SLA board and
ticket pages; other orgs see nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, LEGAL, CapturingRelay, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.mime import parse
from sopdesk.escalations.sweeper import sweep
from test_escalations import deliver
from web_helpers import csrf_from, login, make_app, token_for


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


@pytest.fixture
def client(db_url: str, mw: MailWorld) -> Iterator[TestClient]:
    app = make_app(db_url)
    app.state.clock = lambda: T0 + timedelta(hours=2)
    with TestClient(app) as c:
        yield c


def bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def test_get_tickets_lists_team_customer_status_received_and_due(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    olga = bearer(session_factory, mw.world.other_org_olga)  # MyOperator's supervisor
    (row,) = client.get("/api/v1/tickets", headers=olga).json()
    assert row["reference"] == opened.reference and row["team"] == "legal"
    assert row["customer"] == {
        "name": "Ravi Kumar",
        "email": "ravi@client.example",
        "contact_id": row["customer"]["contact_id"],
        "account_id": None,
    }
    assert row["status"] == "open" and row["sla_state"] == "running"
    assert row["received_at"].startswith("2026-11-25T15:00:00")
    assert row["sla_due_at"].startswith("2026-11-26T15:00:00")
    assert row["sla_seconds_left"] == 22 * 3600
    assert client.get("/api/v1/tickets?team=accounts", headers=olga).json() == []
    bad = client.get("/api/v1/tickets?status=lost", headers=olga)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "status"
    ana = bearer(session_factory, mw.world.agent_ana)  # Rondesse: another org
    assert client.get("/api/v1/tickets", headers=ana).json() == []
    for path in (f"/api/v1/tickets/{opened.ticket_id}", f"/tickets/{opened.ticket_id}"):
        assert client.get(path, headers=ana).status_code == 404
    refused = client.post(f"/api/v1/tickets/{opened.ticket_id}/resolve", headers=ana)
    assert refused.status_code == 404


def test_reply_over_the_api_is_threaded_and_sent_after_commit(
    db_url: str, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    lila = bearer(session_factory, mw.legal_lila)
    arun = bearer(session_factory, mw.accounts_arun)
    with CapturingRelay() as relay:
        app = make_app(db_url, outbound_smtp_host="127.0.0.1", outbound_smtp_port=relay.port)
        app.state.clock = lambda: T0 + timedelta(hours=2)
        with TestClient(app) as client:
            path = f"/api/v1/tickets/{opened.ticket_id}/replies"
            hidden = client.post(path, json={"text": "hi"}, headers=arun)  # Accounts: no such
            assert hidden.status_code == 404
            response = client.post(path, json={"text": "Clause 4 means X."}, headers=lila)
            assert response.status_code == 201
            body = response.json()
            # Written, not yet sent: the SLA is met only once the relay has the reply.
            assert body["ticket"]["status"] == "answered"
            assert body["ticket"]["sla_state"] == "running"
            assert body["ticket"]["first_response_at"] is None
            detail = client.get(f"/api/v1/tickets/{opened.ticket_id}", headers=lila).json()
            assert [m["delivery"] for m in detail["messages"]] == [None, "sent"]
            assert detail["ticket"]["sla_state"] == "met"
            assert detail["ticket"]["first_response_at"].startswith("2026-11-25T17:00:00")
    sent = [parse(m.data) for m in relay.messages if m.rcpt_tos == ["ravi@client.example"]]
    assert sent[0]["In-Reply-To"] == "<m1@client.example>"
    assert sent[0]["Subject"] == f"Re: [{opened.reference}] Contract question"


def test_payment_tracking_over_the_api_names_each_missing_field(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    priya = bearer(session_factory, mw.world.agent_priya)
    body = {"category": "payment_tracking", "fields": {"payment_method": "Cheque"}}
    refused = client.post("/api/v1/tickets", json=body, headers=priya)
    assert refused.status_code == 422
    fields = {f["field"] for f in refused.json()["error"]["fields"]}
    assert fields == {
        "payment_date",
        "amount",
        "company_name",
        "customer_reference",
        "cheque_number",
    }
    body["fields"].update(
        payment_date="2026-11-20",
        amount="₹5900",
        company_name="Acme",
        customer_reference="C-1",
        cheque_number="123456",
    )
    created = client.post("/api/v1/tickets", json=body, headers=priya)
    assert created.status_code == 201
    assert created.json()["team"] == "accounts" and created.json()["category"] == "payment_tracking"


def test_attachments_download_only_from_their_ticket(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    raw = make_email(attachments=[("scan.pdf", "application/pdf", b"%PDF-1.4 test")])
    (opened,) = deliver(session_factory, raw)
    (other,) = deliver(session_factory, make_email(message_id="<o@c>"), rcpts=[ACCOUNTS])
    olga = bearer(session_factory, mw.world.other_org_olga)  # a supervisor sees both tickets
    detail = client.get(f"/api/v1/tickets/{opened.ticket_id}", headers=olga).json()
    (att,) = detail["messages"][0]["attachments"]
    url = f"/api/v1/tickets/{opened.ticket_id}/attachments/{att['id']}"
    arun = bearer(session_factory, mw.accounts_arun)  # Accounts: not Legal's attachment
    assert client.get(url, headers=arun).status_code == 404
    response = client.get(url, headers=olga)
    assert response.content == b"%PDF-1.4 test"
    assert response.headers["content-disposition"] == 'attachment; filename="scan.pdf"'
    wrong = f"/api/v1/tickets/{other.ticket_id}/attachments/{att['id']}"
    assert client.get(wrong, headers=olga).status_code == 404


def test_board_and_ticket_pages_with_the_reply_form(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    deliver(session_factory, make_email(), at=T0)
    (late,) = deliver(
        session_factory, make_email(message_id="<x@c>", subject="Old"), at=T0 - timedelta(days=2)
    )
    sweep(session_factory, T0)
    login(client, mw.legal_lila)
    board = client.get("/tickets")
    assert board.status_code == 200
    assert "Contract question" in board.text and "22h 00m" in board.text
    assert 'id="breached-title"' in board.text and late.reference in board.text
    assert "Unclaimed Payments Report" not in board.text  # a Wednesday: no reminder
    page = client.get(f"/tickets/{late.ticket_id}")
    assert "Send reply" in page.text and LEGAL in page.text
    csrf = csrf_from(page.text)
    empty = client.post(f"/tickets/{late.ticket_id}/reply", data={"text": " ", "csrf_token": csrf})
    assert empty.status_code == 422 and "the reply is empty" in empty.text
    sent = client.post(
        f"/tickets/{late.ticket_id}/reply",
        data={"text": "Sorry for the delay.", "resolve": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(f"/tickets/{late.ticket_id}")
    assert "Sorry for the delay." in page.text and "email held" in page.text
    assert "Resolved" in page.text and "after the SLA" in page.text
    no_csrf = client.post(f"/tickets/{late.ticket_id}/resolve")
    assert no_csrf.status_code == 403


def test_todays_reminders_and_the_payment_cycle_over_the_api(
    db_url: str, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    friday = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 11:30 in Kolkata
    app = make_app(db_url)
    app.state.clock = lambda: friday
    priya = bearer(session_factory, mw.world.agent_priya)
    ana = bearer(session_factory, mw.world.agent_ana)
    with TestClient(app) as client:
        (reminder,) = client.get("/api/v1/reminders/today", headers=priya).json()
        assert reminder["id"] == "unclaimed_payments_report"
        assert client.get("/api/v1/reminders/today", headers=ana).json() == []  # Rondesse
        cycle = client.get("/api/v1/payment-cycle", headers=priya).json()
        assert cycle["initiated_on"] == "2026-12-04"  # after Wednesday: the next cycle
        assert cycle["credited_by"].startswith("2026-12-08T17:00:00")
        missing = client.get("/api/v1/payment-cycle?team=legal", headers=priya)
        assert missing.status_code == 404 and "no weekly cycle" in missing.text


def test_an_agent_raises_a_payment_tracking_ticket_from_the_form(
    client: TestClient, mw: MailWorld
) -> None:
    login(client, mw.world.agent_priya)
    page = client.get("/tickets/new/payment_tracking")
    assert page.status_code == 200 and "Cheque number (when Payment method is Cheque)" in page.text
    assert client.get("/tickets/new/refunds").status_code == 404
    form = {
        "csrf_token": csrf_from(page.text),
        "customer_name": "Ravi Kumar",
        "customer_email": "ravi@client.example",
        "payment_method": "Cheque",
        "payment_date": "2026-11-20",
        "amount": "5900 INR",
        "company_name": "Acme Pvt Ltd",
        "customer_reference": "C-9",
    }
    refused = client.post("/tickets/new/payment_tracking", data=form)
    assert refused.status_code == 422 and "Cheque number is required" in refused.text
    assert 'value="Acme Pvt Ltd"' in refused.text  # what was typed is kept
    form["cheque_number"] = "004211"
    made = client.post("/tickets/new/payment_tracking", data=form, follow_redirects=False)
    assert made.status_code == 303
    ticket = client.get(made.headers["location"]).text
    assert "Payment Tracking" in ticket and "5900 INR" in ticket and "004211" in ticket
    assert "Payment cycle: a request submitted now is initiated on" in ticket
    assert '<time datetime="2026-11-27">Fri 27 Nov</time>' in ticket  # a day, as it is
    assert ">Tue 01 Dec 2026 17:00 IST</time>" in ticket  # in the org's zone, labelled
