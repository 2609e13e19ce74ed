"""Presence: the rules (pure, with `now` passed in), a call's life moving an agent through the
states on a real database, the grace time, the live events, the API's two routes and the
board's agents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from eventkit import Recorder as BaseRecorder
from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import agents
from sopdesk.desk import service as desk
from sopdesk.desk.agents import AgentStatus
from sopdesk.desk.board import build_board
from sopdesk.desk.calls import CallStatus
from sopdesk.desk.wrapup import wrap_up
from sopdesk.events import bind_bus
from sopdesk.orgs.models import User
from sopdesk.orgs.presence import GRACE, AgentPresence, Busy, Facts, PresenceState, effective
from web_helpers import TestClock, login, make_app, ring, token_for


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# -- the rules, pure ---------------------------------------------------------------------------


def test_a_connected_agent_is_what_they_chose_since_the_latest_restart() -> None:
    facts = Facts("break", chosen_at=at(10), seen_at=at(50), online_since=at(5), free_since=at(30))
    assert effective(facts, None, at(60)) == effective(facts, None, at(60))
    found = effective(facts, None, at(60))
    assert (found.state, found.since, found.interaction_id) == (PresenceState.BREAK, at(30), None)


def test_a_call_beats_the_choice_and_the_browser() -> None:
    facts = Facts("break", chosen_at=at(10), seen_at=None)  # never connected, chose Break
    on = effective(facts, Busy(PresenceState.ON_CALL, at(20), 7), at(500))
    assert (on.state, on.since, on.interaction_id) == (PresenceState.ON_CALL, at(20), 7)
    wrap = effective(facts, Busy(PresenceState.WRAP_UP, at(40), 7), at(500))
    assert (wrap.state, wrap.since, wrap.interaction_id) == (PresenceState.WRAP_UP, at(40), 7)


def test_the_grace_time_turns_a_closed_browser_offline_since_it_was_last_seen() -> None:
    facts = Facts("available", chosen_at=at(0), seen_at=at(100), online_since=at(0))
    just_inside = at(100) + GRACE
    assert effective(facts, None, just_inside).state == PresenceState.AVAILABLE
    after = effective(facts, None, just_inside + timedelta(seconds=1))
    assert (after.state, after.since) == (PresenceState.OFFLINE, at(100))


def test_a_chosen_offline_is_offline_since_the_choice_even_while_connected() -> None:
    facts = Facts("offline", chosen_at=at(70), seen_at=at(80), online_since=at(0))
    found = effective(facts, None, at(90))
    assert (found.state, found.since) == (PresenceState.OFFLINE, at(70))


# -- a call's life on the database ------------------------------------------------------------


class Recorder(BaseRecorder):
    def presence(self) -> list[tuple[int, str]]:
        return [
            (e.data["user_id"], e.data["state"]) for e in self.events if e.kind == "agent.presence"
        ]


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def bus(session_factory: sessionmaker[Session]) -> Recorder:
    recorder = Recorder()
    bind_bus(session_factory, recorder)
    return recorder


def status(factory: sessionmaker[Session], user: User, now: datetime) -> AgentStatus:
    with factory() as s:
        return agents.status_of(s, user, now)


def test_a_call_moves_the_agent_and_a_break_asked_for_during_it_starts_after_wrap_up(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana = world.agent_ana
    with transaction(session_factory) as s:
        agents.logged_in(s, ana, at(0))
        agents.stream_seen(s, ana.id, at(1))  # the desk page opened its live stream
    first = status(session_factory, ana, at(5))
    assert (first.state, first.since, first.connected) == ("available", at(0), True)

    iid = ring(session_factory, "rondesse", "p-1", at=at(10), label="Rondesse Main Number")
    with transaction(session_factory) as s:
        desk.accept(s, ana, iid, at(12))
        agents.stream_seen(s, ana.id, at(20))  # heartbeats keep her connected
    on = status(session_factory, ana, at(20))
    assert (on.state, on.since, on.interaction_id) == ("on_call", at(12), iid)

    with transaction(session_factory) as s:  # she asks for a break mid-call
        asked = agents.set_presence(s, ana, "break", at(30))
    assert (asked.state, asked.chosen, asked.interaction_id) == ("on_call", "break", iid)

    ring(session_factory, "rondesse", "p-1", at=at(40), status=CallStatus.ENDED)
    with transaction(session_factory) as s:
        agents.stream_seen(s, ana.id, at(45))
    wrapping = status(session_factory, ana, at(45))
    assert (wrapping.state, wrapping.since, wrapping.interaction_id) == ("wrap_up", at(40), iid)

    with transaction(session_factory) as s:
        for step in ("greet", "probe"):
            desk.set_step(s, ana, iid, step, True, at(50))
        desk.set_outcome(s, ana, iid, True, at(50))
    with transaction(session_factory) as s:
        wrap_up(s, ana, iid, at(60))
    after = status(session_factory, ana, at(61))
    assert (after.state, after.since, after.interaction_id) == ("break", at(60), None)

    with transaction(session_factory) as s:
        back = agents.set_presence(s, ana, "available", at(90))
    assert (back.state, back.since) == ("available", at(90))
    assert bus.presence() == [
        (ana.id, "available"),  # login
        (ana.id, "on_call"),  # the break she asked for during the call: still on the call
        (ana.id, "break"),  # the wrap-up freed her: her break starts
        (ana.id, "available"),
    ]


def test_a_closed_browser_is_offline_after_the_grace_time_and_back_when_it_returns(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    bo = world.agent_bo
    with transaction(session_factory) as s:
        agents.logged_in(s, bo, at(0))
        agents.stream_seen(s, bo.id, at(1))
        agents.stream_seen(s, bo.id, at(100))  # the tab closes: its stream's last mark
    assert status(session_factory, bo, at(160)).state == "available"  # a reload, maybe
    gone = status(session_factory, bo, at(161))
    assert (gone.state, gone.since, gone.connected) == ("offline", at(100), False)
    bus.events.clear()
    with transaction(session_factory) as s:
        agents.stream_seen(s, bo.id, at(400))  # he opens the desk again
        agents.stream_seen(s, bo.id, at(420))  # a heartbeat: no new announcement
    back = status(session_factory, bo, at(430))
    assert (back.state, back.since) == ("available", at(400))
    assert bus.presence() == [(bo.id, "available")]


def test_logout_is_offline_at_once_and_login_makes_available(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    ana = world.agent_ana
    with transaction(session_factory) as s:
        agents.logged_in(s, ana, at(0))
        agents.set_presence(s, ana, "break", at(10))
        agents.logged_out(s, ana.id, at(20))
    out = status(session_factory, ana, at(21))
    assert (out.state, out.since, out.chosen) == ("offline", at(20), "offline")
    with transaction(session_factory) as s:
        agents.logged_in(s, ana, at(30))
    assert status(session_factory, ana, at(31)).state == "available"


def test_an_agent_never_seen_is_offline_and_team_members_have_no_presence(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    never = status(session_factory, world.agent_bo, at(10))
    assert (never.state, never.since) == ("offline", T0)
    with transaction(session_factory) as s:
        agents.logged_in(s, world.lawyer_lee, at(0))
        agents.stream_seen(s, world.lawyer_lee.id, at(0))
    assert bus.presence() == []
    with session_factory() as s:
        names = [a.name for a in agents.roster(s, "rondesse", at(5))]
    assert names == ["Ana Reyes", "Bo Lind"]  # agents only: Sam covers no call, Lee is a lawyer


def test_a_supervisor_covering_a_call_is_listed_while_they_hold_it(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(session_factory, "rondesse", "p-9", at=at(0), label="Rondesse Main Number")
    with transaction(session_factory) as s:
        desk.accept(s, world.supervisor_sam, iid, at(5))
    with session_factory() as s:
        listed = {a.name: (a.state, a.interaction_id) for a in agents.roster(s, "rondesse", at(9))}
    assert listed["Sam Ortiz"] == ("on_call", iid)


def test_the_board_lists_the_agents_beside_the_calls(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    iid = ring(session_factory, "rondesse", "p-b", at=at(0), label="Rondesse PSOS")
    ring(session_factory, "myoperator", "p-o", at=at(0), number="+91 22 4000 0000")
    with transaction(session_factory) as s:
        agents.logged_in(s, world.agent_bo, at(0))
        agents.stream_seen(s, world.agent_bo.id, at(0))
        agents.set_presence(s, world.agent_bo, "break", at(3))
        desk.accept(s, world.agent_ana, iid, at(4))
        agents.logged_in(s, world.agent_priya, at(0))
    with session_factory() as s:
        board = build_board(s, "rondesse", at(10))
    rows = [(a.name, a.state, a.since, a.interaction_id) for a in board.agents]
    assert rows == [
        ("Ana Reyes", "on_call", at(4), iid),
        ("Bo Lind", "break", at(3), None),
    ]  # Priya is MyOperator's


def test_ringing_a_call_reads_and_writes_no_presence(
    session_factory: sessionmaker[Session], world: World, bus: Recorder
) -> None:
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        ring(session_factory, "rondesse", "p-r", at=at(0), label="Rondesse PSOS")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements, "the listener sees the ring's statements"
    assert not [q for q in statements if "agent_presence" in q or "user_account" in q]


# -- the API ----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> TestClock:
    return TestClock(at(0))


@pytest.fixture
def client(db_url: str, world: World, clock: TestClock) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, clock)) as c:
        yield c


def bearer(factory: sessionmaker[Session], user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}


def test_an_agent_sets_their_presence_and_a_supervisor_reads_every_agent(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = bearer(session_factory, world.agent_ana)
    response = client.put("/api/v1/me/presence", json={"state": "break"}, headers=ana)
    assert response.status_code == 200, response.text
    mine = response.json()
    assert (mine["user_id"], mine["state"], mine["chosen"]) == (
        world.agent_ana.id,
        "break",
        "break",
    )
    assert client.get("/api/v1/me/presence", headers=ana).json()["state"] == "break"

    sam = bearer(session_factory, world.supervisor_sam)
    listed = client.get("/api/v1/agents", headers=sam)
    assert listed.status_code == 200, listed.text
    by_name = {a["name"]: a for a in listed.json()}
    assert set(by_name) == {"Ana Reyes", "Bo Lind"}
    assert by_name["Ana Reyes"]["state"] == "break"
    assert by_name["Ana Reyes"]["interaction_id"] is None
    assert by_name["Bo Lind"]["state"] == "offline"


def test_presence_refuses_call_states_unknown_states_and_the_wrong_roles(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = bearer(session_factory, world.agent_ana)
    for wrong in ("on_call", "wrap_up", "lunch"):
        refused = client.put("/api/v1/me/presence", json={"state": wrong}, headers=ana)
        assert refused.status_code == 422, refused.text
        assert [f["field"] for f in refused.json()["error"]["fields"]] == ["state"]
    missing = client.put("/api/v1/me/presence", json={}, headers=ana)
    assert missing.status_code == 422
    assert [f["field"] for f in missing.json()["error"]["fields"]] == ["state"]

    assert client.get("/api/v1/agents", headers=ana).status_code == 403  # agents cannot list
    lee = bearer(session_factory, world.lawyer_lee)
    assert (
        client.put("/api/v1/me/presence", json={"state": "break"}, headers=lee).status_code == 403
    )
    assert client.get("/api/v1/agents").status_code == 401


def test_another_orgs_agents_never_appear(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    priya = bearer(session_factory, world.agent_priya)
    assert (
        client.put("/api/v1/me/presence", json={"state": "break"}, headers=priya).status_code == 200
    )
    iid = ring(session_factory, "myoperator", "p-t", number="+91 22 4000 0000")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_priya, iid, at(1))
    sam = client.get("/api/v1/agents", headers=bearer(session_factory, world.supervisor_sam))
    assert "Priya Nair" not in {a["name"] for a in sam.json()}
    assert iid not in {a["interaction_id"] for a in sam.json()}
    olga = client.get("/api/v1/agents", headers=bearer(session_factory, world.other_org_olga))
    assert [(a["name"], a["interaction_id"]) for a in olga.json()] == [("Priya Nair", iid)]
    board = client.get("/api/v1/board", headers=bearer(session_factory, world.supervisor_sam))
    assert {a["name"] for a in board.json()["agents"]} == {"Ana Reyes", "Bo Lind"}


def test_logging_in_and_out_through_the_pages_moves_presence(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    assert login(client, world.agent_ana).status_code == 303
    assert status(session_factory, world.agent_ana, at(1)).chosen == "available"
    page = client.get("/presence/control")
    assert page.status_code == 200 and 'id="presence-choice"' in page.text
    token = client.cookies  # the session cookie carries the CSRF token into the form post
    assert token
    from web_helpers import csrf_from

    csrf = csrf_from(client.get("/queue").text)
    changed = client.put(
        "/presence/control", data={"state": "break"}, headers={"X-CSRF-Token": csrf}
    )
    assert changed.status_code == 200 and "presence--break" in changed.text
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert status(session_factory, world.agent_ana, at(2)).state == "offline"


# -- the live stream ----------------------------------------------------------------------------


def seen_at(factory: sessionmaker[Session], user: User) -> datetime:
    with factory() as s:
        row = s.get(AgentPresence, user.id)
        assert row is not None and row.seen_at is not None
        return row.seen_at


def test_an_open_stream_keeps_an_agent_present_and_closing_it_starts_the_grace_time(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    import json

    from web_helpers import SseReader, live_server

    clock = TestClock(at(0))
    app = make_app(db_url, clock)
    # The server notices a closed connection when it next writes: a keep-alive, soon here.
    app.state.keepalive_seconds = 0.2
    bind_bus(session_factory, app.state.bus)
    ana = world.agent_ana
    headers = {"Authorization": f"Bearer {token_for(session_factory, ana)}"}
    with live_server(app) as url, httpx.Client(base_url=url, headers=headers, timeout=10) as c:
        assert status(session_factory, ana, clock()).state == "offline"  # never seen
        with c.stream("GET", "/events") as response:
            reader = SseReader(response)  # held: a dropped reader closes the connection
            event = reader.event()
            assert event["event"] == "agent.presence"  # her stream brought her online
            announced = json.loads(event["data"])
            assert (announced["user_id"], announced["state"]) == (ana.id, "available")
            assert status(session_factory, ana, clock()).connected
            closed_at = clock()  # the last moment before she closes it
        deadline = time.monotonic() + 5
        while (seen := seen_at(session_factory, ana)) < closed_at:
            assert time.monotonic() < deadline, "the stream's close was never marked"
            time.sleep(0.05)
    assert status(session_factory, ana, seen + GRACE).state == "available"
    gone = status(session_factory, ana, seen + GRACE + timedelta(seconds=1))
    assert (gone.state, gone.since) == ("offline", seen)
