"""Email threads that cannot be hijacked: each attack of issue 11 item 7, and its refusal.

Personas: Ravi (ravi@client.example) is MyOperator's customer on a Legal ticket; Mallory
(mallory@stranger.example) is a stranger who knows Ravi's ticket number.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, LEGAL, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.ingest import Action, ingest
from sopdesk.db import transaction
from sopdesk.escalations import replies
from sopdesk.escalations.inbound import TeamAddress, TeamDirectory
from sopdesk.escalations.intake import Outcome, load_directory, receive_email
from sopdesk.escalations.models import SlaClock, Ticket, TicketMessage
from sopdesk.escalations.threads import address_key, keys_in, reply_address, untagged
from test_escalations import deliver

MALLORY = "Mallory <mallory@stranger.example>"


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def _resolved_ticket_with_reply(factory: sessionmaker[Session], mw: MailWorld) -> Ticket:
    """Ravi's Legal ticket: answered by Lila, resolved at T0 + 3h."""
    (opened,) = deliver(factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    with transaction(factory) as s:
        replies.reply(
            s,
            mw.legal_lila,
            opened.ticket_id,
            "Clause 4 means X.",
            T0 + timedelta(hours=3),
            resolve=True,
        )
    with factory() as s:
        return s.get_one(Ticket, opened.ticket_id)


def _our_reply_id(factory: sessionmaker[Session], ticket: Ticket) -> str:
    with factory() as s:
        return s.scalars(
            select(TicketMessage.message_id).where(
                TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "out"
            )
        ).one()


def _state(factory: sessionmaker[Session], ticket_id: int) -> tuple[str, int, int]:
    """(status, messages on the thread, SLA clocks) of a ticket."""
    with factory() as s:
        ticket = s.get_one(Ticket, ticket_id)
        count = s.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket_id))
        clocks = s.scalar(select(func.count()).where(SlaClock.ticket_id == ticket_id))
        return ticket.status, count or 0, clocks or 0


def _opened_note(factory: sessionmaker[Session], outcome: Outcome) -> tuple[int | None, str]:
    with factory() as s:
        ticket = s.get_one(Ticket, outcome.ticket_id)
        return ticket.follows_id, ticket.opened_note or ""


def test_a_stranger_quoting_the_reference_in_a_subject_does_not_reopen_the_ticket(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    ticket = _resolved_ticket_with_reply(session_factory, mw)
    before = _state(session_factory, ticket.id)
    assert before[0] == "resolved"
    attack = make_email(
        sender=MALLORY, message_id="<a1@stranger>", subject=f"Re: [{ticket.reference}] hi"
    )
    (outcome,) = deliver(session_factory, attack, at=T0 + timedelta(hours=5))
    assert outcome.kind == "opened" and outcome.ticket_id != ticket.id
    assert _state(session_factory, ticket.id) == before  # not reopened, no new clock, no message
    follows, note = _opened_note(session_factory, outcome)
    assert follows == ticket.id and f"Names {ticket.reference} in its subject" in note


def test_a_stranger_with_a_real_reference_gets_a_new_ticket_that_says_why(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    ticket = _resolved_ticket_with_reply(session_factory, mw)
    before = _state(session_factory, ticket.id)
    # Say Ravi forwarded our reply, headers and all, and Mallory answers it.
    attack = make_email(
        sender=MALLORY,
        message_id="<a2@stranger>",
        headers={"In-Reply-To": _our_reply_id(session_factory, ticket)},
    )
    (outcome,) = deliver(session_factory, attack, at=T0 + timedelta(hours=5))
    assert outcome.kind == "opened" and outcome.ticket_id != ticket.id
    assert _state(session_factory, ticket.id) == before
    follows, note = _opened_note(session_factory, outcome)
    assert follows == ticket.id
    assert f"A reply to {ticket.reference} from mallory@stranger.example" in note
    assert "not on that ticket" in note


def test_a_guessed_thread_key_or_message_id_threads_nothing(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    ticket = _resolved_ticket_with_reply(session_factory, mw)
    before = _state(session_factory, ticket.id)
    guess = secrets.token_hex(16)
    for n, header in enumerate(
        [f"<t.{guess}@myoperator.co>", f"<{ticket.id}@myoperator.co>", "<m0@client.example>"]
    ):
        raw = make_email(message_id=f"<g{n}@c>", headers={"In-Reply-To": header})
        (outcome,) = deliver(session_factory, raw, at=T0 + timedelta(hours=5))
        assert outcome.kind == "opened" and outcome.ticket_id != ticket.id
    assert _state(session_factory, ticket.id) == before


@pytest.mark.parametrize("carried_by", ["in-reply-to", "references root only", "reply-to address"])
def test_the_customer_answering_the_desk_joins_by_the_thread_key(
    session_factory: sessionmaker[Session], mw: MailWorld, carried_by: str
) -> None:
    ticket = _resolved_ticket_with_reply(session_factory, mw)
    key = ticket.thread_key
    headers: dict[str, str] = {}
    rcpt = LEGAL
    if carried_by == "in-reply-to":
        headers["In-Reply-To"] = _our_reply_id(session_factory, ticket)
    elif carried_by == "references root only":  # a client that trimmed the chain
        headers["References"] = f"<t.{key}@myoperator.co>"
    else:  # a client that drops threading headers still sends to the Reply-To
        rcpt = reply_address(key, LEGAL)
    raw = make_email(message_id="<r2@client.example>", headers=headers, to=rcpt)
    (outcome,) = deliver(session_factory, raw, at=T0 + timedelta(days=2), rcpts=[rcpt])
    assert (outcome.kind, outcome.ticket_id) == ("reopened", ticket.id)
    status, messages, _ = _state(session_factory, ticket.id)
    assert (status, messages) == ("open", 3)


def test_people_copied_by_the_customer_and_the_team_are_participants(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    first = make_email(headers={"Cc": "Dana <dana@lawfirm.example>"})
    (opened,) = deliver(session_factory, first, at=T0)
    assert opened.ticket_id is not None
    with transaction(session_factory) as s:
        out = replies.reply(s, mw.legal_lila, opened.ticket_id, "Noted.", T0 + timedelta(hours=1))
    for n, sender in enumerate(["Dana <dana@lawfirm.example>", "Lila <lila@myoperator.example>"]):
        raw = make_email(
            sender=sender, message_id=f"<p{n}@x>", headers={"In-Reply-To": out.message_id}
        )
        (outcome,) = deliver(session_factory, raw, at=T0 + timedelta(hours=2))
        assert (outcome.kind, outcome.ticket_id) == ("joined", opened.ticket_id)
    # Arun is MyOperator staff, but of Accounts: not a participant of a Legal ticket.
    raw = make_email(
        sender="Arun <arun@myoperator.example>",
        message_id="<p9@x>",
        headers={"In-Reply-To": out.message_id},
    )
    (outcome,) = deliver(session_factory, raw, at=T0 + timedelta(hours=2))
    assert outcome.kind == "opened" and outcome.ticket_id != opened.ticket_id


@pytest.mark.parametrize(("days", "joins"), [(13, True), (15, False)])
def test_a_follow_up_to_a_long_closed_ticket_opens_a_new_one_linked_to_it(
    session_factory: sessionmaker[Session], mw: MailWorld, days: int, joins: bool
) -> None:
    ticket = _resolved_ticket_with_reply(session_factory, mw)
    resolved_at = T0 + timedelta(hours=3)
    raw = make_email(
        message_id="<late@client.example>",
        headers={"In-Reply-To": _our_reply_id(session_factory, ticket)},
    )
    at = resolved_at + timedelta(days=days)
    (outcome,) = deliver(session_factory, raw, at=at)
    if joins:
        assert (outcome.kind, outcome.ticket_id) == ("reopened", ticket.id)
        return
    assert outcome.kind == "opened" and outcome.ticket_id != ticket.id
    assert _state(session_factory, ticket.id)[0] == "resolved"
    follows, note = _opened_note(session_factory, outcome)
    assert follows == ticket.id and "resolved more than 14 days before" in note
    with session_factory() as s:  # the new ticket's own clock, from its receipt
        assert s.get_one(Ticket, outcome.ticket_id).sla_due_at == at + timedelta(hours=24)


def test_the_reopen_window_is_a_setting(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    ticket = _resolved_ticket_with_reply(session_factory, mw)
    raw = make_email(
        message_id="<w@client.example>",
        headers={"In-Reply-To": _our_reply_id(session_factory, ticket)},
    )
    at = T0 + timedelta(days=3)
    with session_factory() as s:
        decision = ingest(raw, "ravi@client.example", [LEGAL], at, load_directory(s))
    assert decision.email is not None
    (outcome,) = receive_email(
        session_factory, decision.email, decision.deliveries, at, timedelta(days=2)
    )
    assert outcome.kind == "opened" and outcome.ticket_id != ticket.id


@pytest.mark.parametrize(
    ("header_from", "envelope_from"),
    [
        ("Legal <legal@myoperator.co>", "legal@myoperator.co"),
        ("Accounts <ACCOUNTS@myoperator.co>", "bounce@relay.example"),  # the header names us
        ("Someone <someone@x.example>", "legal+t.00@myoperator.co"),  # the envelope does
    ],
)
def test_mail_from_the_orgs_own_team_addresses_opens_no_ticket(
    session_factory: sessionmaker[Session], mw: MailWorld, header_from: str, envelope_from: str
) -> None:
    with session_factory() as s:
        directory = load_directory(s)
    raw = make_email(sender=header_from, to=ACCOUNTS)
    decision = ingest(raw, envelope_from, [ACCOUNTS, LEGAL], T0, directory)
    assert decision.action is Action.IGNORE
    assert "a team address of this desk" in decision.reason
    assert decision.smtp_reply.startswith("250 2.0.0 Accepted, not ticketed")


def test_another_orgs_team_address_is_a_customer_like_any_other(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    with session_factory() as s:
        ours = load_directory(s)
    theirs = TeamAddress("rondesse", "lawyers", "Lawyers", "lawyers@rondesse.example")
    directory = TeamDirectory.of([*ours.teams.values(), theirs])
    raw = make_email(sender=theirs.address)
    decision = ingest(raw, theirs.address, [LEGAL], T0, directory)
    assert decision.action is Action.DELIVER
    # ... and Rondesse's own mail to that address would be dropped.
    to_them = ingest(make_email(to=theirs.address), theirs.address, [theirs.address], T0, directory)
    assert to_them.action is Action.IGNORE


def test_thread_keys_are_read_only_from_the_desks_own_shapes() -> None:
    key = "0123456789abcdef0123456789abcdef"
    ids = [f"<t.{key}.99@x.co>", "<t.short@x.co>", f"<T.{key.upper()}@x.co>", f"<x.{key}@x>"]
    assert keys_in(ids) == (key,)
    assert address_key(f"legal+t.{key}@myoperator.co") == key
    assert address_key("legal+t.123@myoperator.co") is None
    assert untagged(f"Legal+t.{key}@myoperator.co") == "Legal@myoperator.co"
    assert reply_address(key, "legal@myoperator.co") == f"legal+t.{key}@myoperator.co"


def test_every_ticket_gets_its_own_key(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    for n in range(3):
        deliver(session_factory, make_email(message_id=f"<k{n}@c>"), at=T0)
    with session_factory() as s:
        keys = list(s.scalars(select(Ticket.thread_key)))
    assert len(set(keys)) == 3 and all(len(k) == 32 and int(k, 16) >= 0 for k in keys)
