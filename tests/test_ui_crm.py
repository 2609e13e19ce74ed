"""The CRM pages: accounts with search, an account's history, leads by stage, tasks (mine, my
team's with the hand-off's intake), and the supervisor's board."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.crm.models import Lead, Note, Task
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from web_helpers import NOW, later, login, make_app, ring


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    world = build_world(session_factory)
    with transaction(session_factory) as s:
        s.add_all(
            [
                Note(
                    org_id="rondesse",
                    account_id=world.account_id,
                    author="Ana Reyes",
                    body="Asked about wallet recovery",
                    created_at=NOW,
                ),
                Lead(
                    org_id="rondesse",
                    name="Jo Doe",
                    phone="+12125550100",
                    stage="Hot",
                    line="main",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                Lead(
                    org_id="myoperator",
                    name="Mo Secret",
                    stage="Hot",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                Task(
                    org_id="rondesse",
                    title="Lawyer to reach out",
                    team="lawyers",
                    account_id=world.account_id,
                    source="scenario:law_enforcement",
                    data={"intake": {"badge_number": "NYPD-4471", "officer_names": ["Det. Lopez"]}},
                    due_at=NOW + timedelta(days=1),
                    created_at=NOW,
                ),
                Task(
                    org_id="rondesse",
                    title="Call Dee back",
                    assignee_id=world.agent_ana.id,
                    due_at=NOW - timedelta(minutes=5),
                    created_at=NOW,
                ),
            ]
        )
    return world


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    app = make_app(db_url)
    app.state.clock = lambda: later(60)
    with TestClient(app) as c:
        yield c


def _csrf(client: TestClient) -> dict[str, str]:
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
    assert token
    return {"X-CSRF-Token": token.group(1), "HX-Request": "true"}


def test_accounts_list_searches_by_name_or_phone(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    assert "Dee Carter" in client.get("/accounts").text
    assert "Dee Carter" in client.get("/accounts", params={"q": "415 555"}).text
    none = client.get("/accounts", params={"q": "zebra"}).text
    assert "Dee Carter" not in none and "No account matches “zebra”" in none
    login(client, world.other_org_olga)
    assert "Dee Carter" not in client.get("/accounts").text


def test_the_account_page_shows_notes_history_leads_and_tasks(
    client: TestClient, world: World
) -> None:
    login(client, world.agent_ana)
    html = client.get(f"/accounts/{world.account_id}").text
    assert "<h1>Dee Carter" in html and "Paid account" in html
    assert "Asked about wallet recovery" in html
    assert "No calls logged on this account yet." in html
    assert "Lawyer to reach out" in html and "Lawyers" in html
    login(client, world.other_org_olga)
    assert client.get(f"/accounts/{world.account_id}").status_code == 404


def test_leads_by_stage(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    html = client.get("/leads", params={"stage": "Hot"}).text
    assert "Jo Doe" in html and "Main Hotline" in html and "Mo Secret" not in html
    assert 'aria-current="page"><span class="stage stage--hot">Hot</span>' in html
    assert "No leads in stage Cold yet." in client.get("/leads?stage=Cold").text


def test_tasks_mine_and_my_teams_with_the_intake(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    mine = client.get("/tasks").text
    assert "Call Dee back" in mine and "Overdue by 6m" in mine and "task--overdue" in mine
    assert "Lawyer to reach out" not in mine
    login(client, world.lawyer_lee)
    team = client.get("/tasks").text  # a team member starts on the team's tasks
    assert "Lawyers (my team)" in team and 'aria-current="page">Lawyers (my team)' in team
    assert "Lawyer to reach out" in team and "Call Dee back" not in team
    assert "<dt>Badge number</dt><dd>NYPD-4471</dd>" in team
    assert "<dt>Officer name(s)</dt><dd>Det. Lopez</dd>" in team


def test_marking_a_task_done_answers_its_row(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    with session_factory() as s:
        task_id = s.query(Task.id).filter(Task.team == "lawyers").scalar()
    login(client, world.agent_bo)
    assert client.post(f"/tasks/{task_id}/done", headers=_csrf(client)).status_code == 403
    login(client, world.lawyer_lee)
    done = client.post(f"/tasks/{task_id}/done", headers=_csrf(client))
    assert done.status_code == 200 and f'id="task-{task_id}" class="task task--done"' in done.text
    assert "Lawyer to reach out" not in client.get("/tasks").text
    assert "Lawyer to reach out" in client.get("/tasks?scope=team&done=true").text


def test_the_board_is_for_supervisors_and_counts_by_line_and_urgency(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    psos = ring(session_factory, "rondesse", "b1", label="Rondesse PSOS", caller_name="Dee Carter")
    ring(session_factory, "rondesse", "b2", label="Rondesse Main Number", caller_name="Jo Doe")
    ring(session_factory, "myoperator", "b3", number="+91 22 4000 0000", caller_name="Mo Secret")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, psos, later(10))
    login(client, world.agent_ana)
    assert client.get("/board").status_code == 403
    login(client, world.supervisor_sam)
    html = client.get("/board").text
    assert 'hx-get="/board/body"' in html and "sse:interaction.ringing" in html
    columns = re.findall(r'id="col-(\w+)">[^<]+<span class="board-col__n">(\d+)</span>', html)
    assert columns == [("ringing", "1"), ("active", "1"), ("wrap_up", "0")]
    assert "Dee Carter" in html and "Jo Doe" in html and "Mo Secret" not in html
    assert re.search(r"Highest</span></td><td>PSOS</td>", html)
    body = client.get("/board/body").text
    assert "<html" not in body and "By urgency" in body
