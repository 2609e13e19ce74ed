"""Live events between workers through Redis pub/sub, on PostgreSQL.

Two real workers (`sopdesk serve`, separate processes) share one PostgreSQL database and one
Redis: a call rung through worker A (POST /api/v1/calls) reaches an agent connected to worker B.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import PG_DEFAULT, skip_or_fail
from personas import World, build_world
from sopdesk.db import make_engine, make_sessionmaker, migrate
from sopdesk.events import Event
from sopdesk.models import load_all_models
from sopdesk.web.bus import RESYNC, RedisBus
from web_helpers import SECRET, SseReader, free_socket, token_for

REDIS_URL = os.environ.get("SOPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own (the workers are other processes: no per-test reset)."""
    wanted = os.environ.get("SOPDESK_TEST_DATABASE_URL", "")
    base = make_url(wanted if wanted.startswith("postgresql") else PG_DEFAULT)
    name = f"sopdesk_bus_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        skip_or_fail(
            f"PostgreSQL not reachable at {base.host}:{base.port}: {exc.__class__.__name__}"
        )
    url = base.set(database=name).render_as_string(hide_password=False)
    load_all_models()
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _free_port() -> int:
    with free_socket() as sock:
        port: int = sock.getsockname()[1]
    return port


def _start_worker(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "SOPDESK_DATABASE_URL": url,
        "SOPDESK_REDIS_URL": REDIS_URL,
        "SOPDESK_SECRET_KEY": SECRET,
    }
    command = [
        sys.executable, "-m", "sopdesk", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--smtp-port", str(_free_port()),
    ]  # fmt: skip
    # A file, not a pipe: a full pipe would block the worker's logging.
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"worker {base} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"worker {base} did not start in 30 s")


@pytest.fixture(scope="module")
def workers(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    _redis_or_skip()
    logs = [tmp_path_factory.mktemp("workers") / f"worker-{n}.log" for n in "ab"]
    started = [_start_worker(pg_url, log) for log in logs]
    try:
        for (process, base), log in zip(started, logs, strict=True):
            _wait_ready(process, base, log)
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_call_rung_through_one_worker_pops_on_an_agent_connected_to_the_other(
    pg_url: str, workers: tuple[str, str]
) -> None:
    worker_a, worker_b = workers
    factory = make_sessionmaker(make_engine(pg_url))
    world: World = build_world(factory)
    ana = {"Authorization": f"Bearer {token_for(factory, world.agent_ana)}"}
    olga = {"Authorization": f"Bearer {token_for(factory, world.other_org_olga)}"}
    session_id = f"two-workers-{uuid.uuid4().hex[:8]}"
    with (
        httpx.Client(base_url=worker_b, headers=ana, timeout=10) as on_b,
        httpx.Client(base_url=worker_a, headers=ana, timeout=10) as on_a,
        httpx.Client(base_url=worker_b, headers=olga, timeout=10) as olga_on_b,
        on_b.stream("GET", "/events") as stream_b,
        on_a.stream("GET", "/events") as stream_a,
        olga_on_b.stream("GET", "/events") as olga_stream,
    ):
        assert stream_b.status_code == stream_a.status_code == olga_stream.status_code == 200
        rang = httpx.post(
            worker_a + "/api/v1/calls",
            json={"external_id": session_id, "label": "Rondesse PSOS"},
            headers=ana,
            timeout=10,
        )
        assert rang.status_code == 201, rang.text
        for stream in (stream_b, stream_a):  # every worker delivers it
            event = _call_event(SseReader(stream))
            assert event["event"] == "interaction.ringing"
            data = json.loads(event["data"])
            assert data["external_id"] == session_id and data["line_id"] == "psos"
        # Olga (MyOperator) on worker B: her first event is her own org's call, not Rondesse's.
        own = httpx.post(
            worker_a + "/api/v1/calls",
            json={"external_id": session_id + "-mo", "dialed_number": "+91 22 4000 0000"},
            headers=olga,
            timeout=10,
        )
        assert own.status_code == 201, own.text
        first = json.loads(_call_event(SseReader(olga_stream))["data"])
        assert first["external_id"] == session_id + "-mo"


def _call_event(reader: SseReader) -> dict[str, str]:
    """The next event about a call: opening a stream also announces its person's presence."""
    event = reader.event()
    while event["event"] == "agent.presence":
        event = reader.event()
    return event


def test_the_redis_bus_round_trips_and_resyncs_after_losing_redis() -> None:
    _redis_or_skip()

    async def scenario() -> None:
        name = f"sopdesk-test-{uuid.uuid4().hex[:8]}"
        prefix = f"sopdesk-test:{uuid.uuid4().hex[:8]}:"
        bus = RedisBus(REDIS_URL, prefix=prefix, name=name)
        await bus.start()
        try:
            sub = bus.subscribe("rondesse")
            await asyncio.to_thread(bus.publish, Event("rondesse", "interaction.ringing", {"n": 1}))
            bus.publish(Event("myoperator", "interaction.ringing", {"n": 2}))
            got = await sub.next(5)
            assert got is not None and got.data == {"n": 1}
            redis.Redis.from_url(REDIS_URL).publish(prefix + "rondesse", b"not json")

            # Cut the listener's connection: it reconnects and tells every stream to resync.
            admin = redis.Redis.from_url(REDIS_URL, decode_responses=True)
            ids = [c["id"] for c in admin.client_list() if c.get("name") == name]
            assert ids, "the listener's connection is named"
            for client_id in ids:
                admin.client_kill_filter(_id=client_id)
            resync = await sub.next(10)
            assert resync is not None and resync.kind == RESYNC
            assert resync.data == {"reason": "reconnected"}
            bus.publish(Event("rondesse", "interaction.closed", {"n": 3}))
            after = await sub.next(5)
            assert after is not None and after.data == {"n": 3}
        finally:
            await bus.stop()

    asyncio.run(scenario())
