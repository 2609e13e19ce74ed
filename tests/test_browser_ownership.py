"""Two agents race to take one call in Chromium: one wins, the loser is told who has it, and
then sees the call read-only (controls disabled, the owner named); the owner has Release and
Transfer. No console error or CSP violation on either screen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world  # noqa: F401
from personas import World


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.console_allows(r"status of 409")  # refused on purpose, asserted below
def test_two_agents_race_to_take_a_call_and_the_loser_sees_it_read_only(
    browser: Any,
    server: str,  # noqa: F811
    session_factory: sessionmaker[Session],
    world: World,  # noqa: F811
) -> None:
    call = ring_via_api(
        server, session_factory, world.agent_ana, label="Rondesse Main Number", caller_name="Jo Doe"
    )
    path = f"/calls/{call['id']}"
    ana = open_desk(browser, server, world.agent_ana, path)
    bo = open_desk(browser, server, world.agent_bo, path)
    problems = _watch(ana) + _watch(bo)
    try:
        for page in (ana, bo):
            wait_live(page)
            page.locator("#take-call").wait_for()
        # Both press Take call at once; each click is sent before either answer is back.
        ana.evaluate("document.getElementById('take-call').click()")
        bo.evaluate("document.getElementById('take-call').click()")
        banner = "#call-owner .call-owner__banner"
        ana.locator(f"#call-owner .call-owner__mine, {banner}").wait_for(timeout=10_000)
        bo.locator(f"#call-owner .call-owner__mine, {banner}").wait_for(timeout=10_000)
        winner, loser = (ana, bo) if ana.locator(".call-owner__mine").count() else (bo, ana)
        winner_name = "Ana Reyes" if winner is ana else "Bo Lind"
        # The loser is told who has it, and the screen is read-only: the controls are disabled
        # in the DOM (not only hidden), there is no Take call, Release or Transfer.
        loser.locator(banner, has_text=f"{winner_name} has this call").wait_for(timeout=10_000)
        assert loser.locator("#take-call").count() == 0
        assert loser.locator("#release-call, #transfer-call, #wrap-up").count() == 0
        assert loser.locator("#step-box-greet").is_disabled()
        # The winner works the call and may release or transfer it.
        assert winner.locator("#release-call").is_visible()
        assert winner.locator("#transfer-to option", has_text="Lawyers").count() == 1
        assert winner.locator("#step-box-greet").is_enabled()
        winner.locator("#step-box-greet").check()
        winner.locator("#step-box-greet:checked").wait_for()
        # Releasing it puts it back: the other agent gets Take call again, live.
        winner.locator("#release-call").click()
        loser.locator("#take-call").wait_for(timeout=10_000)
        assert problems == []
    finally:
        ana.context.close()
        bo.context.close()
