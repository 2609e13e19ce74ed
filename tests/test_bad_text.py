"""Text no store can keep, and moments no clock can hold, at the edge: an agent's or an
integration's request naming such a field is refused (422 naming it) and nothing is kept; the
phone network's caller names and times are cleaned event by event, and one event the database
will not take costs only itself."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.channels.ringcentral.mapping import TEXT_LIMITS, DeskCall, clean_text
from sopdesk.channels.ringcentral.payloads import new_call, telephony_notification
from sopdesk.db import transaction
from sopdesk.desk.calls import receive_reported
from sopdesk.desk.models import Interaction
from sopdesk.web.edgetext import bad_text
from web_helpers import make_app, token_for

WEBHOOK = "/api/v1/telephony/ringcentral?org=rondesse"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(
    db_url: str, world: World, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        c.headers["Authorization"] = f"Bearer {token_for(session_factory, world.agent_ana)}"
        yield c


def _taken_call(client: TestClient) -> str:
    iid = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}).json()["id"]
    client.post(f"/api/v1/interactions/{iid}/accept")
    return f"/api/v1/interactions/{iid}"


def _raw_json(text: str) -> bytes:
    return text.encode()  # json.dumps would not let a lone surrogate through as written


def test_a_lone_surrogate_in_a_scenario_value_is_refused_and_the_call_still_answers(
    client: TestClient,
) -> None:
    url = _taken_call(client)
    body = _raw_json('{"values": {"concern": "wallet \\ud800 drained"}}')
    refused = client.put(
        f"{url}/scenarios/crypto", content=body, headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["fields"][0]["field"] == "values.concern"
    assert "lone UTF-16 surrogate" in error["message"]
    assert client.get(url).status_code == 200
    assert client.get(url).json()["status"]["scenarios"] == []


def test_a_nul_in_a_summary_or_a_form_field_is_refused_naming_it(client: TestClient) -> None:
    url = _taken_call(client)
    refused = client.put(f"{url}/summary", json={"summary": "called \x00 back"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "summary"
    assert bad_text("application/x-www-form-urlencoded", b"summary=a%00b") is not None
    assert bad_text("application/x-www-form-urlencoded", b"summary=caf%C3%A9") is None
    assert bad_text("application/json", b'{"a": ["ok", {"b": "\\u0000"}]}') is not None
    assert bad_text("application/json", b"not json") is None  # left to the route to name


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_extreme_moment_is_refused_naming_the_field(client: TestClient, at: str) -> None:
    refused = client.post("/api/v1/calls", json={"label": "Rondesse PSOS", "at": at})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"][0]["field"] == "at"


def test_webhook_caller_names_are_cleaned_and_extreme_times_become_arrival_times(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    odd, fine = new_call(0, "Rondesse PSOS", None), new_call(1, "Rondesse PSOS", None)
    events = [
        telephony_notification(odd, status_code="Setup", sequence=1, at=T0, event_id="e1"),
        telephony_notification(fine, status_code="Setup", sequence=1, at=T0, event_id="e2"),
    ]
    body = json.dumps(events[0])
    name = json.dumps(odd.caller_name)
    body = body.replace(name, json.dumps("Dee\x00 Carter \ud800" + "y" * 400))
    stamp = json.dumps(events[0]["timestamp"])
    assert stamp in body
    body = body.replace(stamp, json.dumps("2999-01-01T00:00:00Z"))
    for document in (body, json.dumps(events[1])):
        response = client.post(
            WEBHOOK, content=document, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1
    with session_factory() as s:
        calls = sorted(s.scalars(select(Interaction)), key=lambda i: str(i.caller_name))
    names = [str(i.caller_name) for i in calls]
    assert calls[0].rang_at.year < 2100  # timed on arrival, not in the year 2999
    assert names[0].startswith("Dee Carter y") and len(names[0]) == TEXT_LIMITS["caller_name"]
    assert names[1] == fine.caller_name


def test_one_event_the_database_refuses_costs_only_itself(
    session_factory: sessionmaker[Session], world: World
) -> None:
    def call(external_id: str, name: str) -> DeskCall:
        return DeskCall(
            at=None,
            status="ringing",
            external_id=external_id,
            label="Rondesse PSOS",
            dialed_number=None,
            caller_number="+14155552671",
            caller_name=name,
            agent_name=None,
        )

    # Not through the mapper (which would clean it): as a careless integration might.
    batch = [call("rc:a", "Ann"), call("rc:b", "bad \ud800 text"), call("rc:c", "Cy")]
    with transaction(session_factory) as s:
        received = receive_reported(s, "rondesse", batch, T0)
    assert received.accepted == 2
    assert len(received.refused) == 1 and received.refused[0].startswith("rc:b: not kept")
    with session_factory() as s:
        kept = sorted(str(i.external_id) for i in s.scalars(select(Interaction)))
    assert kept == ["rc:a", "rc:c"]


def test_clean_text_keeps_what_a_person_would_read() -> None:
    assert clean_text("  José\tMüller\x07 ", 200) == "José Müller"
    assert clean_text("\x00\ud800", 200) is None
    assert clean_text("abc", 2) == "ab"


def test_the_mappers_limits_are_the_columns_lengths() -> None:
    columns = Interaction.__table__.columns
    for name, limit in TEXT_LIMITS.items():
        assert columns[name].type.length == limit, name
