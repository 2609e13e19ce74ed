"""What an inbound email is to the escalations room, whoever parsed it; ticket references.

Pure data and pure functions: no database, no clock, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sopdesk.escalations.threads import untagged

# "[MYO-000123]" in a subject: the org's prefix and the ticket number.
_REFERENCE = re.compile(r"\[?\b([A-Z][A-Z0-9]{1,4})-(\d{6,12})\b\]?")


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class InboundEmail:
    """A decoded message: text always present (maybe empty), never a raw MIME structure."""

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    from_addr: str
    from_name: str | None
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    subject: str
    text: str
    html: str | None
    date_header: str | None
    attachments: tuple[InboundAttachment, ...] = ()
    defects: tuple[str, ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this message answers, nearest first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [r for r in reversed(self.references) if r not in ids]
        return tuple(ids)


@dataclass(frozen=True)
class TeamAddress:
    org_id: str
    team_id: str
    team_name: str
    address: str


@dataclass(frozen=True)
class TeamDirectory:
    """Every team address the intake accepts mail for, from the orgs' published playbooks."""

    teams: dict[str, TeamAddress] = field(default_factory=dict)

    @classmethod
    def of(cls, addresses: list[TeamAddress]) -> TeamDirectory:
        """The first org to claim an address keeps it: a later playbook naming another org's
        address does not take its mail."""
        teams: dict[str, TeamAddress] = {}
        for a in addresses:
            teams.setdefault(a.address.casefold(), a)
        return cls(teams)

    def lookup(self, address: str) -> TeamAddress | None:
        """The team at `address` (case-insensitive, angle brackets and a +tag allowed), or None."""
        return self.teams.get(untagged(address.strip().strip("<>").strip()).casefold())

    def owns(self, org_id: str, address: str) -> bool:
        """Is `address` one of this org's own team addresses?"""
        team = self.lookup(address) if "@" in address else None
        return team is not None and team.org_id == org_id


@dataclass(frozen=True)
class Delivery:
    """One team an inbound message goes to. Its thread ids, or the thread key of the tagged
    address it reached (`address_key`), say which ticket; `subject_reference` never does alone
    (see `escalations.threads`)."""

    org_id: str
    team_id: str
    address: str
    subject_reference: int | None
    address_key: str | None = None

    def __post_init__(self) -> None:
        if not self.address:
            raise ValueError("address: a delivery needs the team address it reached")


@lru_cache(maxsize=1024)
def org_prefix(org_id: str) -> str:
    """The reference prefix of an org: its first three letters or digits, upper case."""
    letters = "".join(ch for ch in org_id if ch.isalnum())[:3].upper()
    return letters if letters[:1].isalpha() else "T" + letters[:2]


def ticket_reference(org_id: str, ticket_id: int) -> str:
    return f"{org_prefix(org_id)}-{ticket_id:06d}"


def reference_in_subject(org_id: str, subject: str) -> int | None:
    """The ticket number quoted in a subject with this org's prefix, or None."""
    prefix = org_prefix(org_id)
    for match in _REFERENCE.finditer(subject):
        if match.group(1) == prefix:
            return int(match.group(2))
    return None


def subject_with_reference(reference: str, subject: str) -> str:
    """'Re: [MYO-000123] subject': the reference once, a single 'Re:'."""
    base = re.sub(r"^\s*((re|fw|fwd|aw|sv)\s*:\s*)+", "", subject, flags=re.I).strip()
    if reference not in base:
        base = f"[{reference}] {base}".strip()
    return f"Re: {base}"


def received(now: datetime) -> datetime:
    """Receipt time as the SLA clock's start; refuses naive datetimes."""
    if now.tzinfo is None:
        raise ValueError("received_at: pass an aware UTC datetime, not a naive one")
    return now
