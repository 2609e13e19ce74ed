"""GET /events on a real server: committed events of the user's org arrive, nothing else does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.db import transaction
from sopdesk.events import Event, bind_bus, send_on_commit
from web_helpers import SseReader, live_server, login, make_app, ring, token_for


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def server(db_url: str, session_factory: sessionmaker[Session], world: World) -> Iterator[str]:
    app = make_app(db_url)
    app.state.keepalive_seconds = 0.3
    bind_bus(session_factory, app.state.bus)  # what the test commits reaches this app's streams
    with live_server(app) as url:
        yield url


def _stream(url: str, token: str, **headers: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=10
    )


def test_an_event_committed_after_connecting_arrives_with_kind_data_and_id(
    server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    token = token_for(session_factory, world.agent_ana)
    with _stream(server, token) as client, client.stream("GET", "/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        # Rolled back: never sent. Another org: never sent to Ana.
        with pytest.raises(RuntimeError), transaction(session_factory) as s:
            send_on_commit(s, Event("rondesse", "interaction.ringing", {"call": "rolled-back"}))
            raise RuntimeError("rollback")
        ring(session_factory, "myoperator", "mo-1", number="+91 22 4000 0000")
        interaction_id = ring(session_factory, "rondesse", "rs-1", label="Rondesse PSOS")

        reader = SseReader(response)
        event = reader.event()
        while event["event"] == "agent.presence":  # opening the stream brought Ana online
            event = reader.event()
        assert reader.seen[0] == "retry: 2000"
        assert event["event"] == "interaction.ringing"
        data = json.loads(event["data"])
        assert data["id"] == interaction_id and data["line_id"] == "psos"
        assert data["urgency_name"] == "Highest"
        assert len(event["id"]) == 32
        assert "rolled-back" not in "\n".join(reader.seen)


def test_idle_streams_get_keep_alive_comments(
    server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    token = token_for(session_factory, world.agent_ana)
    with _stream(server, token) as client, client.stream("GET", "/events") as response:
        started = time.monotonic()
        SseReader(response).until(": keep-alive")
        assert time.monotonic() - started < 5


def test_a_reconnecting_browser_is_told_to_resync(
    server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    token = token_for(session_factory, world.agent_ana)
    with (
        _stream(server, token, **{"Last-Event-ID": "abc"}) as client,
        client.stream("GET", "/events") as response,
    ):
        assert SseReader(response).event()["event"] == "resync"


def test_the_session_cookie_opens_the_stream_and_other_orgs_see_nothing(
    server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    with httpx.Client(base_url=server, timeout=10) as browser:
        assert browser.get("/events").status_code == 401
        login(browser, world.other_org_olga)
        with browser.stream("GET", "/events") as response:
            assert response.status_code == 200
            ring(session_factory, "rondesse", "rs-2", label="Rondesse Main Number")
            ring(session_factory, "myoperator", "mo-2", number="+91 22 4000 0000")
            event = SseReader(response).event()
            assert json.loads(event["data"])["external_id"] == "mo-2"
