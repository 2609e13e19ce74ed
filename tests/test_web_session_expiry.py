"""A session ends SESSION_MAX_AGE after logging in, by the app's clock. Then a page asks to log
in and come back to itself; an htmx request gets 401 (the page's script says what was not
saved), never the login page as a fragment nor a round trip to the action's URL; a plain form
post comes back to the page that sent it. After logging in, `next` is only ever a page of this
site: never off-site, never an action's URL (which would answer 405)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.progress import progress_of
from sopdesk.web.security import SESSION_MAX_AGE, safe_next
from web_helpers import NOW, TestClock, csrf_from, login, make_app, ring

OFF_SITE = [
    "//evil.example/",
    "https://evil.example/calls/1",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " /calls/1",
    "/calls/1\r\nSet-Cookie: x=1",
    "evil.example/calls",
    "",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_is_never_an_off_site_url(target: str) -> None:
    assert safe_next(target, default="") == ""


@pytest.mark.parametrize(
    "target", ["/calls/7", "/tasks?tab=mine", "/kb/articles/a-b", "/kb?q=client wants legal"]
)
def test_next_keeps_a_local_path(target: str) -> None:
    assert safe_next(target, default="") == target


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World, clock: TestClock) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, clock)) as c:
        yield c


def _login_to(client: TestClient, user: Any, next_url: str) -> Any:
    token = csrf_from(client.get("/login").text)
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token, "next": next_url}
    return client.post("/login", data=form, follow_redirects=False)


def _csrf(html: str) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert match
    return match.group(1)


def test_login_returns_only_to_a_page_of_this_site(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    call = ring(session_factory, "rondesse", "exp-1", label="Rondesse PSOS")
    for target in [*OFF_SITE, f"/calls/{call}/steps/mute", f"/calls/{call}/wrap-up", "/api/v1/me"]:
        landed = _login_to(client, world.agent_ana, target)
        assert landed.status_code == 303 and landed.headers["location"] == "/queue", target
        client.post("/logout", headers={"X-CSRF-Token": _csrf(client.get("/queue").text)})
    back = _login_to(client, world.agent_ana, f"/calls/{call}")
    assert back.headers["location"] == f"/calls/{call}"
    # The form does not even carry an off-site or action `next` it was given.
    client.post("/logout", headers={"X-CSRF-Token": _csrf(client.get("/queue").text)})
    form = client.get("/login", params={"next": "//evil.example/"}).text
    assert 'name="next" value="//evil.example/"' not in form and "evil.example" not in form


def test_a_session_ends_by_the_apps_clock(
    client: TestClient, session_factory: sessionmaker[Session], world: World, clock: TestClock
) -> None:
    call = ring(session_factory, "rondesse", "exp-2", label="Rondesse PSOS")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, call, NOW)
    login(client, world.agent_ana)
    page = client.get(f"/calls/{call}")
    headers = {"X-CSRF-Token": _csrf(page.text), "HX-Request": "true"}
    clock.set(clock() + timedelta(seconds=SESSION_MAX_AGE - 60))
    assert client.get(f"/calls/{call}").status_code == 200  # a long shift, still logged in
    clock.set(clock() + timedelta(seconds=61))

    tick = client.put(f"/calls/{call}/steps/mute", data={"done": "true"}, headers=headers)
    assert tick.status_code == 401 and "hx-redirect" not in tick.headers
    assert tick.json()["error"]["message"] == "your session has ended: log in again"
    assert "<form" not in tick.text  # not the login page swapped into the call screen
    # A page asks to log in and come back to itself (its query too).
    again = client.get(f"/calls/{call}?from=queue", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == f"/login?next=/calls/{call}%3Ffrom%3Dqueue"
    # The login page shows its form (no loop back to the call with the ended session).
    assert 'name="password"' in client.get(f"/login?next=/calls/{call}").text
    with transaction(session_factory) as s:
        interaction = desk.access_interaction(s, world.agent_ana, call)
        assert progress_of(interaction).completed_steps == []  # the refused tick did nothing


def test_a_plain_form_post_comes_back_to_the_page_that_sent_it(
    client: TestClient, session_factory: sessionmaker[Session], world: World, clock: TestClock
) -> None:
    call = ring(session_factory, "rondesse", "exp-3", label="Rondesse PSOS")
    login(client, world.agent_ana)
    token = _csrf(client.get(f"/calls/{call}").text)
    clock.set(clock() + timedelta(seconds=SESSION_MAX_AGE + 1))
    sent = {"csrf_token": token}
    here = {"Referer": f"http://testserver/calls/{call}"}
    post = client.post(f"/calls/{call}/accept", data=sent, headers=here, follow_redirects=False)
    assert post.status_code == 303 and post.headers["location"] == f"/login?next=/calls/{call}"
    away = {"Referer": f"https://evil.example/calls/{call}"}
    post = client.post(f"/calls/{call}/accept", data=sent, headers=away, follow_redirects=False)
    assert post.headers["location"] == "/login"  # another site's page is not a way back
    # Logging in again goes back to the call, which the refused take did not change.
    back = _login_to(client, world.agent_ana, f"/calls/{call}")
    assert back.headers["location"] == f"/calls/{call}"
    assert client.get(f"/calls/{call}").status_code == 200
    with transaction(session_factory) as s:
        assert desk.access_interaction(s, world.agent_ana, call).agent_id is None


def test_another_orgs_user_logging_in_to_a_call_url_does_not_see_it(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    call = ring(session_factory, "rondesse", "exp-4", label="Rondesse PSOS")
    landed = _login_to(client, world.other_org_olga, f"/calls/{call}")
    assert landed.headers["location"] == f"/calls/{call}"  # a page of this site...
    assert client.get(f"/calls/{call}").status_code == 404  # ...that is not hers to see
