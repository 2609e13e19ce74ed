"""The embedded SMTP intake (aiosmtpd): refuse unknown recipients at RCPT, then ingest + store.

`start_smtp(settings, session_factory)` runs the listener on its own thread and event loop;
the database work runs on that loop's executor so one slow commit never stalls other sessions.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.channels.email.ingest import Action, Limits, ingest
from sopdesk.escalations.inbound import TeamDirectory
from sopdesk.escalations.intake import load_directory, receive_email
from sopdesk.escalations.threads import REOPEN_WITHIN
from sopdesk.settings import Settings

log = logging.getLogger(__name__)
DIRECTORY_TTL = 5.0  # seconds: a newly published team address is accepted this soon


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IntakeHandler:
    """aiosmtpd handler: the RCPT check and the DATA pipeline (ingest, then the service)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        limits: Limits,
        clock: Callable[[], datetime] = _utcnow,
        reopen_within: timedelta = REOPEN_WITHIN,
    ) -> None:
        self.factory, self.limits, self.clock = factory, limits, clock
        self.reopen_within = reopen_within
        self._directory: TeamDirectory | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def directory(self) -> TeamDirectory:
        with self._lock:
            if self._directory is None or time.monotonic() - self._loaded_at > DIRECTORY_TTL:
                with self.factory() as session:
                    self._directory = load_directory(session)
                self._loaded_at = time.monotonic()
            return self._directory

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SmtpSession,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        loop = asyncio.get_running_loop()
        directory = await loop.run_in_executor(None, self.directory)
        if directory.lookup(address) is None:
            return f"550 5.1.1 <{address}>: no such mailbox here (not a team address)"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        received_at = self.clock()  # the SLA starts now, whatever the Date header says
        raw = envelope.original_content or b""
        mailfrom = envelope.mail_from or ""
        rcpts = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self.process, raw, mailfrom, rcpts, received_at)
        except Exception:  # the sender keeps the message and retries: nothing is lost
            log.exception("storing an inbound message failed")
            return "451 4.3.0 Temporary failure storing the message; please retry"

    def process(self, raw: bytes, mailfrom: str, rcpts: list[str], received_at: datetime) -> str:
        """The DATA pipeline, synchronous: the SMTP reply for one message."""
        decision = ingest(raw, mailfrom, rcpts, received_at, self.directory(), self.limits)
        if decision.action is not Action.DELIVER or decision.email is None:
            log.info("inbound mail %s: %s", decision.action.value, decision.reason)
            return decision.smtp_reply
        outcomes = receive_email(
            self.factory, decision.email, decision.deliveries, received_at, self.reopen_within
        )
        done = ", ".join(f"{o.reference or o.team} {o.kind}" for o in outcomes)
        return f"250 2.0.0 OK: {done}"


@dataclass
class SmtpHandle:
    """A running listener; `stop()` closes it (mail in flight is refused with 421 and retried)."""

    controller: Controller
    host: str
    port: int

    def stop(self) -> None:
        self.controller.stop()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_smtp(
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: Callable[[], datetime] = _utcnow,
) -> SmtpHandle:
    """Start the SMTP intake on settings.smtp_host:smtp_port (0 picks a free port).

    Raises RuntimeError, saying what to change, when the port cannot be bound.
    """
    port = settings.smtp_port or free_port(settings.smtp_host)
    limits = Limits(max_attachment_bytes=settings.smtp_max_attachment_bytes)
    reopen = timedelta(days=settings.reopen_within_days)
    handler: Any = IntakeHandler(session_factory, limits, clock, reopen)
    controller = Controller(
        handler,
        hostname=settings.smtp_host,
        port=port,
        server_hostname="sopdesk",  # skips a reverse-DNS lookup that can hang at start-up
        data_size_limit=settings.smtp_max_message_bytes,
    )
    try:
        controller.start()
    except OSError as exc:  # the port is taken, or the address is not ours
        raise RuntimeError(
            f"SMTP intake cannot listen on {settings.smtp_host}:{port} ({exc.strerror or exc}): "
            "choose another port with --smtp-port or SOPDESK_SMTP_PORT"
        ) from None
    log.info("SMTP intake listening on %s:%s", settings.smtp_host, port)
    return SmtpHandle(controller, settings.smtp_host, port)
