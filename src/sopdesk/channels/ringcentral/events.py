"""What a RingCentral webhook delivery means to sopdesk: call events, or why there are none."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class CallStatus(enum.Enum):
    """The few call states the desk acts on; RingCentral's own code stays in `status_code`."""

    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"
    OTHER = "other"


class EventSource(enum.Enum):
    """Which RingCentral event filter produced the event."""

    TELEPHONY_SESSION = "telephony_session"
    PRESENCE = "presence"


class ResultKind(enum.Enum):
    HANDSHAKE = "handshake"  # subscription creation: echo the Validation-Token header
    EVENTS = "events"  # at least one call event
    IGNORED = "ignored"  # well-formed, but nothing about calls (answer 200 so RingCentral stops)
    REJECTED = "rejected"  # Verification-Token missing or wrong
    ERROR = "error"  # the body cannot be read; `reason` says what was wrong


@dataclass(frozen=True)
class CallEvent:
    """One party's (or one active call's) state at one moment, as RingCentral reported it.

    The parser is stateless: ordering and deduplication belong to the desk, which gets
    `event_time`, `sequence` and `dedupe_key` to do them.
    """

    source: EventSource
    session_id: str  # telephonySessionId: the same for every leg and event of one call
    status: CallStatus
    status_code: str  # "Setup", "Proceeding", "Answered", ... or presence "Ringing", "NoCall"
    event_time: datetime | None  # aware UTC; body eventTime, else the notification timestamp
    sequence: int | None  # RingCentral's order number of the notification
    direction: str | None = None  # "Inbound" or "Outbound", from the party's point of view
    line_label: str | None = None  # what the agent sees before answering, e.g. "Rondesse PSOS"
    # Where the label came from: a callInfo type (PhoneNumberLabel, QueueName, QueueExtension),
    # "to.name" (telephony party) or "toName" (presence); the last two may name a person.
    label_type: str | None = None
    dialed_number: str | None = None  # the number (or extension number) the caller dialed
    caller_number: str | None = None
    caller_name: str | None = None
    agent_extension_id: str | None = None  # only once answered: the extension that took it
    agent_name: str | None = None
    queue_call: bool | None = None
    reason: str | None = None  # RingCentral's status reason, e.g. "CallerInputRedirect"
    account_id: str | None = None
    extension_id: str | None = None  # the extension this event is about
    party_id: str | None = None
    legacy_session_id: str | None = None  # `sessionId`, the pre-Call-Control identifier
    event_id: str | None = None  # the notification's `uuid`
    subscription_id: str | None = None
    owner_id: str | None = None  # the extension that owns the subscription

    @property
    def dedupe_key(self) -> str:
        """Equal for redeliveries of the same fact; differs between parties of one notification."""
        if self.event_id:
            head = f"uuid:{self.event_id}"
        else:
            head = f"seq:{self.sequence if self.sequence is not None else '-'}:{self.status_code}"
        return f"{self.source.value}:{self.session_id}:{self.party_id or '-'}:{head}"


# What the webhook endpoint should answer, by result kind. REJECTED is 403 rather than 401:
# there is no challenge the sender could answer.
_HTTP_STATUS = {
    ResultKind.HANDSHAKE: 200,
    ResultKind.EVENTS: 200,
    ResultKind.IGNORED: 200,
    ResultKind.REJECTED: 403,
    ResultKind.ERROR: 400,
}


@dataclass(frozen=True)
class WebhookResult:
    """The outcome of one delivery. `notes` lists parts that were skipped, and why."""

    kind: ResultKind
    events: tuple[CallEvent, ...] = ()
    validation_token: str | None = None  # to echo: set on HANDSHAKE, and on EVENTS if sent
    reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self.kind]

    @property
    def response_headers(self) -> dict[str, str]:
        """Headers the reply must carry: RingCentral checks the echoed Validation-Token."""
        echoes = self.kind in (ResultKind.HANDSHAKE, ResultKind.EVENTS)
        if echoes and self.validation_token is not None:
            return {"Validation-Token": self.validation_token}
        return {}
