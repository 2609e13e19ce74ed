"""A new PSOS caller, in Debian Chromium: Ana finds nobody by the caller's name, records them
with one key (R: the account, prefilled from the phone system and the intake, linked to the
call), and the call wraps up with its note on the new account. A caller already in the CRM is
offered instead of a second account. No console error, no CSP violation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, ring_via_api, server, wait_live, world
from personas import World
from sopdesk.crm.models import Account, Contact, Note
from sopdesk.db import transaction

pytestmark = pytest.mark.sqlite_only
__all__ = ["server", "world"]  # fixtures, imported for pytest

CRYPTO = {
    "concern": "Caller pressed to move savings into a 'safe' wallet",
    "caller_name": "Ray Olsen",
    "cryptocurrency": "Bitcoin",
    "phone": "+1 628 555 0142",
    "email": "ray.olsen@example.com",
    "amount": "12000 USD",
}


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _take_psos_call(
    page: Any, server: str, factory: sessionmaker[Session], w: World, **call: str
) -> int:
    from playwright.sync_api import expect

    rung = ring_via_api(server, factory, w.supervisor_sam, label="Rondesse PSOS", **call)
    page.goto(f"/calls/{rung['id']}")
    page.keyboard.press("a")
    expect(page.locator("#call-header")).to_contain_text("Ana Reyes")
    return int(rung["id"])


def test_a_new_psos_caller_gets_an_account_in_a_few_keys_and_the_call_wraps_up(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    problems = _watch(page)
    wait_live(page)
    call_id = _take_psos_call(
        page,
        server,
        session_factory,
        world,
        external_id="rc-new-1",
        caller_number="+16285550142",
        caller_name="Ray Olsen",
    )
    for step in ("mute", "listen"):
        page.check(f"#step-box-{step}")
    page.click("#sc-crypto summary")
    for field, value in CRYPTO.items():
        page.fill(f"#f-crypto-{field}", value)
    page.select_option("#f-crypto-wallet_type", "Exchange / custodial")
    page.keyboard.press("Tab")  # leaving the field saves the form
    expect(page.locator("#sc-crypto-badge")).to_contain_text("Complete")

    page.keyboard.press("Escape")
    page.keyboard.press("f")  # look for the caller first: nobody by that name
    page.keyboard.type("Olsen")
    expect(page.locator("#account-results")).to_contain_text("No account matches")
    page.keyboard.press("Escape")
    create = page.locator("#create-caller")
    expect(create).to_contain_text("Create account for Ray Olsen")
    expect(page.locator("#new-caller-email")).to_have_value("ray.olsen@example.com")  # intake
    page.keyboard.press("r")  # one key: created, prefilled, linked
    linked = page.locator("#call-account-linked")
    expect(linked.locator(".account-card")).to_contain_text("Ray Olsen")
    expect(linked).to_contain_text("+16285550142")

    page.fill("#call-summary", "Scam attempt stopped; new client recorded.")
    page.keyboard.press("Escape")
    expect(page.locator("#call-wrapup")).to_contain_text("Nothing is missing.")
    page.keyboard.press("w")
    expect(page.locator("#call-wrapup")).to_contain_text("These records were written:")
    assert problems == [], problems

    with transaction(session_factory) as s:
        account = s.scalar(select(Account).where(Account.name == "Ray Olsen"))
        assert account is not None and account.org_id == "rondesse"
        assert (account.phone, account.email) == ("+16285550142", "ray.olsen@example.com")
        contact = s.scalar(select(Contact).where(Contact.account_id == account.id))
        assert contact is not None and contact.name == "Ray Olsen"
        notes = s.scalars(select(Note).where(Note.account_id == account.id)).all()
        assert [n.interaction_id for n in notes] == [call_id]
    page.context.close()


def test_a_caller_already_in_the_crm_is_offered_instead_of_a_second_account(
    browser: Any, server: str, session_factory: sessionmaker[Session], world: World
) -> None:
    from playwright.sync_api import expect

    page = open_desk(browser, server, world.agent_ana)
    problems = _watch(page)
    wait_live(page)
    # Dee Carter calls from a number the CRM does not know; her intake email is on file.
    _take_psos_call(
        page,
        server,
        session_factory,
        world,
        external_id="rc-new-2",
        caller_number="+16285550177",
        caller_name="Dee Carter",
    )
    page.click("#sc-crypto summary")
    page.fill("#f-crypto-email", "DEE@example.com")
    page.keyboard.press("Tab")
    expect(page.locator("#new-caller-email")).to_have_value("DEE@example.com")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    offer = page.locator("#account-offer")
    expect(offer).to_contain_text("Already in the CRM")
    expect(offer).to_contain_text("an account already has DEE@example.com")
    page.locator(f"#link-existing-{world.account_id}").focus()
    page.keyboard.press("Enter")  # Enter on the offered one links it
    expect(page.locator("#call-account-linked .account-card")).to_contain_text("Dee Carter")
    with transaction(session_factory) as s:
        assert len(s.scalars(select(Account).where(Account.name == "Dee Carter")).all()) == 1
    assert problems == [], problems
    page.context.close()
