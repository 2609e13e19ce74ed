"""Team tickets are seen by their team, supervisors, admins and whoever raised them; to anyone
else in the org they answer like another org's: 404 on pages and the API, absent from lists,
the board, notifications and the live stream.

Personas (MyOperator): legal_lila (Legal), accounts_arun (Accounts), agent_priya (agent, who
raises a Payment Tracking ticket), agent_pat (another agent), other_org_olga (supervisor).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, MailWorld, build_mail_world, make_email
from personas import PASSWORD, T0
from sopdesk.db import transaction
from sopdesk.escalations import tickets
from sopdesk.escalations.models import Ticket
from sopdesk.escalations.ticket_events import ticket_event
from sopdesk.events import bind_bus, send_on_commit
from sopdesk.orgs import service
from sopdesk.orgs.models import Role, User
from test_escalations import deliver
from web_helpers import SseReader, live_server, make_app, token_for

PAYMENT = {
    "category": "payment_tracking",
    "subject": "Cheque not credited",
    "fields": {
        "payment_method": "Cheque",
        "payment_date": "2026-11-20",
        "amount": "5900 INR",
        "company_name": "Acme",
        "customer_reference": "C-1",
        "cheque_number": "004211",
    },
}


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


@pytest.fixture
def agent_pat(session_factory: sessionmaker[Session], mw: MailWorld) -> User:
    with transaction(session_factory) as s:
        return service.create_user(
            s,
            org_id="myoperator",
            email="pat@myoperator.example",
            name="Pat Lee",
            role=Role.AGENT,
            password=PASSWORD,
            now=T0,
        )


@pytest.fixture
def client(db_url: str, mw: MailWorld) -> Iterator[TestClient]:
    app = make_app(db_url)
    app.state.clock = lambda: T0 + timedelta(hours=1)
    with TestClient(app) as c:
        yield c


def _auth(factory: sessionmaker[Session], user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}


def _two_tickets(
    client: TestClient, factory: sessionmaker[Session], mw: MailWorld
) -> tuple[int, int]:
    """(Legal's ticket from Ravi's email, Accounts' ticket Priya raised on a call)."""
    (legal,) = deliver(factory, make_email(), at=T0)
    assert legal.ticket_id is not None
    raised = client.post(
        "/api/v1/tickets", json=PAYMENT, headers=_auth(factory, mw.world.agent_priya)
    )
    assert raised.status_code == 201
    return legal.ticket_id, raised.json()["id"]


def test_who_reads_which_ticket_on_pages_and_the_api(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld, agent_pat: User
) -> None:
    legal, accounts = _two_tickets(client, session_factory, mw)
    people = {
        "lila": mw.legal_lila,
        "arun": mw.accounts_arun,
        "priya": mw.world.agent_priya,
        "pat": agent_pat,
        "olga": mw.world.other_org_olga,
    }
    expected = {
        "lila": {legal},
        "arun": {accounts},
        "priya": {accounts},  # the agent who raised it tells the caller its reference
        "pat": set(),
        "olga": {legal, accounts},
    }
    for name, user in people.items():
        headers = _auth(session_factory, user)
        listed = {t["id"] for t in client.get("/api/v1/tickets", headers=headers).json()}
        assert listed == expected[name], name
        for ticket_id in (legal, accounts):
            want = 200 if ticket_id in expected[name] else 404
            for path in (f"/api/v1/tickets/{ticket_id}", f"/tickets/{ticket_id}"):
                assert client.get(path, headers=headers).status_code == want, (name, path)
        board = client.get("/tickets?team=", headers=headers).text  # every team asked for
        assert ("Contract question" in board) == (legal in expected[name]), name
        assert ("Cheque not credited" in board) == (accounts in expected[name]), name


def test_writes_to_an_unseen_ticket_are_404_and_the_raiser_may_read_not_work(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld, agent_pat: User
) -> None:
    legal, accounts = _two_tickets(client, session_factory, mw)
    arun = _auth(session_factory, mw.accounts_arun)
    for path, body in (
        (f"/api/v1/tickets/{legal}/replies", {"text": "hi"}),
        (f"/api/v1/tickets/{legal}/resolve", None),
    ):
        assert client.post(path, json=body, headers=arun).status_code == 404
    category = {"category": "payment_tracking", "fields": PAYMENT["fields"]}
    assert (
        client.put(f"/api/v1/tickets/{legal}/category", json=category, headers=arun).status_code
        == 404
    )
    priya = _auth(session_factory, mw.world.agent_priya)
    refused = client.post(f"/api/v1/tickets/{accounts}/replies", json={"text": "x"}, headers=priya)
    assert refused.status_code == 403  # seen, but only Accounts or a supervisor works it
    pat = _auth(session_factory, agent_pat)
    assert client.post(f"/api/v1/tickets/{accounts}/resolve", headers=pat).status_code == 404


def test_notifications_and_live_events_follow_the_same_rule(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld, agent_pat: User
) -> None:
    legal, accounts = _two_tickets(client, session_factory, mw)

    def notified(user: User) -> set[int]:
        rows = client.get("/api/v1/notifications", headers=_auth(session_factory, user)).json()
        return {n["ticket_id"] for n in rows}

    assert notified(mw.legal_lila) == {legal}
    assert notified(mw.accounts_arun) == {accounts}
    assert notified(mw.world.agent_priya) == {accounts}
    assert notified(agent_pat) == set()
    assert notified(mw.world.other_org_olga) == {legal, accounts}
    with session_factory() as s:
        for ticket_id in (legal, accounts):
            ticket = s.get_one(Ticket, ticket_id)
            event = ticket_event(ticket, "ticket.message")
            for user in (mw.legal_lila, mw.accounts_arun, mw.world.agent_priya, agent_pat):
                assert tickets.sees_event(user, event.kind, event.data) == tickets.can_see(
                    user, ticket
                )
    assert tickets.sees_event(agent_pat, "interaction.ringing", {"team": "legal"})


def test_the_live_stream_leaves_out_another_teams_tickets(
    db_url: str, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (legal,) = deliver(session_factory, make_email(), at=T0)
    (accounts,) = deliver(session_factory, make_email(message_id="<a@c>"), rcpts=[ACCOUNTS])
    app = make_app(db_url)
    bind_bus(session_factory, app.state.bus)  # what the test commits reaches the app's streams
    token = token_for(session_factory, mw.accounts_arun)
    with (
        live_server(app) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http,
        http.stream("GET", "/events") as response,
    ):
        reader = SseReader(response)
        reader.until("retry:")
        for outcome in (legal, accounts):  # Legal's first: Arun must never get it
            with transaction(session_factory) as s:
                ticket = s.get_one(Ticket, outcome.ticket_id)
                send_on_commit(s, ticket_event(ticket, "ticket.message", secret=ticket.subject))
        event = reader.event()
        while not event["event"].startswith("ticket."):
            event = reader.event()
        assert json.loads(event["data"])["ticket_id"] == accounts.ticket_id
