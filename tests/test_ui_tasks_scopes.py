"""The tasks page for a supervisor: it opens on everyone's tasks (the concierges' missed-call
call-backs are nobody's own yet), "Mine" lists the tasks assigned to him, an empty "Mine" says
where the open tasks are, and the live rows answer carries the tabs' counts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm import records
from sopdesk.db import transaction
from web_helpers import login, make_app


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _task(factory: sessionmaker[Session], title: str, **kw: object) -> None:
    with transaction(factory) as s:
        records.write_task(
            s,
            org_id="rondesse",
            title=title,
            due_at=T0,
            now=T0,
            **kw,  # type: ignore[arg-type]
        )


def _tabs(html: str) -> dict[str, int]:
    nav = html.split('id="task-tabs"', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'scope=(\w+)"[^>]*>[^<]*<span class="tabs__n">(\d+)</span>', nav)
    return {scope: int(n) for scope, n in found}


def _titles(html: str) -> list[str]:
    return re.findall(r'<span class="task__title">([^<]+)</span>', html)


def test_a_supervisor_opens_on_everyones_tasks_and_mine_says_where_they_are(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    for n in (1, 2):
        _task(session_factory, f"Call back missed PSOS caller {n}", team="concierges")
    login(client, world.supervisor_sam)
    page = client.get("/tasks").text
    assert 'href="/tasks?scope=all" aria-current="page"' in page
    assert _titles(page) == ["Call back missed PSOS caller 1", "Call back missed PSOS caller 2"]
    assert _tabs(page) == {"mine": 0, "team": 0, "all": 2}
    mine = client.get("/tasks", params={"scope": "mine"}).text
    assert _titles(mine) == []
    assert "No tasks here" not in mine
    assert "No open task is assigned to you." in mine
    assert '<a href="/tasks?scope=all">2 open in Everyone</a>' in mine


def test_the_supervisors_own_tasks_are_under_mine(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    sam = world.supervisor_sam
    _task(session_factory, "Call Hartwell back", assignee_id=sam.id)
    _task(session_factory, "Review the Meridian case", assignee_id=sam.id)
    _task(session_factory, "Ana's call-back", assignee_id=world.agent_ana.id)
    login(client, sam)
    mine = client.get("/tasks", params={"scope": "mine"}).text
    assert _titles(mine) == ["Call Hartwell back", "Review the Meridian case"]
    assert _tabs(mine) == {"mine": 2, "team": 0, "all": 3}


def test_the_live_rows_bring_the_tabs_counts_with_them(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    login(client, world.supervisor_sam)
    assert _tabs(client.get("/tasks", params={"scope": "mine"}).text)["all"] == 0
    _task(session_factory, "Call back missed USOS caller", team="concierges")
    rows = client.get("/tasks/rows", params={"scope": "mine"}).text
    assert 'id="task-tabs"' in rows and 'hx-swap-oob="true"' in rows.split('id="task-tabs"')[1]
    assert _tabs(rows) == {"mine": 0, "team": 0, "all": 1}


def test_another_orgs_supervisor_sees_none_of_these_tasks(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    _task(session_factory, "Rondesse only", team="concierges")
    login(client, world.other_org_olga)
    page = client.get("/tasks").text
    assert "Rondesse only" not in page and _tabs(page)["all"] == 0
    assert "Rondesse only" not in client.get("/tasks/rows", params={"scope": "all"}).text
