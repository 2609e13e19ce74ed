"""The account page: a person changes their password, ends a session, makes and revokes a token.

The page is a front on orgs.access, like the API's /sessions, /tokens and /me/password: these
tests check what the person sees and that each action really took effect (the old password
and the ended session no longer let anyone in, a revoked token gets 401).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, World, build_world
from web_helpers import TestClock, csrf_from, login, make_app, token_for

NEW_PASSWORD = "a-new-long-password"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


def _client(db_url: str, clock: TestClock) -> TestClient:
    return TestClient(make_app(db_url, clock=clock))


@pytest.fixture
def ana(db_url: str, world: World, clock: TestClock) -> Iterator[TestClient]:
    with _client(db_url, clock) as client:
        assert login(client, world.agent_ana).status_code == 303
        yield client


def _csrf(client: TestClient) -> str:
    return csrf_from(client.get("/account").text)


def _change_password(client: TestClient, current: str, again: str) -> httpx.Response:
    """The password form sent with NEW_PASSWORD as the new one, typed `again` the second time."""
    form = {"current_password": current, "new_password": NEW_PASSWORD, "new_password_again": again}
    return client.post("/account/password", data={**form, "csrf_token": _csrf(client)})


def test_the_page_shows_the_persons_own_sessions_and_tokens(
    ana: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    token_for(session_factory, world.agent_bo)  # Bo's: an agent sees only their own
    page = ana.get("/account")
    assert page.status_code == 200
    assert world.agent_ana.email in page.text
    assert page.text.count("data-session=") == 1
    assert "This browser" in page.text
    assert "No API token yet." in page.text


def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    ana: TestClient, world: World, db_url: str, clock: TestClock
) -> None:
    with _client(db_url, clock) as other_browser:
        login(other_browser, world.agent_ana)
        assert other_browser.get("/account").status_code == 200
        wrong = _change_password(ana, "not-it", NEW_PASSWORD)
        assert wrong.status_code == 422
        assert "Is not your current password." in wrong.text
        mismatch = _change_password(ana, PASSWORD, NEW_PASSWORD + "x")
        assert mismatch.status_code == 422
        assert "Does not match the new password." in mismatch.text
        done = _change_password(ana, PASSWORD, NEW_PASSWORD)
        assert done.status_code == 200
        assert "Password changed. 1 other session ended; this one stays." in done.text
        assert ana.get("/account").status_code == 200  # this browser stays in
        ended = other_browser.get("/account", follow_redirects=False)
        assert ended.status_code in (303, 401)  # the other one is out
    with _client(db_url, clock) as fresh:
        assert login(fresh, world.agent_ana).status_code == 401
        assert login(fresh, world.agent_ana, NEW_PASSWORD).status_code == 303


def test_ending_a_session_from_the_page(
    ana: TestClient, world: World, db_url: str, clock: TestClock
) -> None:
    with _client(db_url, clock) as other_browser:
        login(other_browser, world.agent_ana)
        page = ana.get("/account").text
        ids = [int(i) for i in re.findall(r'data-session="(\d+)"', page)]
        assert len(ids) == 2
        mine = re.search(
            r'data-session="(\d+)">\s*<td>[^<]*<time[^>]*>[^<]*</time> '
            r'<span class="badge">This browser',
            page,
        )
        assert mine is not None
        theirs = next(i for i in ids if i != int(mine.group(1)))
        ended = ana.post(
            f"/account/sessions/{theirs}/end",
            data={"csrf_token": csrf_from(page)},
            follow_redirects=False,
        )
        assert ended.status_code == 303
        assert other_browser.get("/account", follow_redirects=False).status_code in (303, 401)
        out = ana.post(
            f"/account/sessions/{mine.group(1)}/end",
            data={"csrf_token": _csrf(ana)},
            follow_redirects=False,
        )
        assert out.headers["location"] == "/login"
        assert ana.get("/account", follow_redirects=False).status_code in (303, 401)


def test_another_persons_session_is_not_found(
    ana: TestClient, world: World, db_url: str, clock: TestClock
) -> None:
    with _client(db_url, clock) as bo:
        login(bo, world.agent_bo)
        bo_page = bo.get("/account").text
        bo_session = re.search(r'data-session="(\d+)"', bo_page)
        assert bo_session is not None
        refused = ana.post(
            f"/account/sessions/{bo_session.group(1)}/end", data={"csrf_token": _csrf(ana)}
        )
        assert refused.status_code == 404
        assert bo.get("/account").status_code == 200


def test_a_token_made_on_the_page_is_shown_once_works_and_is_revoked(ana: TestClient) -> None:
    made = ana.post(
        "/account/tokens",
        data={"label": "CRM sync", "expires_days": "30", "csrf_token": _csrf(ana)},
    )
    assert made.status_code == 201
    token = re.search(r'id="new-token" readonly value="([^"]+)"', made.text)
    assert token is not None
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert ana.get("/api/v1/tokens", headers=bearer).status_code == 200
    page = ana.get("/account").text
    assert token.group(1) not in page  # shown once
    assert "CRM sync" in page
    token_id = re.search(r'data-token="(\d+)"', page)
    assert token_id is not None
    revoked = ana.post(
        f"/account/tokens/{token_id.group(1)}/revoke",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert ana.get("/api/v1/tokens", headers=bearer).status_code == 401
    assert "Revoked" in ana.get("/account").text


def test_a_token_without_expiry(ana: TestClient) -> None:
    made = ana.post(
        "/account/tokens", data={"label": "", "expires_days": "", "csrf_token": _csrf(ana)}
    )
    assert made.status_code == 201
    assert "Never" in made.text
