"""Missed calls in Chromium: a call that ends before anyone takes it leaves the agent's queue
live, and the supervisor's board shows it, live, with the call-back task its playbook owes;
its call screen says it was missed. Any console error, page error or CSP violation fails."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, server, wait_live, world
from personas import World
from sopdesk.desk.calls import CallStatus
from web_helpers import TestClock, ring

__all__ = ["server", "world"]  # fixtures


def _watch(page: Any, problems: list[str]) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def test_a_missed_call_leaves_the_queue_and_the_board_shows_its_call_back(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    clock: TestClock,
) -> None:
    problems: list[str] = []
    ring(session_factory, "rondesse", "q-1", at=clock.ago(30), label="Rondesse Main Number",
         caller_name="Jo Doe")  # fmt: skip
    ana = open_desk(browser, server, world.agent_ana)
    sam = open_desk(browser, server, world.supervisor_sam, "/board")
    for page in (ana, sam):
        _watch(page, problems)
        wait_live(page)
    assert sam.locator("#board-missed").inner_text().count("No missed calls.") == 1

    rows = ana.locator("#queue-rows tr.queue__row")
    iid = ring(session_factory, "rondesse", "m-1", at=clock(), label="Rondesse PSOS",
               caller="+14155552671", caller_name="Dee Carter")  # fmt: skip
    ana.locator("#queue-rows", has_text="Dee Carter").wait_for(timeout=5000)
    assert rows.count() == 2

    # Dee hangs up before anyone takes the call.
    ring(session_factory, "rondesse", "m-1", at=clock(), label="Rondesse PSOS",
         caller="+14155552671", caller_name="Dee Carter", status=CallStatus.ENDED)  # fmt: skip
    ana.locator(f'#queue-rows tr[data-id="{iid}"]').wait_for(state="detached", timeout=5000)
    assert rows.count() == 1 and "Jo Doe" in rows.first.inner_text()

    missed = sam.locator(f'#board-missed tr[data-interaction="{iid}"]')
    missed.wait_for(timeout=5000)
    text = missed.inner_text()
    assert "Dee Carter" in text and "PSOS" in text
    assert "Call back the PSOS customer whose call nobody answered" in text
    assert "concierges" in text and "open" in text
    assert re.search(r"in 1[0-4]m", text), text  # due 15 minutes after the call ended
    assert "No missed calls." not in sam.locator("#board-missed").inner_text()

    # Its call screen says it was missed and offers nothing to take or document.
    missed.get_by_role("link", name="Dee Carter").click()
    sam.wait_for_url(f"**/calls/{iid}")
    banner = sam.locator("#call-ended")
    assert "Missed call: the caller hung up at" in banner.inner_text()
    assert sam.locator("#take-call").count() == 0
    assert problems == []
    ana.context.close()
    sam.context.close()
