"""The call screen's work keys in Debian Chromium: X ticks the step marked Now, a scenario's
number opens it at its first empty field, U links the account the caller's number matches,
and W still wraps up while a step's checkbox has the focus. No console error, no CSP
violation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world
from personas import World

pytestmark = pytest.mark.sqlite_only
__all__ = ["server", "world"]  # fixtures, imported for pytest


def test_x_a_number_and_u_move_the_call_on_from_the_keyboard(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    wait_live(page)
    # Dee Carter's number is on her account: the call screen suggests it.
    rung = ring_via_api(
        server,
        session_factory,
        world.supervisor_sam,
        label="Rondesse PSOS",
        caller_number="+14155552671",
        caller_name="Dee Carter",
    )
    page.goto(f"/calls/{rung['id']}")
    page.keyboard.press("a")
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")

    page.keyboard.press("x")
    expect(page.locator("#step-mute")).to_have_class("step step--done")
    expect(page.locator("#step-listen")).to_have_class("step step--current")
    page.focus("#step-box-mute")  # a checkbox with the focus does not swallow the keys
    page.keyboard.press("x")
    expect(page.locator("#step-listen")).to_have_class("step step--done")

    key = page.locator("#sc-crypto .scenario__key").inner_text()
    assert key.isdigit()
    page.keyboard.press(key)
    assert page.locator("#sc-crypto").get_attribute("open") is not None
    expect(page.locator("#f-crypto-concern")).to_be_focused()
    page.keyboard.press("Escape")

    page.keyboard.press("u")
    expect(page.locator("#call-account-linked .account-card")).to_contain_text("Dee Carter")

    page.focus("#step-box-listen")
    page.keyboard.press("w")  # heard although a checkbox has the focus
    expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")
    assert problems == [], problems
    page.context.close()


def test_keys_typed_while_the_call_is_being_taken_wait_for_it(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    """A then X faster than the server takes the call (held here for 600 ms, as on a busy
    desk): the tick waits for the take and lands on the taken call, nothing is refused."""
    import time

    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    wait_live(page)
    rung = ring_via_api(server, session_factory, world.supervisor_sam, label="Rondesse PSOS")

    def slow_take(route: Any) -> None:
        time.sleep(0.6)
        route.continue_()

    page.route("**/calls/*/accept", slow_take)
    page.goto(f"/calls/{rung['id']}")
    page.keyboard.press("a")
    page.keyboard.press("x")
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    expect(page.locator("#step-mute")).to_have_class("step step--done")
