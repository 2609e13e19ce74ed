"""Optional IMAP polling, for teams whose mail lives on another server (SOPDESK_IMAP_MAILBOXES).

Each unseen message goes through the same `ingest()` and `receive_email()` as SMTP intake, then
is flagged \\Seen. A crash between the two re-reads the message on the next poll, and the
Message-ID makes that a duplicate, never a second ticket; so several workers may poll too.
The clock starts at the IMAP server's receipt time (INTERNALDATE), not at the Date header.
"""

from __future__ import annotations

import imaplib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.channels.email.headers import header
from sopdesk.channels.email.ingest import Action, Limits, ingest
from sopdesk.channels.email.mime import parse
from sopdesk.channels.email.runtime import SweeperHandle
from sopdesk.escalations.intake import load_directory, receive_email
from sopdesk.escalations.threads import REOPEN_WITHIN
from sopdesk.settings import Settings

log = logging.getLogger(__name__)
_INTERNALDATE = re.compile(rb'INTERNALDATE "[^"]+"')


class ImapMailbox(BaseModel):
    """One mailbox to poll: the team address it receives for, and how to log in."""

    team_address: str
    host: str
    port: int = 993
    username: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True


class ImapClient(Protocol):
    """The part of `imaplib.IMAP4` the poller uses."""

    def select(self, mailbox: str = ..., readonly: bool = ...) -> tuple[str, list[Any]]: ...

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]: ...


@dataclass
class PollReport:
    delivered: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0


def _received_at(meta: bytes, fallback: datetime) -> datetime:
    match = _INTERNALDATE.search(meta)
    parsed = imaplib.Internaldate2tuple(match.group(0)) if match else None
    return datetime.fromtimestamp(time.mktime(parsed), UTC) if parsed else fallback


def poll_mailbox(
    client: ImapClient,
    mailbox: ImapMailbox,
    factory: sessionmaker[Session],
    limits: Limits,
    now: datetime,
    reopen_within: timedelta = REOPEN_WITHIN,
) -> PollReport:
    """Ticket every unseen message of one mailbox, then flag it seen."""
    report = PollReport()
    with factory() as session:
        directory = load_directory(session)
    if directory.lookup(mailbox.team_address) is None:
        log.warning("IMAP: %s is not a team address of any playbook", mailbox.team_address)
        return report
    client.select(mailbox.folder)
    _, found = client.uid("SEARCH", "UNSEEN")
    for uid in (found[0] or b"").split():
        _, parts = client.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
        meta, raw = next((p for p in parts if isinstance(p, tuple)), (b"", b""))
        message = parse(raw)
        sender = parseaddr(header(message, "Return-Path") or header(message, "From"))[1]
        at = _received_at(meta, now)
        decision = ingest(raw, sender, [mailbox.team_address], at, directory, limits)
        if decision.action is Action.DELIVER and decision.email is not None:
            outcomes = receive_email(
                factory, decision.email, decision.deliveries, at, reopen_within
            )
            duplicate = all(o.kind == "duplicate" for o in outcomes)
            report.duplicates += duplicate
            report.delivered += not duplicate
        elif decision.action is Action.IGNORE:
            report.ignored += 1
        else:  # cannot answer 552 to a message already delivered: log it, leave it unseen
            log.warning("IMAP %s uid %s refused: %s", mailbox.team_address, uid, decision.reason)
            report.rejected += 1
            continue
        client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return report


def _connect(mailbox: ImapMailbox) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if mailbox.ssl else imaplib.IMAP4
    client = cls(mailbox.host, mailbox.port, timeout=30)
    client.login(mailbox.username, mailbox.password)
    return client


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def run_imap_poller(
    mailboxes: list[ImapMailbox],
    factory: sessionmaker[Session],
    limits: Limits,
    stop: threading.Event,
    interval: float,
    connect: Callable[[ImapMailbox], Any] = _connect,
    clock: Callable[[], datetime] = _wall_clock,
    reopen_within: timedelta = REOPEN_WITHIN,
) -> None:
    """Poll every mailbox each `interval` seconds until `stop`; `clock` stamps each poll
    (a message's clock starts at its INTERNALDATE, this only when the server gives none)."""
    while not stop.is_set():
        for mailbox in mailboxes:
            try:
                client = connect(mailbox)
                try:
                    poll_mailbox(client, mailbox, factory, limits, clock(), reopen_within)
                finally:
                    client.logout()
            except Exception:  # a mailbox that fails must not stop the others
                log.exception("IMAP polling of %s failed", mailbox.team_address)
        stop.wait(interval)


def start_imap_poller(settings: Settings, factory: sessionmaker[Session]) -> SweeperHandle | None:
    """Poll settings.imap_mailboxes every settings.imap_poll_seconds; None when none is set."""
    mailboxes = [ImapMailbox.model_validate(m) for m in settings.imap_mailboxes]
    if not mailboxes:
        return None
    limits = Limits(max_attachment_bytes=settings.smtp_max_attachment_bytes)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_imap_poller,
        args=(mailboxes, factory, limits, stop, settings.imap_poll_seconds),
        kwargs={"reopen_within": timedelta(days=settings.reopen_within_days)},
        name="sopdesk-imap",
        daemon=True,
    )
    thread.start()
    return SweeperHandle(thread, stop)
