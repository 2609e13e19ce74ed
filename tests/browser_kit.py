"""Shared by the desk's browser tests: Debian Chromium through Playwright, a live server on the
test database, logging in through the real form, and calls rung through the real API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, World, build_world
from sopdesk.events import bind_bus
from sopdesk.orgs.models import User
from web_helpers import live_server, make_app, token_for

LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def server(
    db_url: str, session_factory: sessionmaker[Session], world: World, clock: Any
) -> Iterator[str]:
    app = make_app(db_url, clock)
    bind_bus(session_factory, app.state.bus)  # what the test commits shows on this app's screens
    with live_server(app) as url:
        yield url


def open_desk(browser: Any, base: str, user: User, path: str = "/queue", **options: Any) -> Any:
    """A fresh browser context (laptop-sized unless `options` say otherwise, e.g. a phone's
    viewport), logged in as `user` through the login form."""
    context = browser.new_context(base_url=base, **{"viewport": LAPTOP, **options})
    page = context.new_page()
    page.goto(f"/login?next={path}")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    return page


def wait_live(page: Any) -> None:
    """Until the page's event stream is open (the top bar says Live)."""
    page.wait_for_selector("#live-status.live--on", timeout=10_000)


def ring_via_api(
    base: str, factory: sessionmaker[Session], user: User, **call: str
) -> dict[str, Any]:
    """POST /api/v1/calls as an integration would, with a bearer token."""
    headers = {"Authorization": f"Bearer {token_for(factory, user)}"}
    response = httpx.post(f"{base}/api/v1/calls", json=call, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
