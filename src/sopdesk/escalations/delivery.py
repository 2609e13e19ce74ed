"""Replies that have not left: held for want of a relay, given up on after retries, or waiting
for a retry after the relay refused them. Such a reply has not answered the customer, so its
ticket's SLA clock runs on (`clocks.reply_left`), and every screen of the ticket says so."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sopdesk.escalations.models import MailState, OutboundMail

# The worst first: a failed reply will never leave by itself, a held one leaves once a relay is
# configured, a refused one is retried.
_SEVERITY = {MailState.FAILED.value: 0, MailState.HELD.value: 1, MailState.QUEUED.value: 2}


@dataclass(frozen=True)
class UndeliveredReply:
    """The worst undelivered reply of a ticket, and how many it has."""

    state: str  # failed, held, or queued (refused by the relay, to be retried)
    reason: str | None  # the relay's answer, or why it is held
    count: int


def undelivered_replies(
    session: Session, org_id: str, ticket_ids: Iterable[int]
) -> dict[int, UndeliveredReply]:
    """Ticket id -> its undelivered replies, for those tickets that have any."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return {}
    retrying = and_(OutboundMail.state == MailState.QUEUED.value, OutboundMail.attempts > 0)
    rows = session.execute(
        select(OutboundMail.ticket_id, OutboundMail.state, OutboundMail.last_error)
        .where(
            OutboundMail.org_id == org_id,
            OutboundMail.kind == "reply",
            OutboundMail.ticket_id.in_(ids),
            or_(OutboundMail.state.in_([MailState.HELD, MailState.FAILED]), retrying),
        )
        .order_by(OutboundMail.id)
    )
    found: dict[int, UndeliveredReply] = {}
    for ticket_id, state, reason in rows:
        if ticket_id is None:
            continue
        before = found.get(ticket_id)
        count = before.count + 1 if before else 1
        if before is None or _SEVERITY[state] < _SEVERITY[before.state]:
            found[ticket_id] = UndeliveredReply(state, reason, count)
        else:
            found[ticket_id] = UndeliveredReply(before.state, before.reason, count)
    return found
