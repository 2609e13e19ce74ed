"""If-Match and ETag on what the agent types, through the API and the call screen's routes: a
write answers its version as ETag, a write over an older one is refused 412 `stale` with the
stored text (JSON for the API, the conflict panel for the page), and another org's user gets
a 404 whatever the version."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from web_helpers import login, make_app, token_for

API = "/api/v1/interactions"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def bearer(factory: sessionmaker[Session], user: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]


def taken_call(client: TestClient, ana: dict[str, str]) -> int:
    iid: int = client.post("/api/v1/calls", json={"label": "Rondesse PSOS"}, headers=ana).json()[
        "id"
    ]
    assert client.post(f"{API}/{iid}/accept", headers=ana).status_code == 200
    return iid


def test_the_summary_takes_if_match_and_answers_its_etag(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = bearer(session_factory, world.agent_ana)
    iid = taken_call(client, ana)
    first = client.put(
        f"{API}/{iid}/summary", json={"summary": "Refund asked"}, headers={**ana, "If-Match": '"0"'}
    )
    assert first.status_code == 200 and first.headers["etag"] == '"1"'
    assert first.json()["progress"]["summary_version"] == 1

    stale = client.put(
        f"{API}/{iid}/summary", json={"summary": "Refund sent"}, headers={**ana, "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "stale"
    assert error["fields"][0]["field"] == "summary"
    assert (error["fields"][0]["current"], error["fields"][0]["current_version"]) == (
        "Refund asked",
        1,
    )
    assert client.get(f"{API}/{iid}", headers=ana).json()["progress"]["summary"] == "Refund asked"

    for tag in ('W/"1"', "*"):  # a weak tag names the same version; * writes over any
        kept = client.put(
            f"{API}/{iid}/summary",
            json={"summary": f"over {tag}"},
            headers={**ana, "If-Match": tag},
        )
        assert kept.status_code == 200, kept.text
    unconditional = client.put(f"{API}/{iid}/summary", json={"summary": "no tag"}, headers=ana)
    assert unconditional.headers["etag"] == '"4"'

    bad = client.put(
        f"{API}/{iid}/summary", json={"summary": "x"}, headers={**ana, "If-Match": "three"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "If-Match"


def test_a_scenario_form_takes_if_match_too(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = bearer(session_factory, world.agent_ana)
    iid = taken_call(client, ana)
    url = f"{API}/{iid}/scenarios/crypto"
    first = client.put(
        url, json={"values": {"amount": "0.5 BTC"}}, headers={**ana, "If-Match": '"0"'}
    )
    assert first.status_code == 200 and first.headers["etag"] == '"1"'
    assert first.json()["version"] == 1
    stale = client.put(
        url, json={"values": {"amount": "2 BTC"}}, headers={**ana, "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert [(f["field"], f["current"]) for f in stale.json()["error"]["fields"]] == [
        ("amount", "0.5 BTC")
    ]


def test_another_orgs_user_cannot_read_or_write_over_a_version(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = bearer(session_factory, world.agent_ana)
    olga = bearer(session_factory, world.other_org_olga)
    iid = taken_call(client, ana)
    for path, body in (("summary", {"summary": "mine"}), ("scenarios/crypto", {"values": {}})):
        for tag in ('"0"', '"1"', "*"):
            answer = client.put(f"{API}/{iid}/{path}", json=body, headers={**olga, "If-Match": tag})
            assert answer.status_code == 404, (path, tag, answer.text)
    assert client.get(f"{API}/{iid}", headers=ana).json()["progress"].get("summary") is None


def _page_headers(client: TestClient, world: World) -> dict[str, str]:
    login(client, world.agent_ana)
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
    assert token
    return {"X-CSRF-Token": token.group(1), "HX-Request": "true"}


def test_the_call_screen_answers_a_stale_save_with_both_texts(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = bearer(session_factory, world.agent_ana)
    iid = taken_call(client, ana)
    htmx = _page_headers(client, world)
    page = client.get(f"/calls/{iid}").text
    assert 'data-version="0"' in page and 'id="summary-conflict" hidden' in page

    saved = client.put(
        f"/calls/{iid}/summary",
        data={"summary": "From tab one"},
        headers={**htmx, "If-Match": '"0"'},
    )
    assert saved.status_code == 200 and saved.headers["etag"] == '"1"'
    assert 'data-version="1" data-text="From tab one"' in saved.text  # what other tabs take

    stale = client.put(
        f"/calls/{iid}/summary",
        data={"summary": "From tab two"},
        headers={**htmx, "If-Match": '"0"'},
    )
    assert stale.status_code == 412
    assert 'id="summary-conflict"' in stale.text and 'data-version="1"' in stale.text
    assert '<blockquote class="conflict__theirs">From tab one</blockquote>' in stale.text
    assert '<blockquote class="conflict__mine">From tab two</blockquote>' in stale.text

    form = {"f.amount": "0.5 BTC", "f.concern": "Wallet drained"}
    url = f"/calls/{iid}/scenarios/crypto"
    assert client.put(url, data=form, headers={**htmx, "If-Match": '"0"'}).headers["etag"] == '"1"'
    other = client.put(url, data={**form, "f.amount": "2 BTC"}, headers={**htmx, "If-Match": '"0"'})
    assert other.status_code == 412
    assert 'id="sc-crypto-conflict"' in other.text and 'data-name="f.amount"' in other.text
    assert '<blockquote class="conflict__theirs">0.5 BTC</blockquote>' in other.text
    assert '<blockquote class="conflict__mine">2 BTC</blockquote>' in other.text
