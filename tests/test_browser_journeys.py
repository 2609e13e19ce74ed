"""Two calls an agent would recognise, in Debian Chromium against a live server.

(a) A PSOS call rung through the API pops on Ana's queue without a reload; she opens it, sees
MUTED, records a crypto scenario (an invalid amount shows its error inline, then is fixed), is
refused at wrap-up with what is missing, links the account, wraps up, and finds the note,
the call log and the tasks on the account.
(b) A Main Number caller who does not convert ends as a Hot lead on /leads.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world
from personas import World

pytestmark = pytest.mark.sqlite_only
__all__ = ["server", "world"]  # fixtures, imported for pytest

CRYPTO = {
    "concern": "Caller pressed to move savings into a 'safe' wallet",
    "caller_name": "Dee Carter",
    "cryptocurrency": "Bitcoin",
    "phone": "+1 415 555 2671",
    "email": "dee@example.com",
}


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


@pytest.mark.console_allows(r"status of 422")  # refused on purpose, asserted below
def test_psos_crypto_call_from_pop_to_the_account(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    expect = _expect()
    page = open_desk(browser, server, world.agent_ana)
    wait_live(page)
    page.evaluate("window.sopdeskNoReload = true")
    call = ring_via_api(
        server,
        session_factory,
        world.supervisor_sam,
        external_id="rc-psos-1",
        label="Rondesse PSOS",
        caller_number="+14155552671",
        caller_name="Dee Carter",
    )
    row = page.locator(f'tr[data-id="{call["id"]}"]')
    expect(row).to_contain_text("Highest")
    assert page.evaluate("window.sopdeskNoReload") is True  # it popped; nothing reloaded

    row.locator("a.row-link").click()
    page.wait_for_url(f"**/calls/{call['id']}")
    expect(page.locator("#call-opening")).to_contain_text("MUTED · LISTEN ONLY")
    expect(page.locator(".opening__greeting")).to_have_count(0)
    # The phone system reports the call answered: the open screen follows, no reload.
    answered = {"external_id": "rc-psos-1", "label": "Rondesse PSOS", "status": "answered"}
    ring_via_api(server, session_factory, world.supervisor_sam, **answered)
    expect(page.locator("#call-header")).to_contain_text("On call")
    page.keyboard.press("a")  # take the call from the keyboard
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    for step in ("mute", "listen"):
        page.check(f"#step-box-{step}")
        expect(page.locator(f"#step-{step}")).to_have_class("step step--done")

    page.click("#sc-crypto summary")
    for field, value in CRYPTO.items():
        page.fill(f"#f-crypto-{field}", value)
    page.select_option("#f-crypto-wallet_type", "Exchange / custodial")
    page.fill("#f-crypto-amount", "12000")
    page.keyboard.press("Tab")  # leaving the field saves the form
    expect(page.locator("#err-crypto-amount")).to_contain_text("the amount needs a currency")

    page.click("#wrap-up")
    expect(page.locator("#wrapup-refused")).to_contain_text("Wrap-up refused")
    owed = page.locator("#call-wrapup")
    expect(owed).to_contain_text("Link the customer's account")
    expect(owed).to_contain_text("Crypto Call: Amount and currency: the amount needs a currency")

    owed.locator('a[href="#f-crypto-amount"]').click()  # each missing item leads to its fix
    expect(page.locator("#f-crypto-amount")).to_be_focused()
    page.fill("#f-crypto-amount", "12000 USD")
    page.keyboard.press("Tab")
    expect(page.locator("#err-crypto-amount")).to_be_empty()
    expect(page.locator("#sc-crypto-badge")).to_contain_text("Complete")

    page.keyboard.press("Escape")  # leave the form's text box, then find the account
    page.keyboard.press("f")
    page.keyboard.type("Carter")
    page.locator(f"#link-found-{world.account_id}").click()
    expect(page.locator("#call-account-linked")).to_contain_text("Dee Carter")
    page.fill("#call-summary", "Scam attempt stopped; client will be called back.")
    page.keyboard.press("Escape")
    expect(page.locator("#summary-status")).to_have_text("Saved")
    expect(owed).to_contain_text("Nothing is missing.")

    page.keyboard.press("w")
    expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")
    page.click("text=Open Dee Carter")
    page.wait_for_url(f"**/accounts/{world.account_id}")
    expect(page.locator("#notes")).to_contain_text("Scam attempt stopped")
    expect(page.locator("#calls")).to_contain_text("PSOS")
    expect(page.locator("#calls")).to_contain_text("Crypto Call")
    tasks = page.locator("#tasks")
    expect(tasks).to_contain_text("Call the customer back")
    expect(tasks).to_contain_text("Business Analyst to reach out to the crypto caller")
    page.context.close()


def test_main_number_caller_who_does_not_convert_is_a_hot_lead(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    expect = _expect()
    page = open_desk(browser, server, world.agent_ana)
    wait_live(page)
    call = ring_via_api(
        server,
        session_factory,
        world.supervisor_sam,
        external_id="rc-main-1",
        label="Rondesse Main Number",
        caller_number="+16175550199",
        caller_name="Jo Doe",
    )
    page.locator(f'tr[data-id="{call["id"]}"] a.row-link').click()
    page.wait_for_url(f"**/calls/{call['id']}")
    # The button works once the page's scripts run (htmx): a click on the bare HTML does
    # nothing, and under load the test clicks faster than the deferred scripts start.
    wait_live(page)
    page.click("#take-call")
    # The opening names the viewer even before the take lands: wait for the header's Agent, or
    # a tick could reach the server first and be refused (nobody has taken the call yet).
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    expect(page.locator("#call-opening")).to_contain_text(
        "Thank you for calling Rondesse, I'm Ana Reyes, how can I help?"
    )
    page.check("#step-box-greet")
    page.check("#step-box-probe")
    page.click("text=No, not converted (add as a Hot lead)")
    expect(page.locator("#call-wrapup")).to_contain_text("Lead, stage Hot")
    page.click("#wrap-up")
    expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")
    # The wrap-up reloads the page; a key pressed during the reload can be lost, a click waits.
    page.wait_for_load_state("load")
    page.click('nav a[href="/leads"]')
    page.wait_for_url("**/leads")
    lead = page.locator("tbody tr", has_text="Jo Doe")
    expect(lead).to_contain_text("Hot")
    expect(lead).to_contain_text("Main Hotline")
    page.context.close()
