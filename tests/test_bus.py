"""The in-process bus: org isolation, publishing from other threads, slow readers resync; each
app's sessions send to that app's bus only, after the commit."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder
from sopdesk.db import make_sessionmaker, transaction
from sopdesk.events import Event, bind_bus, bus_of, send_on_commit
from sopdesk.web.bus import RESYNC, InProcessBus
from web_helpers import make_app


def test_subscribers_get_only_their_orgs_events_in_order() -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        ana = bus.subscribe("rondesse")
        olga = bus.subscribe("myoperator")
        bus.publish(Event("rondesse", "interaction.ringing", {"n": 1}))
        bus.publish(Event("myoperator", "interaction.ringing", {"n": 2}))
        bus.publish(Event("rondesse", "interaction.updated", {"n": 3}))
        got = [await ana.next(1), await ana.next(1)]
        assert [(e.kind, e.data["n"]) for e in got if e] == [
            ("interaction.ringing", 1),
            ("interaction.updated", 3),
        ]
        assert await ana.next(0.05) is None
        first = await olga.next(1)
        assert first is not None and first.data == {"n": 2}

    asyncio.run(scenario())


def test_publish_from_worker_threads_reaches_the_loop() -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        sub = bus.subscribe("rondesse")

        def worker(start: int) -> None:
            for n in range(start, start + 50):
                bus.publish(Event("rondesse", "interaction.ringing", {"n": n}))

        threads = [threading.Thread(target=worker, args=(i * 50,)) for i in range(4)]
        for t in threads:
            t.start()
        await asyncio.to_thread(lambda: [t.join() for t in threads])
        seen = set()
        while (event := await sub.next(0.2)) is not None:
            seen.add(event.data["n"])
        assert seen == set(range(200))

    asyncio.run(scenario())


def test_a_slow_reader_loses_the_oldest_events_and_is_told_to_resync() -> None:
    async def scenario() -> None:
        bus = InProcessBus(maxsize=3)
        sub = bus.subscribe("rondesse")
        for n in range(5):
            bus.publish(Event("rondesse", "interaction.updated", {"n": n}))
        await asyncio.sleep(0)  # let the loop run the deliveries
        resync = await sub.next(1)
        assert resync is not None and resync.kind == RESYNC
        assert resync.data == {"reason": "overflow", "dropped": 2}
        rest = [await sub.next(1) for _ in range(3)]
        assert [e.data["n"] for e in rest if e] == [2, 3, 4]

    asyncio.run(scenario())


def test_closed_and_forgotten_subscriptions_are_dropped() -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        kept = bus.subscribe("rondesse")
        closed = bus.subscribe("rondesse")
        bus.subscribe("rondesse")  # never closed, never referenced: must not leak
        gc.collect()
        closed.close()
        assert bus.subscriber_count("rondesse") == 1
        bus.publish(Event("rondesse", "interaction.closed", {}))
        assert (await kept.next(1)) is not None

    asyncio.run(scenario())


def test_a_wait_that_times_out_loses_nothing() -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        sub = bus.subscribe("rondesse")
        assert await sub.next(0.01) is None
        bus.publish(Event("rondesse", "interaction.ringing", {"n": 7}))
        event = await sub.next(1)
        assert event is not None and event.data == {"n": 7}

    asyncio.run(scenario())


def test_each_sessionmaker_sends_to_its_own_bus_after_commit_only(
    session_factory: sessionmaker[Session],
) -> None:
    first, second = Recorder(), Recorder()
    factory_a = bind_bus(make_sessionmaker(session_factory.kw["bind"]), first)
    factory_b = bind_bus(make_sessionmaker(session_factory.kw["bind"]), second)
    with transaction(factory_a) as s:
        send_on_commit(s, Event("rondesse", "interaction.ringing", {"n": 1}))
        s.execute(text("SELECT 1"))
        assert first.events == []  # not before the commit
    assert [e.data for e in first.events] == [{"n": 1}] and second.events == []
    with pytest.raises(RuntimeError), transaction(factory_b) as s:
        send_on_commit(s, Event("rondesse", "interaction.ringing", {"n": 2}))
        raise RuntimeError("rollback")
    with transaction(factory_b) as s:
        s.execute(text("SELECT 1"))  # a later commit does not send the rolled-back event
    assert second.events == [] and len(first.events) == 1
    with transaction(session_factory) as s:  # no bus: sent nowhere, and no error
        assert bus_of(s) is None
        send_on_commit(s, Event("rondesse", "interaction.ringing", {"n": 3}))
    assert len(first.events) == 1 and second.events == []


def test_two_apps_in_one_process_do_not_share_a_bus(db_url: str) -> None:
    one, two = make_app(db_url), make_app(db_url)
    assert one.state.bus is not two.state.bus
    with one.state.sessionmaker() as a, two.state.sessionmaker() as b:
        assert bus_of(a) is one.state.bus and bus_of(b) is two.state.bus
    one.state.engine.dispose()
    two.state.engine.dispose()
