"""A busy database: reads do not queue behind writers, a lock held elsewhere answers 503 with
Retry-After (nothing changed, nothing lost), and on PostgreSQL a held lock fails the sweeper's
pass within seconds (logged, recorded for /health) instead of hanging it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import PG_LOCK_TIMEOUT_MS, ReadOnlyWrite, make_reader_sessionmaker
from sopdesk.desk.models import Interaction
from sopdesk.escalations.health import check
from sopdesk.escalations.sweeper import run_sweeper, sweep
from web_helpers import make_app, token_for


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(
    db_url: str, world: World, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        c.headers["Authorization"] = f"Bearer {token_for(session_factory, world.agent_ana)}"
        yield c


def _sqlite_path(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock: this test runs in the SQLite pass")
    return db_url.split("///", 1)[1]


def test_another_process_holding_the_write_lock_gives_503_and_reads_still_answer(
    client: TestClient, db_url: str
) -> None:
    other = sqlite3.connect(_sqlite_path(db_url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as a backup tool or a second desk process might
    try:
        # Reads take no write lock: they answer (a read that waited would get the 503).
        assert client.get("/api/v1/interactions").status_code == 200
        rung = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"})
        assert rung.status_code == 503, rung.text
        assert rung.headers["Retry-After"] == "2"
        error = rung.json()["error"]
        assert error["code"] == "unavailable"
        assert error["message"].startswith("the database is busy: nothing was changed")
    finally:
        other.execute("ROLLBACK")
        other.close()
    again = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"})
    assert again.status_code == 201  # the retry the 503 asked for works


def test_reads_do_not_queue_behind_a_slow_writer_of_the_same_process(
    client: TestClient, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    _sqlite_path(db_url)
    holding, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with session_factory() as s, s.begin():
            s.execute(select(Interaction.id)).all()
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=slow_writer, daemon=True)
    thread.start()
    try:
        assert holding.wait(10)
        # A read queued behind the writer would wait out the 5 s lock wait and answer 503:
        # each answers while the writer still holds its transaction.
        for path in ("/api/v1/interactions", "/api/v1/lead-stages", "/queue", "/health"):
            assert client.get(path, follow_redirects=False).status_code in (200, 303, 503), path
            assert thread.is_alive() and not release.is_set()
    finally:
        release.set()
        thread.join(10)


def test_a_reader_session_refuses_to_write(
    session_factory: sessionmaker[Session], db_engine: object, world: World
) -> None:
    readers = make_reader_sessionmaker(db_engine)  # type: ignore[arg-type]
    with readers() as s:
        user = s.get(type(world.agent_ana), world.agent_ana.id)
        assert user is not None
        user.name = "Changed by a GET"
        with pytest.raises(ReadOnlyWrite):
            s.flush()


def _pg(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's lock timeout: this test runs in the PostgreSQL pass")
    return db_url


def test_a_lock_held_on_sla_clock_fails_the_sweep_within_seconds_and_is_recorded(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    locker = create_engine(_pg(db_url))
    with locker.connect() as conn:
        conn.execute(text("BEGIN"))
        conn.execute(text("LOCK TABLE sla_clock IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        with pytest.raises(OperationalError):
            sweep(session_factory, T0)
        took = time.monotonic() - started
        assert took < PG_LOCK_TIMEOUT_MS / 1000 + 5, took
        stop = threading.Event()
        moments = iter([T0])

        def once():  # type: ignore[no-untyped-def]
            moment = next(moments, None)
            if moment is None:
                stop.set()
                return T0
            return moment

        run_sweeper(session_factory, None, stop, interval=0, clock=once)
        conn.execute(text("ROLLBACK"))
    locker.dispose()
    found = check(session_factory, T0)
    assert found.last_sweep_at is None
    assert any("no SLA sweeper has completed" in p for p in found.problems)
