"""The RingCentral webhook's delivery rules: handshake, verification token, bad bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sopdesk.channels.ringcentral import ResultKind, parse_webhook

DATA = Path(__file__).parent / "data" / "ringcentral"
SETUP = (DATA / "real" / "telephonySessionOutboundSetupMessage.json").read_bytes()
TOKEN = "rondesse-7f3a9c"


# --- handshake ----------------------------------------------------------------------------------


def test_handshake_echoes_the_validation_token() -> None:
    result = parse_webhook({"Validation-Token": "c1d2-e3f4"}, b"")
    assert result.kind is ResultKind.HANDSHAKE and result.http_status == 200
    assert result.response_headers == {"Validation-Token": "c1d2-e3f4"}
    assert result.events == ()


def test_handshake_header_is_case_insensitive() -> None:
    result = parse_webhook({"validation-token": "abc"}, b"{}")
    assert result.kind is ResultKind.HANDSHAKE and result.validation_token == "abc"


@pytest.mark.parametrize("body", [b"{}", b"not json", b"\xff", b'{"body": {"changes": []}}'])
def test_handshake_with_a_body_that_has_no_events_is_still_a_handshake(body: bytes) -> None:
    result = parse_webhook({"Validation-Token": "abc"}, body)
    assert result.response_headers == {"Validation-Token": "abc"}


def test_validation_token_on_a_notification_keeps_its_events_and_is_echoed() -> None:
    result = parse_webhook({"Validation-Token": "abc"}, SETUP)
    assert result.kind is ResultKind.EVENTS and len(result.events) == 1
    assert result.response_headers == {"Validation-Token": "abc"}


def test_validation_token_does_not_bypass_verification() -> None:
    result = parse_webhook({"Validation-Token": "abc"}, SETUP, TOKEN)
    assert result.kind is ResultKind.HANDSHAKE and result.events == ()
    result = parse_webhook({"Validation-Token": "abc", "Verification-Token": TOKEN}, SETUP, TOKEN)
    assert result.kind is ResultKind.EVENTS


def test_handshake_with_a_configured_token_not_sent_is_answered() -> None:
    assert parse_webhook({"Validation-Token": "abc"}, b"", TOKEN).kind is ResultKind.HANDSHAKE


def test_handshake_with_a_wrong_verification_token_is_refused() -> None:
    headers = {"Validation-Token": "abc", "Verification-Token": "guess"}
    result = parse_webhook(headers, b"", TOKEN)
    assert result.kind is ResultKind.REJECTED and result.response_headers == {}


@pytest.mark.parametrize("token", ["a\r\nSet-Cookie: x=1", "x" * 513, "caf\u00e9"])
def test_handshake_token_that_cannot_be_echoed_is_an_error(token: str) -> None:
    result = parse_webhook({"Validation-Token": token}, b"")
    assert result.kind is ResultKind.ERROR and result.response_headers == {}
    assert result.reason is not None and "Validation-Token" in result.reason


def test_blank_validation_token_is_not_a_handshake() -> None:
    assert parse_webhook({"Validation-Token": "  "}, SETUP).kind is ResultKind.EVENTS


# --- verification token -------------------------------------------------------------------------


def test_matching_verification_token_is_accepted() -> None:
    result = parse_webhook({"verification-token": TOKEN}, SETUP, TOKEN)
    assert result.kind is ResultKind.EVENTS


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, "missing"),
        ({"Verification-Token": "rondesse-7f3a9d"}, "does not match"),
        ({"Verification-Token": ""}, "does not match"),
        ({"Verification-Token": "\udcff"}, "does not match"),
    ],
)
def test_missing_or_wrong_verification_token_is_rejected(
    headers: dict[str, str], words: str
) -> None:
    result = parse_webhook(headers, SETUP, TOKEN)
    assert result.kind is ResultKind.REJECTED and result.http_status == 403
    assert result.events == ()
    assert result.reason is not None and "Verification-Token" in result.reason
    assert words in result.reason


def test_rejection_comes_before_reading_the_body() -> None:
    assert parse_webhook({}, b"\xff junk", TOKEN).kind is ResultKind.REJECTED


@pytest.mark.parametrize("configured", [None, ""])
def test_no_configured_token_accepts_any_header(configured: str | None) -> None:
    result = parse_webhook({"Verification-Token": "whatever"}, SETUP, configured)
    assert result.kind is ResultKind.EVENTS


# --- bodies that cannot be read, and bodies about something else ---------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\xff\xfe\x00{", "not UTF-8 text: byte 0xff at offset 0"),
        (b'{"uuid": "1", "body": {', "not valid JSON"),
        (b"{'single': 'quotes'}", "line 1 column 2"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b"9" * 5000, "not valid JSON"),
        (b'"a string"', "JSON string: expected an object or an array"),
        (b"42", "JSON number"),
        (b"null", "JSON null"),
    ],
)
def test_unreadable_bodies_name_what_was_wrong(body: bytes, words: str) -> None:
    result = parse_webhook({}, body)
    assert result.kind is ResultKind.ERROR and result.http_status == 400
    assert result.reason is not None and words in result.reason


def test_oversized_body_is_refused() -> None:
    result = parse_webhook({}, SETUP, max_bytes=100)
    assert result.kind is ResultKind.ERROR
    assert result.reason == f"body is {len(SETUP)} bytes; at most 100 are accepted"


def test_byte_order_mark_is_tolerated() -> None:
    assert parse_webhook({}, b"\xef\xbb\xbf" + SETUP).kind is ResultKind.EVENTS


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (
            {"uuid": "1", "event": "/restapi/v1.0/account/~/extension/~/message-store", "body": {}},
            "not a call event",
        ),
        ({"hello": "world"}, "not a RingCentral notification"),
        ({"uuid": "1", "body": "text"}, "'body' must be a JSON object"),
        ([], "empty array"),
        ([1, "x"], "[0]: expected a JSON object, got a JSON number"),
        ({"body": {"parties": []}}, "without 'telephonySessionId'"),
        ({"body": {"telephonySessionId": "s-1", "parties": []}}, "with no parties"),
        ({"body": {"telephonySessionId": "s-1", "parties": [{"id": "p"}]}}, "no 'status.code'"),
        ({"body": {"telephonySessionId": "s-1", "parties": [3]}}, "parties[0] is not an object"),
        (
            {"body": {"activeCalls": [{"telephonyStatus": "Ringing"}]}},
            "has no 'telephonySessionId'",
        ),
        ({"body": {"activeCalls": [{"telephonySessionId": "s-1"}, {}]}}, "no 'telephonyStatus'"),
    ],
)
def test_irrelevant_or_incomplete_events_are_ignored_with_a_reason(
    document: Any, words: str
) -> None:
    result = parse_webhook({}, json.dumps(document).encode())
    assert result.kind is ResultKind.IGNORED and result.http_status == 200
    assert result.reason is not None and words in result.reason


def test_ignored_reason_stays_short() -> None:
    result = parse_webhook({}, json.dumps([1] * 50).encode())
    assert result.kind is ResultKind.IGNORED and len(result.notes) == 50
    assert result.reason is not None and result.reason.endswith("and 47 more")


def test_message_store_file_is_ignored() -> None:
    body = (DATA / "constructed" / "message_store.json").read_bytes()
    assert parse_webhook({}, body).kind is ResultKind.IGNORED
    body = (DATA / "constructed" / "presence_no_calls.json").read_bytes()
    result = parse_webhook({}, body)
    assert result.kind is ResultKind.IGNORED and "presence without active calls" in str(
        result.reason
    )


def test_a_lone_active_call_may_take_the_extension_status() -> None:
    body = {"body": {"telephonyStatus": "Ringing", "activeCalls": [{"telephonySessionId": "s-9"}]}}
    (event,) = parse_webhook({}, json.dumps(body).encode()).events
    assert event.status_code == "Ringing"


def test_odd_field_types_read_as_absent() -> None:
    party = {
        "id": 17,
        "accountId": True,
        "direction": ["Inbound"],
        "to": "+18885550142",
        "from": {"phoneNumber": 12025550101, "name": "  "},
        "status": {"code": "Setup"},
        "queueCall": "yes",
    }
    body = {
        "telephonySessionId": "s-2",
        "sequence": "7",
        "eventTime": "yesterday",
        "parties": [party],
    }
    (event,) = parse_webhook({}, json.dumps({"body": body}).encode()).events
    assert (event.party_id, event.account_id, event.direction) == ("17", None, None)
    assert (event.dialed_number, event.caller_number, event.caller_name) == (
        None,
        "12025550101",
        None,
    )
    assert (event.sequence, event.event_time, event.queue_call) == (7, None, None)
