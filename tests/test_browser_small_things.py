"""Small things a professional notices, checked in Debian Chromium by DOM queries (no checker
from a CDN): a field in error says so (aria-invalid, described by its message) and stops saying
so once fixed, live; search landmarks are named and distinct; headings skip no level; quick
answers are real lists; "FAQ tried" names the article by its title; a ticket's header follows
a live follow-up and a held reply is shown as not sent. No page logs a console error, a page
error or a CSP violation (Chromium reports those on the console).

With SOPDESK_SCREENSHOTS=1 it saves what it saw under docs/screenshots/small-*.png.
"""

from __future__ import annotations

import os
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import LAPTOP, SCREENSHOTS, server, wait_live, world
from mailkit import AcceptingMailer, build_mail_world, make_email
from personas import PASSWORD, ROOT, T0, World
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.escalations import replies
from sopdesk.escalations.outbox import send_queued
from sopdesk.events import bind_bus
from sopdesk.kb.service import import_folder
from sopdesk.orgs.models import User
from test_escalations import deliver
from web_helpers import TestClock, live_server, make_app, ring

__all__ = ["server", "world"]  # fixtures, imported for pytest
pytestmark = pytest.mark.sqlite_only  # browser journeys; the rules they show run on both
LEGAL = "client-asks-for-legal-or-accounts"

# Headings in document order, and whether any level is skipped on the way down.
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter(h => !h.closest('dialog:not([open]), [hidden]'))
  .map(h => Number(h.tagName[1]))"""
SEARCHES = """() => [...document.querySelectorAll('[role=search], search')]
  .map(s => s.getAttribute('aria-label') || s.getAttribute('aria-labelledby'))"""


def _open(browser: Any, base: str, user: User, path: str) -> tuple[Any, list[str]]:
    """A logged-in page, watched for console errors and page errors from the login page on."""
    page = browser.new_context(viewport=LAPTOP, base_url=base).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"/login?next={path}")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    return page, problems


def _shot(page: Any, name: str) -> None:
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / f"small-{name}.png"), full_page=True)


def _assert_outline(page: Any) -> None:
    levels = page.evaluate(HEADINGS)
    assert levels and levels[0] == 1, levels
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    names = page.evaluate(SEARCHES)
    assert all(names) and len(set(names)) == len(names), names


def test_a_field_in_error_is_marked_live_and_the_call_screen_is_outlined(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    call = ring(session_factory, "rondesse", "small-1", label="Rondesse PSOS")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, call, T0)
    page, problems = _open(browser, server, world.agent_ana, f"/calls/{call}")
    wait_live(page)
    names = page.evaluate(SEARCHES)
    assert sorted(names) == ["Customer accounts", "Knowledge base"], names
    page.locator("#sc-crypto summary").click()
    amount = page.locator("#f-crypto-amount")
    amount.fill("2500")
    amount.press("Tab")  # the form saves on change; the error comes back out of band
    expect(page.locator("#err-crypto-amount")).to_contain_text("needs a currency")
    expect(amount).to_have_attribute("aria-invalid", "true")
    assert "err-crypto-amount" in (amount.get_attribute("aria-describedby") or "").split()
    expect(page.locator("#f-crypto-email")).not_to_have_attribute("aria-invalid", "true")
    _shot(page, "field-error")
    amount.fill("2500 USD")
    amount.press("Tab")
    expect(page.locator("#err-crypto-amount")).to_have_text("")
    expect(amount).not_to_have_attribute("aria-invalid", "true")
    assert problems == [], problems


def test_kb_outline_quick_answer_lists_and_the_faq_tried_title(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    with transaction(session_factory) as s:
        import_folder(s, "myoperator", ROOT / "playbooks/myoperator/articles", T0, by="test")
    page, problems = _open(
        browser, server, world.agent_priya, "/kb?q=client%20wants%20to%20talk%20to%20legal"
    )
    _assert_outline(page)
    answer = page.locator(".kb-hit__answer").first
    assert answer.locator("ul > li").count() == 3
    assert not answer.inner_text().lstrip().startswith("- ")
    _shot(page, "kb")
    page.goto(f"/kb/articles/{LEGAL}")
    _assert_outline(page)
    page.context.close()

    call = ring(session_factory, "myoperator", "small-2", number="+91 22 4000 0000")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_priya, call, T0)
    page, more = _open(browser, server, world.agent_priya, f"/calls/{call}")
    wait_live(page)
    # The line's own suggestions (loaded with the page) hold the article. Typing as well would
    # race them: "Tried this FAQ" re-runs the search and replaces (aborts) a typed one still in
    # flight, which htmx reports as a console error.
    hit = page.locator(".kb-hit", has=page.locator(f'input[value="{LEGAL}"]'))
    expect(hit.locator(".kb-hit__answer ul > li")).to_have_count(3)
    hit.get_by_role("button", name="Tried this FAQ").click()
    status = page.locator(".policy__faq").first
    expect(status).to_contain_text("asks to speak with the Legal or Accounts team?")
    assert LEGAL not in status.inner_text()
    assert problems + more == [], problems + more


def test_the_ticket_header_follows_a_live_follow_up_and_a_held_reply_shows(
    browser: Any, db_url: str, session_factory: sessionmaker[Session], clock: TestClock
) -> None:
    from playwright.sync_api import expect

    mw = build_mail_world(session_factory)
    (opened,) = deliver(session_factory, make_email(), at=T0)
    assert opened.ticket_id is not None
    with transaction(session_factory) as s:  # answered, and the reply left: met
        out = replies.reply(s, mw.legal_lila, opened.ticket_id, "Clause 4 means X.", T0)
    send_queued(session_factory, AcceptingMailer(), T0)
    app = make_app(db_url, clock)  # no relay: what this page sends is held, as under `make run`
    bind_bus(session_factory, app.state.bus)
    with live_server(app) as url:
        page, problems = _open(browser, url, mw.legal_lila, f"/tickets/{opened.ticket_id}")
        wait_live(page)
        header = page.locator("#ticket-status")
        expect(header).to_contain_text("Answered")
        expect(header).to_contain_text("SLA: Met")
        # The customer writes back: the thread, the header and the facts follow, no reload.
        follow_up = make_email(message_id="<m2@c>", headers={"In-Reply-To": out.message_id})
        deliver(session_factory, follow_up, at=clock() + timedelta(minutes=1))
        expect(header).to_contain_text("Open", timeout=10_000)
        expect(header).to_contain_text("SLA: Running")
        expect(page.locator("#ticket-messages article")).to_have_count(3)
        # Her answer is written but cannot leave: held, the SLA still runs, and it says so.
        page.fill("#reply-text", "We will call you back today.")
        page.get_by_role("button", name="Send reply").click()
        page.wait_for_url("**#reply-sent")
        expect(header).to_contain_text("Reply held, not sent")
        expect(header).to_contain_text("SLA: Running")
        assert "SLA: Met" not in header.inner_text()
        _shot(page, "ticket-held")
        page.goto("/tickets")
        row = page.locator(f'tr[data-id="{opened.ticket_id}"]')
        expect(row).to_contain_text("Reply held, not sent")
        _assert_outline(page)
        assert problems == [], problems
