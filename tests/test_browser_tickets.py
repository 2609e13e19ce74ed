"""In a real browser (Debian Chromium): an email to Legal arrives over SMTP, appears on Lila's SLA
board without a reload, and her reply from the ticket page leaves through the relay, threaded.

With SOPDESK_SCREENSHOTS=1 it refreshes docs/screenshots/tickets.png.
"""

from __future__ import annotations

import os
import re
import smtplib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import SCREENSHOTS
from mailkit import LEGAL, CapturingRelay, build_mail_world, make_email
from personas import PASSWORD
from sopdesk.channels.email.listener import start_smtp
from sopdesk.channels.email.mime import parse
from sopdesk.events import bind_bus
from sopdesk.settings import Settings
from web_helpers import TestClock, live_server, make_app

pytestmark = pytest.mark.sqlite_only  # one browser journey is enough; the logic runs on both


def test_email_to_board_to_threaded_reply(
    browser: Any,
    db_url: str,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    clock: TestClock,
) -> None:
    mw = build_mail_world(session_factory)
    with CapturingRelay() as relay:
        app = make_app(db_url, clock, outbound_smtp_host="127.0.0.1", outbound_smtp_port=relay.port)
        bind_bus(session_factory, app.state.bus)  # the intake's tickets reach the app's screens
        smtp = start_smtp(Settings(smtp_port=0), session_factory, clock=clock)
        try:
            with live_server(app) as url:
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                problems: list[str] = []
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.goto(url + "/tickets")
                page.get_by_label("Email").fill(mw.legal_lila.email)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url(url + "/tickets")
                page.locator("#ticket-board", has_text="No open tickets").wait_for()
                page.locator("#live-status", has_text="Live").wait_for(timeout=5000)

                # A client writes to legal@ with any mail client: the board shows it, live.
                raw = make_email(subject="Clause 4 of my contract", body="What does it mean?")
                with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
                    client.sendmail("ravi@client.example", [LEGAL], raw)
                row = page.locator("#ticket-board tr.ticket-row", has_text="Clause 4")
                row.wait_for(timeout=5000)
                assert "Ravi Kumar" in row.inner_text() and "Legal" in row.inner_text()
                assert "23h 59m" in row.inner_text() or "24h 00m" in row.inner_text()

                shots = SCREENSHOTS if os.environ.get("SOPDESK_SCREENSHOTS") else tmp_path
                shots.mkdir(parents=True, exist_ok=True)
                page.mouse.move(0, 0)
                page.screenshot(path=str(shots / "tickets.png"))

                row.locator("a.row-link").click()
                page.wait_for_url(re.compile(r".*/tickets/\d+$"))
                # The ticket page opens its own live stream; under CI load that takes a moment.
                page.locator("#live-status", has_text="Live").wait_for(timeout=10000)
                draft = page.get_by_label("Reply to ravi@client.example")
                draft.fill("It means X. Regards.")
                # The client writes again while Lila types: it shows up, her draft stays.
                more = make_email(
                    message_id="<m2@client.example>",
                    body="Also clause 5, please.",
                    headers={"In-Reply-To": "<m1@client.example>"},
                )
                with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
                    client.sendmail("ravi@client.example", [LEGAL], more)
                page.locator("#ticket-messages", has_text="Also clause 5").wait_for(timeout=10000)
                assert draft.input_value() == "It means X. Regards."
                page.get_by_role("button", name="Send reply").click()
                page.locator(".message--out", has_text="It means X.").wait_for()
                relay.wait_for("ravi@client.example")
                sent = page.locator(".message--out .delivery--sent")
                for _ in range(50):  # the relay answered; the outbox row is marked sent next
                    page.reload()
                    if sent.count():
                        break
                    page.wait_for_timeout(100)
                assert sent.count() == 1
                assert "in time" in page.locator(".ticket-facts").inner_text()
                page.screenshot(path=str(shots / "ticket.png"), full_page=True)
                assert problems == []
                page.close()
        finally:
            smtp.stop()
    (reply,) = [parse(m.data) for m in relay.messages if m.rcpt_tos == ["ravi@client.example"]]
    assert reply["In-Reply-To"] == "<m2@client.example>"  # the client's latest message
    # The thread's root first: it carries the ticket's secret key (docs/security.md).
    root, *chain = reply["References"].split()
    assert re.fullmatch(r"<t\.[0-9a-f]{32}@myoperator\.co>", root)
    assert chain == ["<m1@client.example>", "<m2@client.example>"]
    assert reply["From"].addresses[0].addr_spec == LEGAL
    assert "[MYO-" in reply["Subject"] and "It means X." in reply.get_body().get_content()
