"""The desk through its HTTP API: calls in (generic and RingCentral), the agent's work, wrap-up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.crm.models import CallLog, Lead, Note, Task
from web_helpers import make_app, token_for

# Real RingCentral webhook payloads, shipped with their source and licence (see SOURCE.md there).
RC_DATA = Path(__file__).resolve().parent / "data" / "ringcentral" / "real"
CRYPTO = {
    "concern": "Caller pressed to move savings into a 'safe' wallet",
    "caller_name": "Dee Carter",
    "cryptocurrency": "Bitcoin",
    "wallet_type": "Exchange / custodial",
    "amount": "12000 USD",
    "phone": "+1 415 555 2671",
    "email": "dee@example.com",
}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


@pytest.fixture
def ana(session_factory: sessionmaker[Session], world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}


def test_generic_call_rings_once_per_external_id(client: TestClient, ana: dict[str, str]) -> None:
    body = {"external_id": "pbx-77", "label": "Rondesse PSOS", "caller_number": "+14155552671"}
    first = client.post("/api/v1/calls", json=body, headers=ana)
    again = client.post("/api/v1/calls", json=body, headers=ana)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["urgency_name"] == "Highest" and first.json()["state"] == "ringing"
    listed = client.get("/api/v1/interactions", headers=ana).json()
    assert [(i["line_id"], i["playbook_version"]) for i in listed] == [("psos", "2026.11.1")]


def test_call_api_needs_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_psos_crypto_journey_through_the_api(
    client: TestClient, ana: dict[str, str], world: World, session_factory: sessionmaker[Session]
) -> None:
    iid = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}, headers=ana).json()["id"]
    screen = client.post(f"/api/v1/interactions/{iid}/accept", headers=ana).json()["screen"]
    assert screen["greeting"] is None and screen["banner"].startswith("MUTED")
    for step in ("mute", "listen"):
        client.put(f"/api/v1/interactions/{iid}/steps/{step}", json={"done": True}, headers=ana)
    bad = client.put(
        f"/api/v1/interactions/{iid}/scenarios/crypto",
        json={"values": {**CRYPTO, "email": "dee@", "amount": "12000"}},
        headers=ana,
    ).json()
    assert not bad["ok"] and set(bad["errors"]) == {"email", "amount"}
    refused = client.post(f"/api/v1/interactions/{iid}/wrap-up", headers=ana)
    assert refused.status_code == 422
    fields = {f["field"] for f in refused.json()["error"]["fields"]}
    assert fields == {"email", "amount", "account_required"}
    client.put(f"/api/v1/interactions/{iid}/scenarios/crypto", json={"values": CRYPTO}, headers=ana)
    client.put(
        f"/api/v1/interactions/{iid}/account", json={"account_id": world.account_id}, headers=ana
    )
    detail = client.get(f"/api/v1/interactions/{iid}", headers=ana).json()
    assert detail["can_close"] and [o["record"] for o in detail["owed"]] == [
        "call_log",
        "account_note",
        "task",
        "task",
    ]
    done = client.post(f"/api/v1/interactions/{iid}/wrap-up", headers=ana)
    retry = client.post(f"/api/v1/interactions/{iid}/wrap-up", headers=ana)
    assert done.status_code == 200 and not done.json()["already_closed"]
    assert retry.status_code == 200 and retry.json()["already_closed"]
    assert retry.json()["written"] == done.json()["written"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(CallLog)) == 1
        assert s.scalar(select(func.count()).select_from(Note)) == 1
        assert {t.team for t in s.scalars(select(Task))} == {None, "business_analysts"}


def test_main_number_non_conversion_is_a_hot_lead(
    client: TestClient, ana: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    call = {"label": "Rondesse Main Number", "caller_name": "Jo Doe"}
    iid = client.post("/api/v1/calls", json=call, headers=ana).json()["id"]
    detail = client.post(f"/api/v1/interactions/{iid}/accept", headers=ana).json()
    assert detail["screen"]["greeting"] == (
        "Thank you for calling Rondesse, I'm Ana Reyes, how can I help?"
    )
    for step in ("greet", "probe"):
        client.put(f"/api/v1/interactions/{iid}/steps/{step}", json={"done": True}, headers=ana)
    answer = {"step": "outcome", "answer": "No, not converted (add as a Hot lead)"}
    client.post(f"/api/v1/interactions/{iid}/answers", json=answer, headers=ana)
    assert client.post(f"/api/v1/interactions/{iid}/wrap-up", headers=ana).status_code == 200
    with session_factory() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.stage, lead.name) == ("Hot", "Jo Doe")


def test_bad_input_names_the_field(client: TestClient, ana: dict[str, str]) -> None:
    iid = client.post("/api/v1/calls", json={"label": "Rondesse USOS"}, headers=ana).json()["id"]
    assert client.post(f"/api/v1/interactions/{iid}/accept", headers=ana).status_code == 200
    response = client.post(
        f"/api/v1/interactions/{iid}/answers",
        json={"step": "outcome", "answer": "Maybe"},
        headers=ana,
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "choice"
    response = client.put(
        f"/api/v1/interactions/{iid}/outcome", json={"converted": "perhaps"}, headers=ana
    )
    assert response.status_code == 422
    assert "converted" in json.dumps(response.json()["error"]["fields"])


@pytest.mark.parametrize("almost", [0, 1, "true", "yes", None])
def test_a_yes_or_no_must_be_a_json_boolean(
    client: TestClient, ana: dict[str, str], almost: object
) -> None:
    """`{"converted": 0}` is not an answer to "did the caller convert?": a JSON boolean is, and
    anything else is refused naming the field, never read as true or false."""
    iid = client.post("/api/v1/calls", json={"label": "Rondesse USOS"}, headers=ana).json()["id"]
    assert client.post(f"/api/v1/interactions/{iid}/accept", headers=ana).status_code == 200
    for method, path, field in (
        ("PUT", f"/api/v1/interactions/{iid}/outcome", "converted"),
        ("PUT", f"/api/v1/interactions/{iid}/steps/greet", "done"),
    ):
        response = client.request(method, path, json={field: almost}, headers=ana)
        assert response.status_code == 422, (path, almost)
        assert response.json()["error"]["fields"][0]["field"].endswith(field)
    progress = client.get(f"/api/v1/interactions/{iid}", headers=ana).json()["progress"]
    assert (progress["completed_steps"], progress["converted"]) == ([], None)  # nothing stored
    response = client.put(
        f"/api/v1/interactions/{iid}/outcome", json={"converted": False}, headers=ana
    )
    assert response.status_code == 200


def _rc_payloads() -> list[Path]:
    payloads = sorted(RC_DATA.glob("*Message.json"))
    assert payloads, f"no RingCentral sample payloads in {RC_DATA}"
    return payloads


def test_ringcentral_handshake_echoes_the_validation_token(client: TestClient) -> None:
    response = client.post(
        "/api/v1/telephony/ringcentral?org=rondesse", headers={"Validation-Token": "abc123"}
    )
    assert response.status_code == 200 and response.headers["Validation-Token"] == "abc123"


def test_ringcentral_real_payloads_make_one_interaction_per_session(
    client: TestClient, ana: dict[str, str]
) -> None:
    payloads = _rc_payloads()
    for path in [*payloads, *payloads]:  # every event delivered twice
        response = client.post(
            "/api/v1/telephony/ringcentral?org=rondesse",
            content=path.read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
    listed = client.get("/api/v1/interactions", headers=ana).json()
    sessions = {i["external_id"] for i in listed}
    assert len(listed) == len(sessions) >= 1
    assert all(i["channel"] == "ringcentral" for i in listed)
    # These sample calls are not on a Rondesse line: they still ring, on the fallback.
    assert all(i["line_id"] == "unknown" and i["warnings"] for i in listed)


def test_the_api_gives_each_step_and_scenario_status_the_call_screen_shows(
    client: TestClient, ana: dict[str, str]
) -> None:
    iid = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}, headers=ana).json()["id"]
    status = client.post(f"/api/v1/interactions/{iid}/accept", headers=ana).json()["status"]
    assert [(s["step"], s["status"]) for s in status["steps"]][:2] == [
        ("mute", "current"),
        ("listen", "todo"),
    ]
    assert status["scenarios"] == []
    url = f"/api/v1/interactions/{iid}"
    status = client.put(f"{url}/steps/mute", json={"done": True}, headers=ana).json()["status"]
    assert [s["status"] for s in status["steps"]][:2] == ["done", "current"]
    values = {**CRYPTO, "amount": "12000"}
    client.put(f"{url}/scenarios/crypto", json={"values": values}, headers=ana)
    (crypto,) = client.get(url, headers=ana).json()["status"]["scenarios"]
    assert crypto["scenario"] == "crypto" and set(crypto["errors"]) == {"amount"}
    assert "amount" in crypto["required_fields"] and crypto["problems"] >= 1
