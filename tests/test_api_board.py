"""`GET /api/v1/board`: the supervisor board as data, the same `desk.board.build_board` the
page renders; agents are refused, other orgs' calls never show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.board import build_board
from web_helpers import later, make_app, ring, token_for


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def test_the_board_api_is_for_supervisors_and_counts_by_state_line_and_urgency(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    psos = ring(session_factory, "rondesse", "b1", label="Rondesse PSOS", caller_name="Dee Carter")
    ring(session_factory, "rondesse", "b2", label="Rondesse Main Number", caller_name="Jo Doe")
    ring(session_factory, "myoperator", "b3", number="+91 22 4000 0000", caller_name="Mo Secret")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, psos, later(10))

    assert client.get("/api/v1/board").status_code == 401
    agent = client.get("/api/v1/board", headers=_bearer(session_factory, world.agent_ana))
    assert agent.status_code == 403
    response = client.get("/api/v1/board", headers=_bearer(session_factory, world.supervisor_sam))
    assert response.status_code == 200, response.text
    board = response.json()

    assert list(board["columns"]) == ["ringing", "active", "wrap_up"]
    names = {s: [i["caller_name"] for i in calls] for s, calls in board["columns"].items()}
    assert names == {"ringing": ["Jo Doe"], "active": ["Dee Carter"], "wrap_up": []}
    assert board["columns"]["active"][0]["id"] == psos
    assert board["columns"]["active"][0]["agent_name"] == "Ana Reyes"
    lines = [(c["line_id"], c["urgency_name"], c["by_state"], c["total"]) for c in board["lines"]]
    assert lines[0] == ("psos", "Highest", {"ringing": 0, "active": 1, "wrap_up": 0}, 1)
    assert [c["line_id"] for c in board["lines"]] == ["psos", "main"]
    ranks = [u["rank"] for u in board["urgencies"]]
    assert ranks == sorted(ranks, reverse=True) and ranks[-1] == 0
    assert board["top_rank"] == ranks[0]
    assert sum(u["open_calls"] for u in board["urgencies"]) == 2
    assert next(u for u in board["urgencies"] if u["name"] == "Highest")["open_calls"] == 1
    assert board["unassigned"] == 1

    with transaction(session_factory) as s:  # the page's data, exactly
        assert build_board(s, "rondesse", later(10)).model_dump(mode="json") == board

    other = client.get("/api/v1/board", headers=_bearer(session_factory, world.other_org_olga))
    assert [i["caller_name"] for i in other.json()["columns"]["ringing"]] == ["Mo Secret"]


def test_the_cli_board_prints_what_the_page_and_the_api_compute(
    db_url: str,
    session_factory: sessionmaker[Session],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from sopdesk.cli import app

    ring(session_factory, "rondesse", "c1", label="Rondesse PSOS", caller_name="Dee Carter")
    ring(session_factory, "myoperator", "c2", number="+91 22 4000 0000", caller_name="Mo Secret")
    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["board", "--org", "rondesse", "--json"])
    assert result.exit_code == 0, result.output
    with session_factory() as s:
        expected = build_board(s, "rondesse", later(0)).model_dump_json(indent=2)
        assert result.output.strip() == expected
    assert "Mo Secret" not in result.output
    text = CliRunner().invoke(app, ["board", "--org", "rondesse"])
    assert "PSOS (Highest): 1 open: ringing 1" in text.output
