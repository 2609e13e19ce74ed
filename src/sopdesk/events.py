"""Live events: what changed, for whom, sent to agents' screens only after the commit.

Services call `send_on_commit(session, event)`; the events reach the bus installed with
`install_bus()` once the transaction commits, and are dropped if it rolls back. Bus
implementations (in-process, Redis pub/sub) live in `sopdesk.web.bus`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

_PENDING = "sopdesk_pending_events"


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


class _NullBus:
    def publish(self, event: Event) -> None:
        return None

    async def subscribe(self, org_id: str) -> AsyncIterator[Event]:  # pragma: no cover
        return
        yield


_bus: EventBus = _NullBus()


def install_bus(bus: EventBus) -> None:
    """Set the process's bus (the web app does this at start-up)."""
    global _bus
    _bus = bus


def current_bus() -> EventBus:
    return _bus


def _flush(session: Session) -> None:
    events: list[Event] = session.info.pop(_PENDING, [])
    for event in events:
        _bus.publish(event)


def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def send_on_commit(session: Session, event: Event) -> None:
    """Queue `event` to be published after `session` commits (never before, never on rollback)."""
    pending = session.info.setdefault(_PENDING, [])
    if not sa_event.contains(session, "after_commit", _flush):
        sa_event.listen(session, "after_commit", _flush)
        sa_event.listen(session, "after_rollback", _drop)
    pending.append(event)
