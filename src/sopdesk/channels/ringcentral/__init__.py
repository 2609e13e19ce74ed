"""RingCentral telephony: webhook deliveries parsed into `CallEvent`s, and a load/demo sender.

`parse_webhook(headers, body, verification_token)` is pure and never raises: it answers the
Validation-Token handshake, enforces the Verification-Token, and reads telephony-session and
detailed-presence notifications in every envelope RingCentral uses. `simulate` (in
`sopdesk.channels.ringcentral.simulate`) posts RingCentral-format calls to a local server.
`mapping.desk_calls` (pure) says what the events mean to the desk, whose `receive_reported`
applies them. Imports nothing of sopdesk outside itself.

Must not import: sopdesk.db, sopdesk.events, sopdesk.errors, sopdesk.settings, sopdesk.orgs,
sopdesk.crm, sopdesk.kb, sopdesk.escalations, sopdesk.desk, sopdesk.web, sopdesk.cli,
sopdesk.demo, sopdesk.models, sopdesk.playbooks, sopdesk.channels.email.
"""

from sopdesk.channels.ringcentral.events import (
    CallEvent,
    CallStatus,
    EventSource,
    ResultKind,
    WebhookResult,
)
from sopdesk.channels.ringcentral.parse import MAX_BODY_BYTES, parse_webhook

__all__ = [
    "MAX_BODY_BYTES",
    "CallEvent",
    "CallStatus",
    "EventSource",
    "ResultKind",
    "WebhookResult",
    "parse_webhook",
]
