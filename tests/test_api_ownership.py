"""Ownership over the HTTP API: release, transfer (to an agent or a team), takeover; the 409
that names the owner on every action of someone else's call; a call nobody took; the routes in
the OpenAPI with their typed models; another org's call is a 404 on each new route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.orgs.models import User
from web_helpers import make_app, token_for

API = "/api/v1/interactions"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


@pytest.fixture
def auth(session_factory: sessionmaker[Session], world: World) -> dict[str, dict[str, str]]:
    people: dict[str, User] = {
        "ana": world.agent_ana,
        "bo": world.agent_bo,
        "sam": world.supervisor_sam,
        "lee": world.lawyer_lee,
        "priya": world.agent_priya,
        "olga": world.other_org_olga,
    }
    return {
        name: {"Authorization": f"Bearer {token_for(session_factory, user)}"}
        for name, user in people.items()
    }


def ring(client: TestClient, headers: dict[str, str], label: str = "Rondesse Main Number") -> int:
    response = client.post("/api/v1/calls", json={"label": label}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def test_someone_elses_call_is_a_409_naming_the_owner_on_every_action(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    iid = ring(client, auth["ana"])
    assert client.post(f"{API}/{iid}/accept", headers=auth["ana"]).status_code == 200
    attempts = [
        ("PUT", f"{API}/{iid}/steps/greet", {"done": True}),
        ("POST", f"{API}/{iid}/answers", {"step": "outcome", "answer": "x"}),
        ("PUT", f"{API}/{iid}/outcome", {"converted": True}),
        ("PUT", f"{API}/{iid}/scenarios/crypto", {"values": {}}),
        ("POST", f"{API}/{iid}/escalations", {"policy": "p", "team": "t"}),
        ("POST", f"{API}/{iid}/faq-tried", {"article": "faq"}),
        ("PUT", f"{API}/{iid}/account", {"account_id": 1}),
        ("PUT", f"{API}/{iid}/summary", {"summary": "mine now"}),
        ("POST", f"{API}/{iid}/wrap-up", None),
        ("POST", f"{API}/{iid}/release", None),
        ("POST", f"{API}/{iid}/transfer", {"to_team": "lawyers"}),
    ]
    for method, path, body in attempts:
        refused = client.request(method, path, json=body, headers=auth["bo"])
        assert error(refused, 409) == {
            "code": "taken",
            "message": "Ana Reyes has this call",
            "fields": [],
        }, f"{method} {path}"
    taken = error(client.post(f"{API}/{iid}/accept", headers=auth["bo"]), 409)
    assert (taken["code"], taken["message"]) == ("taken", "Ana Reyes already has this call")
    shown = client.get(f"{API}/{iid}", headers=auth["bo"]).json()["interaction"]
    assert (shown["agent_name"], shown["state"]) == ("Ana Reyes", "active")


def test_a_call_nobody_took_is_a_409_until_someone_does(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    iid = ring(client, auth["ana"])
    for path in ("wrap-up", "release"):
        refused = error(client.post(f"{API}/{iid}/{path}", headers=auth["ana"]), 409)
        assert refused["code"] == "not_accepted" and "take it before" in refused["message"]
    step = client.put(f"{API}/{iid}/steps/greet", json={"done": True}, headers=auth["ana"])
    assert error(step, 409)["code"] == "not_accepted"


def test_release_then_accept_by_another_agent(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    iid = ring(client, auth["ana"])
    client.post(f"{API}/{iid}/accept", headers=auth["ana"])
    client.put(f"{API}/{iid}/steps/greet", json={"done": True}, headers=auth["ana"])
    released = client.post(f"{API}/{iid}/release", headers=auth["ana"])
    assert released.status_code == 200, released.text
    assert released.json()["interaction"]["agent_id"] is None
    taken = client.post(f"{API}/{iid}/accept", headers=auth["bo"]).json()
    assert taken["interaction"]["agent_name"] == "Bo Lind"
    assert "greet" in taken["progress"]["completed_steps"]


def test_transfer_to_an_agent_or_a_team(
    client: TestClient, world: World, auth: dict[str, dict[str, str]]
) -> None:
    iid = ring(client, auth["ana"])
    client.post(f"{API}/{iid}/accept", headers=auth["ana"])
    to_bo = client.post(
        f"{API}/{iid}/transfer", json={"to_user": world.agent_bo.id}, headers=auth["ana"]
    )
    assert to_bo.status_code == 200, to_bo.text
    assert to_bo.json()["interaction"]["agent_name"] == "Bo Lind"
    to_team = client.post(f"{API}/{iid}/transfer", json={"to_team": "lawyers"}, headers=auth["bo"])
    assert to_team.status_code == 200, to_team.text
    shown = to_team.json()["interaction"]
    assert (shown["agent_id"], shown["queue_team"]) == (None, "lawyers")
    listed = client.get(API, params={"state": "active"}, headers=auth["sam"]).json()
    assert [(i["id"], i["queue_team"]) for i in listed] == [(iid, "lawyers")]
    # The body names exactly one of the two; an unknown team or a person who takes no calls is
    # a 422 naming the field.
    client.post(f"{API}/{iid}/accept", headers=auth["ana"])
    for body in ({}, {"to_user": world.agent_bo.id, "to_team": "lawyers"}):
        error(client.post(f"{API}/{iid}/transfer", json=body, headers=auth["ana"]), 422)
    unknown = client.post(f"{API}/{iid}/transfer", json={"to_team": "nope"}, headers=auth["ana"])
    assert error(unknown, 422)["fields"][0]["field"] == "to_team"
    lee = client.post(
        f"{API}/{iid}/transfer", json={"to_user": world.lawyer_lee.id}, headers=auth["ana"]
    )
    assert error(lee, 422)["message"] == "Lee Park does not take calls"


def test_takeover_is_for_supervisors(
    client: TestClient, world: World, auth: dict[str, dict[str, str]]
) -> None:
    iid = ring(client, auth["ana"])
    client.post(f"{API}/{iid}/accept", headers=auth["ana"])
    assert error(client.post(f"{API}/{iid}/takeover", headers=auth["bo"]), 403)
    taken = client.post(f"{API}/{iid}/takeover", headers=auth["sam"])
    assert taken.status_code == 200, taken.text
    assert taken.json()["interaction"]["agent_name"] == "Sam Ortiz"
    refused = client.put(f"{API}/{iid}/summary", json={"summary": "x"}, headers=auth["ana"])
    assert error(refused, 409)["message"] == "Sam Ortiz has this call"


def test_one_open_call_per_agent_over_the_api(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    first, second = ring(client, auth["ana"]), ring(client, auth["ana"], "Rondesse USOS")
    client.post(f"{API}/{first}/accept", headers=auth["ana"])
    busy = error(client.post(f"{API}/{second}/accept", headers=auth["ana"]), 409)
    assert busy["code"] == "busy" and f"call #{first}" in busy["message"]


def test_another_orgs_call_is_a_404_on_each_new_route(
    client: TestClient, world: World, auth: dict[str, dict[str, str]]
) -> None:
    iid = ring(client, auth["ana"])
    client.post(f"{API}/{iid}/accept", headers=auth["ana"])
    for who in ("priya", "olga"):
        for path, body in (
            ("release", None),
            ("transfer", {"to_team": "lawyers"}),
            ("transfer", {"to_user": world.agent_priya.id}),
            ("takeover", None),
        ):
            response = client.post(f"{API}/{iid}/{path}", json=body, headers=auth[who])
            assert error(response, 404)["code"] == "not_found", f"{who} {path}"
    shown = client.get(f"{API}/{iid}", headers=auth["ana"]).json()["interaction"]
    assert shown["agent_name"] == "Ana Reyes"


def test_the_new_routes_are_in_the_openapi_with_typed_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    detail = "#/components/schemas/InteractionDetail"
    for name in ("release", "transfer", "takeover"):
        operation = spec["paths"][f"{API}/{{interaction_id}}/{name}"]["post"]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": detail}, name
    body = spec["paths"][f"{API}/{{interaction_id}}/transfer"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/TransferToUser"},
        {"$ref": "#/components/schemas/TransferToTeam"},
    ]
    schemas = spec["components"]["schemas"]
    assert schemas["TransferToUser"]["required"] == ["to_user"]
    assert schemas["TransferToTeam"]["required"] == ["to_team"]
    assert "queue_team" in spec["components"]["schemas"]["InteractionPublic"]["properties"]
