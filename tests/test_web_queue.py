"""The queue page: open calls of the user's org by urgency then waiting time, live-refreshable."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction
from web_helpers import NOW, later, login, make_app, ring


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    app = make_app(db_url)
    app.state.clock = lambda: later(95)
    with TestClient(app) as c:
        yield c


def _row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="queue__row[^"]*" data-id="(\d+)"', html)]


def test_home_sends_people_to_the_queue(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    assert client.get("/", follow_redirects=False).headers["location"] == "/queue"


def test_the_queue_lists_open_calls_most_urgent_then_longest_waiting(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    main = ring(session_factory, "rondesse", "s-main", at=NOW, label="Rondesse Main Number")
    psos_late = ring(session_factory, "rondesse", "s-psos-2", at=later(10), label="Rondesse PSOS")
    usos = ring(session_factory, "rondesse", "s-usos", at=later(5), label="Rondesse USOS")
    psos_early = ring(
        session_factory,
        "rondesse",
        "s-psos-1",
        at=later(2),
        label="Rondesse PSOS",
        caller_name="Margaret Hartwell",
    )
    unknown = ring(session_factory, "rondesse", "s-odd", at=later(1), label="Some Other Queue")
    closed = ring(session_factory, "rondesse", "s-done", at=NOW, label="Rondesse Main Number")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, psos_early, later(20))
    with transaction(session_factory) as s:
        row = s.get(Interaction, closed)
        assert row is not None
        row.state = "closed"
    login(client, world.agent_ana)

    page = client.get("/queue")
    assert page.status_code == 200
    assert _row_ids(page.text) == [psos_early, psos_late, usos, main, unknown]
    html = page.text
    # Urgency in words and by class; state in words; waiting time from the server clock.
    assert html.count('class="urgency urgency--critical"') == 2
    assert "urgency urgency--elevated" in html and "urgency urgency--routine" in html
    assert ">Highest</span>" in html and ">Mid</span>" in html and ">Normal</span>" in html
    assert ">Ringing</span>" in html and ">On call</span>" in html
    assert "Margaret Hartwell" in html and "Ana Reyes" in html
    assert ">1m 35s</time>" in html  # the main line call, waiting since NOW, seen at NOW+95s
    assert 'data-since="2026-11-25T15:00:00+00:00"' in html
    assert "flag flag--warning" in html  # the unknown line rings with a visible warning
    assert '<span class="counts__n">4</span> ringing' in html
    assert '<span class="counts__n">1</span> on call' in html
    # The rows re-fetch on interaction events, one request at a time.
    assert 'hx-get="/queue/rows"' in html
    assert "sse:interaction.ringing" in html and "sse:resync" in html
    assert 'hx-sync="this:queue last"' in html
    assert 'sse-connect="/events"' in html


def test_the_rows_fragment_carries_the_counts_out_of_band(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    login(client, world.supervisor_sam)
    empty = client.get("/queue/rows")
    assert "No open calls." in empty.text
    assert "<html" not in empty.text
    ring(session_factory, "rondesse", "s-1", label="Rondesse USOS")
    rows = client.get("/queue/rows").text
    assert len(_row_ids(rows)) == 1
    assert 'id="queue-counts"' in rows and 'hx-swap-oob="true"' in rows


def test_other_orgs_calls_never_show(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ring(session_factory, "rondesse", "s-r", label="Rondesse PSOS", caller_name="Dee Carter")
    mine = ring(session_factory, "myoperator", "s-m", number="+91 22 4000 0000")
    login(client, world.other_org_olga)
    for path in ("/queue", "/queue/rows"):
        html = client.get(path).text
        assert _row_ids(html) == [mine]
        assert "Dee Carter" not in html and "PSOS" not in html


def test_the_top_bar_shows_org_person_role_and_navigation(client: TestClient, world: World) -> None:
    login(client, world.lawyer_lee)
    html = client.get("/queue").text
    assert '<span class="topbar__org" title="Organisation">Rondesse</span>' in html
    assert "Lee Park" in html and "Team · Lawyers" in html
    for label, key in (
        ("Queue", "q"),
        ("Accounts", "c"),
        ("Leads", "l"),
        ("Tasks", "t"),
        ("Tickets", "i"),
    ):
        assert f'accesskey="{key}"' in html and f">{label} <kbd>" in html
    assert 'href="/board"' not in html  # the board is for supervisors
    assert 'class="skip-link" href="#main"' in html
    login(client, world.supervisor_sam)
    assert 'href="/board"' in client.get("/queue").text
