"""What the agent types on the call screen is never lost, in Debian Chromium (call_save.js).

(a) N, type a summary, Esc, W as fast as the keyboard goes, 100 times: every call log holds
exactly what was typed (the wrap-up waits for the save).
(b) A reload inside the save's pause: Chromium asks before leaving, and whether the agent
stays or leaves, the text is saved and back in the box.
(c) Two tabs on one call: the second writer is shown both texts (412), nothing is overwritten
silently; keep mine and take theirs both work, a tab with nothing unsaved follows the other,
and wrap-up waits while a choice is open.
Every page fails the test on a console error, a page error or a CSP violation.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, server, wait_live, world
from personas import World
from sopdesk.crm.models import CallLog, Task
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction
from sopdesk.desk.progress import progress_of
from sopdesk.desk.wrapup import wrap_up
from sopdesk.orgs.models import User
from test_desk import CRYPTO
from web_helpers import TestClock, ring

__all__ = ["server", "world"]  # fixtures, imported for pytest

# Chromium's own line for a response with status 412: a stale save refused on purpose. The
# conflict test expects exactly one per conflict it provokes; any other console error fails.
REFUSED_412 = (
    "Failed to load resource: the server responded with a status of 412 (Precondition Failed)"
)
RUNS = int(__import__("os").environ.get("TYPED_RUNS", "100"))
pytestmark = [pytest.mark.sqlite_only, pytest.mark.console_allows(r"status of 412")]


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def watch(page: Any, problems: list[str], *, dialogs: bool = False) -> None:
    """Every console error (CSP violations among them) and page error of `page`; and, unless
    the test answers them itself, every dialog (accepted, so the test goes on)."""
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    if not dialogs:
        page.on("dialog", lambda d: (problems.append(f"{d.type} dialog on {page.url}"), d.accept()))


def taken_call(factory: sessionmaker[Session], agent: User, clock: TestClock, n: int) -> int:
    """A call on a line the playbook does not know, taken by `agent` with its one step done:
    wrap-up owes only its call log, so the summary is all the agent adds."""
    iid = ring(factory, "rondesse", f"typed-{n}", at=clock(), label="Nowhere line")
    with transaction(factory) as s:
        desk.accept(s, agent, iid, clock())
        desk.set_step(s, agent, iid, "identify", True, clock())
    return iid


def stored_summary(factory: sessionmaker[Session], iid: int) -> str | None:
    with factory() as s:
        interaction = s.get(Interaction, iid)
        assert interaction is not None
        return progress_of(interaction).summary


def call_log_summary(factory: sessionmaker[Session], iid: int) -> str | None:
    with factory() as s:
        log = s.scalars(select(CallLog).where(CallLog.interaction_id == iid)).one()
        return log.summary


def wait_for(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_n_type_esc_w_a_hundred_times_wraps_up_what_was_typed(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    expect = _expect()
    page = open_desk(browser, server, world.agent_ana)
    problems: list[str] = []
    watch(page, problems)
    wrong: list[tuple[int, str, str | None]] = []
    started = time.monotonic()
    for n in range(RUNS):
        iid = taken_call(session_factory, world.agent_ana, clock, n)
        page.goto(f"/calls/{iid}")
        typed = f"Run {n}: caller asked about the line, told whom to call"
        page.keyboard.press("n")
        # Most of it at once (as a paste would), the last words key by key: each key is a round
        # trip to Chromium, and what matters is the end: the last key, Esc and W at once.
        page.keyboard.insert_text(typed[:-12])
        page.keyboard.type(typed[-12:])
        page.keyboard.press("Escape")
        page.keyboard.press("w")
        expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")
        # The page the wrap-up reloads (the live refresh shows the records on the old one).
        expect(page.locator("#call-summary")).to_be_disabled()
        logged = call_log_summary(session_factory, iid)
        if logged != typed:
            wrong.append((n, typed, logged))
    elapsed = time.monotonic() - started
    assert wrong == [], f"{len(wrong)} of {RUNS} wrapped up another summary: {wrong[:3]}"
    assert problems == [], problems
    print(f"{RUNS} runs of N, type, Esc, W in {elapsed:.0f} s")
    page.context.close()


def test_a_reload_inside_the_pause_asks_first_and_loses_nothing(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    expect = _expect()
    page = open_desk(browser, server, world.agent_ana)
    problems: list[str] = []
    watch(page, problems, dialogs=True)
    asked: list[str] = []
    for n, choice in enumerate(("stay", "leave")):
        iid = taken_call(session_factory, world.agent_ana, clock, 1000 + n)
        page.goto(f"/calls/{iid}")
        wait_live(page)
        typed = f"Typed, then {choice}: reloaded before the pause was over."

        def answer(dialog: Any, choice: str = choice) -> None:
            asked.append(dialog.type)
            dialog.dismiss() if choice == "stay" else dialog.accept()

        page.once("dialog", answer)
        page.keyboard.press("n")
        page.keyboard.type(typed)  # no Esc: the save waits for a pause in typing
        if choice == "stay":
            # Chromium asks; staying keeps the page, and the text is saved at once.
            page.evaluate("window.sopdeskStayed = true")
            with pytest.raises(PlaywrightTimeout):  # the reload never happens
                page.reload(timeout=1500)
            assert page.evaluate("window.sopdeskStayed") is True
            expect(page.locator("#summary-status")).to_have_text("Saved")
            assert stored_summary(session_factory, iid) == typed
            page.reload()  # nothing unsaved now: no question
        else:
            page.reload()
        expect(page.locator("#call-summary")).to_have_value(typed)
        expect(page.locator("#summary-status")).to_have_text("Saved")
        wait_for(lambda iid=iid, typed=typed: stored_summary(session_factory, iid) == typed)
        with transaction(session_factory) as s:
            wrap_up(s, world.agent_ana, iid, clock())  # Ana is free for the next call
    assert asked == ["beforeunload", "beforeunload"], asked
    assert problems == [], problems
    page.context.close()


def hold_saves(page: Any, pattern: str = "**/summary") -> list[Any]:
    """Hold `page`'s saves in the browser until `release_saves`, so two tabs' saves cross in
    the order a test wants, whatever the pause before a save."""
    held: list[Any] = []
    page.route(pattern, lambda route: held.append(route))
    return held


def release_saves(page: Any, held: list[Any], pattern: str = "**/summary") -> None:
    deadline = time.monotonic() + 5
    while not held:  # the save may still be on its way into the route
        assert time.monotonic() < deadline, "no save was sent"
        page.wait_for_timeout(50)
    for route in list(held):
        route.continue_()
    page.unroute(pattern)  # lets through, too, any save that came in meanwhile


def test_two_tabs_on_one_call_are_told_and_never_overwrite_each_other(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
    tmp_path: Path,
) -> None:
    expect = _expect()
    first = open_desk(browser, server, world.agent_ana)
    second = first.context.new_page()  # the same agent, a second tab
    problems: list[str] = []
    for page in (first, second):
        watch(page, problems)
    iid = taken_call(session_factory, world.agent_ana, clock, 2000)
    for page in (first, second):
        page.goto(f"/calls/{iid}")
        wait_live(page)

    # Both type at once; the first tab saves first, the second is told rather than writing over.
    held = hold_saves(second)
    second.bring_to_front()
    second.click("#call-summary")
    second.keyboard.type("Second tab: refund explained")
    first.bring_to_front()
    first.click("#call-summary")
    first.keyboard.type("First tab: caller wants a refund")
    first.keyboard.press("Escape")
    expect(first.locator("#summary-status")).to_have_text("Saved")
    second.bring_to_front()
    second.keyboard.press("Escape")
    release_saves(second, held)
    conflict = second.locator("#summary-conflict")
    expect(conflict).to_contain_text("This summary was changed elsewhere")
    expect(conflict.locator(".conflict__theirs")).to_have_text("First tab: caller wants a refund")
    expect(conflict.locator(".conflict__mine")).to_have_text("Second tab: refund explained")
    expect(second.locator("#summary-status")).to_have_text("Changed elsewhere: choose below")
    assert stored_summary(session_factory, iid) == "First tab: caller wants a refund"
    conflict.scroll_into_view_if_needed()
    second.screenshot(path=str(tmp_path / "summary-conflict.png"))

    # Wrap-up waits while the choice is open: nothing is wrapped up, the choice gets the focus.
    second.keyboard.press("w")
    expect(second.locator("[data-conflict-choice=keep]")).to_be_focused()
    with session_factory() as s:
        assert s.get(Interaction, iid).state != "closed"  # type: ignore[union-attr]

    second.click("[data-conflict-choice=keep]")
    expect(second.locator("#summary-conflict")).to_be_hidden()
    expect(second.locator("#summary-status")).to_have_text("Saved")
    assert stored_summary(session_factory, iid) == "Second tab: refund explained"
    # The first tab has nothing unsaved: the live refresh brings it the kept summary.
    expect(first.locator("#call-summary")).to_have_value("Second tab: refund explained")

    # Again the other way round, and this time the agent takes the saved one.
    held = hold_saves(first)
    first.bring_to_front()
    first.click("#call-summary")
    first.keyboard.press("End")
    first.keyboard.type(" (first tab again)")
    second.bring_to_front()
    second.click("#call-summary")
    second.keyboard.press("End")
    second.keyboard.type(", refund sent")
    second.keyboard.press("Escape")
    expect(second.locator("#summary-status")).to_have_text("Saved")
    first.bring_to_front()
    first.keyboard.press("Escape")
    release_saves(first, held)
    expect(first.locator("#summary-conflict .conflict__mine")).to_have_text(
        "Second tab: refund explained (first tab again)"
    )
    first.click("[data-conflict-choice=take]")
    expect(first.locator("#call-summary")).to_have_value(
        "Second tab: refund explained, refund sent"
    )
    expect(first.locator("#summary-status")).to_have_text("Saved")
    assert stored_summary(session_factory, iid) == "Second tab: refund explained, refund sent"

    first.keyboard.press("Escape")
    first.keyboard.press("w")
    expect(first.locator("#call-wrapup")).to_contain_text("These records were written:")
    assert call_log_summary(session_factory, iid) == "Second tab: refund explained, refund sent"
    assert [p for p in problems if p != REFUSED_412] == []
    assert problems.count(REFUSED_412) == 2, problems  # the two stale saves, nothing else
    first.context.close()


def crypto_call(factory: sessionmaker[Session], world: World, clock: TestClock, n: int) -> int:
    """A PSOS crypto call taken by Ana with everything documented but the caller's email."""
    ana = world.agent_ana
    iid = ring(factory, "rondesse", f"typed-crypto-{n}", at=clock(), label="Rondesse PSOS")
    with transaction(factory) as s:
        desk.accept(s, ana, iid, clock())
        for step in ("mute", "listen"):
            desk.set_step(s, ana, iid, step, True, clock())
        all_but_email = {k: v for k, v in CRYPTO.items() if k != "email"}
        desk.record_scenario(s, ana, iid, "crypto", all_but_email, [], clock())
        desk.link_account(s, ana, iid, world.account_id, clock())
        desk.set_summary(s, ana, iid, "Stopped a transfer to a scam wallet", clock())
    return iid


def test_a_scenario_field_typed_just_before_w_is_in_the_wrap_up(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    """The scenario forms save like the summary: the last field typed, then Esc and W at once,
    is what the hand-off task carries (10 runs: without the flush about one in seven lost)."""
    expect = _expect()
    page = open_desk(browser, server, world.agent_ana)
    problems: list[str] = []
    watch(page, problems)
    for n in range(10):
        iid = crypto_call(session_factory, world, clock, n)
        page.goto(f"/calls/{iid}")
        email = f"dee.{n}@example.com"
        page.click("#f-crypto-email")  # the scenario is open: it was recorded
        page.keyboard.type(email)
        page.keyboard.press("Escape")
        page.keyboard.press("w")
        expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")
        with session_factory() as s:
            query = select(Task).where(Task.team == "business_analysts", Task.interaction_id == iid)
            assert s.scalars(query).one().data["intake"]["email"] == email
    assert problems == [], problems
    page.context.close()


def test_two_tabs_on_one_scenario_form_are_told_too(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    expect = _expect()
    iid = crypto_call(session_factory, world, clock, 100)
    first = open_desk(browser, server, world.agent_ana, f"/calls/{iid}")
    second = first.context.new_page()
    problems: list[str] = []
    for page in (first, second):
        watch(page, problems)
    second.goto(f"/calls/{iid}")
    for page in (first, second):
        wait_live(page)

    # A form shows what was typed in its own tab: the second one still shows the old amount.
    first.fill("#f-crypto-amount", "0.6 BTC")
    first.keyboard.press("Tab")
    wait_for(lambda: scenario_value(session_factory, iid, "amount") == "0.6 BTC")
    second.bring_to_front()
    second.fill("#f-crypto-amount", "0.7 BTC")
    second.keyboard.press("Tab")
    conflict = second.locator("#sc-crypto-conflict")
    expect(conflict).to_contain_text("The Crypto Call form was changed elsewhere")
    expect(conflict.locator("[data-name='f.amount'] .conflict__theirs")).to_have_text("0.6 BTC")
    expect(conflict.locator("[data-name='f.amount'] .conflict__mine")).to_have_text("0.7 BTC")
    assert scenario_value(session_factory, iid, "amount") == "0.6 BTC"

    second.click("#sc-crypto-conflict [data-conflict-choice=take]")
    expect(second.locator("#f-crypto-amount")).to_have_value("0.6 BTC")
    expect(second.locator("#sc-crypto-conflict")).to_be_hidden()
    second.fill("#f-crypto-email", "dee@example.com")
    second.keyboard.press("Tab")  # written over the version it took: no conflict
    wait_for(lambda: scenario_value(session_factory, iid, "email") == "dee@example.com")
    assert scenario_value(session_factory, iid, "amount") == "0.6 BTC"
    assert [p for p in problems if p != REFUSED_412] == []
    assert problems.count(REFUSED_412) == 1, problems
    first.context.close()


def scenario_value(factory: sessionmaker[Session], iid: int, field: str) -> object:
    with factory() as s:
        interaction = s.get(Interaction, iid)
        assert interaction is not None
        return progress_of(interaction).scenarios["crypto"].values.get(field)


def test_a_transfer_waits_for_the_summary_and_keeps_its_choice(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    """Transfer (like release and wrap-up) goes once the summary is saved; the save's answer
    re-renders the transfer form, and the colleague chosen is still the one it goes to."""
    expect = _expect()
    iid = taken_call(session_factory, world.agent_ana, clock, 3000)
    page = open_desk(browser, server, world.agent_ana, f"/calls/{iid}")
    problems: list[str] = []
    watch(page, problems)
    wait_live(page)
    held = hold_saves(page)  # the save is still on its way when Transfer is pressed
    page.keyboard.press("n")
    page.keyboard.type("Wants billing; handed to Bo")
    page.keyboard.press("Escape")
    page.select_option("#transfer-to", f"user:{world.agent_bo.id}")
    page.click("#transfer-call")
    release_saves(page, held)
    expect(page.locator("#call-owner")).to_contain_text("Bo Lind has this call")
    assert stored_summary(session_factory, iid) == "Wants billing; handed to Bo"
    with session_factory() as s:
        assert s.get(Interaction, iid).agent_id == world.agent_bo.id  # type: ignore[union-attr]
    assert problems == [], problems
    page.context.close()
