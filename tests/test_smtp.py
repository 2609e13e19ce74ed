"""A real SMTP conversation with the embedded intake listener (smtplib on a free port)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkit import ACCOUNTS, LEGAL, MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.channels.email.listener import SmtpHandle, start_smtp
from sopdesk.escalations.models import SlaClock, Ticket, TicketMessage
from sopdesk.escalations.sweeper import sweep
from sopdesk.settings import Settings


@pytest.fixture
def mw(session_factory: sessionmaker[Session]) -> MailWorld:
    return build_mail_world(session_factory)


def settings(**overrides: object) -> Settings:
    return Settings(**{"smtp_port": 0, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def listener(session_factory: sessionmaker[Session], mw: MailWorld) -> Iterator[SmtpHandle]:
    handle = start_smtp(settings(smtp_max_message_bytes=200_000), session_factory, clock=lambda: T0)
    yield handle
    handle.stop()


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_real_smtp_conversation_opens_a_ticket(
    listener: SmtpHandle, session_factory: sessionmaker[Session]
) -> None:
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as smtp:
        code, banner = smtp.ehlo("client.example")
        assert code == 250 and b"SIZE 200000" in banner
        assert smtp.mail("ravi@client.example")[0] == 250
        assert smtp.rcpt(LEGAL)[0] == 250
        code, reply = smtp.data(make_email(date=T0 - timedelta(days=400)))
    assert code == 250 and b"MYO-" in reply and b"opened" in reply
    with session_factory() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.received_at == T0 and ticket.sla_due_at == T0 + timedelta(hours=24)


def test_unknown_recipient_is_refused_at_rcpt_with_550(
    listener: SmtpHandle, session_factory: sessionmaker[Session]
) -> None:
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("ravi@client.example")
        code, text = smtp.rcpt("nobody@myoperator.co")
        assert code == 550 and text.startswith(b"5.1.1")
        smtp.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("ravi@client.example", ["ghost@elsewhere.example"], make_email())
        # One good recipient among bad ones: accepted for the good one only.
        refused = smtp.sendmail(
            "ravi@client.example", ["x@nowhere.example", ACCOUNTS], make_email()
        )
        assert list(refused) == ["x@nowhere.example"]
    assert count(session_factory, Ticket) == 1


def test_oversize_messages_and_attachments_get_552(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    handle = start_smtp(
        settings(smtp_max_message_bytes=50_000, smtp_max_attachment_bytes=10_000),
        session_factory,
    )
    try:
        with smtplib.SMTP(handle.host, handle.port, timeout=10) as smtp:
            smtp.ehlo()
            big = make_email(attachments=[("big.bin", "application/octet-stream", b"x" * 60_000)])
            with pytest.raises(smtplib.SMTPSenderRefused) as too_big:  # SIZE= declared in MAIL
                smtp.sendmail("ravi@client.example", [LEGAL], big)
            assert too_big.value.smtp_code == 552
            smtp.rset()
            att = make_email(attachments=[("scan.pdf", "application/pdf", b"x" * 20_000)])
            smtp.mail("ravi@client.example")
            smtp.rcpt(LEGAL)
            code, text = smtp.data(att)
            assert code == 552, text
            assert b"Attachment 'scan.pdf'" in text and b"per attachment" in text
    finally:
        handle.stop()
    assert count(session_factory, Ticket) == 0


def test_a_taken_port_is_a_clear_error(
    listener: SmtpHandle, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(RuntimeError, match="--smtp-port or SOPDESK_SMTP_PORT"):
        start_smtp(settings(smtp_port=listener.port), session_factory)


def test_duplicates_bounces_and_auto_replies_over_smtp(
    listener: SmtpHandle, session_factory: sessionmaker[Session]
) -> None:
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as smtp:
        smtp.sendmail("ravi@client.example", [LEGAL], make_email())
        smtp.sendmail("ravi@client.example", [LEGAL], make_email())  # the same Message-ID
        smtp.sendmail("", [LEGAL], make_email(message_id="<bounce@mx>"))  # MAIL FROM:<>
        auto = make_email(message_id="<ooo@c>", headers={"Auto-Submitted": "auto-replied"})
        smtp.sendmail("ravi@client.example", [LEGAL], auto)
    assert count(session_factory, Ticket) == 1
    assert count(session_factory, TicketMessage) == 1


def test_restart_mid_way_loses_nothing_and_fires_each_clock_once(
    session_factory: sessionmaker[Session], mw: MailWorld
) -> None:
    mails = [make_email(message_id=f"<r{i}@client.example>") for i in range(8)]
    first = start_smtp(settings(), session_factory, clock=lambda: T0)
    port = first.port
    with smtplib.SMTP(first.host, port, timeout=10) as smtp:
        for raw in mails[:5]:
            smtp.sendmail("ravi@client.example", [LEGAL], raw)
    first.stop()
    with pytest.raises(OSError):  # down: a sending MTA keeps the mail and retries later
        smtplib.SMTP(first.host, port, timeout=2).sendmail("a@b.c", [LEGAL], mails[5])
    assert sweep(session_factory, T0 + timedelta(hours=18)).reminded == 5
    again = start_smtp(settings(smtp_port=port), session_factory, clock=lambda: T0)
    try:
        with smtplib.SMTP(again.host, port, timeout=10) as smtp:
            for raw in mails:  # the MTA retries all: some were already stored before the stop
                smtp.sendmail("ravi@client.example", [LEGAL], raw)
    finally:
        again.stop()
    assert count(session_factory, Ticket) == 8
    report = sweep(session_factory, T0 + timedelta(hours=25))
    assert (report.reminded, report.breached) == (3, 8)
    with session_factory() as s:
        fired = s.scalar(select(func.count()).where(SlaClock.fired_at.is_not(None)))
        assert fired == 16


def test_mail_from_our_own_team_address_is_accepted_and_opens_no_ticket(
    listener: SmtpHandle, session_factory: sessionmaker[Session]
) -> None:
    """Loop protection: answered 250 (a refusal would bounce back to our own address and loop
    again), logged with its reason, never ticketed."""
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as smtp:
        smtp.ehlo("myoperator.co")
        assert smtp.mail(LEGAL)[0] == 250 and smtp.rcpt(ACCOUNTS)[0] == 250
        code, reply = smtp.data(make_email(sender=f"Legal <{LEGAL}>", to=ACCOUNTS))
    assert code == 250 and b"not ticketed" in reply and LEGAL.encode() in reply
    assert count(session_factory, Ticket) == 0


def test_a_reply_to_the_tagged_reply_to_address_is_accepted_at_rcpt(
    listener: SmtpHandle, session_factory: sessionmaker[Session]
) -> None:
    tagged = "legal+t.0123456789abcdef0123456789abcdef@myoperator.co"
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as smtp:
        smtp.ehlo("client.example")
        assert smtp.mail("ravi@client.example")[0] == 250
        assert smtp.rcpt(tagged)[0] == 250  # the team's address, tagged with a thread key
        code, reply = smtp.data(make_email(to=tagged))
    # No ticket has that key: a new ticket, as for any first message.
    assert code == 250 and b"opened" in reply
    assert count(session_factory, Ticket) == 1
