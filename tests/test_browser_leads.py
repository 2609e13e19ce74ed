"""Ana works a lead on the leads page in Debian Chromium, from the keyboard: she moves it from
Hot to Warm and adds a note; each answer is swapped in place (no reload), the stage tabs follow
and the focus comes back to the control she used. No console error, no CSP violation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, server, world
from personas import T0, World
from sopdesk.crm import records
from sopdesk.crm.models import Lead, LeadNote
from sopdesk.db import transaction

pytestmark = pytest.mark.sqlite_only
__all__ = ["server", "world"]  # fixtures, imported for pytest


def test_ana_moves_a_lead_to_warm_and_notes_it_from_the_keyboard(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    with transaction(session_factory) as s:
        lead = records.write_lead(
            s, org_id="rondesse", stage="Hot", name="Jo Doe", phone=None, line="main", now=T0
        )
        s.flush()
        lead_id = lead.id

    page = open_desk(browser, server, world.agent_ana, "/leads")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.evaluate("window.sameDocument = true")  # gone if a form reloads the page
    row = page.locator(f"#lead-{lead_id}")

    stage = row.get_by_label("Stage of Jo Doe")
    stage.focus()
    stage.select_option("Warm")
    page.keyboard.press("Tab")  # to its Set button
    expect(row.get_by_role("button", name="Set stage of Jo Doe")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator(".lead__stage .stage")).to_have_text("Warm")
    expect(page.locator("#lead-tabs")).to_contain_text("Warm")  # the tabs, out of band
    expect(row.get_by_label("Stage of Jo Doe")).to_be_focused()  # back where she was

    summary = row.locator("summary", has_text="Notes")
    summary.focus()
    page.keyboard.press("Enter")  # opens the notes
    note = row.get_by_label("Add a note")
    expect(note).to_be_visible()
    note.focus()
    page.keyboard.type("Wants a call on Monday about the Pro plan")
    page.keyboard.press("Tab")  # to Add note
    page.keyboard.press("Enter")
    expect(row.locator(".lead-notes li")).to_contain_text(
        "Wants a call on Monday about the Pro plan"
    )
    expect(row.locator("summary", has_text="Notes")).to_contain_text("1")
    expect(row.get_by_label("Add a note")).to_be_focused()
    expect(row.get_by_label("Add a note")).to_have_value("")

    assert page.evaluate("window.sameDocument") is True  # htmx swapped, nothing reloaded
    assert problems == []
    with transaction(session_factory) as s:
        stored = s.get(Lead, lead_id)
        assert stored is not None and stored.stage == "Warm"
        assert [n.body for n in s.scalars(select(LeadNote))] == [
            "Wants a call on Monday about the Pro plan"
        ]
    page.context.close()
