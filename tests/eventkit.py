"""A bus that keeps what it was sent, for tests that check which live events a change sends."""

from __future__ import annotations

from sopdesk.events import Event


class Recorder:
    """Records every published event; subscribing yields nothing."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)

    async def subscribe(self, org_id: str):  # type: ignore[no-untyped-def]
        yield  # pragma: no cover
