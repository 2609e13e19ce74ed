"""Helpers for email tests: MyOperator's team people, messages to send, a capturing SMTP relay.

Personas added here: legal_lila (MyOperator Legal), accounts_arun (MyOperator Accounts).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, T0, World, build_world
from sopdesk.channels.email.listener import free_port
from sopdesk.db import transaction
from sopdesk.escalations.outbox import OutgoingMail
from sopdesk.orgs import service
from sopdesk.orgs.models import Role, User

LEGAL = "legal@myoperator.co"
ACCOUNTS = "accounts@myoperator.co"


@dataclass
class MailWorld:
    world: World
    legal_lila: User
    accounts_arun: User


def build_mail_world(factory: sessionmaker[Session]) -> MailWorld:
    world = build_world(factory)
    with transaction(factory) as s:
        lila = service.create_user(
            s,
            org_id="myoperator",
            email="lila@myoperator.example",
            name="Lila Rao",
            role=Role.TEAM,
            password=PASSWORD,
            now=T0,
            team="legal",
        )
        arun = service.create_user(
            s,
            org_id="myoperator",
            email="arun@myoperator.example",
            name="Arun Shah",
            role=Role.TEAM,
            password=PASSWORD,
            now=T0,
            team="accounts",
        )
    return MailWorld(world, lila, arun)


def make_email(
    *,
    to: str = LEGAL,
    sender: str = "Ravi Kumar <ravi@client.example>",
    subject: str = "Contract question",
    body: str = "Please explain clause 4.",
    message_id: str | None = "<m1@client.example>",
    date: datetime | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2020, 1, 1, tzinfo=UTC))
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, data in attachments or []:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class CaptureHandler:
    messages: list[Captured] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.messages.append(
            Captured(envelope.mail_from or "", list(envelope.rcpt_tos), envelope.content or b"")  # type: ignore[arg-type]
        )
        self.arrived.set()
        return "250 OK captured"


class AcceptingMailer:
    """A relay that takes every message without a network (the outbox's `Mailer`, faked)."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)


class CapturingRelay:
    """A real SMTP server on a free port that keeps what it receives (the outbound relay)."""

    def __init__(self) -> None:
        self.handler = CaptureHandler()
        self.port = free_port()
        handler: Any = self.handler
        self.controller = Controller(
            handler, hostname="127.0.0.1", port=self.port, server_hostname="relay"
        )

    def __enter__(self) -> CapturingRelay:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Captured]:
        return self.handler.messages

    def wait_for(self, rcpt: str, timeout: float = 10.0) -> Captured:
        """The first message to `rcpt`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if rcpt in m.rcpt_tos]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no message to {rcpt} within {timeout}s")
