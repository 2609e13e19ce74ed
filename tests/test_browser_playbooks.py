"""The playbook library in Debian Chromium: a supervisor edits a copy of the live version in
the CodeMirror editor, sees a typo marked at its line as she types (the server's linter and
test cases, live), gets the schema's completion, saves with Ctrl+S; another author approves
and publishes it from the review, and the library shows the new version live. No console
error, page error or CSP violation on the way (the browser fixture watches).
With SOPDESK_SCREENSHOTS=1 it saves docs/screenshots/playbook-editor.png and
docs/screenshots/playbook-version.png.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import SCREENSHOTS, open_desk, server, world
from personas import World, admin_ada
from test_playbook_library import next_cases, next_version, seed_files

__all__ = ["server", "world"]  # fixtures, imported for pytest
pytestmark = pytest.mark.sqlite_only  # a browser journey; the rules it shows run on both


def _editor_text(page: Any) -> str:
    text: str = page.evaluate("window.sopdeskPlaybookEditor.state.doc.toString()")
    return text


def _replace_all(page: Any, text: str) -> None:
    page.evaluate(
        "t => { const v = window.sopdeskPlaybookEditor;"
        " v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: t}}); }",
        text,
    )


def test_an_author_edits_with_the_linter_live_and_another_publishes(
    browser: Any, server: str, world: World, session_factory: sessionmaker[Session]
) -> None:
    from playwright.sync_api import expect

    ada = admin_ada(session_factory)
    page = open_desk(browser, server, world.supervisor_sam, path="/playbooks")
    page.get_by_role("link", name="Playbook").first.click()
    page.click("#new-draft")
    page.wait_for_url("**/playbooks/drafts/*")
    draft_url = urlparse(page.url).path
    draft_id = int(draft_url.rsplit("/", 1)[1])
    _set_files(session_factory, world, draft_id, seed_files())  # the cases the team keeps
    page.reload()
    expect(page.locator("#cases-summary")).to_contain_text("pass")
    editor = page.locator(".cm-editor")
    expect(editor).to_be_visible()
    expect(page.locator("#draft-content")).to_be_hidden()
    expect(page.locator("#check-state")).to_have_text("Clean")

    # A typo typed into the editor: marked at its line as the author types.
    text = _editor_text(page)
    at = text.index("urgency: normal") + len("urgency: normal")
    page.locator(".cm-content").click()
    page.evaluate("at => window.sopdeskPlaybookEditor.dispatch({selection: {anchor: at}})", at)
    page.keyboard.type("ish")
    expect(page.locator("#check-state")).to_contain_text("1 finding", timeout=10_000)
    line = text[:at].count("\n") + 1
    expect(page.locator("#findings li")).to_contain_text(f"Line {line}")
    expect(page.locator("#findings li")).to_contain_text("normalish")
    expect(page.locator(".cm-lintRange-error")).to_have_count(1)
    for _ in "ish":
        page.keyboard.press("Backspace")
    expect(page.locator("#check-state")).to_have_text("Clean", timeout=10_000)

    # The JSON Schema's completion: a top-level key offered from its first letters.
    page.keyboard.press("Control+End")
    page.keyboard.type("\nticket_cat")
    page.keyboard.press("Control+Space")
    expect(page.locator(".cm-tooltip-autocomplete")).to_contain_text("ticket_categories")
    page.keyboard.press("Escape")  # closes the completion
    page.keyboard.press("Control+z")
    page.keyboard.press("Escape")  # leaves the editor: the desk's keys work again
    expect(page.locator(".cm-editor.cm-focused")).to_have_count(0)
    page.locator(".cm-content").click()

    # The next version, with its test case brought up to date, saved with Ctrl+S.
    _replace_all(page, next_version(_editor_text(page)))
    expect(page.locator("#failing-cases")).to_contain_text("tests/main.yaml::", timeout=10_000)
    page.locator(".cm-content").click()
    page.keyboard.press("Control+s")
    expect(page.locator("#draft-notice")).to_have_text("Saved.")
    _set_files(session_factory, world, draft_id, next_cases(seed_files()))
    page.goto(draft_url)
    expect(page.locator("#check-state")).to_have_text("Clean")
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "playbook-editor.png"), full_page=True)
    page.click("#submit-draft")
    expect(page.locator("#draft-notice")).to_have_text("Submitted for review.")
    expect(page.locator("#approve-draft")).to_have_count(0)

    review = open_desk(browser, server, ada, path=draft_url)
    expect(review.locator("#changes")).to_contain_text("line main · step verify")
    review.click("#approve-draft")
    expect(review.locator("#draft-notice")).to_have_text("Approved: it can be published.")
    review.click("#publish-draft")
    review.wait_for_url("**/playbooks?done=published")
    live = review.locator("#versions tr.pb-live")
    expect(live).to_contain_text("2026.12.1")
    review.get_by_role("link", name="2026.12.1").click()
    expect(review.locator("#line-main")).to_contain_text("Confirm the caller's name")
    if os.environ.get("SOPDESK_SCREENSHOTS"):
        review.screenshot(path=str(SCREENSHOTS / "playbook-version.png"), full_page=True)


def _set_files(
    factory: sessionmaker[Session], world: World, draft_id: int, files: dict[str, str]
) -> None:
    """The draft's test cases, as the author keeps them beside the YAML."""
    from personas import T0
    from sopdesk.authoring import library
    from sopdesk.db import transaction

    with transaction(factory) as s:
        draft = library.get_draft(s, world.supervisor_sam, draft_id)
        library.save_draft(s, world.supervisor_sam, draft_id, draft.content, T0, files=files)
