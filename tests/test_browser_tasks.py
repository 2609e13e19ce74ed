"""Lee, of the lawyers, works his team's follow-up in Chromium: he logs in and lands on the
lawyers' tasks, a hand-off appears live when a USOS law-enforcement call is wrapped up elsewhere,
he claims it, comments and closes it with an outcome; no console error, no CSP violation."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from browser_kit import LAPTOP, server, wait_live, world
from personas import PASSWORD, World
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.desk.wrapup import wrap_up
from test_crm_api import LAW

__all__ = ["server", "world"]


def _wrap_up_a_law_enforcement_call(factory: sessionmaker[Session], world: World, now: Any) -> None:
    """Ana takes and wraps up a USOS call from an officer, through the desk service."""
    ana = world.agent_ana
    call = CallIn(org_id="rondesse", at=now, label="Rondesse USOS", caller_name="Det. Maria Lopez")
    with transaction(factory) as s:
        iid = receive_call(s, call, now).id
    with transaction(factory) as s:
        desk.accept(s, ana, iid, now)
        for step in ("greet", "advise", "intake", "plan"):
            desk.set_step(s, ana, iid, step, True, now)
        values: Any = dict(LAW)
        desk.record_scenario(s, ana, iid, "law_enforcement", values, [], now)
        desk.link_account(s, ana, iid, world.account_id, now)
        desk.set_outcome(s, ana, iid, False, now)
    with transaction(factory) as s:
        wrap_up(s, ana, iid, now)


def test_lee_claims_comments_and_closes_a_live_hand_off(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World, clock: Any
) -> None:
    context = browser.new_context(viewport=LAPTOP, base_url=server)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto("/login")
    page.fill("#email", world.lawyer_lee.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/tasks?scope=team")
    assert page.locator('.tabs__tab[aria-current="page"]').inner_text().startswith("Lawyers")
    wait_live(page)
    assert page.locator("tr[data-task-id]").count() == 0

    _wrap_up_a_law_enforcement_call(session_factory, world, clock())
    row = page.locator("tr[data-task-id]")
    row.wait_for(timeout=10_000)  # live: no reload
    assert "Lawyer to reach out to the law enforcement caller" in row.inner_text()
    assert row.locator('a[href="tel:+12125550188"]').count() == 1
    assert row.locator('a[href="mailto:m.lopez@nypd.example"]').count() == 1

    row.get_by_role("button", name="Claim").click()
    page.locator("tr[data-task-id] .task__assignee", has_text="Lee Park").wait_for()

    row = page.locator("tr[data-task-id]")
    row.locator("summary", has_text="Comments").click()
    row.get_by_label("Add a comment").fill("Left Det. Lopez a voicemail")
    row.get_by_role("button", name="Add comment").click()
    page.locator(".task-thread__list li", has_text="Left Det. Lopez a voicemail").wait_for()

    row = page.locator("tr[data-task-id]")
    row.locator("summary", has_text="Close with an outcome").click()
    row.get_by_label("Outcome").fill("Spoke to her; records go through counsel")
    row.get_by_label("Result").select_option("resolved")
    row.get_by_role("button", name="Close task").click()
    done = page.locator("tr.task--done")
    done.wait_for()
    assert "Resolved" in done.inner_text() and "records go through counsel" in done.inner_text()

    assert problems == [], problems
    context.close()
