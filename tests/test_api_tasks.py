"""Team follow-up over the JSON API and the tasks page: claim, assign, comments, close with an
outcome; 403 for people who may not, 404 for another org's task, 409 once it is closed; a team
member's home is their team's tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.orgs import service as orgs
from sopdesk.orgs.models import Role
from test_crm_api import _law_enforcement_call
from web_helpers import csrf_from, login, make_app, token_for

API = "/api/v1/tasks"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def _error(response: Any, status: int, code: str) -> Any:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    return error


@pytest.fixture
def handoff(client: TestClient, session_factory: sessionmaker[Session], world: World) -> int:
    """The lawyers' hand-off a USOS law-enforcement call's wrap-up writes."""
    _law_enforcement_call(client, _bearer(session_factory, world.agent_ana), world.account_id)
    lee = _bearer(session_factory, world.lawyer_lee)
    [task] = client.get(API, params={"scope": "team"}, headers=lee).json()
    return int(task["id"])


def test_claim_assign_comment_and_close_over_the_api(
    client: TestClient, session_factory: sessionmaker[Session], world: World, handoff: int
) -> None:
    f = session_factory
    lee, bo, olga = (
        _bearer(f, u) for u in (world.lawyer_lee, world.agent_bo, world.other_org_olga)
    )
    with transaction(f) as s:
        kim = orgs.create_user(
            s,
            org_id="rondesse",
            email="kim@rondesse.example",
            name="Kim Sato",
            role=Role.TEAM,
            password="sopdesk-demo-1",
            now=T0,
            team="lawyers",
        ).id
    base = f"{API}/{handoff}"

    error = _error(client.post(f"{base}/claim", headers=bo), 403, "forbidden")
    assert error["fields"] == [
        {"field": "task", "message": "only its team or a supervisor may hand it out"}
    ]
    _error(client.post(f"{base}/claim", headers=olga), 404, "not_found")
    claimed = client.post(f"{base}/claim", headers=lee)
    assert claimed.status_code == 200 and claimed.json()["assignee_id"] == world.lawyer_lee.id
    assert [t["id"] for t in client.get(API, headers=lee).json()] == [handoff]  # now mine

    wrong = _error(
        client.post(f"{base}/assign", json={"user_id": world.agent_ana.id}, headers=lee),
        422,
        "invalid",
    )
    assert [p["field"] for p in wrong["fields"]] == ["user_id"]
    given = client.post(f"{base}/assign", json={"user_id": kim}, headers=lee)
    assert given.status_code == 200 and given.json()["assignee_id"] == kim
    _error(client.post(f"{base}/assign", json={"user_id": kim}, headers=olga), 404, "not_found")

    _error(client.post(f"{base}/comments", json={"body": "hi"}, headers=bo), 403, "forbidden")
    _error(client.post(f"{base}/comments", json={"body": ""}, headers=lee), 422, "invalid")
    posted = client.post(f"{base}/comments", json={"body": "Left a voicemail"}, headers=lee)
    assert posted.status_code == 201
    assert posted.json()["author"] == "Lee Park" and posted.json()["task_id"] == handoff
    thread = client.get(f"{base}/comments", headers=bo).json()  # the org may read it
    assert [c["body"] for c in thread] == ["Left a voicemail"]
    _error(client.get(f"{base}/comments", headers=olga), 404, "not_found")

    _error(client.post(f"{base}/close", json={"outcome": "x"}, headers=bo), 403, "forbidden")
    _error(client.post(f"{base}/close", json={"outcome": "x"}, headers=olga), 404, "not_found")
    bad = _error(
        client.post(f"{base}/close", json={"outcome": "x", "code": "maybe"}, headers=lee),
        422,
        "invalid",
    )
    assert [p["field"] for p in bad["fields"]] == ["code"]
    _error(client.post(f"{base}/close", json={"outcome": "  "}, headers=lee), 422, "invalid")
    body = {"outcome": "Spoke to Det. Lopez", "code": "resolved", "note": "Subpoena to follow"}
    closed = client.post(f"{base}/close", json=body, headers=lee)
    assert closed.status_code == 200
    assert {k: closed.json()[k] for k in ("status", "outcome", "outcome_code")} == {
        "status": "done",
        "outcome": "Spoke to Det. Lopez",
        "outcome_code": "resolved",
    }
    thread = client.get(f"{base}/comments", headers=lee).json()
    assert [c["body"] for c in thread] == ["Left a voicemail", "Subpoena to follow"]

    for path, json in (
        ("close", body),
        ("claim", None),
        ("assign", {"user_id": kim}),
        ("comments", {"body": "late"}),
    ):
        conflict = _error(client.post(f"{base}/{path}", json=json, headers=lee), 409, "conflict")
        assert conflict["fields"] == [{"field": "task", "message": "this task is already closed"}]
    assert client.post(f"{base}/done", headers=lee).json()["status"] == "done"  # still a no-op


def test_the_new_routes_are_in_the_openapi_schema_with_their_models(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (
        ("/api/v1/tasks/{task_id}/claim", "post"),
        ("/api/v1/tasks/{task_id}/assign", "post"),
        ("/api/v1/tasks/{task_id}/comments", "post"),
        ("/api/v1/tasks/{task_id}/comments", "get"),
        ("/api/v1/tasks/{task_id}/close", "post"),
    ):
        operation = paths[path][method]
        ok = operation["responses"][
            "201" if path.endswith("comments") and method == "post" else "200"
        ]
        assert "$ref" in str(ok["content"]["application/json"]["schema"]), (path, method)
    close = paths["/api/v1/tasks/{task_id}/close"]["post"]["requestBody"]
    assert close["content"]["application/json"]["schema"]["$ref"].endswith("/CloseIn")


def test_a_team_member_lands_on_the_teams_tasks_and_agents_on_the_queue(
    client: TestClient, world: World
) -> None:
    response = login(client, world.lawyer_lee)
    assert response.status_code == 303 and response.headers["location"] == "/tasks?scope=team"
    assert client.get("/", follow_redirects=False).headers["location"] == "/tasks?scope=team"
    client.post("/logout", headers={"X-CSRF-Token": csrf_from(client.get("/tasks").text)})
    assert login(client, world.agent_ana).headers["location"] == "/queue"
    assert client.get("/", follow_redirects=False).headers["location"] == "/queue"
    client.post("/logout", headers={"X-CSRF-Token": csrf_from(client.get("/queue").text)})
    assert login(client, world.supervisor_sam).headers["location"] == "/queue"


def test_the_tasks_page_works_a_task_in_place(
    client: TestClient, world: World, handoff: int
) -> None:
    login(client, world.lawyer_lee)
    page = client.get("/tasks?scope=team")
    html = page.text
    assert 'href="tel:+12125550188"' in html and 'href="mailto:m.lopez@nypd.example"' in html
    assert 'href="tel:+14155552671"' in html and 'href="mailto:dee@example.com"' in html
    assert 'id="task-rows"' in html and "sse:task.created" in html and "sse:task.updated" in html
    assert "<script>" not in html and " onclick=" not in html
    csrf = {"X-CSRF-Token": csrf_from(html)}

    claimed = client.post(f"/tasks/{handoff}/claim", headers=csrf)
    assert (
        claimed.status_code == 200
        and '<span class="task__assignee">Lee Park</span>' in claimed.text
    )
    assert f'id="task-claim-{handoff}"' not in claimed.text  # his now: no Claim button

    commented = client.post(f"/tasks/{handoff}/comments", data={"body": "Voicemail"}, headers=csrf)
    assert commented.status_code == 200 and "<p>Voicemail</p>" in commented.text
    assert f'id="task-thread-{handoff}" open' in commented.text

    refused = client.post(f"/tasks/{handoff}/close", data={"outcome": " "}, headers=csrf)
    problem = f'role="alert" id="task-problem-{handoff}">write what came of it</p>'
    assert refused.status_code == 422 and problem in refused.text
    assert f'aria-invalid="true" aria-describedby="task-problem-{handoff}"' in refused.text
    assert f'id="task-close-{handoff}" open' in refused.text

    closed = client.post(
        f"/tasks/{handoff}/close", data={"outcome": "Called back", "code": ""}, headers=csrf
    )
    assert (
        closed.status_code == 200 and f'id="task-{handoff}" class="task task--done"' in closed.text
    )
    assert "Called back" in closed.text
    again = client.post(
        f"/tasks/{handoff}/close", data={"outcome": "Called back", "code": "resolved"}, headers=csrf
    )
    assert again.status_code == 409 and "this task is already closed" in again.text

    row = client.get(f"/tasks/{handoff}/row")
    assert row.status_code == 200 and "✓ Done" in row.text
    rows = client.get("/tasks/rows?scope=team&done=true")
    assert f'id="task-{handoff}"' in rows.text
    login(client, world.other_org_olga)
    assert client.get(f"/tasks/{handoff}/row").status_code == 404
