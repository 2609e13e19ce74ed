"""The RingCentral webhook parser on real payloads of one call, and on constructed variants."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sopdesk.channels.ringcentral import (
    CallStatus,
    EventSource,
    ResultKind,
    WebhookResult,
    parse_webhook,
)

DATA = Path(__file__).parent / "data" / "ringcentral"
SESSION = "s-bb843f9bc3bd4366a83f9e953f2c9c58"


def parse_file(name: str, headers: dict[str, str] | None = None) -> WebhookResult:
    return parse_webhook(headers or {}, (DATA / name).read_bytes())


def load(name: str) -> Any:
    return json.loads((DATA / name).read_bytes())


# --- the real call: outbound Setup, inbound Proceeding, Disconnected --------------------------

REAL = [
    ("real/telephonySessionOutboundSetupMessage.json", "Setup", CallStatus.RINGING, 2),
    ("real/telephonySessionInboundProceedingMessage.json", "Proceeding", CallStatus.RINGING, 3),
    ("real/telephonySessionOutboundDisconnectedMessage.json", "Disconnected", CallStatus.ENDED, 8),
]


@pytest.mark.parametrize(("name", "code", "status", "sequence"), REAL)
def test_real_payloads_parse(name: str, code: str, status: CallStatus, sequence: int) -> None:
    result = parse_file(name)
    assert result.kind is ResultKind.EVENTS and result.http_status == 200
    assert result.notes == ()
    (event,) = result.events
    assert event.source is EventSource.TELEPHONY_SESSION
    assert event.session_id == SESSION
    assert (event.status_code, event.status, event.sequence) == (code, status, sequence)
    assert event.dialed_number == "+16579991394"
    assert event.caller_number == "+16504257106"
    assert event.account_id == "170848004"
    assert event.legacy_session_id == "21529129004"
    assert event.subscription_id == "4a2eee85-880d-4690-9959-85d9fc70728b"
    assert event.event_time is not None and event.event_time.tzinfo is UTC
    assert event.line_label is None  # these parties carry no to.name: the desk uses the number


def test_real_payload_details() -> None:
    proceeding = parse_file(REAL[1][0]).events[0]
    assert proceeding.direction == "Inbound"
    assert proceeding.caller_name == "Embbnux Ji"
    assert proceeding.event_time == datetime(2019, 9, 5, 7, 18, 54, 417000, tzinfo=UTC)
    assert proceeding.event_id == "8960776365327220391"
    assert proceeding.party_id == "p-bb843f9bc3bd4366a83f9e953f2c9c58-2"
    setup = parse_file(REAL[0][0]).events[0]
    assert setup.direction == "Outbound"
    assert setup.extension_id == "170848004"  # the party's, also in the event filter path
    assert setup.agent_extension_id is None  # nobody has answered


def test_real_call_can_be_ordered_by_sequence_and_time() -> None:
    events = [parse_file(name).events[0] for name, *_ in reversed(REAL)]
    by_sequence = sorted(events, key=lambda e: e.sequence or 0)
    by_time = sorted(events, key=lambda e: e.event_time or datetime.min.replace(tzinfo=UTC))
    assert [e.status_code for e in by_sequence] == ["Setup", "Proceeding", "Disconnected"]
    assert by_time == by_sequence
    assert len({e.dedupe_key for e in events}) == 3


# --- where the label comes from ---------------------------------------------------------------


def test_presence_call_info_label() -> None:
    (event,) = parse_file("constructed/presence_psos_ringing.json").events
    assert event.source is EventSource.PRESENCE
    assert (event.line_label, event.label_type) == ("Rondesse PSOS", "PhoneNumberLabel")
    assert event.status is CallStatus.RINGING and event.status_code == "Ringing"
    assert event.session_id == "s-a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert event.dialed_number == "+18885550142"
    assert (event.caller_number, event.caller_name) == ("+12025550123", "Pat Client")
    assert event.queue_call is True
    assert event.sequence == 311
    assert event.extension_id == "400000011" and event.account_id == "400000000"
    assert event.event_time == datetime(2025, 3, 4, 15, 20, 1, 250000, tzinfo=UTC)
    assert event.agent_extension_id is None


def test_caller_id_primary_leaves_the_label_to_additional() -> None:
    (event,) = parse_file("constructed/presence_callerid_primary.json").events
    assert (event.line_label, event.label_type) == ("Rondesse USOS", "QueueName")
    assert event.caller_name == "Lee Caller"  # primary info was the caller, not the line
    assert event.status is CallStatus.ANSWERED
    assert event.agent_extension_id == "400000012"  # the extension whose presence connected


def test_to_name_is_the_label_of_a_telephony_party() -> None:
    (event,) = parse_file("constructed/telephony_push_wrapped.json").events
    assert (event.line_label, event.label_type) == ("Rondesse Main Number", "to.name")
    assert event.event_id == "7001" and event.owner_id == "400000011"


def test_to_name_of_the_agents_own_extension_is_the_agent_not_a_line() -> None:
    (event,) = parse_file("constructed/telephony_answered_by_agent.json").events
    assert event.status is CallStatus.ANSWERED
    assert event.line_label is None
    assert (event.agent_extension_id, event.agent_name) == ("400000014", "Ana Agent")
    assert event.queue_call is True


def test_presence_falls_back_to_to_name() -> None:
    doc = load("constructed/presence_psos_ringing.json")
    del doc["body"]["activeCalls"][0]["callInfo"]
    (event,) = parse_webhook({}, json.dumps(doc).encode()).events
    assert (event.line_label, event.label_type) == ("PSOS Queue", "toName")


def test_call_info_phone_number_fills_a_missing_dialed_number() -> None:
    doc = load("constructed/presence_psos_ringing.json")
    call = doc["body"]["activeCalls"][0]
    del call["to"], call["toName"]
    call["callInfo"] = {"primary": {"type": "PhoneNumber", "value": "+18885550142"}}
    (event,) = parse_webhook({}, json.dumps(doc).encode()).events
    assert event.line_label is None
    assert event.dialed_number == "+18885550142"


# --- envelopes --------------------------------------------------------------------------------


def test_bare_telephony_body() -> None:
    (event,) = parse_file("constructed/telephony_bare_body.json").events
    assert event.session_id == "s-5151515151515151515151515151bbbb"
    assert event.status is CallStatus.RINGING and event.sequence == 2
    assert event.event_id is None and event.dedupe_key.endswith("seq:2:Setup")


def test_bare_presence_body() -> None:
    body = load("constructed/presence_psos_ringing.json")["body"]
    (event,) = parse_webhook({}, json.dumps(body).encode()).events
    assert event.line_label == "Rondesse PSOS" and event.event_time is None


def test_array_of_notifications() -> None:
    result = parse_file("constructed/notifications_array.json")
    assert result.kind is ResultKind.EVENTS
    assert [e.status for e in result.events] == [CallStatus.RINGING, CallStatus.ANSWERED]
    assert {e.session_id for e in result.events} == {"s-7171717171717171717171717171dddd"}
    assert result.events[1].agent_extension_id == "400000015"
    assert len(result.notes) == 1 and "message-store" in result.notes[0]


def test_several_parties_give_one_event_each() -> None:
    doc = load("real/telephonySessionInboundProceedingMessage.json")
    other = {**doc["body"]["parties"][0], "id": "p-other", "status": {"code": "Answered"}}
    doc["body"]["parties"].append(other)
    events = parse_webhook({}, json.dumps(doc).encode()).events
    assert [e.status for e in events] == [CallStatus.RINGING, CallStatus.ANSWERED]
    assert events[0].dedupe_key != events[1].dedupe_key


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("Setup", CallStatus.RINGING),
        ("Proceeding", CallStatus.RINGING),
        ("Answered", CallStatus.ANSWERED),
        ("Disconnected", CallStatus.ENDED),
        ("Gone", CallStatus.ENDED),
        ("Hold", CallStatus.OTHER),
        ("Parked", CallStatus.OTHER),
        ("VoiceMail", CallStatus.OTHER),
        ("SomethingNew", CallStatus.OTHER),
    ],
)
def test_telephony_status_codes(code: str, status: CallStatus) -> None:
    doc = load("constructed/telephony_bare_body.json")
    doc["parties"][0]["status"] = {"code": code, "reason": "Pickup"}
    (event,) = parse_webhook({}, json.dumps(doc).encode()).events
    assert (event.status, event.status_code, event.reason) == (status, code, "Pickup")


@pytest.mark.parametrize(
    ("telephony_status", "termination", "status"),
    [
        ("Ringing", None, CallStatus.RINGING),
        ("CallConnected", None, CallStatus.ANSWERED),
        ("NoCall", "final", CallStatus.ENDED),
        ("NoCall", "intermediate", CallStatus.OTHER),
        ("OnHold", None, CallStatus.OTHER),
        ("ParkedCall", None, CallStatus.OTHER),
    ],
)
def test_presence_statuses(
    telephony_status: str, termination: str | None, status: CallStatus
) -> None:
    doc = load("constructed/presence_psos_ringing.json")
    call = doc["body"]["activeCalls"][0]
    call["telephonyStatus"] = telephony_status
    if termination:
        call["terminationType"] = termination
    (event,) = parse_webhook({}, json.dumps(doc).encode()).events
    assert event.status is status


# --- duplicates and order: facts for the desk, no state here ----------------------------------


def test_redelivery_has_the_same_dedupe_key() -> None:
    raw = (DATA / REAL[1][0]).read_bytes()
    first, second = parse_webhook({}, raw), parse_webhook({}, raw)
    assert first == second
    assert first.events[0].dedupe_key == second.events[0].dedupe_key


def test_out_of_order_deliveries_keep_their_own_time_and_sequence() -> None:
    array = load("constructed/notifications_array.json")[:2]
    late_first = json.dumps(list(reversed(array))).encode()
    events = parse_webhook({}, late_first).events
    assert [e.status_code for e in events] == ["Answered", "Setup"]  # delivery order kept
    assert [e.sequence for e in sorted(events, key=lambda e: e.sequence or 0)] == [1, 3]
    assert events[0].event_time is not None and events[1].event_time is not None
    assert events[0].event_time > events[1].event_time


def test_the_parser_imports_nothing_of_sopdesk_outside_itself() -> None:
    """Pure edge: the web layer imports it, never the reverse, and it needs no database."""
    package = Path(__file__).parents[1] / "src" / "sopdesk" / "channels" / "ringcentral"
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("sopdesk"):
                    assert name.startswith("sopdesk.channels.ringcentral"), (module.name, name)
