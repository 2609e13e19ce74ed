"""The interactions list filters by state in the query: a call older than the newest 500 is
still found in its state (service and `GET /api/v1/interactions?state=`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from sopdesk.desk.models import State
from web_helpers import make_app, token_for

NEWER = 510  # more than the 500 newest rows the list used to filter over


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    world = build_world(session_factory)
    with transaction(session_factory) as s:
        old = CallIn(org_id="rondesse", at=T0 - timedelta(days=1), external_id="old-ringing")
        receive_call(s, old, T0)
        for n in range(NEWER):
            at = T0 + timedelta(seconds=n)
            ended = CallIn(
                org_id="rondesse", at=at, status=CallStatus.ENDED, external_id=f"newer-{n}"
            )
            receive_call(s, ended, at)
        other = CallIn(org_id="myoperator", at=T0, external_id="other-org-ringing")
        receive_call(s, other, T0)
    return world


def test_the_service_finds_a_call_in_its_state_behind_many_newer_ones(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        assert len(desk.interactions(s, "rondesse", limit=500)) == 500
        ringing = desk.interactions(s, "rondesse", state=State.RINGING)
        assert [i.external_id for i in ringing] == ["old-ringing"]
        # Ended with nobody taking them: missed.
        wrap = desk.interactions(s, "rondesse", state=State.MISSED, limit=3)
        assert [i.external_id for i in wrap] == [f"newer-{n}" for n in (509, 508, 507)]
        assert desk.interactions(s, "rondesse", state=State.CLOSED) == []


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def test_the_api_lists_an_old_call_in_the_wanted_state(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    auth = {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}
    listed = client.get("/api/v1/interactions", params={"state": "ringing"}, headers=auth)
    assert listed.status_code == 200
    assert [i["external_id"] for i in listed.json()] == ["old-ringing"]  # not the other org's
    newest = client.get("/api/v1/interactions", params={"limit": 2}, headers=auth).json()
    assert [i["external_id"] for i in newest] == ["newer-509", "newer-508"]
    wrap = client.get(
        "/api/v1/interactions", params={"state": "missed", "limit": 500}, headers=auth
    ).json()
    assert len(wrap) == 500 and all(i["state"] == "missed" for i in wrap)
