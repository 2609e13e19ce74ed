"""POST /api/v1/contacts and /accounts (201, 409 naming the existing id, 422 naming the field)
and working a lead (PATCH /leads/{id}, notes, tasks): in the OpenAPI, and another org's lead
or account is a 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm import records
from sopdesk.db import transaction
from web_helpers import make_app, token_for

API = "/api/v1"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def _lead(factory: sessionmaker[Session], org_id: str) -> int:
    with transaction(factory) as s:
        lead = records.write_lead(
            s, org_id=org_id, stage="Hot", name="Lee Ng", phone=None, line="main", now=T0
        )
        s.flush()
        return lead.id


def test_a_new_account_is_201_and_the_same_caller_again_is_409_with_its_id(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    body = {"name": "Ray Olsen", "phone": "(628) 555-0142", "email": "Ray@Example.com"}
    created = client.post(f"{API}/accounts", json=body, headers=ana)
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["phone"] == "+16285550142" and account["name"] == "Ray Olsen"

    again = client.post(
        f"{API}/accounts", json={"name": "R. Olsen", "email": "ray@example.COM"}, headers=ana
    )
    assert again.status_code == 409
    assert again.json() == {
        "error": {
            "code": "duplicate",
            "message": "an account with this email already exists",
            "fields": [
                {
                    "field": "email",
                    "message": "an account already has ray@example.COM",
                    "existing_id": account["id"],
                }
            ],
        }
    }
    detail = client.get(f"{API}/accounts/{account['id']}", headers=ana).json()
    assert [c["phone"] for c in detail["contacts"]] == ["+16285550142"]  # the caller's contact


def test_a_contact_is_201_then_409_by_phone_written_otherwise(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    created = client.post(
        f"{API}/contacts", json={"name": "Kim", "phone": "+16285550199"}, headers=ana
    )
    assert created.status_code == 201, created.text
    assert created.json()["account_id"] is None
    again = client.post(f"{API}/contacts", json={"phone": "+1 (628) 555-0199"}, headers=ana)
    assert again.status_code == 409
    (field,) = again.json()["error"]["fields"]
    assert (field["field"], field["existing_id"]) == ("phone", created.json()["id"])


def test_invalid_fields_are_422_naming_each(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    bad = client.post(
        f"{API}/accounts", json={"name": "X", "phone": "12", "email": "x"}, headers=ana
    )
    assert bad.status_code == 422
    assert [f["field"] for f in bad.json()["error"]["fields"]] == ["phone", "email"]
    nameless = client.post(f"{API}/accounts", json={"phone": "+16285550100"}, headers=ana)
    assert nameless.status_code == 422
    assert [f["field"] for f in nameless.json()["error"]["fields"]] == ["name"]
    stage = client.patch(
        f"{API}/leads/{_lead(session_factory, 'rondesse')}", json={"stage": "Boiling"}, headers=ana
    )
    assert stage.status_code == 422
    assert [f["field"] for f in stage.json()["error"]["fields"]] == ["stage"]


def test_a_lead_is_staged_owned_noted_and_followed_up(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    lead_id = _lead(session_factory, "rondesse")
    patched = client.patch(
        f"{API}/leads/{lead_id}", json={"stage": "won", "owner_id": world.agent_bo.id}, headers=ana
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["stage"], patched.json()["owner_id"]) == ("Won", world.agent_bo.id)
    cleared = client.patch(f"{API}/leads/{lead_id}", json={"owner_id": None}, headers=ana)
    assert (cleared.json()["stage"], cleared.json()["owner_id"]) == ("Won", None)

    note = client.post(f"{API}/leads/{lead_id}/notes", json={"body": "Signed up"}, headers=ana)
    assert note.status_code == 201 and note.json()["author"] == "Ana Reyes"
    listed = client.get(f"{API}/leads/{lead_id}/notes", headers=ana).json()
    assert [n["body"] for n in listed] == ["Signed up"]
    task = client.post(
        f"{API}/leads/{lead_id}/tasks",
        json={
            "title": "Send the welcome pack",
            "due_at": "2026-11-27T10:00:00Z",
            "team": "lawyers",
        },
        headers=ana,
    )
    assert task.status_code == 201, task.text
    assert (task.json()["team"], task.json()["source"]) == ("lawyers", f"lead:{lead_id}")
    assert "Won" in client.get(f"{API}/lead-stages", headers=ana).json()


def test_another_orgs_lead_and_account_are_404(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    olga = _bearer(session_factory, world.other_org_olga)
    lead_id = _lead(session_factory, "rondesse")
    due = {"title": "x", "due_at": "2026-11-27T10:00:00Z"}
    for response in (
        client.patch(f"{API}/leads/{lead_id}", json={"stage": "Won"}, headers=olga),
        client.post(f"{API}/leads/{lead_id}/notes", json={"body": "x"}, headers=olga),
        client.get(f"{API}/leads/{lead_id}/notes", headers=olga),
        client.post(f"{API}/leads/{lead_id}/tasks", json=due, headers=olga),
        client.get(f"{API}/accounts/{world.account_id}", headers=olga),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    # Rondesse's account is not a MyOperator contact's account, and its number no duplicate there.
    foreign = client.post(
        f"{API}/contacts", json={"name": "Dee", "account_id": world.account_id}, headers=olga
    )
    assert foreign.status_code == 422
    assert [f["field"] for f in foreign.json()["error"]["fields"]] == ["account_id"]
    mine = client.post(
        f"{API}/accounts", json={"name": "Dee", "phone": "+14155552671"}, headers=olga
    )
    assert mine.status_code == 201


def test_the_new_routes_are_in_the_openapi_with_their_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/contacts", "post"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/leads/{lead_id}", "patch"),
        ("/api/v1/leads/{lead_id}/notes", "post"),
        ("/api/v1/leads/{lead_id}/tasks", "post"),
    ]:
        op = paths[path][method]
        assert "requestBody" in op, path
        assert (
            "$ref"
            in op["responses"]["201" if method == "post" else "200"]["content"]["application/json"][
                "schema"
            ]
        ), path
    conflict = paths["/api/v1/accounts"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")
    field = spec["components"]["schemas"]["ErrorField"]["properties"]
    assert "existing_id" in field
