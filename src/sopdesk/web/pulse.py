"""A live stream's pulse: while a desk page holds `GET /events` open, its person is present.

The stream marks them seen when it opens, every `presence.HEARTBEAT` while it stays open and
when it closes (`desk.agents.stream_seen`: the server notices a closed connection when it
next writes to it, at the latest at the next keep-alive, 15 s); a read treats someone unseen
for longer than the grace time as Offline (`sopdesk.orgs.presence`). The writes run in a
worker thread, off the event loop; a failed write is logged and the stream goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import anyio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import transaction
from sopdesk.desk import agents
from sopdesk.orgs.models import User
from sopdesk.orgs.presence import HEARTBEAT

log = logging.getLogger(__name__)


class Pulse:
    """One stream's marks; does nothing for people who take no calls (team members)."""

    interval = HEARTBEAT.total_seconds()

    def __init__(
        self, factory: sessionmaker[Session], clock: Callable[[], datetime], user: User
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._user_id = user.id
        self._active = agents.takes_calls(user)
        self._last: datetime | None = None

    def _mark(self) -> None:
        now = self._clock()
        self._last = now
        try:
            with transaction(self._factory) as session:
                agents.stream_seen(session, self._user_id, now)
        except SQLAlchemyError:
            log.warning("could not mark user %s present", self._user_id, exc_info=True)

    async def beat(self) -> None:
        """Mark them seen now (the stream opened)."""
        if self._active:
            await anyio.to_thread.run_sync(self._mark)

    async def maybe_beat(self) -> None:
        """Mark them seen if the last mark is a heartbeat old."""
        if self._active and (self._last is None or self._clock() - self._last >= HEARTBEAT):
            await anyio.to_thread.run_sync(self._mark)

    async def closed(self) -> None:
        """The stream closed: the grace time starts now. Runs even while being cancelled."""
        if self._active:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._mark)
