"""Presence: what an agent is doing (Available, On a call, Wrap-up, Break, Offline) and since when.

This room keeps only what the agent chose and when their browser was last seen; the calls they
hold live in the desk, which passes them in (`Busy`) and sends the live events
(`sopdesk.desk.agents`). What an agent *is* is derived, never stored, by `effective` (pure:
facts and `now` in, a state and its start out):

1. A call the agent holds wins: an answered one is **On a call** (since it was answered), one
   whose leg ended with documentation still owed is **Wrap-up** (since it ended). The agent
   cannot choose these by hand (`Chosen` has no such value); what they choose meanwhile (say
   Break) is kept and applies once the call is wrapped up.
2. Otherwise a chosen **Offline** (or a logout) is Offline, since it was chosen.
3. Otherwise an agent whose browser holds no live stream, and has not for `GRACE` (60 s), is
   **Offline**, since their browser was last seen: a closed tab or laptop counts, a page
   reload or a short network drop does not. The stream marks `seen_at` when it opens, every
   `HEARTBEAT` while open and when it closes; no background job is needed, every read derives.
4. Otherwise what they chose, **Available** or **Break**, since the latest of: the choice, the
   browser coming back online, the end of their last call (`free_since`).

A presence change through the API also counts as a sign of life (an integration without a
browser keeps an agent present by holding `GET /events` open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sopdesk.db import Base, UtcDateTime
from sopdesk.orgs.models import User

GRACE = timedelta(seconds=60)  # no live stream for longer than this: Offline
HEARTBEAT = timedelta(seconds=20)  # an open stream marks itself seen at least this often


class PresenceState(StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    BREAK = "break"
    OFFLINE = "offline"


Chosen = Literal["available", "break", "offline"]
CHOSEN: tuple[Chosen, ...] = ("available", "break", "offline")
BusyState = Literal[PresenceState.ON_CALL, PresenceState.WRAP_UP]


class AgentPresence(Base):
    """One row per person who has ever been present: their choice and their browser's pulse."""

    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    chosen: Mapped[str] = mapped_column(String(16))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    online_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    free_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


@dataclass(frozen=True)
class Busy:
    """A call the agent holds, as the desk sees it."""

    state: BusyState
    since: datetime
    interaction_id: int


@dataclass(frozen=True)
class Facts:
    """What this room stores of one person (defaults for someone never seen)."""

    chosen: Chosen
    chosen_at: datetime
    seen_at: datetime | None = None
    online_since: datetime | None = None
    free_since: datetime | None = None


@dataclass(frozen=True)
class Effective:
    state: PresenceState
    since: datetime
    interaction_id: int | None = None


def connected(facts: Facts, now: datetime, grace: timedelta = GRACE) -> bool:
    """Has a live stream of theirs been seen within the grace time?"""
    return facts.seen_at is not None and now - facts.seen_at <= grace


def effective(
    facts: Facts, busy: Busy | None, now: datetime, grace: timedelta = GRACE
) -> Effective:
    """The state the agent is in at `now` and since when (see the module's rules 1-4)."""
    if busy is not None:
        return Effective(PresenceState(busy.state), busy.since, busy.interaction_id)
    if facts.chosen == "offline":
        return Effective(PresenceState.OFFLINE, facts.chosen_at)
    if not connected(facts, now, grace):
        return Effective(PresenceState.OFFLINE, facts.seen_at or facts.chosen_at)
    moments = [facts.chosen_at, facts.online_since, facts.free_since]
    return Effective(PresenceState(facts.chosen), max(m for m in moments if m is not None))


def facts_of(row: AgentPresence | None, user: User) -> Facts:
    if row is None:
        return Facts(chosen="available", chosen_at=user.created_at)
    chosen: Chosen = row.chosen  # type: ignore[assignment]  # only CHOSEN values are written
    return Facts(chosen, row.chosen_at, row.seen_at, row.online_since, row.free_since)


def rows_of(session: Session, org_id: str) -> dict[int, AgentPresence]:
    rows = session.scalars(select(AgentPresence).where(AgentPresence.org_id == org_id))
    return {row.user_id: row for row in rows}


def _row(session: Session, user_id: int, org_id: str, now: datetime) -> AgentPresence:
    row = session.get(AgentPresence, user_id)
    if row is None:
        row = AgentPresence(user_id=user_id, org_id=org_id, chosen="available", chosen_at=now)
        session.add(row)
    return row


def _seen(row: AgentPresence, now: datetime) -> None:
    if row.seen_at is None or now - row.seen_at > GRACE:
        row.online_since = now  # back after being away: their state starts again now
    row.seen_at = now


def choose(session: Session, user: User, chosen: Chosen, now: datetime) -> AgentPresence:
    """The agent's own choice (Available, Break or Offline); also a sign of life."""
    if chosen not in CHOSEN:  # the API's schema refuses these first; a direct caller too
        raise ValueError(f"an agent cannot choose {chosen!r}")
    row = _row(session, user.id, user.org_id, now)
    if row.chosen != chosen:
        row.chosen, row.chosen_at = chosen, now
    _seen(row, now)
    return row


def logged_in(session: Session, user: User, now: datetime) -> AgentPresence:
    """Logging in means ready to work: Available."""
    row = _row(session, user.id, user.org_id, now)
    row.chosen, row.chosen_at = "available", now
    _seen(row, now)
    return row


def logged_out(session: Session, user: User, now: datetime) -> AgentPresence:
    row = _row(session, user.id, user.org_id, now)
    row.chosen, row.chosen_at = "offline", now
    return row


def stream_seen(session: Session, user: User, now: datetime) -> bool:
    """A live stream of theirs opened, beat or closed at `now`. True when this brought them
    back online (the previous sign of life was longer ago than the grace time)."""
    row = _row(session, user.id, user.org_id, now)
    was_connected = row.seen_at is not None and now - row.seen_at <= GRACE
    _seen(row, now)
    return not was_connected


def freed(session: Session, user_id: int, org_id: str, now: datetime) -> AgentPresence:
    """The agent's call is wrapped up: their chosen state starts again now."""
    row = _row(session, user_id, org_id, now)
    row.free_since = now
    return row
