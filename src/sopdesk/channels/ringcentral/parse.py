"""`parse_webhook`: one HTTP delivery from RingCentral in, a `WebhookResult` out. Pure."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import replace

from sopdesk.channels.ringcentral.envelope import describe, unwrap
from sopdesk.channels.ringcentral.events import CallEvent, ResultKind, WebhookResult
from sopdesk.channels.ringcentral.fields import json_type
from sopdesk.channels.ringcentral.presence import presence_events
from sopdesk.channels.ringcentral.telephony import telephony_events

MAX_BODY_BYTES = 1_000_000
# RingCentral rejects a handshake reply over 1024 bytes (headers included), and the token is
# echoed into a response header, so only short printable ASCII may come back.
_MAX_TOKEN_CHARS = 512


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup that works for plain dicts as well as Starlette's Headers."""
    wanted = name.casefold()
    for key, value in headers.items():
        if key.casefold() == wanted:
            return value
    return None


def _same(given: str, expected: str) -> bool:
    # surrogatepass: any str encodes, so a hostile header cannot make this raise.
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _echoable(token: str) -> bool:
    return len(token) <= _MAX_TOKEN_CHARS and all(" " <= ch <= "~" for ch in token)


def _check_verification(headers: Mapping[str, str], expected: str | None) -> str | None:
    """Why the delivery is refused, or None when it may proceed."""
    if not expected:
        return None
    given = _header(headers, "Verification-Token")
    if given is None:
        return "Verification-Token header is missing"
    if not _same(given.strip(), expected):
        return "Verification-Token header does not match this subscription's token"
    return None


def _decode(body: bytes, max_bytes: int) -> object | WebhookResult:
    """The decoded JSON document, or an ERROR result naming what was wrong."""

    def error(reason: str) -> WebhookResult:
        return WebhookResult(ResultKind.ERROR, reason=reason)

    if len(body) > max_bytes:
        return error(f"body is {len(body)} bytes; at most {max_bytes} are accepted")
    if not body.strip():
        return error("body is empty: expected a JSON notification")
    try:
        document_text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return error(f"body is not UTF-8 text: byte 0x{body[exc.start]:02x} at offset {exc.start}")
    try:
        document: object = json.loads(document_text)
    except json.JSONDecodeError as exc:
        return error(f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except ValueError as exc:  # e.g. an integer longer than Python will convert
        return error(f"body is not valid JSON: {exc}")
    except RecursionError:
        return error("body is not valid JSON: nested too deeply")
    return document


def _events_of(document: object) -> tuple[list[CallEvent], list[str]]:
    if isinstance(document, list):
        notifications = [(item, f"[{index}]") for index, item in enumerate(document)]
    else:
        notifications = [(document, "body")]
    events: list[CallEvent] = []
    notes: list[str] = []
    for item, where in notifications:
        unwrapped = unwrap(item, where)
        if isinstance(unwrapped, str):
            notes.append(unwrapped)
            continue
        envelope, event_body = unwrapped
        if isinstance(event_body.get("parties"), list) or "telephonySessionId" in event_body:
            found, skipped = telephony_events(event_body, envelope)
        elif "activeCalls" in event_body or "telephonyStatus" in event_body:
            found, skipped = presence_events(event_body, envelope)
        else:
            found, skipped = [], [f"{describe(envelope)}: not a call event"]
        events.extend(found)
        notes.extend(skipped)
    return events, notes


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    verification_token: str | None = None,
    *,
    max_bytes: int = MAX_BODY_BYTES,
) -> WebhookResult:
    """Read one RingCentral webhook delivery; never raises on any headers or body.

    `verification_token` is the subscription's `deliveryMode.verificationToken`; when set
    (non-empty), deliveries must carry it in the Verification-Token header.
    """
    refusal = _check_verification(headers, verification_token)
    validation = (_header(headers, "Validation-Token") or "").strip()
    if not validation:
        if refusal:
            return WebhookResult(ResultKind.REJECTED, reason=refusal)
        return _read_body(body, max_bytes)
    if not _echoable(validation):
        return WebhookResult(
            ResultKind.ERROR,
            reason=f"Validation-Token header must be printable ASCII of at most "
            f"{_MAX_TOKEN_CHARS} characters",
        )
    # Subscription creation: the reply only has to echo the token. A wrong Verification-Token
    # is still refused; a missing one is allowed, as the creation request may not carry it.
    if refusal and _header(headers, "Verification-Token") is not None:
        return WebhookResult(ResultKind.REJECTED, reason=refusal)
    if not refusal:
        # Older RingCentral guides show Validation-Token on every delivery: keep any events.
        read = _read_body(body, max_bytes)
        if read.kind is ResultKind.EVENTS:
            return replace(read, validation_token=validation)
    return WebhookResult(ResultKind.HANDSHAKE, validation_token=validation)


def _read_body(body: bytes, max_bytes: int) -> WebhookResult:
    document = _decode(body, max_bytes)
    if isinstance(document, WebhookResult):
        return document
    if not isinstance(document, dict | list):
        return WebhookResult(
            ResultKind.ERROR,
            reason=f"body is a JSON {json_type(document)}: expected an object or an array "
            "of notifications",
        )
    events, notes = _events_of(document)
    if events:
        return WebhookResult(ResultKind.EVENTS, events=tuple(events), notes=tuple(notes))
    return WebhookResult(ResultKind.IGNORED, reason=_summary(notes), notes=tuple(notes))


def _summary(notes: list[str], shown: int = 3) -> str:
    """The first few notes: a reason is read by a person, not scrolled."""
    if not notes:
        return "empty array: no notifications"
    more = len(notes) - shown
    return "; ".join(notes[:shown]) + (f"; and {more} more" if more > 0 else "")
