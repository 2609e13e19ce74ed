"""Tickets from email on a real database: opening, threading, duplicates, replies, access."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, LEGAL, CapturingRelay, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.ingest import Action, ingest
from sopdesk.channels.email.mime import parse
from sopdesk.channels.email.outbound import SmtpMailer
from sopdesk.crm.models import Account, Contact
from sopdesk.db import transaction
from sopdesk.escalations import replies, tickets
from sopdesk.escalations.intake import Outcome, load_directory, receive_email
from sopdesk.escalations.models import (
    Attachment,
    MailState,
    Notification,
    OutboundMail,
    SlaClock,
    Ticket,
    TicketMessage,
)
from sopdesk.escalations.outbox import send_queued


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def deliver(factory: sessionmaker[Session], raw: bytes, at=T0, rcpts=None) -> list[Outcome]:  # type: ignore[no-untyped-def]
    with factory() as s:
        directory = load_directory(s)
    decision = ingest(raw, "ravi@client.example", rcpts or [LEGAL], at, directory)
    assert decision.action is Action.DELIVER, decision.reason
    assert decision.email is not None
    return receive_email(factory, decision.email, decision.deliveries, at)


def test_a_new_email_opens_a_ticket_with_its_24h_clock_from_receipt(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (outcome,) = deliver(session_factory, make_email(), at=T0)
    assert outcome.kind == "opened" and outcome.reference == f"MYO-{outcome.ticket_id:06d}"
    with session_factory() as s:
        ticket = s.get_one(Ticket, outcome.ticket_id)
        assert (ticket.team, ticket.status, ticket.sla_state) == ("legal", "open", "running")
        assert ticket.received_at == T0 and ticket.sla_due_at == T0 + timedelta(hours=24)
        assert ticket.policy_id == "legal_accounts_by_email"
        clocks = {c.kind: c.due_at for c in s.scalars(select(SlaClock))}
        assert clocks == {
            "reminder": T0 + timedelta(hours=18),
            "resolution": T0 + timedelta(hours=24),
        }
        contact = s.get_one(Contact, ticket.contact_id)
        assert (contact.email, contact.name, contact.org_id) == (
            "ravi@client.example",
            "Ravi Kumar",
            "myoperator",
        )
        note = s.scalars(select(Notification)).one()
        assert note.kind == "opened" and note.team == "legal"
        mail = s.scalars(select(OutboundMail)).one()  # to Lila, Legal's member, not to legal@
        assert mail.to_addrs == ["lila@myoperator.example"]
        assert mail.headers["Auto-Submitted"] == "auto-generated"


def test_the_same_message_id_twice_is_one_ticket(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    first = deliver(session_factory, make_email())
    again = deliver(session_factory, make_email(body="resent"))
    assert again[0].kind == "duplicate" and again[0].ticket_id == first[0].ticket_id
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert s.scalar(select(func.count()).select_from(TicketMessage)) == 1


def test_concurrent_deliveries_of_one_message_make_one_ticket(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    with session_factory() as s:
        directory = load_directory(s)
    for n in range(5):
        raw = make_email(message_id=f"<race{n}@client.example>")
        decision = ingest(raw, "ravi@client.example", [LEGAL], T0, directory)
        assert decision.email is not None
        barrier, results = threading.Barrier(4), []
        args = (session_factory, decision.email, decision.deliveries, T0)

        def worker(b: threading.Barrier, out: list[Outcome], args=args) -> None:  # type: ignore[no-untyped-def]
            b.wait()
            out.extend(receive_email(*args))

        threads = [threading.Thread(target=worker, args=(barrier, results)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(o.kind for o in results) == ["duplicate"] * 3 + ["opened"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 5


def test_replies_join_by_headers_only_within_the_team_and_never_by_subject_alone(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email())
    by_header = make_email(message_id="<m2@c>", headers={"In-Reply-To": "<m1@client.example>"})
    by_refs = make_email(message_id="<m3@c>", headers={"References": "<zz@q> <m2@c>"})
    for raw in (by_header, by_refs):
        assert deliver(session_factory, raw)[0].ticket_id == opened.ticket_id
    # The reference in the subject is for people: alone, even from the customer, it opens a
    # new ticket that follows the one it names.
    by_subject = make_email(message_id="<m4@c>", subject=f"Re: [{opened.reference}] hello")
    (named,) = deliver(session_factory, by_subject)
    assert named.kind == "opened" and named.ticket_id != opened.ticket_id
    with session_factory() as s:
        ticket = s.get_one(Ticket, named.ticket_id)
        assert ticket.follows_id == opened.ticket_id
        assert f"Names {opened.reference} in its subject" in (ticket.opened_note or "")
    other_team = make_email(message_id="<m5@c>", subject=f"[{opened.reference}] for accounts")
    (to_accounts,) = deliver(session_factory, other_team, rcpts=[ACCOUNTS])
    assert to_accounts.kind == "opened" and to_accounts.ticket_id != opened.ticket_id
    both = deliver(session_factory, make_email(message_id="<m6@c>"), rcpts=[LEGAL, ACCOUNTS])
    assert [(o.team, o.kind) for o in both] == [("legal", "opened"), ("accounts", "opened")]


def test_attachments_are_stored_and_customer_linked_to_the_account(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    with transaction(session_factory) as s:
        account = Account(
            org_id="myoperator", name="Acme", email="RAVI@client.example", created_at=T0
        )
        s.add(account)
    raw = make_email(attachments=[("cheque.png", "image/png", b"\x89PNG" + b"0" * 100)])
    (outcome,) = deliver(session_factory, raw)
    with session_factory() as s:
        ticket = s.get_one(Ticket, outcome.ticket_id)
        assert ticket.account_id == account.id
        att = s.scalars(select(Attachment)).one()
        assert (att.filename, att.content_type, att.size) == ("cheque.png", "image/png", 104)
        assert att.content.startswith(b"\x89PNG")


def test_reply_is_threaded_meets_the_sla_and_goes_out_through_the_relay(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email(headers={"References": "<root@client>"}))
    assert opened.ticket_id is not None
    later = T0 + timedelta(hours=3)
    with transaction(session_factory) as s:
        out = replies.reply(s, mw.legal_lila, opened.ticket_id, "Clause 4 means...", later)
        ticket = s.get_one(Ticket, opened.ticket_id)
        # Written, not sent: the clock runs until the reply leaves.
        assert (ticket.status, ticket.sla_state, ticket.first_response_at) == (
            "answered",
            "running",
            None,
        )
    assert out.in_reply_to == "<m1@client.example>"
    with session_factory() as s:
        key = s.get_one(Ticket, opened.ticket_id).thread_key
    # The thread's root (carrying the ticket's secret key) first, then the customer's chain.
    root = f"<t.{key}@myoperator.co>"
    assert out.references == [root, "<root@client>", "<m1@client.example>"]
    assert out.message_id.startswith(f"<t.{key}.") and out.message_id.endswith("@myoperator.co>")
    left = later + timedelta(minutes=1)
    with CapturingRelay() as relay:
        report = send_queued(session_factory, SmtpMailer("127.0.0.1", relay.port), left)
        assert report.sent == 2  # Lila's new-ticket notice and the reply
    with session_factory() as s:
        ticket = s.get_one(Ticket, opened.ticket_id)
        assert (ticket.sla_state, ticket.first_response_at) == ("met", left)
    sent = [parse(m.data) for m in relay.messages if m.rcpt_tos == ["ravi@client.example"]]
    (message,) = sent
    assert message["In-Reply-To"] == "<m1@client.example>"
    assert message["References"] == f"{root} <root@client> <m1@client.example>"
    assert message["Reply-To"] == f"legal+t.{key}@myoperator.co"
    assert message["Subject"] == f"Re: [{opened.reference}] Contract question"
    assert message["From"].addresses[0].addr_spec == LEGAL
    assert message["Message-ID"] == out.message_id
    # The customer answers our reply: it joins the ticket and starts a new clock.
    answer = make_email(message_id="<m9@c>", headers={"In-Reply-To": out.message_id})
    (joined,) = deliver(session_factory, answer, at=later + timedelta(hours=1))
    assert joined.ticket_id == opened.ticket_id and joined.kind == "joined"
    with session_factory() as s:
        ticket = s.get_one(Ticket, opened.ticket_id)
        assert ticket.status == "open" and ticket.sla_state == "running"
        assert ticket.sla_due_at == later + timedelta(hours=25)


def test_resolve_and_who_may_work_a_ticket(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email())
    assert opened.ticket_id is not None
    tid = opened.ticket_id
    with transaction(session_factory) as s:
        with pytest.raises(tickets.TicketNotFound):  # another org: the ticket does not exist
            tickets.access_ticket(s, mw.world.agent_ana, tid)
        for outsider in (mw.world.agent_priya, mw.accounts_arun):  # not Legal's: no such
            with pytest.raises(tickets.TicketNotFound):
                tickets.access_ticket(s, outsider, tid)
            with pytest.raises(tickets.TicketNotFound):
                replies.reply(s, outsider, tid, "hi", T0)
            with pytest.raises(tickets.TicketNotFound):
                replies.resolve(s, outsider, tid, T0)
        with pytest.raises(tickets.EscalationError, match="text: the reply is empty"):
            replies.reply(s, mw.legal_lila, tid, "  ", T0)
        ticket = replies.resolve(s, mw.world.other_org_olga, tid, T0 + timedelta(hours=30))
        assert (ticket.status, ticket.sla_state) == ("resolved", "breached")
        with pytest.raises(tickets.EscalationError, match="already resolved"):
            replies.resolve(s, mw.legal_lila, tid, T0)
    # Mail to a resolved ticket reopens it.
    again = make_email(message_id="<late@c>", headers={"In-Reply-To": "<m1@client.example>"})
    assert deliver(session_factory, again)[0].kind == "reopened"


def test_without_a_relay_mail_is_held_visibly_then_sent_once_one_exists(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    deliver(session_factory, make_email())
    assert send_queued(session_factory, None, T0).held == 1
    with session_factory() as s:
        mail = s.scalars(select(OutboundMail)).one()
        assert mail.state == MailState.HELD and "SOPDESK_OUTBOUND_SMTP_HOST" in (
            mail.last_error or ""
        )
    assert send_queued(session_factory, None, T0).held == 0  # not re-processed every pass
    with CapturingRelay() as relay:
        assert send_queued(session_factory, SmtpMailer("127.0.0.1", relay.port), T0).sent == 1
    dead = SmtpMailer("127.0.0.1", 1, timeout=1)
    deliver(session_factory, make_email(message_id="<n2@c>"))
    report = send_queued(session_factory, dead, T0)
    assert report.retried == 1
    with session_factory() as s:
        failing = s.scalars(select(OutboundMail).where(OutboundMail.state == "queued")).one()
        assert failing.attempts == 1 and failing.next_attempt_at > T0


def test_can_work_answers_what_check_can_work_refuses_and_who_sees_which_team_first(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    (opened,) = deliver(session_factory, make_email())  # a Legal ticket at MyOperator
    assert opened.ticket_id is not None
    with session_factory() as s:
        ticket = tickets.access_ticket(s, mw.legal_lila, opened.ticket_id)
        people = {
            "lila (legal)": mw.legal_lila,
            "arun (accounts)": mw.accounts_arun,
            "priya (agent)": mw.world.agent_priya,
            "olga (supervisor)": mw.world.other_org_olga,
        }
        allowed = {name: tickets.can_work(u, ticket) for name, u in people.items()}
        assert allowed == {
            "lila (legal)": True,
            "arun (accounts)": False,
            "priya (agent)": False,
            "olga (supervisor)": True,
        }
        for name, user in people.items():  # the refusal says no exactly where the answer does
            if allowed[name]:
                tickets.check_can_work(user, ticket)
            else:
                with pytest.raises(tickets.NotAllowed):
                    tickets.check_can_work(user, ticket)
    assert tickets.default_team(mw.legal_lila) == "legal"
    assert tickets.default_team(mw.accounts_arun) == "accounts"
    assert tickets.default_team(mw.world.agent_priya) is None  # every team
    assert tickets.default_team(mw.world.other_org_olga) is None
