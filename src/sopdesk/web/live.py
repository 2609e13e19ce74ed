"""GET /events: the user's org's live events as a server-sent event stream.

Each event is `event: <kind>`, `data: <json>`, `id: <id>`; a comment line every
`app.state.keepalive_seconds` (15 s) keeps proxies from closing an idle stream. A browser that
reconnects (it sends Last-Event-ID) first gets a `resync` event: it may have missed some.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from sopdesk.escalations.tickets import sees_event
from sopdesk.events import Event
from sopdesk.web.bus import RESYNC, LiveBus, Subscription
from sopdesk.web.deps import CurrentUser
from sopdesk.web.pulse import Pulse

router = APIRouter(include_in_schema=False)
RETRY_MS = 2000


def format_event(event: Event) -> str:
    data = json.dumps(event.data, separators=(",", ":"), default=str)
    return f"event: {event.kind}\ndata: {data}\nid: {event.id}\n\n"


async def _stream(
    sub: Subscription,
    keepalive: float,
    reconnect: bool,
    pulse: Pulse | None = None,
    sees: Callable[[Event], bool] = lambda _: True,
) -> AsyncIterator[str]:
    # The pulse marks the person present while the stream is open (sopdesk.web.pulse).
    wait = keepalive if pulse is None else min(keepalive, pulse.interval)
    try:
        if pulse is not None:
            await pulse.beat()
        yield f"retry: {RETRY_MS}\n\n"
        if reconnect:
            yield format_event(Event(sub.org_id, RESYNC, {"reason": "reconnected"}))
        while True:
            event = await sub.next(timeout=wait)
            if sub.ended:
                return  # shutting down: the browser reconnects, to another worker if need be
            if pulse is not None:
                await pulse.maybe_beat()
            if event is None:
                yield ": keep-alive\n\n"
            elif sees(event):  # a team's tickets reach only who may read them
                yield format_event(event)
    finally:
        sub.close()
        if pulse is not None:
            await pulse.closed()


@router.get("/events")
async def events(request: Request, user: CurrentUser) -> StreamingResponse:
    bus: LiveBus = request.app.state.bus
    # Subscribe before the response starts: an event committed right after the client sees
    # the headers must not be missed.
    sub = bus.subscribe(user.org_id)
    keepalive = float(request.app.state.keepalive_seconds)
    reconnect = "last-event-id" in request.headers
    pulse = Pulse(request.app.state.sessionmaker, request.app.state.clock, user)
    return StreamingResponse(
        _stream(sub, keepalive, reconnect, pulse, lambda e: sees_event(user, e.kind, e.data)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
