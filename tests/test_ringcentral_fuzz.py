"""Fuzzing the RingCentral parser: whatever arrives, it answers with a result, never raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopdesk.channels.ringcentral import ResultKind, WebhookResult, parse_webhook

TOKEN = "rondesse-7f3a9c"

_KEYS = [
    "uuid", "event", "timestamp", "body", "pn_apns", "parties", "activeCalls", "telephonySessionId",
    "telephonyStatus", "status", "code", "to", "from", "name", "phoneNumber", "extensionId",
    "callInfo", "primary", "additional", "type", "value", "sequence", "eventTime", "direction",
    "toName", "terminationType", "queueCall", "accountId", "id",
]  # fmt: skip
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["Setup", "Answered", "Ringing", "NoCall", "2025-03-04T16:00:00Z", "~"])
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=40,
)


def _never_raises(headers: dict[str, str], body: bytes, token: str | None = None) -> None:
    result = parse_webhook(headers, body, token)
    assert isinstance(result, WebhookResult)
    if result.kind in (ResultKind.ERROR, ResultKind.REJECTED, ResultKind.IGNORED):
        assert result.reason
    for event in result.events:
        assert event.session_id and event.dedupe_key


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_binary_junk(body: bytes) -> None:
    _never_raises({}, body)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_fuzz_json_shaped_like_notifications(document: Any) -> None:
    _never_raises({}, json.dumps(document).encode())


@settings(max_examples=200)
@given(
    st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=4), st.binary(max_size=50)
)
def test_fuzz_headers(headers: dict[str, str], body: bytes) -> None:
    _never_raises(headers, body, TOKEN)
    _never_raises(headers, body)


_party_like = st.fixed_dictionaries(
    {"status": st.fixed_dictionaries({"code": _scalars})},
    optional={key: _json for key in ("to", "from", "callInfo", "extensionId", "direction", "id")},
)
_call_like = st.fixed_dictionaries(
    {"telephonySessionId": _scalars, "telephonyStatus": _scalars},
    optional={key: _json for key in ("callInfo", "to", "toName", "from", "_from", "direction")},
)
_notification_like = st.fixed_dictionaries(
    {"body": st.one_of(
        st.fixed_dictionaries(
            {"telephonySessionId": _scalars, "parties": st.lists(_party_like, max_size=3)},
            optional={"eventTime": _scalars, "sequence": _scalars},
        ),
        st.fixed_dictionaries(
            {"activeCalls": st.lists(_call_like, max_size=3)},
            optional={"extensionId": _scalars, "telephonyStatus": _scalars},
        ),
    )},
    optional={"uuid": _scalars, "event": _scalars, "timestamp": _scalars},
)  # fmt: skip


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_notification_like, st.lists(_notification_like, max_size=3)))
def test_fuzz_call_events_with_odd_values(document: Any) -> None:
    _never_raises({}, json.dumps(document).encode())
