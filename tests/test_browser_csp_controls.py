"""Controls that once relied on inline handlers the page's CSP refuses, in Debian Chromium:
the knowledge base's "Tried this FAQ" on the call screen turns into "✓ FAQ tried" without a
reload, and the SLA board's team filter applies when a team is chosen. No template carries an
inline handler. No console error, no CSP violation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, server, wait_live, world
from personas import ROOT, T0, World
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.kb.service import import_folder
from web_helpers import ring

__all__ = ["server", "world"]  # fixtures, imported for pytest
TEMPLATES = Path(__file__).resolve().parents[1] / "src/sopdesk/web/templates"
INLINE = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=|<script(?![^>]*\ssrc=)""", re.I)
LEGAL = "client-asks-for-legal-or-accounts"


def test_no_template_has_an_inline_handler_or_script() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INLINE.search(line)
    ]
    assert found == []


def test_the_check_sees_what_the_csp_refuses() -> None:
    for bad in ('<select onchange="x()">', "<form hx-on::after-request='x()'>", "<script>x()"):
        assert INLINE.search(bad), bad
    assert not INLINE.search('<script src="/static/desk.js" defer></script>')


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.sqlite_only
def test_tried_this_faq_and_the_sla_team_filter_work_under_the_csp(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    with transaction(session_factory) as s:
        import_folder(s, "myoperator", ROOT / "playbooks/myoperator/articles", T0, by="test")
    call = ring(session_factory, "myoperator", "csp-1", number="+91 22 4000 0000")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_priya, call, T0)
    page = open_desk(browser, server, world.agent_priya, f"/calls/{call}")
    problems = _watch(page)
    wait_live(page)
    # The typed question's results first: a click on the line's first suggestions would race
    # the search that replaces them.
    with page.expect_response(lambda r: "/assist?q=" in r.url):
        page.fill("#assist-q", "client wants to talk to legal")
    hit = page.locator(".kb-hit", has=page.locator(f'input[value="{LEGAL}"]'))
    hit.get_by_role("button", name="Tried this FAQ").click()
    expect(page.locator(".kb-hit").first).to_contain_text("✓ FAQ tried")
    assert problems == [], problems
    page.context.close()

    page = open_desk(browser, server, world.agent_priya, "/tickets")
    problems = _watch(page)
    team = page.locator("#team option").nth(1).get_attribute("value")
    assert team
    page.select_option("#team", team)
    page.wait_for_url(f"**/tickets?team={team}")
    expect(page.locator("#team")).to_have_value(team)
    assert problems == [], problems
    page.context.close()
