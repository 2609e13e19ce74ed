"""The first-response SLA is met when the reply leaves, not when it is written: a reply held for
want of a relay (as under `make run`) or refused by it leaves the clock running, breaches it at
the due time, and shows as a problem on the ticket page and the SLA board; a reply sent late is
a late first response. The ticket page's header and facts refresh with its thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder
from mailkit import AcceptingMailer, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.db import transaction
from sopdesk.escalations import replies
from sopdesk.escalations.models import Ticket
from sopdesk.escalations.outbox import MAX_ATTEMPTS, OutgoingMail, send_queued
from sopdesk.escalations.sweeper import sweep
from sopdesk.escalations.ticket_events import REPLY_FAILED, REPLY_HELD, REPLY_SENT
from sopdesk.events import bind_bus
from test_escalations import deliver
from web_helpers import csrf_from, login, make_app

DUE = T0 + timedelta(hours=24)  # Legal answers within 24 hours of receipt
WRITTEN = T0 + timedelta(hours=2)  # when the reply is written


class RefusingMailer:
    def send(self, mail: OutgoingMail) -> None:
        raise ConnectionRefusedError("relay said no")


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


@pytest.fixture
def client(db_url: str, mw: MailWorld) -> Iterator[TestClient]:
    app = make_app(db_url)  # no outbound relay: replies are held, as under `make run`
    app.state.clock = lambda: T0 + timedelta(hours=2)
    with TestClient(app) as c:
        yield c


def _ticket(factory: sessionmaker[Session], ticket_id: int) -> Ticket:
    with factory() as s:
        ticket = s.get_one(Ticket, ticket_id)
        s.expunge(ticket)
        return ticket


def _reply(factory: sessionmaker[Session], mw: MailWorld, ticket_id: int, **kw: bool) -> None:
    with transaction(factory) as s:
        replies.reply(s, mw.legal_lila, ticket_id, "Clause 4 means X.", WRITTEN, **kw)


def test_a_held_reply_is_not_met_and_shows_on_the_page_and_the_board(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    login(client, mw.legal_lila)
    page = client.get(f"/tickets/{opened.ticket_id}").text
    sent = client.post(
        f"/tickets/{opened.ticket_id}/reply",
        data={"text": "Clause 4 means X.", "csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert sent.status_code == 303  # the outbox ran after the response: no relay, so held
    ticket = _ticket(session_factory, opened.ticket_id)
    assert (ticket.status, ticket.sla_state, ticket.first_response_at) == (
        "answered",
        "running",
        None,
    )
    page = client.get(f"/tickets/{opened.ticket_id}").text
    header = page.split('id="ticket-status"', 1)[1].split("</div>", 1)[0]
    assert "SLA: Running" in header and "SLA: Met" not in header
    assert "Reply held, not sent" in header and "no outbound SMTP relay configured" in header
    board = client.get("/tickets").text
    row = board.split(f'data-id="{opened.ticket_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Reply held, not sent" in row
    # Never sent, it is never met: at the due time the sweeper breaches the clock.
    sweep(session_factory, DUE + timedelta(seconds=1))
    assert _ticket(session_factory, opened.ticket_id).sla_state == "breached"
    page = client.get(f"/tickets/{opened.ticket_id}").text
    assert "SLA: Breached" in page and "Reply held, not sent" in page


def test_the_first_response_is_when_the_reply_leaves_late_is_late(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    _reply(session_factory, mw, opened.ticket_id)
    send_queued(session_factory, None, T0 + timedelta(hours=2))  # held
    relay_configured = DUE + timedelta(hours=6)
    relay = AcceptingMailer()
    send_queued(session_factory, relay, relay_configured)  # held mail leaves once a relay exists
    assert [m.to_addrs for m in relay.sent].count(("ravi@client.example",)) == 1
    ticket = _ticket(session_factory, opened.ticket_id)
    assert (ticket.first_response_at, ticket.sla_state) == (relay_configured, "breached")


def test_resolving_with_a_held_reply_keeps_the_ticket_in_view(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    _reply(session_factory, mw, opened.ticket_id, resolve=True)
    send_queued(session_factory, None, T0 + timedelta(hours=2))
    ticket = _ticket(session_factory, opened.ticket_id)
    assert (ticket.status, ticket.sla_state) == ("resolved", "running")
    login(client, mw.legal_lila)
    board = client.get("/tickets").text
    open_table = board.split('id="open-title"', 1)[1].split("</section>", 1)[0]
    assert opened.reference in open_table and "Reply held, not sent" in open_table
    send_queued(session_factory, AcceptingMailer(), T0 + timedelta(hours=3))
    ticket = _ticket(session_factory, opened.ticket_id)
    assert (ticket.sla_state, ticket.first_response_at) == ("met", T0 + timedelta(hours=3))
    assert "Reply held" not in client.get("/tickets").text


def test_a_reply_the_relay_refuses_for_good_is_a_failed_reply(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    _reply(session_factory, mw, opened.ticket_id)
    login(client, mw.legal_lila)
    now = T0 + timedelta(hours=2)
    send_queued(session_factory, RefusingMailer(), now)
    page = client.get(f"/tickets/{opened.ticket_id}").text
    assert "Reply not sent yet" in page and "relay said no" in page
    for _ in range(MAX_ATTEMPTS):
        now += timedelta(hours=2)
        send_queued(session_factory, RefusingMailer(), now)
    page = client.get(f"/tickets/{opened.ticket_id}").text
    assert "Reply failed, not sent" in page and "SLA: Met" not in page
    assert _ticket(session_factory, opened.ticket_id).first_response_at is None


def test_what_became_of_a_reply_goes_live_after_its_commit(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    _reply(session_factory, mw, opened.ticket_id)
    bus = Recorder()
    bind_bus(session_factory, bus)
    send_queued(session_factory, None, T0 + timedelta(hours=2))
    send_queued(session_factory, AcceptingMailer(), T0 + timedelta(hours=3))
    kinds = [e.kind for e in bus.events if e.kind.startswith("ticket.reply_")]
    assert kinds == [REPLY_HELD, REPLY_SENT]
    sent = next(e for e in bus.events if e.kind == REPLY_SENT)
    assert sent.data["sla_state"] == "met" and sent.data["ticket_id"] == opened.ticket_id
    assert REPLY_FAILED not in kinds


def test_the_ticket_page_refreshes_its_header_and_facts_with_the_thread(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    login(client, mw.legal_lila)
    page = client.get(f"/tickets/{opened.ticket_id}").text
    live = page.split('id="ticket-live"', 1)[1].split(">", 1)[0]
    assert 'hx-select-oob="#ticket-messages,#ticket-status,#ticket-facts"' in live
    assert 'hx-sync="this:queue last"' in live  # a second event while a fetch is out is kept
    for kind in ("ticket.message", "ticket.replied", "ticket.reply_sent", "ticket.reopened"):
        assert f"sse:{kind}" in live
    assert 'id="ticket-status"' in page and 'id="ticket-facts"' in page


def test_another_orgs_people_see_no_held_reply(
    client: TestClient, session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    _reply(session_factory, mw, opened.ticket_id)
    send_queued(session_factory, None, T0 + timedelta(hours=2))
    login(client, mw.world.agent_ana)  # Rondesse
    assert "Reply held" not in client.get("/tickets").text
    assert client.get(f"/tickets/{opened.ticket_id}").status_code == 404
