"""The desk's pages on a 1366x768 laptop: nothing scrolls sideways, the call screen's opening
and wrap-up button are visible without scrolling, and screenshots for the README.

With SOPDESK_SCREENSHOTS=1 the pictures go to docs/screenshots/; otherwise to a temporary
directory, leaving the checkout clean.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import LAPTOP, SCREENSHOTS, open_desk, server, world
from personas import World
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallStatus
from sopdesk.desk.wrapup import wrap_up
from sopdesk.kb.service import import_folder
from sopdesk.orgs.models import Org
from web_helpers import TestClock, ring

pytestmark = pytest.mark.sqlite_only
ENDED = CallStatus.ENDED
LEGAL = "Asks to speak with the Legal or Accounts team"
LEGAL_FAQ = "client-asks-for-legal-or-accounts"  # the seed article's slug
ROOT = Path(__file__).resolve().parents[1]
__all__ = ["server", "world"]  # fixtures, imported for pytest

CRYPTO = {
    "concern": "Told by 'bank security' to move savings into a new wallet",
    "caller_name": "Margaret Hartwell",
    "cryptocurrency": "Bitcoin",
    "wallet_type": "Exchange / custodial",
    "amount": "12000",
    "phone": "+1 212 555 0141",
    "email": "margaret@hartwell.example",
}
LAW = {
    "concern": "Records request about a client's account",
    "officer_names": "Det. Maria Lopez",
    "badge_number": "NYPD-4471",
    "phone": "+1 212 555 0188",
    "email": "m.lopez@nypd.example",
}


def _history(factory: sessionmaker[Session], world: World, clock: TestClock) -> None:
    """Two calls on Dee Carter's account an hour ago, wrapped up: notes, logs, tasks."""
    psos = ring(factory, "rondesse", "h-1", at=clock.ago(3600), label="Rondesse PSOS",
                caller="+14155552671", caller_name="Dee Carter")  # fmt: skip
    law = ring(factory, "rondesse", "h-2", at=clock.ago(2400), label="Rondesse USOS",
               caller="+12125550188", caller_name="Det. Maria Lopez")  # fmt: skip
    ana = world.agent_ana
    with transaction(factory) as s:
        desk.accept(s, ana, psos, clock.ago(3590))
        for step in ("mute", "listen"):
            desk.set_step(s, ana, psos, step, True, clock.ago(3500))
        dee = {"caller_name": "Dee Carter", "phone": "+14155552671", "email": "dee@example.com"}
        values = {**CRYPTO, **dee, "amount": "0.4 BTC"}
        desk.record_scenario(s, ana, psos, "crypto", values, [], clock.ago(3400))
        desk.link_account(s, ana, psos, world.account_id, clock.ago(3300))
        summary = "Stopped a transfer to a 'safe' wallet; Dee will be called back"
        desk.set_summary(s, ana, psos, summary, clock.ago(3300))
        desk.accept(s, ana, law, clock.ago(2390))
        for step in ("greet", "advise", "intake", "plan"):
            desk.set_step(s, ana, law, step, True, clock.ago(2300))
        desk.record_scenario(s, ana, law, "law_enforcement", LAW, [], clock.ago(2200))
        desk.link_account(s, ana, law, world.account_id, clock.ago(2200))
        desk.set_summary(
            s, ana, law, "NYPD asked about Dee's account; lawyers follow up.", clock.ago(2150)
        )
        desk.choose(s, ana, law, "outcome", "Yes, converted to a paid account", clock.ago(2150))
    with transaction(factory) as s:
        wrap_up(s, ana, psos, clock.ago(3200))
        wrap_up(s, ana, law, clock.ago(2100))


def _open_calls(factory: sessionmaker[Session], world: World, clock: TestClock) -> dict[str, int]:
    ids = {
        "psos": ring(factory, "rondesse", "o-1", at=clock.ago(64), label="Rondesse PSOS",
                     caller="+12125550141", caller_name="Margaret Hartwell"),
        "main": ring(factory, "rondesse", "o-2", at=clock.ago(12), label="Rondesse Main Number",
                     caller="+16175550199", caller_name="Jordan Pike"),
        "usos": ring(factory, "rondesse", "o-3", at=clock.ago(240), label="Rondesse USOS",
                     caller="+13055550187", caller_name="Daniel Okoro"),
        "odd": ring(factory, "rondesse", "o-4", at=clock.ago(41), label="Rondesse Overflow"),
        "wrap": ring(factory, "rondesse", "o-5", at=clock.ago(600), label="Rondesse Main Number",
                     caller="+17185550110", caller_name="Priscilla Vance"),
    }  # fmt: skip
    with transaction(factory) as s:
        desk.accept(s, world.agent_ana, ids["psos"], clock.ago(50))
        desk.set_step(s, world.agent_ana, ids["psos"], "mute", True, clock.ago(45))
        desk.record_scenario(s, world.agent_ana, ids["psos"], "crypto", CRYPTO, [], clock.ago(5))
        desk.accept(s, world.agent_bo, ids["usos"], clock.ago(230))
        desk.accept(s, world.agent_bo, ids["wrap"], clock.ago(590))
    # Priscilla hung up; Bo is still documenting the call.
    ring(factory, "rondesse", "o-5", at=clock.ago(75), label="Rondesse Main Number", status=ENDED)
    return ids


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _check_laptop_fit(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    widest = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "innerWidth).slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert width <= LAPTOP["width"], f"{page.url} scrolls sideways ({width}px): {widest}"


def _shoot(page: Any, name: str, into: Path) -> None:
    _check_laptop_fit(page)
    page.wait_for_timeout(150)  # let the live refresh that follows the stream's opening settle
    page.screenshot(path=str(into / f"{name}.png"))


@pytest.fixture
def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("SOPDESK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path


def test_the_desk_fits_a_laptop_screen(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    shots_dir: Path,
    clock: TestClock,
) -> None:
    with transaction(session_factory) as s:
        # Agents document one call while on the next (Bo below, Ana in her history): Rondesse
        # lets an agent hold two calls.
        org = s.get(Org, "rondesse")
        assert org is not None
        org.max_active_calls = 2
    _history(session_factory, world, clock)
    ids = _open_calls(session_factory, world, clock)
    page = open_desk(browser, server, world.agent_ana, f"/calls/{ids['psos']}")
    # The scenario she started is open, its invalid amount flagged beside the field.
    assert page.locator("#sc-crypto").get_attribute("open") is not None
    assert "needs a currency" in page.locator("#err-crypto-amount").inner_text()
    for above_the_fold in ("#call-opening", "#call-header", "#wrap-up", "#step-mute"):
        box = page.locator(above_the_fold).bounding_box()
        assert box and box["y"] + box["height"] <= LAPTOP["height"], above_the_fold
    _shoot(page, "call-psos-muted", shots_dir)
    page.goto(f"/calls/{ids['main']}")
    assert "I'm Ana Reyes" in page.locator(".opening__greeting").inner_text()
    _shoot(page, "call-main-greeting", shots_dir)
    page.goto(f"/accounts/{world.account_id}")
    _shoot(page, "account", shots_dir)
    page.context.close()

    page = open_desk(browser, server, world.supervisor_sam, "/board")
    _shoot(page, "board", shots_dir)
    # The board is live: a new call lands in the ringing column without a reload.
    ring(session_factory, "rondesse", "o-6", at=clock(), label="Rondesse PSOS",
         caller_name="Nadia Haddad")  # fmt: skip
    expect(page.locator("#col-ringing + .board-col__list")).to_contain_text("Nadia Haddad")
    expect(page.locator("#col-ringing .board-col__n")).to_have_text("3")
    page.context.close()
    mo = ring(session_factory, "myoperator", "o-7", at=clock.ago(95), number="+91 22 4000 0000",
              caller="+912240001111", caller_name="Rahul Shah")  # fmt: skip
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_priya, mo, clock.ago(90))
        desk.set_step(s, world.agent_priya, mo, "greet", True, clock.ago(80))
        desk.choose(s, world.agent_priya, mo, "request", LEGAL, clock.ago(60))
    with transaction(session_factory) as s:
        import_folder(s, "myoperator", ROOT / "playbooks/myoperator/articles", clock(), by="t")
    page = open_desk(browser, server, world.agent_priya, f"/calls/{mo}")
    page.select_option("#faq-legal_accounts_by_email", LEGAL_FAQ)  # the FAQ tried names an article
    page.click("#faq-legal_accounts_by_email-tried")
    expect(page.locator("#policy-legal_accounts_by_email-status")).to_contain_text("FAQ tried")
    page.check("#step-box-faq")
    page.wait_for_timeout(100)
    policy = "document.getElementById('policy-legal_accounts_by_email-title')"
    page.evaluate(f"window.scrollTo(0, {policy}.getBoundingClientRect().top + scrollY - 200)")
    _shoot(page, "call-myoperator-legal", shots_dir)
    page.context.close()
    page = open_desk(browser, server, world.lawyer_lee, "/tasks")
    page.click("details.intake summary")
    _shoot(page, "tasks-lawyers", shots_dir)
    page.context.close()
