"""Live events: what changed, for whom, sent to agents' screens only after the commit.

Services call `send_on_commit(session, event)`; the events reach the session's bus once the
transaction commits, and are dropped if it rolls back. The bus belongs to the app, not to the
process: `bind_bus(factory, bus)` gives every session of the app's sessionmaker its bus (in
`session.info`), so two apps in one process never share one. A session without a bus (a
script, the demo loader) sends nowhere. Bus implementations (in-process, Redis pub/sub) live in
`sopdesk.web.bus`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

_PENDING = "sopdesk_pending_events"
_BUS = "sopdesk_event_bus"


@dataclass(frozen=True)
class Event:
    """One live update for one org: `kind` such as 'interaction.ringing', and its data."""

    org_id: str
    kind: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


class EventBus(Protocol):
    def publish(self, event: Event) -> None:
        """Deliver to every subscriber of the org, on every worker; callable from any thread."""

    def subscribe(self, org_id: str) -> AsyncIterator[Event]:
        """Events of one org, as they come, until the consumer stops iterating."""


def bind_bus(factory: sessionmaker[Session], bus: EventBus) -> sessionmaker[Session]:
    """Make every session `factory` opens from now on send its committed events to `bus`."""
    info = dict(factory.kw.get("info") or {})
    info[_BUS] = bus
    factory.configure(info=info)
    return factory


def bus_of(session: Session) -> EventBus | None:
    """The bus `session`'s events go to, None when its sessionmaker has none."""
    bus: EventBus | None = session.info.get(_BUS)
    return bus


def _flush(session: Session) -> None:
    events: list[Event] = session.info.pop(_PENDING, [])
    bus = bus_of(session)
    if bus is not None:
        for event in events:
            bus.publish(event)


def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def send_on_commit(session: Session, event: Event) -> None:
    """Queue `event` for the session's bus, published after `session` commits (never before,
    never on rollback)."""
    pending = session.info.setdefault(_PENDING, [])
    if not sa_event.contains(session, "after_commit", _flush):
        sa_event.listen(session, "after_commit", _flush)
        sa_event.listen(session, "after_rollback", _drop)
    pending.append(event)
