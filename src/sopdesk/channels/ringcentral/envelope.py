"""The notification envelope around an event body, in each shape RingCentral delivers it.

- the standard envelope: `{uuid, event, timestamp, subscriptionId, ownerId, body: {...}}`;
- the same envelope nested under `pn_apns` / `pn_gcm` (RingCentral's own telephony-session
  examples show it; mobile push transports wrap notifications this way);
- a bare body: `{telephonySessionId, parties: [...]}` or `{extensionId, activeCalls: [...]}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sopdesk.channels.ringcentral.fields import JsonObject, json_type, obj, text, timestamp

_PUSH_WRAPPERS = ("pn_apns", "pn_gcm")
# Keys that mark a bare event body we know how to read.
_BODY_MARKERS = ("parties", "activeCalls", "telephonySessionId", "telephonyStatus")
_EVENT_PATH = re.compile(r"/account/(?P<account>[^/?#]+)(?:/extension/(?P<extension>[^/?#]+))?")


@dataclass(frozen=True)
class Envelope:
    """What the notification says about itself; every field may be absent (bare bodies)."""

    event_id: str | None = None
    event_path: str | None = None
    sent_at: datetime | None = None
    subscription_id: str | None = None
    owner_id: str | None = None
    account_id: str | None = None  # from the event filter path, unless it is '~'
    extension_id: str | None = None  # likewise

    @property
    def name(self) -> str:
        """How notes refer to this notification."""
        return f"notification {self.event_id}" if self.event_id else "notification"


def _path_ids(path: str | None) -> tuple[str | None, str | None]:
    match = _EVENT_PATH.search(path or "")
    if match is None:
        return None, None
    account, extension = match.group("account"), match.group("extension")
    return (None if account == "~" else account), (None if extension in (None, "~") else extension)


def _envelope(outer: JsonObject, inner: JsonObject) -> Envelope:
    """Envelope fields from `inner`, falling back to `outer` (push wrappers repeat some)."""

    def pick(key: str) -> str | None:
        return text(inner, key) or text(outer, key)

    path = pick("event")
    account, extension = _path_ids(path)
    return Envelope(
        event_id=pick("uuid"),
        event_path=path,
        sent_at=timestamp(inner, "timestamp") or timestamp(outer, "timestamp"),
        subscription_id=pick("subscriptionId"),
        owner_id=pick("ownerId"),
        account_id=account,
        extension_id=extension,
    )


def unwrap(item: object, where: str) -> tuple[Envelope, JsonObject] | str:
    """The envelope and event body of one notification, or a note saying why there is none."""
    if not isinstance(item, dict):
        return f"{where}: expected a JSON object, got a JSON {json_type(item)}"
    body = obj(item, "body")
    if body is not None:
        return _envelope(item, item), body
    if "body" in item:
        return f"{where}: 'body' must be a JSON object"
    for wrapper in _PUSH_WRAPPERS:
        inner = obj(item, wrapper)
        inner_body = obj(inner, "body")
        if inner is not None and inner_body is not None:
            return _envelope(item, inner), inner_body
    if any(key in item for key in _BODY_MARKERS):
        return _envelope(item, item), item
    return f"{where}: not a RingCentral notification (no 'body', 'parties' or 'activeCalls')"


def describe(envelope: Envelope) -> str:
    """The notification and its event filter, for notes about skipped parts."""
    if envelope.event_path:
        return f"{envelope.name} ({envelope.event_path})"
    return envelope.name
