"""The desk in a real browser (Debian Chromium via Playwright): log in, see the live queue.

With SOPDESK_SCREENSHOTS=1 it refreshes docs/screenshots/queue.png (1366x768, a laptop) for
the README; otherwise the screenshot goes to a temporary directory, leaving the checkout clean.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, World, build_world
from sopdesk.desk.calls import CallStatus
from sopdesk.events import bind_bus
from web_helpers import TestClock, live_server, make_app, ring

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def _busy_morning(factory: sessionmaker[Session], world: World, clock: TestClock) -> None:
    """A realistic queue: every state, every urgency, an unknown line."""
    ago = clock.ago

    ring(
        factory, "rondesse", "b-1", at=ago(412), label="Rondesse Main Number", caller="+16175550199"
    )
    ring(
        factory,
        "rondesse",
        "b-2",
        at=ago(95),
        label="Rondesse PSOS",
        caller="+12125550141",
        caller_name="Margaret Hartwell",
    )
    ring(
        factory,
        "rondesse",
        "b-3",
        at=ago(48),
        label="Rondesse USOS",
        caller="+13055550187",
        caller_name="Daniel Okoro",
    )
    ring(
        factory,
        "rondesse",
        "b-4",
        at=ago(301),
        label="Rondesse PSOS",
        caller="+14155552671",
        caller_name="Dee Carter",
    )
    ring(
        factory,
        "rondesse",
        "b-4",
        at=ago(280),
        label="Rondesse PSOS",
        status=CallStatus.ANSWERED,
        agent_name="Bo Lind",
    )
    ring(
        factory,
        "rondesse",
        "b-5",
        at=ago(900),
        label="Rondesse Main Number",
        caller="+17185550110",
        caller_name="Priscilla Vance",
    )
    ring(
        factory,
        "rondesse",
        "b-5",
        at=ago(860),
        label="Rondesse Main Number",
        status=CallStatus.ANSWERED,
        agent_name="Ana Reyes",
    )
    ring(
        factory,
        "rondesse",
        "b-5",
        at=ago(140),
        label="Rondesse Main Number",
        status=CallStatus.ENDED,
    )
    ring(factory, "rondesse", "b-6", at=ago(20), label="Rondesse Overflow",
         caller="+19175550163")  # fmt: skip


def test_an_agent_logs_in_and_a_new_call_appears_without_reloading(
    browser: Any,
    db_url: str,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    clock: TestClock,
) -> None:
    world = build_world(session_factory)
    _busy_morning(session_factory, world, clock)
    app = make_app(db_url, clock)
    bind_bus(session_factory, app.state.bus)  # the calls the test rings reach the app's screens
    with live_server(app) as url:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        page.goto(url + "/queue")
        assert page.url.endswith("/login?next=/queue")
        page.get_by_label("Email").fill(world.agent_ana.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(url + "/queue")

        rows = page.locator("#queue-rows tr.queue__row")
        assert rows.count() == 5  # b-5 ended before anyone took it: missed, not in the queue
        first = rows.first
        assert "Highest" in first.text_content() and "Dee Carter" in first.text_content()
        page.locator("#live-status", has_text="Live").wait_for(timeout=5000)

        # A PSOS call rings elsewhere: it appears on Ana's screen, in order, without a reload.
        ring(session_factory, "rondesse", "b-7", at=clock(), label="Rondesse PSOS",
             caller="+12025550177", caller_name="Hollis Grant")  # fmt: skip
        page.locator("#queue-rows", has_text="Hollis Grant").wait_for(timeout=5000)
        assert rows.count() == 6
        assert "Hollis Grant" in rows.nth(2).text_content()  # after the older Highest calls
        assert page.locator("#queue-counts .counts__item--ringing .counts__n").inner_text() == "5"

        # Keyboard: J moves to the first call, ? opens the shortcuts.
        page.locator("body").press("j")
        assert page.evaluate("document.activeElement.textContent") == "Dee Carter"
        page.keyboard.press("?")
        assert page.locator("#shortcuts").is_visible()
        page.keyboard.press("Escape")

        page.mouse.move(0, 0)
        page.evaluate("document.activeElement.blur()")
        shots = SCREENSHOTS if os.environ.get("SOPDESK_SCREENSHOTS") else tmp_path
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "queue.png"))
        assert problems == []
        page.close()
