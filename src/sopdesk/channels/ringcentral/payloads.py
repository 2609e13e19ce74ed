"""RingCentral-format notifications built from call facts, for the simulator and for tests.

The shapes follow RingCentral's documented event payloads (account telephony sessions and
detailed extension presence); values are whatever the caller passes, nothing is invented here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]
DEFAULT_LINE_NUMBER = "+12125550100"  # 555-01xx numbers are reserved for fiction


@dataclass(frozen=True)
class SimulatedCall:
    """One inbound call as the simulator places it on a line."""

    session_id: str  # telephonySessionId, "s-..."
    legacy_session_id: str
    account_id: str
    agent_extension_id: str
    line_label: str
    dialed_number: str
    caller_number: str
    caller_name: str | None = None


def iso(moment: datetime) -> str:
    """RingCentral's time format: UTC with milliseconds and a 'Z'."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def telephony_notification(
    call: SimulatedCall, *, status_code: str, sequence: int, at: datetime, event_id: str
) -> JsonObject:
    """An account-level telephony-session notification for the agent's party of `call`."""
    caller: JsonObject = {"phoneNumber": call.caller_number}
    if call.caller_name:
        caller["name"] = call.caller_name
    party: JsonObject = {
        "accountId": call.account_id,
        "extensionId": call.agent_extension_id,
        "id": f"p-{call.session_id.removeprefix('s-')}-2",
        "direction": "Inbound",
        # The line label rides in to.name, as RingCentral shows the called line's name there.
        "to": {"phoneNumber": call.dialed_number, "name": call.line_label},
        "from": caller,
        "status": {"code": status_code, "rcc": False},
        "missedCall": False,
        "standAlone": False,
        "muted": False,
        "queueCall": True,
    }
    return {
        "uuid": event_id,
        "event": f"/restapi/v1.0/account/{call.account_id}/telephony/sessions",
        "timestamp": iso(at),
        "subscriptionId": "sopdesk-simulator",
        "ownerId": call.agent_extension_id,
        "body": {
            "sequence": sequence,
            "sessionId": call.legacy_session_id,
            "telephonySessionId": call.session_id,
            "serverId": "sopdesk-simulator",
            "eventTime": iso(at),
            "parties": [party],
            "origin": {"type": "Call"},
        },
    }


def presence_notification(
    call: SimulatedCall,
    *,
    telephony_status: str,
    sequence: int,
    at: datetime,
    event_id: str,
    label_type: str = "PhoneNumberLabel",
) -> JsonObject:
    """A detailed-presence notification for the agent's extension, with the queue call's
    primary call info (the label the agent sees) and the caller as additional info."""
    active_call: JsonObject = {
        "id": call.session_id,
        "direction": "Inbound",
        "queueCall": True,
        "from": call.caller_number,
        "to": call.dialed_number,
        "toName": call.line_label,
        "telephonyStatus": telephony_status,
        "startTime": iso(at),
        "sessionId": call.legacy_session_id,
        "partyId": f"p-{call.session_id.removeprefix('s-')}-2",
        "telephonySessionId": call.session_id,
        "callInfo": {
            "primary": {"type": label_type, "value": call.line_label},
            "additional": {"type": "CallerIdNumber", "value": call.caller_number},
        },
    }
    if call.caller_name:
        active_call["fromName"] = call.caller_name
    return {
        "uuid": event_id,
        "event": (
            f"/restapi/v1.0/account/{call.account_id}/extension/{call.agent_extension_id}"
            "/presence?detailedTelephonyState=true"
        ),
        "timestamp": iso(at),
        "subscriptionId": "sopdesk-simulator",
        "ownerId": call.agent_extension_id,
        "body": {
            "extensionId": call.agent_extension_id,
            "telephonyStatus": telephony_status,
            "activeCalls": [active_call],
            "sequence": sequence,
            "presenceStatus": "Busy",
            "userStatus": "Available",
            "totalActiveCalls": 1,
        },
    }


# One call as RingCentral reports it: telephony-session codes, and the presence state the
# agent's phone shows while it rings (the only notification that carries `callInfo`).
CALL_STEPS = ("Setup", "Ringing", "Answered", "Disconnected")


def call_notification(call: SimulatedCall, step: int, at: datetime) -> JsonObject:
    """Notification number `step` (0-based, see CALL_STEPS) of `call`, sent at `at`."""
    code, event_id = CALL_STEPS[step], str(uuid.uuid4())
    if code == "Ringing":
        return presence_notification(
            call, telephony_status=code, sequence=step + 1, at=at, event_id=event_id
        )
    return telephony_notification(
        call, status_code=code, sequence=step + 1, at=at, event_id=event_id
    )


def new_call(index: int, line_label: str, to_number: str | None) -> SimulatedCall:
    session = uuid.uuid4().hex
    return SimulatedCall(
        session_id=f"s-{session}",
        legacy_session_id=str(10_000_000_000 + index),
        account_id="400000000",
        agent_extension_id=str(400_000_001 + index % 20),  # twenty simulated agents
        line_label=line_label,
        dialed_number=to_number or DEFAULT_LINE_NUMBER,
        caller_number=f"+1202555{101 + index % 99:04d}",
        caller_name=f"Simulated Caller {index + 1}",
    )
