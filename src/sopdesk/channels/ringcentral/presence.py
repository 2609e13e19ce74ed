"""Detailed presence notifications (`.../presence?detailedTelephonyState=true`).

Each notification lists the extension's latest active calls, so the same call appears again
in later notifications: every entry is a snapshot of that call's state, one event each.
"""

from __future__ import annotations

from sopdesk.channels.ringcentral.envelope import Envelope, describe
from sopdesk.channels.ringcentral.events import CallEvent, CallStatus, EventSource
from sopdesk.channels.ringcentral.fields import JsonObject, flag, integer, text
from sopdesk.channels.ringcentral.labels import read_call_info

_STATUS = {
    "ringing": CallStatus.RINGING,
    "callconnected": CallStatus.ANSWERED,
    "nocall": CallStatus.ENDED,
}


def presence_status(code: str, termination_type: str | None = None) -> CallStatus:
    """'NoCall' with an 'intermediate' termination means a device dropped, not the call."""
    if code.casefold() == "nocall" and (termination_type or "").casefold() == "intermediate":
        return CallStatus.OTHER
    return _STATUS.get(code.casefold(), CallStatus.OTHER)


def _event(body: JsonObject, call: JsonObject, env: Envelope, code: str) -> CallEvent:
    status = presence_status(code, text(call, "terminationType"))
    info = read_call_info(call)
    label, label_type = info.label, info.label_type
    if label is None and text(call, "toName"):
        label, label_type = text(call, "toName"), "toName"
    extension = text(body, "extensionId") or env.extension_id
    # The extension whose presence this is took the call when an inbound call is connected.
    answered_here = status is CallStatus.ANSWERED and text(call, "direction") == "Inbound"
    return CallEvent(
        source=EventSource.PRESENCE,
        session_id=text(call, "telephonySessionId") or "",
        status=status,
        status_code=code,
        event_time=env.sent_at,
        sequence=integer(body, "sequence"),
        direction=text(call, "direction"),
        line_label=label,
        label_type=label_type,
        dialed_number=text(call, "to") or info.number,
        # GCM deliveries rename `from` to `_from`.
        caller_number=text(call, "from") or text(call, "_from") or info.caller_number,
        caller_name=text(call, "fromName") or info.caller_name,
        agent_extension_id=extension if answered_here else None,
        queue_call=flag(call, "queueCall"),
        account_id=text(body, "accountId") or env.account_id,
        extension_id=extension,
        party_id=text(call, "partyId"),
        legacy_session_id=text(call, "sessionId"),
        event_id=env.event_id,
        subscription_id=env.subscription_id,
        owner_id=env.owner_id,
    )


def presence_events(body: JsonObject, env: Envelope) -> tuple[list[CallEvent], list[str]]:
    """Events for the active calls that name their session and state, and notes on the rest."""
    calls = body.get("activeCalls")
    if not isinstance(calls, list) or not calls:
        return [], [f"{describe(env)}: presence without active calls"]
    events: list[CallEvent] = []
    notes: list[str] = []
    for index, call in enumerate(calls):
        where = f"{describe(env)}: activeCalls[{index}]"
        if not isinstance(call, dict):
            notes.append(f"{where} is not an object")
            continue
        if text(call, "telephonySessionId") is None:
            notes.append(f"{where} has no 'telephonySessionId'")
            continue
        # A lone call may leave its state to the extension-level telephonyStatus.
        code = text(call, "telephonyStatus") or (
            text(body, "telephonyStatus") if len(calls) == 1 else None
        )
        if code is None:
            notes.append(f"{where} has no 'telephonyStatus'")
            continue
        events.append(_event(body, call, env, code))
    return events, notes
