"""The CRM over the JSON API: what a wrap-up wrote shows on the account, leads by stage, tasks
for the team that follows up, and task done; another org's objects are 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from web_helpers import make_app, token_for

LAW = {
    "concern": "Records request about a client",
    "officer_names": "Det. Maria Lopez",
    "badge_number": "NYPD-4471",
    "phone": "+1 212 555 0188",
    "email": "m.lopez@nypd.example",
}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def _law_enforcement_call(client: TestClient, ana: dict[str, str], account_id: int) -> int:
    """A USOS call from an officer, wrapped up: a lawyers' hand-off task, a call log, a lead."""
    call = {"label": "Rondesse USOS", "caller_name": "Det. Maria Lopez"}
    iid = int(client.post("/api/v1/calls", json=call, headers=ana).json()["id"])
    base = f"/api/v1/interactions/{iid}"
    client.post(f"{base}/accept", headers=ana)
    for step in ("greet", "advise", "intake", "plan"):
        client.put(f"{base}/steps/{step}", json={"done": True}, headers=ana)
    client.put(f"{base}/scenarios/law_enforcement", json={"values": LAW}, headers=ana)
    client.put(f"{base}/account", json={"account_id": account_id}, headers=ana)
    client.post(
        f"{base}/answers",
        json={"step": "outcome", "answer": "No, not converted (add as a Hot lead)"},
        headers=ana,
    )
    assert client.post(f"{base}/wrap-up", headers=ana).status_code == 200
    return iid


def test_accounts_search_and_the_history_a_wrap_up_leaves(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    iid = _law_enforcement_call(client, ana, world.account_id)
    found = client.get("/api/v1/accounts", params={"q": "415555"}, headers=ana).json()
    assert [a["name"] for a in found] == ["Dee Carter"]
    detail = client.get(f"/api/v1/accounts/{world.account_id}", headers=ana).json()
    assert detail["account"]["paid"] is True
    assert [c["interaction_id"] for c in detail["calls"]] == [iid]
    assert detail["calls"][0]["data"]["scenarios"] == ["law_enforcement"]
    assert [lead["stage"] for lead in detail["leads"]] == ["Hot"]
    assert [t["team"] for t in detail["tasks"]] == ["lawyers"]
    olga = _bearer(session_factory, world.other_org_olga)
    assert client.get(f"/api/v1/accounts/{world.account_id}", headers=olga).status_code == 404
    assert client.get("/api/v1/accounts", params={"q": "Dee"}, headers=olga).json() == []


def test_leads_by_stage(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    _law_enforcement_call(client, ana, world.account_id)
    hot = client.get("/api/v1/leads", params={"stage": "hot"}, headers=ana).json()
    assert [(lead["name"], lead["line"]) for lead in hot] == [("Det. Maria Lopez", "usos")]
    assert client.get("/api/v1/leads", params={"stage": "Cold"}, headers=ana).json() == []
    olga = _bearer(session_factory, world.other_org_olga)
    assert client.get("/api/v1/leads", headers=olga).json() == []


def test_the_lawyers_see_their_hand_off_with_the_intake_and_close_it(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    _law_enforcement_call(client, ana, world.account_id)
    lee = _bearer(session_factory, world.lawyer_lee)
    [task] = client.get("/api/v1/tasks", params={"scope": "team"}, headers=lee).json()
    assert task["title"] == "Lawyer to reach out to the law enforcement caller"
    assert task["data"]["intake"]["badge_number"] == "NYPD-4471"
    assert task["data"]["intake"]["phone"] == "+12125550188"
    assert client.get("/api/v1/tasks", headers=lee).json() == []  # mine: none assigned to Lee
    bo = _bearer(session_factory, world.agent_bo)
    refused = client.post(f"/api/v1/tasks/{task['id']}/done", headers=bo)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    done = client.post(f"/api/v1/tasks/{task['id']}/done", headers=lee)
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get("/api/v1/tasks", params={"scope": "team"}, headers=lee).json() == []
    with_done = client.get("/api/v1/tasks?scope=team&include_done=true", headers=lee).json()
    assert [t["status"] for t in with_done] == ["done"]
    olga = _bearer(session_factory, world.other_org_olga)
    assert client.post(f"/api/v1/tasks/{task['id']}/done", headers=olga).status_code == 404


def test_a_bad_scope_names_the_field(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    lee = _bearer(session_factory, world.lawyer_lee)
    response = client.get("/api/v1/tasks", params={"scope": "everyone"}, headers=lee)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["scope"]
