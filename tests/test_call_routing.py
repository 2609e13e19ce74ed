"""Which org a call belongs to, and what a RingCentral event means to the desk: the engine's
`owns_number`, the pure RingCentral mapper, the desk's `org_for_call`/`receive_reported`, and the
webhook without `?org=` routing by the dialed number."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.channels.ringcentral import CallEvent, CallStatus, EventSource
from sopdesk.channels.ringcentral.mapping import DeskCall, desk_calls
from sopdesk.channels.ringcentral.payloads import new_call, telephony_notification
from sopdesk.db import transaction
from sopdesk.desk.calls import org_for_call, receive_reported
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction
from sopdesk.playbooks.engine.matching import owns_number
from sopdesk.playbooks.language.loader import load_file
from sopdesk.playbooks.language.schema import Playbook
from web_helpers import make_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rondesse() -> Playbook:
    return load_file(ROOT / "playbooks/rondesse/playbook.yaml").playbook


@pytest.mark.parametrize("number", ["888 862 1150", "+18888621150", "(888) 862-1150"])
def test_a_playbook_owns_the_numbers_its_lines_list(rondesse: Playbook, number: str) -> None:
    assert owns_number(rondesse, number)


@pytest.mark.parametrize("number", [None, "", "  ", "+12125550100"])
def test_a_playbook_owns_no_other_number(rondesse: Playbook, number: str | None) -> None:
    assert not owns_number(rondesse, number)


def _event(status: CallStatus, code: str, **kw: object) -> CallEvent:
    base = CallEvent(
        source=EventSource.TELEPHONY_SESSION,
        session_id="s-1",
        status=status,
        status_code=code,
        event_time=T0,
        sequence=1,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_the_mapper_keeps_the_calls_the_desk_acts_on_and_notes_the_rest() -> None:
    events = [
        _event(CallStatus.RINGING, "Setup", line_label="Rondesse PSOS", caller_name="Dee"),
        _event(CallStatus.OTHER, "Hold"),
        _event(CallStatus.ANSWERED, "Answered", event_time=None, agent_name="Ana Reyes"),
        _event(CallStatus.ENDED, "Disconnected", dialed_number="888 862 1150"),
    ]
    mapped = desk_calls(events)
    assert [c.status for c in mapped.calls] == ["ringing", "answered", "ended"]
    assert mapped.notes == ("s-1: Hold needs no action",)
    first, answered, ended = mapped.calls
    assert (first.external_id, first.channel, first.at) == ("rc:s-1", "ringcentral", T0)
    assert (first.label, first.caller_name) == ("Rondesse PSOS", "Dee")
    assert answered.at is None and answered.agent_name == "Ana Reyes"
    assert ended.dialed_number == "888 862 1150"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def test_the_org_is_the_one_named_else_the_one_listing_the_number(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        assert org_for_call(s, "myoperator", "888 862 1150") == "myoperator"  # named wins
        assert org_for_call(s, "nobody", "888 862 1150") is None  # a named org must exist
        assert org_for_call(s, None, "+1 888 862 1150") == "rondesse"
        assert org_for_call(s, None, "+12125550100") is None
        assert org_for_call(s, None, None) is None


def _call(number: str | None, external_id: str) -> DeskCall:
    return DeskCall(
        at=None,
        status="ringing",
        external_id=external_id,
        label=None,
        dialed_number=number,
        caller_number="+14155552671",
        caller_name=None,
        agent_name=None,
    )


def test_reported_calls_ring_in_the_org_of_their_number_or_none_do(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        calls = [_call("888 862 1150", "rc:a"), _call("888 862 1150", "rc:a")]
        received = receive_reported(s, None, calls, T0)
        assert received.accepted == 2 and len(received.interaction_ids) == 1
        interaction = s.get(Interaction, received.interaction_ids[0])
        assert interaction is not None
        assert (interaction.org_id, interaction.line_id, interaction.rang_at) == (
            "rondesse",
            "usos",
            T0,
        )
    with transaction(session_factory) as s, pytest.raises(DeskError) as refused:
        receive_reported(s, None, [_call("888 862 1150", "rc:b"), _call(None, "rc:c")], T0)
    assert refused.value.status == 422 and refused.value.fields[0].field == "org"


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def test_the_webhook_without_an_org_routes_by_the_dialed_number(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    call = new_call(0, "Rondesse USOS", "888 862 1150")
    payload = telephony_notification(call, status_code="Setup", sequence=1, at=T0, event_id="e1")
    response = client.post(
        "/api/v1/telephony/ringcentral",
        content=json.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["accepted"] == 1 and len(reply["interactions"]) == 1
    with transaction(session_factory) as s:
        interaction = s.get(Interaction, reply["interactions"][0])
        assert interaction is not None
        assert (interaction.org_id, interaction.line_id) == ("rondesse", "usos")
        assert interaction.external_id == f"rc:{call.session_id}"

    unknown = new_call(1, "Nobody's line", "+12125550100")
    payload = telephony_notification(unknown, status_code="Setup", sequence=1, at=T0, event_id="e2")
    refused = client.post(
        "/api/v1/telephony/ringcentral",
        content=json.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "org"
