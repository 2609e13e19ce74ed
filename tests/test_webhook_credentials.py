"""Each org's webhook credential: a RingCentral delivery is read only with its org's token,
checked before the body; one org's token does not open another's queue; an unknown org fails
exactly like a bad token; outside loopback a credential is required."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.channels.ringcentral.payloads import new_call, telephony_notification
from sopdesk.db import transaction
from sopdesk.desk.models import Interaction
from sopdesk.orgs.models import Org
from sopdesk.orgs.webhooks import make_webhook_token
from sopdesk.settings import Settings
from sopdesk.web.api.calls import credential_required
from web_helpers import make_app

URL = "/api/v1/telephony/ringcentral"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def tokens(session_factory: sessionmaker[Session], world: World) -> dict[str, str]:
    with transaction(session_factory) as s:
        return {org: make_webhook_token(s, org) for org in ("rondesse", "myoperator")}


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _delivery(index: int = 0) -> bytes:
    call = new_call(index, "Rondesse PSOS", None)
    event = telephony_notification(call, status_code="Setup", sequence=1, at=T0, event_id="e1")
    return json.dumps(event).encode()


def _post(client: TestClient, org: str | None, token: str | None, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Verification-Token"] = token
    return client.post(URL + (f"?org={org}" if org else ""), content=body, headers=headers)


def _calls(factory: sessionmaker[Session]) -> list[str]:
    with factory() as s:
        return list(s.scalars(select(Interaction.org_id)))


def test_only_the_orgs_own_token_opens_its_queue(
    client: TestClient, tokens: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    right = _post(client, "rondesse", tokens["rondesse"], _delivery())
    assert right.status_code == 200, right.text
    for org, token in [
        ("rondesse", tokens["myoperator"]),  # another org's token
        ("rondesse", None),
        ("rondesse", "guess"),
        ("nosuch", tokens["rondesse"]),  # an unknown org: exactly like a bad token
    ]:
        refused = _post(client, org, token, _delivery(1))
        assert refused.status_code == 403
        assert refused.json() == {
            "error": {
                "code": "forbidden",
                "message": "bad or missing Verification-Token for this org's webhook",
                "fields": [],
            }
        }
    assert _calls(session_factory) == ["rondesse"]


def test_the_credential_is_checked_before_the_body_is_read(
    client: TestClient, tokens: dict[str, str]
) -> None:
    refused = _post(client, "rondesse", "guess", b"{not json at all")
    assert refused.status_code == 403  # not a 400 about the body: it was never read
    handshake = client.post(f"{URL}?org=rondesse", headers={"Validation-Token": "abc"})
    assert handshake.status_code == 403  # the handshake needs the token too
    handshake = client.post(
        f"{URL}?org=rondesse",
        headers={"Validation-Token": "abc", "Verification-Token": tokens["rondesse"]},
    )
    assert handshake.status_code == 200 and handshake.headers["Validation-Token"] == "abc"


def test_a_new_token_replaces_the_old_and_only_its_digest_is_kept(
    client: TestClient, tokens: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as s:
        newer = make_webhook_token(s, "rondesse")
    with session_factory() as s:
        stored = s.scalar(select(Org.webhook_token_hash).where(Org.id == "rondesse"))
    assert stored is not None and newer not in stored and len(stored) == 64
    assert _post(client, "rondesse", tokens["rondesse"], _delivery()).status_code == 403
    assert _post(client, "rondesse", newer, _delivery()).status_code == 200


def test_outside_loopback_an_org_without_a_credential_takes_no_delivery(
    db_url: str, world: World, session_factory: sessionmaker[Session]
) -> None:
    app = make_app(db_url, host="0.0.0.0")
    with TestClient(app) as client:
        assert _post(client, "rondesse", None, _delivery()).status_code == 403
        assert _post(client, None, None, _delivery()).status_code == 403
    assert _calls(session_factory) == []


def test_on_loopback_alone_a_desk_without_credentials_takes_deliveries(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    assert _post(client, "rondesse", None, _delivery()).status_code == 200
    assert _post(client, "nosuch", None, _delivery(1)).status_code == 403


def test_when_a_credential_is_required() -> None:
    local = Settings(host="127.0.0.1")
    assert not credential_required(local, "127.0.0.1")
    assert credential_required(local, "10.0.0.7")
    assert credential_required(Settings(host="0.0.0.0"), "127.0.0.1")
    assert credential_required(Settings(host="127.0.0.1", production=True), "127.0.0.1")


def test_the_cli_makes_a_token_and_names_the_known_orgs_for_an_unknown_one(
    db_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from sopdesk.cli import app

    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)
    made = CliRunner().invoke(app, ["webhook-token", "--org", "rondesse"])
    assert made.exit_code == 0 and len(made.output.strip()) >= 40
    unknown = CliRunner().invoke(app, ["webhook-token", "--org", "nosuch"])
    assert unknown.exit_code == 2
    assert "no org 'nosuch'" in unknown.output and "myoperator, rondesse" in unknown.output
