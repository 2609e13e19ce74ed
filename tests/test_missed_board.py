"""The supervisor sees missed calls: `GET /api/v1/board` (and the board page, which renders the
same `desk.board.build_board`) lists the latest missed calls of the org with the call-back
tasks they left, and whether each is overdue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World
from sopdesk.db import transaction
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from test_missed_calls import ENDED, _event, world
from web_helpers import TestClock, make_app, token_for

__all__ = ["world"]  # fixtures


@pytest.fixture
def app_clock() -> TestClock:
    return TestClock()


@pytest.fixture
def client(db_url: str, world: World, app_clock: TestClock) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, app_clock)) as c:
        yield c


def test_the_board_api_lists_missed_calls_with_their_call_backs_per_org(
    client: TestClient, session_factory: sessionmaker[Session], world: World, app_clock: TestClock
) -> None:
    missed = _event(session_factory, CallStatus.ENDED, ENDED, external_id="m1")
    main = _event(
        session_factory, CallStatus.ENDED, ENDED, external_id="m2", label="Rondesse Main Number"
    )
    with transaction(session_factory) as s:
        call = CallIn(org_id="myoperator", at=T0, status=CallStatus.ENDED, external_id="m3")
        receive_call(s, call, T0)
    headers = {"Authorization": f"Bearer {token_for(session_factory, world.supervisor_sam)}"}
    response = client.get("/api/v1/board", headers=headers)
    assert response.status_code == 200, response.text
    board = response.json()
    assert sum(len(calls) for calls in board["columns"].values()) == 0  # not open calls
    assert [m["interaction_id"] for m in board["missed"]] == [main, missed]  # newest first
    by_id = {m["interaction_id"]: m for m in board["missed"]}
    assert by_id[main]["call_backs"] == []
    (call_back,) = by_id[missed]["call_backs"]
    assert (call_back["team"], call_back["status"]) == ("concierges", "open")
    assert datetime.fromisoformat(call_back["due_at"]) == ENDED + timedelta(minutes=15)
    assert call_back["overdue"] is False
    app_clock.set(ENDED + timedelta(minutes=16))
    late = client.get("/api/v1/board", headers=headers).json()["missed"][1]["call_backs"][0]
    assert late["overdue"] is True  # still open a minute past its quarter of an hour
    other = {"Authorization": f"Bearer {token_for(session_factory, world.other_org_olga)}"}
    theirs = client.get("/api/v1/board", headers=other).json()["missed"]
    assert [m["line_id"] for m in theirs] == ["support"]  # only their own missed call
    assert theirs[0]["call_backs"] == []


def test_the_board_schema_documents_missed_calls(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "missed" in schemas["Board"]["properties"]
    assert set(schemas["MissedCall"]["properties"]) >= {"call_backs", "ended_at", "line_name"}
    assert "overdue" in schemas["CallBack"]["properties"]
