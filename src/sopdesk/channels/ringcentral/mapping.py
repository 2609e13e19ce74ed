"""RingCentral call events as the desk takes them: which statuses it acts on, and each call's
facts (the desk finds the org). Pure, and like the parser imports nothing else of sopdesk:
`DeskCall` fits the desk's `ReportedCall` by shape."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
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


# What the desk keeps of each text (its columns' lengths; a test holds them equal).
TEXT_LIMITS = {
    "external_id": 128,
    "label": 200,
    "dialed_number": 32,
    "caller_number": 32,
    "caller_name": 200,
    "agent_name": 200,
}
# Event times outside these years are a sender's bug: the call is timed on arrival instead.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_SPACES = re.compile(r"[\t\n\r]+")
_UNKEEPABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str | None, limit: int) -> str | None:
    """`value` as the desk can keep it: control characters and lone surrogates (which no UTF-8
    store holds) dropped, cut to `limit` characters. A caller's name is the phone network's
    text, not the agent's typing: cleaning it beats losing the call."""
    if value is None:
        return None
    spaced = _SPACES.sub(" ", value)
    cleaned = _UNKEEPABLE.sub("", spaced).strip()[:limit].strip()
    return cleaned or None


def _moment(at: datetime | None) -> datetime | None:
    return at if at is not None and EARLIEST <= at < LATEST else None


def desk_call(event: CallEvent) -> DeskCall | None:
    """The event as a desk call, or None when its status needs no action."""
    status = desk_status(event.status)
    if status is None:
        return None
    texts = {
        "external_id": external_id(event),
        "label": event.line_label,
        "dialed_number": event.dialed_number,
        "caller_number": event.caller_number,
        "caller_name": event.caller_name,
        "agent_name": event.agent_name,
    }
    kept = {name: clean_text(value, TEXT_LIMITS[name]) for name, value in texts.items()}
    return DeskCall(
        at=_moment(event.event_time),
        status=status,
        external_id=kept["external_id"] or external_id(event)[: TEXT_LIMITS["external_id"]],
        label=kept["label"],
        dialed_number=kept["dialed_number"],
        caller_number=kept["caller_number"],
        caller_name=kept["caller_name"],
        agent_name=kept["agent_name"],
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
