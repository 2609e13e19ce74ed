"""An SOP author with only a browser, in Debian Chromium: from a Word SOP to a published,
tested playbook and back out again.

Sam uploads a .docx SOP and reads what the importer could not place, beside the document's
text; the draft's check runs the test cases kept with the live version and says which fail and
why; he fixes the text in the editor, brings a test case file up to date on its own page, and
submits. Ada, another author, reads the semantic diff and the test results, approves and
publishes. A call Ana took before keeps its version through wrap-up; a new call gets the new
one; one click on the earlier version rolls new calls back to it. No console error, page error
or CSP violation on the way (the browser fixture watches).
With SOPDESK_SCREENSHOTS=1 it saves the import, review, diff and library screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import SCREENSHOTS, open_desk, server, world
from personas import ROOT, World, admin_ada
from sop_formats import render
from sopdesk.authoring import library
from sopdesk.crm.models import CallLog
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.desk.wrapup import wrap_up
from sopdesk.orgs.models import User
from test_playbook_library import NEW_STEP, OLD_STEP, seed_files

__all__ = ["server", "world"]  # fixtures, imported for pytest
pytestmark = pytest.mark.sqlite_only  # a browser journey; the rules it shows run on both

SEED = ROOT / "playbooks" / "rondesse"
LIVE, NEXT = "2026.11.3", "2026.12.1"


def _versioned(text: str, version: str) -> str:
    return text.replace('"2026.11.1"', f'"{version}"')


def _publish_live(factory: sessionmaker[Session], author: User, clock: Any) -> None:
    """The team's playbook as published from git: its folder's test cases with it."""
    with transaction(factory) as s:
        text = _versioned((SEED / "playbook.yaml").read_text(), LIVE)
        files = {path: _versioned(body, LIVE) for path, body in seed_files().items()}
        library.publish_text(s, author, text, files, clock())


# A paste as the browser delivers one: a paste event carrying the clipboard's text, which the
# editor inserts itself. (Playwright's insert_text goes through Chromium's native editing
# instead, which styles the inserted lines inline, and the CSP rightly blocks that.)
PASTE = """t => {
  const data = new DataTransfer();
  data.setData('text/plain', t);
  const content = document.querySelector('.pb-editor').shadowRoot.querySelector('.cm-content');
  const paste = {clipboardData: data, bubbles: true, cancelable: true};
  content.dispatchEvent(new ClipboardEvent('paste', paste));
}"""


def _paste(page: Any, text: str) -> None:
    page.evaluate(PASTE, text)


def _ring(factory: sessionmaker[Session], clock: Any) -> int:
    with transaction(factory) as s:
        now = clock()
        return receive_call(
            s, CallIn(org_id="rondesse", at=now, label="Rondesse Main Number"), now
        ).id


def _version_of(factory: sessionmaker[Session], world: World, call_id: int) -> str:
    with factory() as s:
        return desk.access_interaction(s, world.supervisor_sam, call_id).playbook_version


def test_a_word_sop_becomes_a_published_tested_playbook_and_rolls_back(
    browser: Any,
    server: str,
    world: World,
    session_factory: sessionmaker[Session],
    clock: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    f = session_factory
    ada_user = admin_ada(f)
    _publish_live(f, ada_user, clock)
    in_progress = _ring(f, clock)
    with transaction(f) as s:
        desk.accept(s, world.agent_ana, in_progress, clock())

    # Sam uploads the SOP as Word keeps it.
    sop = tmp_path / "Rondesse call handling.docx"
    sop.write_bytes(render((SEED / "sources" / "004_bd3fd1b67684f510.txt").read_text(), "docx"))
    sam = open_desk(browser, server, world.supervisor_sam, path="/playbooks")
    sam.set_input_files("input[name=file]", str(sop))
    sam.get_by_role("button", name="Make a draft").click()
    expect(sam.locator("h1")).to_contain_text("Draft made from Rondesse call handling.docx")
    expect(sam.locator("#unplaced")).to_contain_text("providing exceptional customer service")
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        sam.screenshot(path=str(SCREENSHOTS / "playbook-import.png"), full_page=True)
    sam.click("#open-draft")
    sam.wait_for_url("**/playbooks/drafts/*")
    draft_path = urlparse(sam.url).path

    # The kept test cases run against the import and say which fail and why.
    expect(sam.locator("#failing-cases")).to_contain_text("tests/main.yaml::")
    expect(sam.locator("#submit-draft")).to_be_visible()

    # The fix, in the editor: the team's text with the SOP's new step, pasted over the import.
    fixed = _versioned((SEED / "playbook.yaml").read_text(), NEXT).replace(OLD_STEP, NEW_STEP)
    sam.locator(".cm-content").click()
    sam.keyboard.press("Control+a")
    _paste(sam, fixed)
    expect(sam.locator("#failing-cases")).to_contain_text("tests/main.yaml::", timeout=10_000)
    expect(sam.locator("#failing-cases")).to_contain_text("verify")
    sam.keyboard.press("Control+s")
    expect(sam.locator("#draft-notice")).to_have_text("Saved.")

    # The one failing case file, brought up to date on its own page.
    sam.get_by_role("link", name="tests/main.yaml").click()
    text = sam.locator("#file-text")
    updated = _versioned(seed_files()["tests/main.yaml"], NEXT).replace(
        "steps: [greet, probe, outcome]", "steps: [greet, probe, verify, outcome]"
    )
    text.fill(updated)
    sam.click("#save-file")
    expect(sam.locator("#draft-notice")).to_have_text("File saved.")
    # The other case files still name the old version in their expected records.
    for path in sorted(seed_files()):
        if path.startswith("tests/") and path != "tests/main.yaml":
            sam.goto(f"{draft_path}/file?path={path}")
            sam.locator("#file-text").fill(_versioned(seed_files()[path], NEXT))
            sam.click("#save-file")
            expect(sam.locator("#draft-notice")).to_have_text("File saved.")
    expect(sam.locator("#check-state")).to_have_text("Clean")
    expect(sam.locator("#cases-summary")).to_contain_text("66 of 66 pass")
    sam.click("#submit-draft")
    expect(sam.locator("#draft-notice")).to_have_text("Submitted for review.")

    # Ada reviews: the semantic diff against the live version and the test results.
    ada = open_desk(browser, server, ada_user, path=draft_path)
    expect(ada.locator("#changes")).to_contain_text("line main · step verify")
    expect(ada.locator("#cases-summary")).to_contain_text("66 of 66 pass")
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        ada.screenshot(path=str(SCREENSHOTS / "playbook-review.png"), full_page=True)
    ada.click("#approve-draft")
    ada.click("#publish-draft")
    ada.wait_for_url("**/playbooks?done=published")
    expect(ada.locator("#versions tr.pb-live")).to_contain_text(NEXT)
    ada.get_by_role("link", name=f"from {LIVE}").click()
    expect(ada.locator("#changes")).to_contain_text("line main · step verify")
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        ada.screenshot(path=str(SCREENSHOTS / "playbook-diff.png"), full_page=True)

    # The call taken before keeps its version through wrap-up; a new call gets the new one.
    assert _version_of(f, world, in_progress) == LIVE
    with transaction(f) as s:
        now = clock()
        for step in ("greet", "probe"):
            desk.set_step(s, world.agent_ana, in_progress, step, True, now)
        desk.set_outcome(s, world.agent_ana, in_progress, True, now)
    with transaction(f) as s:
        assert wrap_up(s, world.agent_ana, in_progress, clock()).written
    with f() as s:
        log = s.scalars(select(CallLog).where(CallLog.interaction_id == in_progress)).one()
        assert log.playbook_version == LIVE
    assert _version_of(f, world, _ring(f, clock)) == NEXT

    # One click rolls new calls back.
    sam.goto("/playbooks")
    sam.locator("#versions tr", has_text=LIVE).get_by_role("button", name="Make live").click()
    expect(sam.locator("#playbooks-notice")).to_contain_text("Rolled back")
    expect(sam.locator("#versions tr.pb-live")).to_contain_text(LIVE)
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        sam.screenshot(path=str(SCREENSHOTS / "playbook-library.png"), full_page=True)
    assert _version_of(f, world, _ring(f, clock)) == LIVE
