"""Many desk tabs in one Chromium, against a live server: they share one live stream.

Chromium opens at most six connections per host over HTTP/1.1; with one event stream per tab,
six tabs froze the desk ("Take call" did nothing, a seventh tab never loaded). Ten tabs of one
agent now hold one `GET /events` between them (static/live_stream.js, live_worker.js): a call
rung through the API shows on every queue tab, "Take call" works in the tenth, an eleventh tab
loads, and closing the tab that opened the stream leaves the others live. Two people never
share a stream, not in two contexts and not one after the other in the same browser. A stream
the server ends comes back in every tab, with its resync; without a SharedWorker each tab keeps
its own stream. No tab logs a console error, a page error or a CSP violation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import LAPTOP, open_desk, ring_via_api, wait_live, world
from personas import PASSWORD, ROOT, T0, World
from sopdesk.db import transaction
from sopdesk.events import bind_bus
from sopdesk.kb.models import Article
from sopdesk.kb.service import import_folder
from sopdesk.orgs.models import User
from web_helpers import csrf_from, live_server, login, make_app, ring

pytestmark = pytest.mark.sqlite_only
__all__ = ["world"]  # fixture, imported for pytest

# What a tab heard on its stream, for the tests that ask which events reached which person.
RECORD_EVENTS = """() => {
  window.heard = [];
  for (const name of ["htmx:sseBeforeMessage", "htmx:sseMessage"]) {
    document.addEventListener(name, (e) => window.heard.push(e.detail.type + " " + e.detail.data));
  }
  for (const name of ["htmx:sseError", "htmx:sseOpen"]) {
    document.body.addEventListener(name, () => window.heard.push(name));
  }
}"""


@pytest.fixture
def desk(
    db_url: str, session_factory: sessionmaker[Session], world: World, clock: Any
) -> Iterator[tuple[str, Any]]:
    """browser_kit's `server`, with its app: the tests count the streams its bus serves."""
    app = make_app(db_url, clock)
    bind_bus(session_factory, app.state.bus)
    with live_server(app) as url:
        yield url, app


def _streams(app: Any, org: str, expected: int) -> int:
    """The org's open streams, once they settle on `expected` (or after 5 s)."""
    deadline = time.monotonic() + 5
    count: int = app.state.bus.subscriber_count(org)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        count = app.state.bus.subscriber_count(org)
    return count


def _watch(page: Any, problems: list[str]) -> None:
    """Collect the page's console errors and page errors, each with the page it came from."""

    def console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))


def _tab(context: Any, path: str, problems: list[str]) -> Any:
    page = context.new_page()
    _watch(page, problems)
    page.goto(path, timeout=10_000)
    wait_live(page)
    return page


def _log_in(page: Any, user: User) -> None:
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")


def _articles(factory: sessionmaker[Session], n: int) -> list[str]:
    with transaction(factory) as s:
        import_folder(s, "rondesse", ROOT / "playbooks/rondesse/articles", T0, by="test")
        slugs = s.scalars(select(Article.slug).where(Article.org_id == "rondesse").limit(n))
        return list(slugs)


def _key(html: str) -> str:
    match = re.search(r'data-live-stream="([0-9a-f]{20})"', html)
    assert match, "no live-stream key on the page"
    return match.group(1)


def test_a_session_names_its_stream_and_each_login_another(
    desk: tuple[str, Any], world: World
) -> None:
    """The worker's name (`data-live-stream`): one per session, not its CSRF token."""
    with httpx.Client(base_url=desk[0], timeout=10) as client:
        assert "data-live-stream" not in client.get("/login").text  # no stream before login
        login(client, world.agent_ana)
        queue = client.get("/queue").text
        first = _key(queue)
        assert _key(client.get("/tasks").text) == first
        assert first not in csrf_from(queue)
        assert '<script src="/static/live_stream.js" defer></script>' in queue
        client.post("/logout", data={"csrf_token": csrf_from(queue)})
        login(client, world.other_org_olga)
        assert _key(client.get("/queue").text) != first


def test_ten_tabs_share_one_stream_and_every_action_still_works(
    browser: Any, desk: tuple[str, Any], session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    server, app = desk
    earlier = ring(session_factory, "rondesse", "tabs-0", label="Rondesse USOS")
    first = open_desk(browser, server, world.agent_ana, "/queue")
    problems: list[str] = []
    _watch(first, problems)
    wait_live(first)
    context = first.context
    paths = [f"/calls/{earlier}", "/tasks", "/kb", "/tickets", "/accounts", "/queue", "/queue"]
    paths[3:3] = [f"/kb/articles/{slug}" for slug in _articles(session_factory, 2)]
    tabs = [first] + [_tab(context, path, problems) for path in paths]
    assert len(tabs) == 10
    assert _streams(app, "rondesse", 1) == 1  # ten tabs, one stream

    call = ring_via_api(
        server, session_factory, world.supervisor_sam, external_id="tabs-1", label="Rondesse USOS"
    )
    queues = [tab for tab in tabs if tab.url.endswith("/queue")]
    assert len(queues) == 3
    for tab in queues:
        expect(tab.locator(f'tr[data-id="{call["id"]}"]')).to_be_visible()

    tenth = tabs[-1]
    tenth.locator(f'tr[data-id="{call["id"]}"] a.row-link').click()
    tenth.wait_for_url(f"**/calls/{call['id']}")
    wait_live(tenth)
    tenth.get_by_role("button", name="Take call").click()
    expect(tenth.locator("#call-header")).to_contain_text("Ana Reyes")

    eleventh = _tab(context, "/queue", problems)
    expect(eleventh.locator(f'tr[data-id="{call["id"]}"]')).to_contain_text("Ana Reyes")

    # The first tab opened the stream; the others keep it when it goes.
    first.close()
    later = ring_via_api(
        server, session_factory, world.supervisor_sam, external_id="tabs-2", label="Rondesse USOS"
    )
    for tab in (tabs[-2], eleventh):
        expect(tab.locator(f'tr[data-id="{later["id"]}"]')).to_be_visible()
    expect(tabs[1].locator("#live-status")).to_have_class("live live--on")
    assert _streams(app, "rondesse", 1) == 1
    assert problems == [], problems
    context.close()


@pytest.mark.console_allows(r"console error: \[object Event\]$")  # htmx logs the dropped stream
def test_a_stream_ended_by_the_server_comes_back_in_every_tab(
    browser: Any, desk: tuple[str, Any], session_factory: sessionmaker[Session], world: World
) -> None:
    """What a restart does to a stream (the bus ends it); each tab resyncs once it is back."""
    from playwright.sync_api import expect

    server, app = desk
    first = open_desk(browser, server, world.agent_ana, "/queue")
    problems: list[str] = []
    _watch(first, problems)
    wait_live(first)
    tabs = [first] + [_tab(first.context, "/queue", problems) for _ in range(2)]
    for tab in tabs:
        tab.evaluate(RECORD_EVENTS)
    before = ring(session_factory, "rondesse", "back-0", label="Rondesse USOS")
    for tab in tabs:  # the stream has an event id: its reconnection sends Last-Event-ID
        expect(tab.locator(f'tr[data-id="{before}"]')).to_be_visible()
    app.state.bus.end_all()
    expect(first.locator("#live-status")).to_have_text("Reconnecting…")
    for tab in tabs:
        wait_live(tab)  # the stream reconnects after the server's retry time (2 s)
        assert tab.evaluate("window.heard").count("htmx:sseError") == 1
    call = ring(session_factory, "rondesse", "back-1", label="Rondesse USOS")
    for tab in tabs:
        expect(tab.locator(f'tr[data-id="{call}"]')).to_be_visible()
        # The server's resync for a reconnection that sent Last-Event-ID reached each tab.
        assert any(seen.startswith("resync ") for seen in tab.evaluate("window.heard"))
    assert _streams(app, "rondesse", 1) == 1
    # htmx logs the error event of the dropped stream itself ("[object Event]"), in each tab.
    assert [p for p in problems if not p.endswith(": [object Event]")] == [], problems
    first.context.close()


def _heard_call(page: Any, call: int) -> bool:
    return any(f'"id":{call},' in seen for seen in page.evaluate("window.heard"))


def test_two_people_never_share_a_stream(
    browser: Any, desk: tuple[str, Any], session_factory: sessionmaker[Session], world: World
) -> None:
    server, app = desk
    problems: list[str] = []
    ana = open_desk(browser, server, world.agent_ana, "/queue")
    olga = open_desk(browser, server, world.other_org_olga, "/queue")
    # Lee takes no calls: his page has no presence bar, so nothing sends it to the login page
    # when his session ends in another tab, and his stream stays open (it was his at connect).
    lee = open_desk(browser, server, world.lawyer_lee, "/tickets")
    for page in (ana, olga, lee):
        _watch(page, problems)
        wait_live(page)
        page.evaluate(RECORD_EVENTS)
    assert (_streams(app, "rondesse", 2), _streams(app, "myoperator", 1)) == (2, 1)

    # In Lee's browser a second tab logs out and Priya (MyOperator) logs in.
    second = lee.context.new_page()
    _watch(second, problems)
    second.goto("/tickets")
    wait_live(second)
    second.get_by_role("button", name="Log out").click()
    second.wait_for_url("**/login**")
    _log_in(second, world.agent_priya)
    wait_live(second)
    second.evaluate(RECORD_EVENTS)
    assert _streams(app, "myoperator", 2) == 2  # Olga's, and Priya's own
    assert _streams(app, "rondesse", 2) == 2  # Ana's, and Lee's still open in his first tab

    call = ring(session_factory, "rondesse", "two-1", label="Rondesse USOS")
    deadline = time.monotonic() + 10
    while not _heard_call(ana, call):
        assert time.monotonic() < deadline, "Ana's tab never heard the Rondesse call"
        time.sleep(0.05)
    time.sleep(0.5)  # time enough for a wrongly shared stream to deliver it too
    assert not _heard_call(olga, call)
    assert not _heard_call(second, call)
    assert problems == [], problems
    for page in (ana, olga, lee):
        page.context.close()


def _fresh_context(browser: Any, server: str, user: User, setup: Any) -> Any:
    """A context logged in as `user` whose pages `setup` changed before any desk page ran."""
    context = browser.new_context(viewport=LAPTOP, base_url=server)
    setup(context)
    page = context.new_page()
    page.goto("/login?next=/queue")
    _log_in(page, user)
    return page


@pytest.mark.console_allows(
    r"console error: \[object Event\]$", r"the shared worker did not start", r"gone\.js"
)  # provoked on purpose and asserted below
def test_without_a_shared_worker_each_tab_keeps_its_own_stream(
    browser: Any, desk: tuple[str, Any], session_factory: sessionmaker[Session], world: World
) -> None:
    """Chrome on Android has no SharedWorker; a worker that does not start is said, once."""
    from playwright.sync_api import expect

    server, app = desk
    problems: list[str] = []
    first = _fresh_context(
        browser, server, world.agent_ana, lambda c: c.add_init_script("delete window.SharedWorker")
    )
    _watch(first, problems)
    _tab(first.context, "/tasks", problems)
    wait_live(first)
    assert _streams(app, "rondesse", 2) == 2
    first.context.close()
    assert problems == [], problems

    def no_worker(context: Any) -> None:  # the worker's script cannot be loaded
        context.add_init_script(
            "const Real = window.SharedWorker;"
            "window.SharedWorker = function (url, o) { return new Real('/static/gone.js', o); };"
        )

    broken = _fresh_context(browser, server, world.agent_ana, no_worker)
    _watch(broken, problems)
    wait_live(broken)
    call = ring(session_factory, "rondesse", "fallback-1", label="Rondesse USOS")
    expect(broken.locator(f'tr[data-id="{call}"]')).to_be_visible()
    queue = f"{server}/queue"
    # Said once; htmx then logs the closed shared source's error event, as for any stream error.
    assert problems == [
        f"{queue}: sopdesk live stream: the shared worker did not start (script error);"
        " each tab opens its own stream",
        f"{queue}: [object Event]",
    ], problems
    broken.context.close()
