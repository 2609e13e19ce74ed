"""Outbound mail: compose a threaded message from the outbox and hand it to an SMTP relay."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sopdesk.escalations.outbox import Mailer, OutgoingMail
from sopdesk.settings import Settings


def compose(mail: OutgoingMail, now: datetime | None = None) -> EmailMessage:
    """The MIME message: threading headers (Message-ID, In-Reply-To, References), UTF-8 text."""
    message = EmailMessage()
    message["From"] = formataddr((mail.from_name or "", mail.from_addr))
    message["To"] = ", ".join(mail.to_addrs)
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(now or datetime.now(UTC))
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        message["References"] = " ".join(mail.references)
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    return message


class SmtpMailer:
    """Sends through one relay, a new connection per message (replies are few, and rare)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password, self.timeout = username, password, timeout

    def send(self, mail: OutgoingMail) -> None:
        message = compose(mail)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                # Refuse to go on in clear text when TLS was asked for and fails.
                smtp.starttls(context=ssl.create_default_context())
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message, from_addr=mail.from_addr, to_addrs=list(mail.to_addrs))


def mailer_from_settings(settings: Settings) -> Mailer | None:
    """The configured relay, or None: mail is then held, visibly, until one is configured."""
    if not settings.outbound_smtp_host:
        return None
    return SmtpMailer(
        settings.outbound_smtp_host,
        settings.outbound_smtp_port,
        starttls=settings.outbound_smtp_starttls,
        username=settings.outbound_smtp_username,
        password=settings.outbound_smtp_password,
    )
