"""Presence in Debian Chromium: Ana sets Break from her top bar with the keyboard and Sam's board
shows it live; she accepts a call and the board shows her On a call. No console error, no CSP
violation, no reload."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world
from personas import World

pytestmark = pytest.mark.sqlite_only
__all__ = ["server", "world"]  # fixtures, imported for pytest


def _watch(page: Any, problems: list[str]) -> None:
    """Collect console errors (CSP violations among them) and uncaught page errors."""
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text} at {message.location}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))


def test_an_agents_break_and_call_show_live_on_the_supervisors_board(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    board = open_desk(browser, server, world.supervisor_sam, "/board")
    _watch(board, problems)
    wait_live(board)
    board.evaluate("window.sopdeskNoReload = true")
    ana_row = board.locator(f'.board-agents tr[data-agent="{world.agent_ana.id}"]')

    ana = open_desk(browser, server, world.agent_ana, "/queue")
    _watch(ana, problems)
    wait_live(ana)
    expect(ana.locator("#presence-state")).to_contain_text("Available")
    expect(ana_row).to_have_attribute("data-state", "available")

    # The keyboard reaches the control: focus the choice, pick Break, Tab to Set, Enter.
    ana.focus("#presence-choice")
    ana.select_option("#presence-choice", "break")
    ana.keyboard.press("Tab")
    assert ana.evaluate("document.activeElement.textContent.trim()") == "Set"
    ana.keyboard.press("Enter")
    expect(ana.locator("#presence-state")).to_contain_text("Break")
    assert ana.evaluate("document.getElementById('presence').contains(document.activeElement)")

    expect(ana_row).to_have_attribute("data-state", "break")
    expect(ana_row).to_contain_text("Break")

    call = ring_via_api(
        server,
        session_factory,
        world.supervisor_sam,
        external_id="rc-presence-1",
        label="Rondesse Main Number",
        caller_number="+12125550100",
        caller_name="Jo Doe",
    )
    ana.goto(f"/calls/{call['id']}")
    wait_live(ana)
    ana.keyboard.press("a")  # take the call
    expect(ana.locator("#call-header")).to_contain_text("Ana Reyes")

    expect(ana_row).to_have_attribute("data-state", "on_call")
    expect(ana_row).to_contain_text("On a call")
    expect(ana_row).to_contain_text("then Break")  # her break waits for the wrap-up
    expect(ana_row.locator(f'a[href="/calls/{call["id"]}"]')).to_be_visible()
    expect(ana.locator("#presence-state")).to_contain_text("On a call")
    expect(ana.locator("label[for=presence-choice]")).to_have_text("After this call")
    assert board.evaluate("window.sopdeskNoReload") is True  # all of it live, no reload
    assert problems == []
