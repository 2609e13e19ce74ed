"""Which ticket a follow-up email may join: the thread key, participants, the reopen window.

Pure: no database, no clock (the receipt time is passed in). The rules, in order:
- A message joins a ticket only through a reference a stranger cannot guess: the ticket's
  secret thread key, which every reply of the desk carries in its Message-ID, its References
  and its Reply-To plus-address (or a Message-ID already stored on the ticket). The
  `[MYO-000123]` in a subject is for people: alone it never threads a message.
- A reference from someone who is not a participant of the ticket (its customer, the people
  on its mail, the team's members, supervisors and admins) opens a new ticket that says why.
- A reference to a ticket resolved more than the reopen window ago opens a new ticket too.
Both new tickets point to the one they follow (`Ticket.follows_id`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

REOPEN_WITHIN = timedelta(days=14)  # the default of SOPDESK_REOPEN_WITHIN_DAYS
_KEY = r"[0-9a-f]{32}"
# <t.KEY@domain> (the thread's root) or <t.KEY.RANDOM@domain> (one message of the thread).
_ID_KEY = re.compile(rf"^<t\.({_KEY})(?:\.[0-9a-f]+)?@", re.I)
# team+t.KEY@domain, the Reply-To of the desk's replies.
_ADDRESS_KEY = re.compile(rf"^[^@+]+\+t\.({_KEY})@", re.I)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] or "sopdesk.invalid"


def thread_root(key: str, sender: str) -> str:
    """The thread's first reference: every reply of the desk keeps it in References."""
    return f"<t.{key}@{_domain(sender)}>"


def thread_message_id(key: str, sender: str) -> str:
    """A new Message-ID in the thread: the key, then a random part so each is unique."""
    return f"<t.{key}.{uuid.uuid4().hex}@{_domain(sender)}>"


def reply_address(key: str, team_address: str) -> str:
    """The team address tagged with the key (legal+t.KEY@...): a reply reaches the team and
    names its thread even from a client that drops the threading headers."""
    local, _, domain = team_address.partition("@")
    return f"{local.split('+', 1)[0]}+t.{key}@{domain}"


def keys_in(ids: Iterable[str]) -> tuple[str, ...]:
    """The thread keys named by Message-IDs (nearest first), lower-cased, each once."""
    found: list[str] = []
    for value in ids:
        match = _ID_KEY.match(value.strip())
        if match and match.group(1).lower() not in found:
            found.append(match.group(1).lower())
    return tuple(found)


def address_key(address: str) -> str | None:
    """The thread key of a tagged team address, or None."""
    match = _ADDRESS_KEY.match(address.strip().strip("<>").strip())
    return match.group(1).lower() if match else None


def untagged(address: str) -> str:
    """The address without its +tag: legal+t.KEY@x.co is legal@x.co."""
    local, at, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}" if at else address


@dataclass(frozen=True)
class Followed:
    """The ticket a message refers to, as the rules need it."""

    reference: str
    resolved_at: datetime | None  # None while open or answered
    participants: frozenset[str]  # lower-cased addresses


@dataclass(frozen=True)
class Verdict:
    """Join the ticket, or open a new one that follows it, saying `note`."""

    join: bool
    note: str | None = None


def follow_up(
    followed: Followed, sender: str, at: datetime, reopen_within: timedelta = REOPEN_WITHIN
) -> Verdict:
    """May a message from `sender`, received `at`, that refers to `followed` join it?"""
    if sender.lower() not in followed.participants:
        return Verdict(
            False,
            f"A reply to {followed.reference} from {sender or 'an unknown sender'}, an address "
            "that is not on that ticket: opened as a new ticket.",
        )
    closed = followed.resolved_at
    if closed is not None and at - closed > reopen_within:
        return Verdict(
            False,
            f"A reply to {followed.reference}, resolved more than {reopen_within.days} days "
            "before: opened as a new ticket.",
        )
    return Verdict(True)


def subject_note(reference: str) -> str:
    """Why a message naming a ticket only in its subject did not join it."""
    return (
        f"Names {reference} in its subject but does not answer the desk's mail about it: "
        "opened as a new ticket."
    )
