"""RingCentral call events as the desk takes them: which statuses it acts on, and each call's
facts (the desk finds the org). Pure, and like the parser imports nothing else of sopdesk:
`DeskCall` fits the desk's `ReportedCall` by shape."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sopdesk.channels.ringcentral.events import CallEvent, CallStatus

CHANNEL = "ringcentral"
DeskStatus = Literal["ringing", "answered", "ended"]

_STATUS: dict[CallStatus, DeskStatus] = {
    CallStatus.RINGING: "ringing",
    CallStatus.ANSWERED: "answered",
    CallStatus.ENDED: "ended",
}


@dataclass(frozen=True)
class DeskCall:
    """One event as a desk call: `at` None means "when it arrives"."""

    at: datetime | None
    status: DeskStatus
    external_id: str
    label: str | None
    dialed_number: str | None
    caller_number: str | None
    caller_name: str | None
    agent_name: str | None
    channel: str = CHANNEL


@dataclass(frozen=True)
class DeskCalls:
    """A delivery's events: the calls the desk acts on, in order, and a note for each other."""

    calls: tuple[DeskCall, ...]
    notes: tuple[str, ...]


def desk_status(status: CallStatus) -> DeskStatus | None:
    """The desk's status for a RingCentral one; None when the desk has nothing to do."""
    return _STATUS.get(status)


def external_id(event: CallEvent) -> str:
    """One desk interaction per RingCentral telephony session."""
    return f"rc:{event.session_id}"


def desk_call(event: CallEvent) -> DeskCall | None:
    """The event as a desk call, or None when its status needs no action."""
    status = desk_status(event.status)
    if status is None:
        return None
    return DeskCall(
        at=event.event_time,
        status=status,
        external_id=external_id(event),
        label=event.line_label,
        dialed_number=event.dialed_number,
        caller_number=event.caller_number,
        caller_name=event.caller_name,
        agent_name=event.agent_name,
    )


def desk_calls(events: Iterable[CallEvent]) -> DeskCalls:
    calls: list[DeskCall] = []
    notes: list[str] = []
    for event in events:
        call = desk_call(event)
        if call is None:
            notes.append(f"{event.session_id}: {event.status_code} needs no action")
        else:
            calls.append(call)
    return DeskCalls(tuple(calls), tuple(notes))
