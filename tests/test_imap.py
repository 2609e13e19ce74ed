"""IMAP polling for a team whose mail lives elsewhere. The remote IMAP server lies outside the
machine, so it is the one part played by a stand-in (FakeImap, answering as imaplib does)."""

from __future__ import annotations

import imaplib
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.imap import ImapMailbox, poll_mailbox, run_imap_poller
from sopdesk.channels.email.ingest import Limits
from sopdesk.escalations.models import Ticket

MAILBOX = ImapMailbox(team_address=ACCOUNTS, host="imap.example", username="u", password="p")
ARRIVED = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


class FakeImap:
    """Messages by uid with their \\Seen flag, answering SEARCH/FETCH/STORE like imaplib."""

    def __init__(self, messages: list[bytes], internaldate: bool = True) -> None:
        self.messages = {str(i + 1).encode(): raw for i, raw in enumerate(messages)}
        self.seen: set[bytes] = set()
        self.fail_store = False
        self.internaldate = internaldate  # False: a server that gives no receipt time

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> tuple[str, list[Any]]:
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]:
        if command == "SEARCH":
            return "OK", [b" ".join(u for u in self.messages if u not in self.seen)]
        if command == "FETCH":
            stamp = imaplib.Time2Internaldate(ARRIVED.timestamp()).encode()
            meta = b"1 (UID " + args[0] + b" INTERNALDATE " + stamp + b" BODY[] {1}"
            if not self.internaldate:
                meta = b"1 (UID " + args[0] + b" BODY[] {1}"
            return "OK", [(meta, self.messages[args[0]]), b")"]
        if command == "STORE":
            if self.fail_store:
                raise imaplib.IMAP4.abort("connection lost")
            self.seen.add(args[0])
            return "OK", []
        raise AssertionError(command)

    def logout(self) -> None:
        return None


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def tickets(factory: sessionmaker[Session]) -> list[Ticket]:
    with factory() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def test_unseen_messages_become_tickets_at_the_servers_receipt_time(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    server = FakeImap(
        [
            make_email(to=ACCOUNTS, subject="Refund"),
            make_email(
                to=ACCOUNTS, message_id="<ooo@c>", headers={"Auto-Submitted": "auto-replied"}
            ),
        ]
    )
    report = poll_mailbox(server, MAILBOX, session_factory, Limits(), T0)
    assert (report.delivered, report.ignored) == (1, 1)
    assert server.seen == {b"1", b"2"}
    (ticket,) = tickets(session_factory)
    assert ticket.team == "accounts" and ticket.received_at == ARRIVED
    assert poll_mailbox(server, MAILBOX, session_factory, Limits(), T0) == type(report)()


def test_a_crash_before_flagging_seen_makes_a_duplicate_not_a_second_ticket(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    server = FakeImap([make_email(to=ACCOUNTS)])
    server.fail_store = True
    with pytest.raises(imaplib.IMAP4.abort):
        poll_mailbox(server, MAILBOX, session_factory, Limits(), T0)
    server.fail_store = False
    assert poll_mailbox(server, MAILBOX, session_factory, Limits(), T0).duplicates == 1
    assert len(tickets(session_factory)) == 1


def test_oversize_attachments_stay_unseen_and_the_poller_survives_failures(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    big = make_email(to=ACCOUNTS, attachments=[("x.bin", "application/octet-stream", b"x" * 5000)])
    server = FakeImap([big])
    assert poll_mailbox(server, MAILBOX, session_factory, Limits(1000), T0).rejected == 1
    assert server.seen == set()
    calls: list[str] = []

    def connect(mailbox: ImapMailbox) -> Any:
        calls.append(mailbox.host)
        if len(calls) == 1:
            raise OSError("imap.example unreachable")
        return FakeImap([make_email(to=ACCOUNTS, message_id="<later@c>")])

    stop = threading.Event()
    thread = threading.Thread(
        target=run_imap_poller,
        args=([MAILBOX], session_factory, Limits(), stop, 0.01, connect, lambda: T0),
    )
    thread.start()
    deadline = time.monotonic() + 10
    while len(tickets(session_factory)) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join()
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_the_poller_stamps_its_clock_when_the_server_gives_no_receipt_time(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    stop = threading.Event()

    def connect(mailbox: ImapMailbox) -> Any:
        return FakeImap([make_email(to=ACCOUNTS, message_id="<undated@c>")], internaldate=False)

    thread = threading.Thread(
        target=run_imap_poller,
        args=([MAILBOX], session_factory, Limits(), stop, 0.01, connect),
        kwargs={"clock": lambda: T0},  # the test's clock, never the wall clock
    )
    thread.start()
    deadline = time.monotonic() + 10
    while len(tickets(session_factory)) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join()
    (ticket,) = tickets(session_factory)
    assert ticket.received_at == T0
