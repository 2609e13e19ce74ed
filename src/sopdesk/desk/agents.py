"""Agents' presence as the floor sees it: the orgs room's choices and browser pulse
(`sopdesk.orgs.presence`, whose docstring has the rules) joined with the calls agents hold.

On a call and Wrap-up are derived from the interactions table at every read (an answered call
the agent holds, a call of theirs in wrap-up), so no desk action has to report them; the one
hook is `call_wrapped_up`, which restarts the agent's chosen state's clock when a call of
theirs is wrapped up. Changes go out live as `agent.presence` events (the `AgentStatus` of that
agent) after commit: a choice, a login or logout, a browser coming back online, a wrap-up.
Calls being accepted, released or transferred reach screens as the interaction events they
already send (the board refreshes on both). An Offline reached by the grace time passing is
seen by the next read; the board re-reads every 30 s. Nothing here runs on a ringing call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desk.models import Interaction, State
from sopdesk.events import Event, send_on_commit
from sopdesk.orgs import presence
from sopdesk.orgs.models import Role, User
from sopdesk.orgs.presence import Busy, Chosen, PresenceState

PRESENCE_EVENT = "agent.presence"
_HOLDING = (State.ACTIVE.value, State.WRAP_UP.value)
_COVERING = (Role.SUPERVISOR.value, Role.ADMIN.value)  # listed only while they hold a call


class AgentStatus(BaseModel):
    """One agent's presence at the moment of reading."""

    user_id: int
    name: str
    role: str
    state: PresenceState
    since: datetime = Field(description="when the agent entered this state")
    interaction_id: int | None = Field(
        description="the call holding them (on_call, wrap_up); null otherwise"
    )
    chosen: Chosen = Field(
        description="what the agent chose; applies whenever no call holds them (a Break "
        "chosen during a call starts after its wrap-up)"
    )
    connected: bool = Field(description="a live desk page of theirs was seen within 60 s")


@dataclass(frozen=True)
class HeldCall:
    """The few facts of a held call that presence needs (not the whole row: a wrap-up asks
    for them on every call, and the row's JSON columns cost more to read than the rest)."""

    id: int
    agent_id: int | None
    state: str
    rang_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    last_event_at: datetime


def _busy(calls: Iterable[HeldCall]) -> dict[int, Busy]:
    """Per agent, the call that holds them: an answered one before one in wrap-up."""
    held: dict[int, Busy] = {}
    for call in calls:
        if call.agent_id is None or call.state not in _HOLDING:
            continue
        if call.state == State.ACTIVE.value:
            busy = Busy(PresenceState.ON_CALL, call.answered_at or call.rang_at, call.id)
        else:
            busy = Busy(PresenceState.WRAP_UP, call.ended_at or call.last_event_at, call.id)
        known = held.get(call.agent_id)
        if known is None or (known.state, known.since) > (busy.state, busy.since):
            # on_call < wrap_up as strings: an answered call wins; then the oldest.
            held[call.agent_id] = busy
    return held


def _held_calls(session: Session, org_id: str, user_id: int | None = None) -> list[HeldCall]:
    i = Interaction
    query = select(
        i.id, i.agent_id, i.state, i.rang_at, i.answered_at, i.ended_at, i.last_event_at
    ).where(i.org_id == org_id, i.state.in_(_HOLDING), i.agent_id.is_not(None))
    if user_id is not None:
        query = query.where(i.agent_id == user_id)
    return [HeldCall(*row) for row in session.execute(query)]


def _status(
    user: User, row: presence.AgentPresence | None, busy: Busy | None, now: datetime
) -> AgentStatus:
    facts = presence.facts_of(row, user)
    found = presence.effective(facts, busy, now)
    return AgentStatus(
        user_id=user.id,
        name=user.name,
        role=user.role,
        state=found.state,
        since=found.since,
        interaction_id=found.interaction_id,
        chosen=facts.chosen,
        connected=presence.connected(facts, now),
    )


def roster(session: Session, org_id: str, now: datetime) -> list[AgentStatus]:
    """Every agent of the org (and any supervisor or admin holding a call), by name."""
    users = session.scalars(
        select(User)
        .where(User.org_id == org_id, User.role.in_((Role.AGENT.value, *_COVERING)))
        .order_by(User.name, User.id)
    )
    rows = presence.rows_of(session, org_id)
    busy = _busy(_held_calls(session, org_id))
    return [
        _status(user, rows.get(user.id), busy.get(user.id), now)
        for user in users
        if user.role == Role.AGENT.value or user.id in busy
    ]


def status_of(session: Session, user: User, now: datetime) -> AgentStatus:
    """One person's presence (their own top bar, the answer to a change)."""
    busy = _busy(_held_calls(session, user.org_id, user.id))
    return _status(user, session.get(presence.AgentPresence, user.id), busy.get(user.id), now)


def _announce(session: Session, user: User, now: datetime) -> AgentStatus:
    session.flush()
    status = status_of(session, user, now)
    send_on_commit(session, Event(user.org_id, PRESENCE_EVENT, status.model_dump(mode="json")))
    return status


def set_presence(session: Session, user: User, chosen: Chosen, now: datetime) -> AgentStatus:
    """The agent chooses Available, Break or Offline (applied after any call they hold)."""
    presence.choose(session, user, chosen, now)
    return _announce(session, user, now)


def takes_calls(user: User) -> bool:
    """People with a presence: agents, and supervisors and admins, who can cover the phones."""
    return user.role in (Role.AGENT.value, *_COVERING)


def logged_in(session: Session, user: User, now: datetime) -> None:
    """Logging in means ready to work: Available."""
    if takes_calls(user):
        presence.logged_in(session, user, now)
        _announce(session, user, now)


def logged_out(session: Session, user_id: int, now: datetime) -> None:
    """Logging out is Offline at once, whatever the browser does next."""
    user = session.get(User, user_id)
    if user is not None and takes_calls(user):
        presence.logged_out(session, user, now)
        _announce(session, user, now)


def stream_seen(session: Session, user_id: int, now: datetime) -> None:
    """A desk page's live stream of this person opened, beat or closed: announce them only when
    this brought them back online."""
    user = session.get(User, user_id)
    if user is not None and takes_calls(user) and presence.stream_seen(session, user, now):
        _announce(session, user, now)


def call_wrapped_up(session: Session, interaction: Interaction, now: datetime) -> None:
    """The wrap-up's hook: the agent who held the call is free again from `now`."""
    if interaction.agent_id is None:
        return
    presence.freed(session, interaction.agent_id, interaction.org_id, now)
    user = session.get(User, interaction.agent_id)
    if user is not None:
        _announce(session, user, now)
