"""Logging in and out, CSRF on state-changing requests, and bearer tokens, on the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from personas import World, build_world
from sopdesk.cli import app as cli
from web_helpers import csrf_from, login, make_app, token_for


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def test_pages_redirect_to_login_until_logged_in(client: TestClient, world: World) -> None:
    page = client.get("/queue", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/queue"

    response = login(client, world.agent_ana)
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    queue = client.get("/queue")
    assert queue.status_code == 200
    assert "Ana Reyes" in queue.text and "Rondesse" in queue.text
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_bad_password_and_unknown_email_get_the_same_answer(
    client: TestClient, world: World
) -> None:
    bad = login(client, world.agent_ana, password="not the password")
    assert bad.status_code == 401
    assert "That email and password do not match." in bad.text
    assert 'value="ana@rondesse.example"' in bad.text  # the email stays filled in
    token = csrf_from(client.get("/login").text)
    unknown = client.post(
        "/login",
        data={"email": "nobody@rondesse.example", "password": "whatever1", "csrf_token": token},
    )
    assert unknown.status_code == 401 and "do not match" in unknown.text
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(
    client: TestClient, world: World
) -> None:
    token = csrf_from(client.get("/login?next=/queue/rows").text)
    form = {"email": world.agent_ana.email, "password": "sopdesk-demo-1", "csrf_token": token}
    response = client.post("/login", data={**form, "next": "//evil.example/"})
    assert response.url.path == "/queue"
    client.post("/logout", headers={"X-CSRF-Token": csrf_from(client.get("/queue").text)})
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={**form, "csrf_token": token, "next": "/queue/rows"}, follow_redirects=False
    )
    assert response.headers["location"] == "/queue/rows"


def test_login_form_without_csrf_token_is_refused(client: TestClient, world: World) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": world.agent_ana.email, "password": "x" * 9})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_state_changes_need_the_csrf_token_of_the_session(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    token = csrf_from(client.get("/queue").text)
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post("/logout", headers={"X-CSRF-Token": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert client.get("/queue").status_code == 200  # still logged in

    # htmx sends the header from hx-headers; plain forms send the hidden field.
    assert f'"X-CSRF-Token": "{token}"' in client.get("/queue").text
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_csrf_refusal_has_the_json_error_shape_for_json_clients(
    client: TestClient, world: World
) -> None:
    login(client, world.agent_ana)
    response = client.post("/logout", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "csrf_failed",
        "message": "missing or stale CSRF token: reload the page and try again",
        "fields": [],
    }


def test_bearer_tokens_authenticate_the_api_without_csrf(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    token = token_for(session_factory, world.other_org_olga)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": world.other_org_olga.id,
        "org_id": "myoperator",
        "email": "olga@myoperator.example",
        "name": "Olga Ivanova",
        "role": "supervisor",
        "team": None,
    }
    # No cookie, no CSRF token: a bearer request carries no ambient authority to forge.
    posted = client.post(
        "/logout", headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )
    assert posted.status_code == 303

    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer sopd_not-a-token"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert bad.json()["error"] == {
        "code": "unauthenticated",
        "message": "invalid token",
        "fields": [],
    }


def test_a_bearer_header_wins_over_the_session_cookie(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    login(client, world.agent_ana)
    token = token_for(session_factory, world.other_org_olga)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "olga@myoperator.example"
    assert client.get("/api/v1/me").json()["email"] == "ana@rondesse.example"


def test_token_create_command_prints_a_working_token(
    client: TestClient, db_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["token", "create", "--org", "rondesse", "--user", "sam@rondesse.example"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("sopd_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "sam@rondesse.example"

    wrong_org = runner.invoke(
        cli, ["token", "create", "--org", "myoperator", "--user", "sam@rondesse.example"]
    )
    assert wrong_org.exit_code == 2
    assert "no user sam@rondesse.example in org 'myoperator'" in wrong_org.output
