"""Event buses: deliver committed events to the SSE streams of one org, in one worker or many.

`InProcessBus` fans out inside one process. `RedisBus` publishes to Redis (channel
`sopdesk:events:<org>`) and every worker's listener hands what it hears to its own local
fan-out, so an agent connected to any worker sees a call rung through any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import weakref
from collections.abc import AsyncIterator, Callable

import redis
import redis.asyncio as aioredis

from sopdesk.events import Event

log = logging.getLogger(__name__)

QUEUE_SIZE = 256
RESYNC = "resync"
CHANNEL_PREFIX = "sopdesk:events:"
_END = Event("", "__end__", {})  # wakes a reader at shutdown; never sent to a client


class Subscription:
    """One SSE stream's bounded queue of events; lives on the event loop that created it."""

    def __init__(self, org_id: str, loop: asyncio.AbstractEventLoop, maxsize: int) -> None:
        self.org_id = org_id
        self.loop = loop
        self.dropped = 0
        self.closed = False
        self.ended = False  # the server is shutting down: the stream should finish
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self._close_hook: Callable[[Subscription], None] | None = None

    def deliver(self, event: Event) -> None:
        """Called on `loop`: enqueue, dropping the oldest event when the reader is too slow."""
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    def end(self) -> None:
        """Called on `loop`: wake the reader, whose next() returns None with `ended` set."""
        self.ended = True
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(_END)

    async def next(self, timeout: float | None = None) -> Event | None:
        """The next event, or None after `timeout` seconds; a "resync" first if any were dropped.

        Cancellation-safe: a timed-out wait loses no event.
        """
        if self.ended:
            return None
        if self.dropped:
            count, self.dropped = self.dropped, 0
            return Event(self.org_id, RESYNC, {"reason": "overflow", "dropped": count})
        try:
            event = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None
        return None if event is _END else event

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self._close_hook is not None:
                self._close_hook(self)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        event = await self.next()
        if event is None:  # without a timeout, only the end of the stream gives None
            raise StopAsyncIteration
        return event


class InProcessBus:
    """Fan-out to the subscribers of this process; `publish` may be called from any thread."""

    def __init__(self, maxsize: int = QUEUE_SIZE) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        # Weak references: a stream that dies without closing its subscription leaks nothing.
        self._subs: dict[asyncio.AbstractEventLoop, dict[str, weakref.WeakSet[Subscription]]] = {}

    def subscribe(self, org_id: str) -> Subscription:
        """A new subscription to `org_id`'s events; call from within a running event loop."""
        sub = Subscription(org_id, asyncio.get_running_loop(), self.maxsize)
        sub._close_hook = self._remove
        with self._lock:
            by_org = self._subs.setdefault(sub.loop, {})
            by_org.setdefault(org_id, weakref.WeakSet()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.loop, {}).get(sub.org_id)
            if subs is not None:
                subs.discard(sub)

    def subscriber_count(self, org_id: str | None = None) -> int:
        with self._lock:
            return sum(
                len(subs)
                for by_org in self._subs.values()
                for org, subs in by_org.items()
                if org_id is None or org == org_id
            )

    def publish(self, event: Event) -> None:
        """Hand `event` to every loop that has subscribers of its org (one callback per loop)."""
        with self._lock:
            loops = [loop for loop, by_org in self._subs.items() if by_org.get(event.org_id)]
        for loop in loops:
            try:
                loop.call_soon_threadsafe(self._deliver, loop, event)
            except RuntimeError:  # the loop has closed: its subscribers are gone with it
                with self._lock:
                    self._subs.pop(loop, None)

    def _deliver(self, loop: asyncio.AbstractEventLoop, event: Event) -> None:
        with self._lock:
            subs = list(self._subs.get(loop, {}).get(event.org_id, ()))
        for sub in subs:
            sub.deliver(event)

    def end_all(self) -> None:
        """Finish every stream (server shutdown): browsers reconnect to another worker."""
        with self._lock:
            by_loop = {
                loop: [s for subs in orgs.values() for s in subs]
                for loop, orgs in self._subs.items()
            }
        for loop, subs in by_loop.items():
            for sub in subs:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(sub.end)

    def resync_all(self) -> None:
        """Tell every subscriber to re-fetch its state (events may have been missed)."""
        with self._lock:
            orgs = {org for by_org in self._subs.values() for org in by_org}
        for org in orgs:
            self.publish(Event(org, RESYNC, {"reason": "reconnected"}))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def encode(event: Event) -> str:
    return json.dumps({"id": event.id, "org": event.org_id, "kind": event.kind, "data": event.data})


def decode(raw: bytes | str) -> Event:
    doc = json.loads(raw)
    return Event(org_id=doc["org"], kind=doc["kind"], data=doc["data"], id=doc["id"])


class RedisBus:
    """Publish through Redis pub/sub; one listener per worker feeds that worker's streams."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = CHANNEL_PREFIX,
        maxsize: int = QUEUE_SIZE,
        name: str | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        # Shown by Redis CLIENT LIST, so an operator can tell the workers' listeners apart.
        self.name = name or f"sopdesk-events-{socket.gethostname()}-{os.getpid()}"
        self.local = InProcessBus(maxsize)
        self._client = redis.Redis.from_url(url)  # thread-safe pool for sync publishers
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def publish(self, event: Event) -> None:
        try:
            self._client.publish(self.prefix + event.org_id, encode(event))
        except redis.RedisError as exc:
            # The transaction has committed; the screens catch up on the listener's resync.
            log.error("live event %s not published to Redis: %s", event.kind, exc)

    def subscribe(self, org_id: str) -> Subscription:
        return self.local.subscribe(org_id)

    def end_all(self) -> None:
        self.local.end_all()

    async def start(self) -> None:
        """Start this worker's listener and wait until it is subscribed."""
        self._ready = asyncio.Event()
        self._listener = asyncio.create_task(self._listen(), name="sopdesk-redis-listener")
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait({ready, self._listener}, return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            ready.cancel()
            self._listener.result()  # re-raise why the listener stopped

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        self._client.close()

    async def _listen(self) -> None:
        delay = 0.5
        first = True
        while True:
            client = aioredis.Redis.from_url(self.url, client_name=self.name)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(self.prefix + "*")
                    if not first:
                        self.local.resync_all()  # events sent while we were away are lost
                    first, delay = False, 0.5
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "pmessage":
                            self._dispatch(message["data"])
            except (redis.RedisError, OSError) as exc:
                if first:
                    raise
                log.warning("Redis listener lost (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            finally:
                await client.aclose()

    def _dispatch(self, raw: bytes | str) -> None:
        try:
            event = decode(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed live event on Redis")
            return
        self.local.publish(event)


LiveBus = InProcessBus | RedisBus


def make_bus(redis_url: str | None) -> LiveBus:
    """Redis pub/sub when a URL is configured, else the in-process bus."""
    return RedisBus(redis_url) if redis_url else InProcessBus()
