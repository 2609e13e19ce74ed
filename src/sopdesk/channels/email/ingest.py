"""The pure decision behind the SMTP listener: deliver to a team, ignore, or reject.

`ingest()` reads the envelope and the bytes and nothing else (no database, no clock: receipt
time is passed in). Whether a delivered message opens a ticket, joins one or is a duplicate
depends on stored Message-IDs and tickets, so the service (`escalations.intake`) settles that
from the `Delivery` hints (thread ids, subject reference) inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sopdesk.channels.email.headers import addresses, header
from sopdesk.channels.email.mime import decode, parse
from sopdesk.escalations.inbound import (
    Delivery,
    InboundEmail,
    TeamAddress,
    TeamDirectory,
    received,
    reference_in_subject,
)
from sopdesk.escalations.notify import LOOP_HEADER  # on every message we send
from sopdesk.escalations.threads import address_key

_BULK = {"bulk", "junk", "list", "auto_reply"}
_ROBOTS = ("mailer-daemon@", "mailer_daemon@")


class Action(StrEnum):
    DELIVER = "deliver"  # open or join a ticket for each delivery
    IGNORE = "ignore"  # accepted (250) and dropped on purpose: bounces, auto-replies, loops
    REJECT = "reject"  # refused with `smtp_reply`


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_attachments: int = 50


@dataclass(frozen=True)
class IngestDecision:
    action: Action
    reason: str
    received_at: datetime
    smtp_reply: str = "250 2.0.0 OK"
    email: InboundEmail | None = None
    deliveries: tuple[Delivery, ...] = ()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _teams(rcpt_tos: list[str], directory: TeamDirectory) -> dict[TeamAddress, str | None]:
    """Each team addressed, with the thread key of its tagged address when one was used."""
    found: dict[tuple[str, str], TeamAddress] = {}
    keys: dict[TeamAddress, str | None] = {}
    for rcpt in rcpt_tos:
        team = directory.lookup(rcpt)
        if team is not None:
            team = found.setdefault((team.org_id, team.team_id), team)
            keys[team] = keys.get(team) or address_key(rcpt)
    return keys


def _from_own_address(
    teams: dict[TeamAddress, str | None], senders: list[str], directory: TeamDirectory
) -> dict[TeamAddress, str | None]:
    """The teams a message may open tickets for: none of an org whose own team address sent it
    (the desk's replies and notices come from those; a ticket from one is a mail loop)."""
    return {
        t: key
        for t, key in teams.items()
        if not any(directory.owns(t.org_id, s) for s in senders if s)
    }


def ignore_reason(raw_headers: dict[str, str], mailfrom: str, content_type: str) -> str | None:
    """Why a message must not open a ticket (bounce, report, auto-reply, loop), or None."""
    sender = mailfrom.strip().strip("<>").strip()
    if not sender:
        return "bounce: empty envelope sender (MAIL FROM:<>)"
    if content_type == "multipart/report" or content_type.startswith("message/"):
        return f"delivery or feedback report ({content_type})"
    from_addr = raw_headers.get("from", "")
    if sender.lower().startswith(_ROBOTS) or from_addr.startswith(_ROBOTS):
        return "bounce: sent by a mailer daemon"
    auto = raw_headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"auto-reply: Auto-Submitted: {auto}"
    precedence = raw_headers.get("precedence", "").strip().lower()
    if precedence in _BULK:
        return f"auto-reply or list mail: Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-response"):
        if raw_headers.get(name):
            return f"auto-reply: {name} header"
    if raw_headers.get(LOOP_HEADER.lower()):
        return f"mail loop: the message carries our own {LOOP_HEADER} header"
    return None


def _loop_via_x_loop(value: str, teams: list[TeamAddress]) -> bool:
    value = value.casefold()
    return bool(value) and any(t.address.casefold() in value for t in teams)


def ingest(
    raw: bytes,
    mailfrom: str,
    rcpt_tos: list[str],
    received_at: datetime,
    directory: TeamDirectory,
    limits: Limits | None = None,
) -> IngestDecision:
    """Decide what an SMTP delivery does; the SLA clock will start at `received_at`."""
    at = received(received_at)
    limits = limits or Limits()
    teams = _teams(rcpt_tos, directory)
    if not teams:
        return IngestDecision(
            Action.REJECT,
            "no recipient is a team address",
            at,
            "550 5.1.1 No such mailbox: none of the recipients is a team address here",
        )
    message = parse(raw)
    names = ["from", "auto-submitted", "precedence", "x-autoreply", "x-autorespond"]
    names += ["x-auto-response", LOOP_HEADER.lower(), "x-loop"]
    raw_headers = {n: header(message, n) for n in names}
    sender = addresses(message, "From")
    raw_headers["from"] = sender[0][1] if sender else ""
    reason = ignore_reason(raw_headers, mailfrom, message.get_content_type())
    if reason is None and _loop_via_x_loop(raw_headers["x-loop"], list(teams)):
        reason = "mail loop: X-Loop names one of our team addresses"
    if reason is None:
        senders = [raw_headers["from"], mailfrom.strip().strip("<>").strip().lower()]
        teams = _from_own_address(teams, senders, directory)
        if not teams:
            own = raw_headers["from"] or senders[1]
            reason = f"mail loop: sent from {own}, a team address of this desk"
    if reason is not None:
        return IngestDecision(
            Action.IGNORE, reason, at, f"250 2.0.0 Accepted, not ticketed: {reason}"
        )
    mail = decode(message, raw)
    rejected = _attachment_problem(mail, limits)
    if rejected is not None:
        return IngestDecision(Action.REJECT, rejected, at, f"552 5.3.4 {rejected}", mail)
    if not mail.from_addr and "@" in mailfrom:
        mail = _with_sender(mail, mailfrom.strip().strip("<>").lower())
    deliveries = tuple(
        Delivery(t.org_id, t.team_id, t.address, reference_in_subject(t.org_id, mail.subject), key)
        for t, key in teams.items()
    )
    return IngestDecision(
        Action.DELIVER,
        "to " + ", ".join(t.address for t in teams),
        at,
        email=mail,
        deliveries=deliveries,
    )


def _attachment_problem(mail: InboundEmail, limits: Limits) -> str | None:
    if len(mail.attachments) > limits.max_attachments:
        return (
            f"Too many attachments: {len(mail.attachments)}; the limit is "
            f"{limits.max_attachments} per message"
        )
    for att in mail.attachments:
        if att.size > limits.max_attachment_bytes:
            return (
                f"Attachment '{att.filename}' is {_mb(att.size)}; the limit is "
                f"{_mb(limits.max_attachment_bytes)} per attachment"
            )
    return None


def _with_sender(mail: InboundEmail, address: str) -> InboundEmail:
    return replace(mail, from_addr=address)
