"""A scenario's intake holds only the scenario's fields, each of a sane length: unknown keys and
over-long values are refused whole (422 naming each field) and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.desk.intake_check import LISTED_MAX, VALUE_MAX_CHARS
from web_helpers import make_app, token_for


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


@pytest.fixture
def call_url(client: TestClient, session_factory: sessionmaker[Session], world: World) -> str:
    client.headers["Authorization"] = f"Bearer {token_for(session_factory, world.agent_ana)}"
    iid = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}).json()["id"]
    client.post(f"/api/v1/interactions/{iid}/accept")
    return f"/api/v1/interactions/{iid}"


def test_unknown_keys_are_refused_naming_each_and_nothing_is_stored(
    client: TestClient, call_url: str
) -> None:
    before = client.get(call_url).json()["status"]
    values = {"concern": "a wallet", "shoe_size": "44", **{f"k{n}": "x" for n in range(50)}}
    refused = client.put(f"{call_url}/scenarios/crypto", json={"values": values})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert "nothing was saved" in error["message"]
    assert {"field": "values.shoe_size", "message": "Crypto Call has no field 'shoe_size'"} in (
        error["fields"]
    )
    assert len(error["fields"]) == LISTED_MAX + 1  # the rest summed up, not listed
    assert error["fields"][-1]["message"].startswith("and ")
    assert client.get(call_url).json()["status"] == before


def test_an_over_long_value_is_refused_naming_its_label(client: TestClient, call_url: str) -> None:
    long = "w" * (VALUE_MAX_CHARS + 1)
    refused = client.put(f"{call_url}/scenarios/crypto", json={"values": {"concern": long}})
    assert refused.status_code == 422
    (problem,) = refused.json()["error"]["fields"]
    assert problem["field"] == "values.concern"
    assert f"at most {VALUE_MAX_CHARS}" in problem["message"]
    fits = client.put(f"{call_url}/scenarios/crypto", json={"values": {"concern": long[:-1]}})
    assert fits.status_code == 200, fits.text
