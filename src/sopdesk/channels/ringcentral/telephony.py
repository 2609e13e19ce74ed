"""Telephony-session notifications (`.../telephony/sessions`): one event per party in `parties`."""

from __future__ import annotations

from sopdesk.channels.ringcentral.envelope import Envelope, describe
from sopdesk.channels.ringcentral.events import CallEvent, CallStatus, EventSource
from sopdesk.channels.ringcentral.fields import JsonObject, flag, integer, obj, text
from sopdesk.channels.ringcentral.fields import timestamp as read_time
from sopdesk.channels.ringcentral.labels import read_call_info

# Party status codes (CallStatusInfo.code). "Gone" ends this party's leg: the call moved to
# another session (pickup, transfer, park), named in status.peerId. Hold, Parked, VoiceMail and
# the rest leave the call alive and are OTHER; a final Disconnected still follows them.
_STATUS = {
    "setup": CallStatus.RINGING,
    "proceeding": CallStatus.RINGING,
    "answered": CallStatus.ANSWERED,
    "disconnected": CallStatus.ENDED,
    "gone": CallStatus.ENDED,
}


def telephony_status(code: str) -> CallStatus:
    return _STATUS.get(code.casefold(), CallStatus.OTHER)


def _line_label(party: JsonObject, to: JsonObject | None) -> tuple[str | None, str | None]:
    """`callInfo` when a party carries it, else `to.name` unless that names the party itself."""
    info = read_call_info(party)
    if info.label:
        return info.label, info.label_type
    name = text(to, "name")
    own = text(party, "extensionId")
    if name and not (own and text(to, "extensionId") == own):
        return name, "to.name"
    return None, None


def _agent(party: JsonObject, status: CallStatus) -> tuple[str | None, str | None]:
    """The extension that answered, and its name when the party's own side names it."""
    if status is not CallStatus.ANSWERED:
        return None, None
    own = text(party, "extensionId")
    outbound = text(party, "direction") == "Outbound"
    side = obj(party, "from" if outbound else "to")
    extension = own or text(side, "extensionId")
    name = text(side, "name") if extension and text(side, "extensionId") == extension else None
    return extension, name


def _event(body: JsonObject, party: JsonObject, env: Envelope, code: str) -> CallEvent:
    status = telephony_status(code)
    to, caller = obj(party, "to"), obj(party, "from")
    label, label_type = _line_label(party, to)
    info = read_call_info(party)
    agent_extension, agent_name = _agent(party, status)
    return CallEvent(
        source=EventSource.TELEPHONY_SESSION,
        session_id=text(body, "telephonySessionId") or "",
        status=status,
        status_code=code,
        event_time=read_time(body, "eventTime") or env.sent_at,
        sequence=integer(body, "sequence"),
        direction=text(party, "direction"),
        line_label=label,
        label_type=label_type,
        dialed_number=text(to, "phoneNumber") or info.number,
        caller_number=text(caller, "phoneNumber") or info.caller_number,
        caller_name=text(caller, "name") or info.caller_name,
        agent_extension_id=agent_extension,
        agent_name=agent_name,
        queue_call=flag(party, "queueCall"),
        reason=text(obj(party, "status"), "reason"),
        account_id=text(party, "accountId") or text(body, "accountId") or env.account_id,
        extension_id=text(party, "extensionId") or text(body, "extensionId") or env.extension_id,
        party_id=text(party, "id"),
        legacy_session_id=text(body, "sessionId"),
        event_id=env.event_id,
        subscription_id=env.subscription_id,
        owner_id=env.owner_id,
    )


def telephony_events(body: JsonObject, env: Envelope) -> tuple[list[CallEvent], list[str]]:
    """Events for the parties that have a status code, and notes on what was skipped."""
    if text(body, "telephonySessionId") is None:
        return [], [f"{describe(env)}: telephony session without 'telephonySessionId'"]
    events: list[CallEvent] = []
    notes: list[str] = []
    parties = body.get("parties")
    if not isinstance(parties, list) or not parties:
        notes.append(f"{describe(env)}: telephony session with no parties")
        parties = []
    for index, party in enumerate(parties):
        if not isinstance(party, dict):
            notes.append(f"{describe(env)}: parties[{index}] is not an object")
            continue
        code = text(obj(party, "status"), "code")
        if code is None:
            notes.append(f"{describe(env)}: parties[{index}] has no 'status.code'")
            continue
        events.append(_event(body, party, env, code))
    return events, notes
