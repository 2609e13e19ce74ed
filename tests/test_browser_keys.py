"""The desk from the keyboard in Debian Chromium: taking a call puts the focus on the step
marked Now; every call key (A, X, S, 1-9, F, U, R, N, W) works while a step's checkbox or a
scenario's heading has the focus; a key of the top bar leaves a call the agent holds only when
pressed twice (once says so), and any other page at once; `?` lists exactly the keys that work
on the page it opens on. No console error, no page error, no CSP violation on any page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world
from personas import World
from sopdesk.web.shortcuts import TO

pytestmark = pytest.mark.sqlite_only
__all__ = ["server", "world"]  # fixtures, imported for pytest

KNOWN = "+14155552671"  # Dee Carter's number, on her account: the screen suggests it (U)
STEP_BOX = ".step__box >> nth=-1"  # the last step's checkbox: where Space leaves the agent
HEADING = "details.scenario summary >> nth=0"


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _ring(server: str, factory: sessionmaker[Session], world: World, number: str) -> int:
    call = ring_via_api(
        server,
        factory,
        world.supervisor_sam,
        label="Rondesse PSOS",
        caller_number=number,
        caller_name="Dee Carter",
    )
    return int(call["id"])


def _from(page: Any, origin: str) -> Callable[[str], None]:
    """Press a key with the focus on `origin` (put back before every key)."""

    def press(key: str) -> None:
        page.focus(origin)
        page.keyboard.press(key)

    return press


def _work_keys(page: Any, origin: str) -> None:
    """N, F, S and 1-9 move the focus; X ticks; U links; W wraps up: all from `origin`."""
    from playwright.sync_api import expect

    press = _from(page, origin)
    press("n")
    expect(page.locator("#call-summary")).to_be_focused()
    press("f")
    expect(page.locator("#account-q")).to_be_focused()
    press("s")
    expect(page.locator(HEADING)).to_be_focused()
    scenarios = page.locator("details.scenario")
    for n in range(1, 10):
        press(str(n))
        if n <= scenarios.count():
            expect(scenarios.nth(n - 1)).to_have_attribute("open", "")
            assert page.evaluate(
                f"document.querySelectorAll('details.scenario')[{n - 1}]"
                ".contains(document.activeElement)"
            )
    press("x")
    expect(page.locator("#step-mute")).to_have_class("step step--done")
    press("x")
    expect(page.locator("#step-listen")).to_have_class("step step--done")
    press("u")
    expect(page.locator("#call-account-linked .account-card")).to_contain_text("Dee Carter")
    press("w")
    expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")


def _take_and_record(page: Any, call: int, origin: str) -> None:
    """A takes a new caller's call and R records them, both from `origin`."""
    from playwright.sync_api import expect

    page.goto(f"/calls/{call}")
    press = _from(page, origin)
    press("a")
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    press("r")
    expect(page.locator("#call-account-linked .account-card")).to_be_visible()
    page.click("#release-call")  # an agent holds as many calls as the org allows: one
    expect(page.locator("#take-call")).to_be_visible()


def test_every_call_key_works_from_a_step_box_and_a_scenario_heading(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    problems = _watch(page)
    wait_live(page)
    first, second = (_ring(server, session_factory, world, KNOWN) for _ in range(2))
    new_callers = [_ring(server, session_factory, world, f"+1202555010{n}") for n in (1, 2)]

    page.goto(f"/calls/{first}")
    page.keyboard.press("a")  # from the body, as the page opens
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    expect(page.locator("#step-box-mute")).to_be_focused()  # the step marked Now, not the body
    _work_keys(page, STEP_BOX)
    _take_and_record(page, new_callers[0], STEP_BOX)

    page.goto(f"/calls/{second}")
    _from(page, HEADING)("a")
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    _work_keys(page, HEADING)
    _take_and_record(page, new_callers[1], HEADING)
    assert problems == [], problems
    page.context.close()


def test_a_top_bar_key_leaves_a_held_call_only_when_pressed_twice(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    problems = _watch(page)
    wait_live(page)
    held, other = (_ring(server, session_factory, world, KNOWN) for _ in range(2))
    page.goto(f"/calls/{held}")
    page.keyboard.press("a")
    expect(page.locator("#call-owner")).to_have_attribute("data-leave-guard", "2000")

    hint = page.locator("#leave-hint")
    page.keyboard.press("q")
    expect(hint).to_have_text("Press Q again to leave this call.")
    expect(hint).to_have_attribute("role", "status")
    page.wait_for_timeout(2300)  # too late for a second press: the note is gone, nothing left
    expect(hint).to_have_text("")
    page.keyboard.press("q")
    expect(hint).to_have_text("Press Q again to leave this call.")
    page.keyboard.press("t")  # another key starts over
    expect(hint).to_have_text("Press T again to leave this call.")
    assert page.url.endswith(f"/calls/{held}")
    page.keyboard.press("t")
    page.wait_for_url("**/tasks")

    page.goto(f"/calls/{other}")  # nobody holds this one: the key leaves at once
    expect(page.locator("#take-call")).to_be_visible()
    page.keyboard.press("q")
    page.wait_for_url("**/queue")
    assert problems == [], problems
    page.context.close()


def _listed(page: Any) -> list[str]:
    """The keys the open ? dialog shows (the text of each visible line's keys)."""
    page.keyboard.press("?")
    shown: list[str] = page.evaluate(
        """Array.from(document.querySelectorAll('#shortcuts [data-needs]'))
             .filter(line => !line.closest('[hidden]'))
             .map(line => line.querySelector('dt').textContent.replace(/\\s+/g, ' ').trim())"""
    )
    page.keyboard.press("Escape")
    return shown


def _page_keys(page: Any) -> set[str]:
    """The keys the page's own controls carry (data-shortcut), upper-cased as listed."""
    keys: list[str] = page.evaluate(
        """Array.from(document.querySelectorAll('[data-shortcut]'))
             .map(el => el.dataset.shortcut.toUpperCase())"""
    )
    return set(keys)


def test_the_help_lists_exactly_the_keys_of_its_page(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    page = open_desk(browser, server, world.agent_ana)
    problems = _watch(page)
    wait_live(page)
    call = _ring(server, session_factory, world, KNOWN)
    page.wait_for_selector(f'tr[data-id="{call}"] .row-link')
    queue = _listed(page)
    assert {"Q", "C", "L", "T", "I", "G", "J / K", "Enter", "M", "Esc", "?"} == set(queue)
    assert _page_keys(page) <= set(queue)

    page.goto(f"/calls/{call}")
    on_call = _listed(page)
    assert {"A", "X", "S", f"1 {TO} 9", "F", "↓ / ↑", "U", "R", "N", "W", "Tab / Space"} <= set(
        on_call
    )
    assert not {"M", "J / K", "B", "/", "Q twice"} & set(on_call)  # not here, not yet held
    assert _page_keys(page) <= set(on_call)
    page.keyboard.press("a")
    page.wait_for_selector("#call-owner[data-leave-guard]")
    held = _listed(page)
    assert "Q twice" in held and "A" not in held  # taken: A has nothing left to do

    page.goto("/accounts")
    accounts = _listed(page)
    assert "/" in accounts and "J / K" in accounts and "X" not in accounts
    page.context.close()

    assert problems == [], problems
    page = open_desk(browser, server, world.supervisor_sam, "/board")
    problems = _watch(page)
    board = _listed(page)
    assert "B" in board and _page_keys(page) <= set(board)
    assert problems == [], problems
    page.context.close()
