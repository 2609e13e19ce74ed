"""Keystrokes and clicks for the README's PSOS crypto call, from ring to wrap-up, in Chromium.

Two callers: Margaret Hartwell, whose account is in the CRM, and a new caller with no account.
The agent works from the keyboard as the call screen teaches (its Keyboard panel): J and Enter
open the call from the queue, A takes it, Tab and Space tick steps, the scenario form is filled
field by field, F finds the account (R records a new caller), N writes the summary, W wraps up.

The page counts, not this script: an init script listens to every keydown and click the
browser delivers. A printable key typed into a text box, a select or a text area is text (the
caller's details, not navigation) and is counted apart; every other key (Tab, Enter, Escape,
arrows, Space, shortcut letters) is a non-text key. Clicks are mouse clicks (keyboard
activation of a link or button is a key, not a click).

Run: `make bench` or `.venv/bin/python bench/bench_keys.py`. Needs Debian Chromium
(/usr/bin/chromium). Prints figures only.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from sopdesk.demo import load_demo
from sopdesk.settings import Settings
from sopdesk.web.app import create_app
from sopdesk.web.run import DeskServer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "sopdesk-demo"
TARGETS = {"known caller": 25, "new caller": 35}
MAX_TABS = 80  # a control further than this from the focus is unreachable by keyboard

COUNTER = """
(() => {
  const empty = '{"keys":0,"text":0,"clicks":0,"log":[]}';
  const load = () => JSON.parse(sessionStorage.getItem("keys") || empty);
  const save = (c) => sessionStorage.setItem("keys", JSON.stringify(c));
  const pressable = ["checkbox", "radio", "button", "submit", "reset"];
  const editable = (t) => t && (t.isContentEditable || ["TEXTAREA", "SELECT"].includes(t.tagName)
    || (t.tagName === "INPUT" && !pressable.includes(t.type)));
  document.addEventListener("keydown", (e) => {
    if (["Shift", "Control", "Alt", "Meta"].includes(e.key)) return;
    const c = load();
    if (e.key.length === 1 && editable(e.target)) c.text += 1;
    else { c.keys += 1; c.log.push(e.key); }
    save(c);
  }, true);
  document.addEventListener("click", (e) => {
    if (!e.isTrusted || e.detail === 0) return;
    const c = load(); c.clicks += 1; save(c);
  }, true);
})();
"""

CRYPTO_FIELDS = [
    ("concern", "Told by 'bank security' to move savings into a new wallet"),
    ("caller_name", None),  # the caller's name
    ("cryptocurrency", "Bitcoin"),
    ("wallet_type", "Exchange"),  # a select: type-ahead picks "Exchange / custodial"
    ("amount", "12000 USD"),
    ("phone", None),  # the caller's number
    ("email", None),  # the caller's email
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def desk(folder: Path) -> Iterator[str]:
    """The demo desk (both orgs, no demo calls) on SQLite, served in a thread."""
    url = f"sqlite:///{folder}/keys.db"
    settings = Settings(database_url=url, playbooks=ROOT / "playbooks")
    load_demo(settings, datetime.now(UTC), calls=False, articles=False)
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", free_port()))
    server = DeskServer(uvicorn.Config(app, log_level="warning"), app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def ring(base: str, page: Any, caller: str, number: str, session: str) -> None:
    """The phone system reports a PSOS call (through the API, as an integration would)."""
    token = page.evaluate(
        "document.querySelector('meta[name=csrf-token]')?.content || "
        "document.querySelector('input[name=csrf_token]')?.value || ''"
    )
    body = {
        "external_id": session,
        "label": "Rondesse PSOS",
        "caller_number": number,
        "caller_name": caller,
    }
    response = page.request.post(f"{base}/api/v1/calls", data=body, headers={"X-CSRF-Token": token})
    if response.status != 201:
        raise RuntimeError(f"ringing failed: {response.status} {response.text()}")


def tab_to(page: Any, selector: str) -> None:
    """Tab forward until `selector` has the focus, as an agent would."""
    for _ in range(MAX_TABS):
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise RuntimeError(f"{selector} not reachable with {MAX_TABS} Tabs")


def wait(page: Any, selector: str, text: str) -> None:
    page.locator(selector, has_text=text).first.wait_for(timeout=10_000)


def work_the_call(
    base: str, page: Any, caller: str, number_of_caller: str, email: str, new: bool
) -> None:
    ring(base, page, caller, number_of_caller, f"keys-{number_of_caller}")
    wait(page, "#queue-rows", caller)
    page.keyboard.press("j")  # the first (most urgent, longest waiting) call
    page.keyboard.press("Enter")
    page.wait_for_url("**/calls/*")
    page.keyboard.press("a")  # take it
    wait(page, "#call-header", "Ana Reyes")
    for step in ("mute", "listen"):
        page.keyboard.press("x")  # tick the step marked Now
        page.locator(f"#step-{step}.step--done").wait_for(timeout=10_000)
    # The scenario's number is on its heading: the agent reads it and presses it.
    number = page.locator("#sc-crypto .scenario__key").inner_text()
    page.keyboard.press(number)  # opens the Crypto Call form at its first empty field
    values = {"caller_name": caller, "phone": number_of_caller, "email": email}
    for field, value in CRYPTO_FIELDS:
        tab_to(page, f"#f-crypto-{field}")
        page.keyboard.type(value or values[field])
    page.keyboard.press("Tab")  # leaving the last field saves the form
    wait(page, "#sc-crypto-badge", "Complete")
    page.keyboard.press("Escape")
    if new:
        page.keyboard.press("r")  # record the new caller: account created, prefilled, linked
    else:
        page.keyboard.press("u")  # link the account the caller's number matches
    page.locator("#call-account-linked .account-card").wait_for(timeout=10_000)
    page.keyboard.press("n")
    page.keyboard.type("Scam attempt stopped; the client will be called back.")
    page.keyboard.press("Escape")
    wait(page, "#call-wrapup", "Nothing is missing.")
    page.keyboard.press("w")
    wait(page, "#call-wrapup", "These records were written:")


def measure(
    base: str, browser: Any, caller: str, number: str, email: str, new: bool
) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=base)
    context.add_init_script(COUNTER)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/login?next=/queue")
    page.fill("#email", "ana@rondesse.example")  # logging in is not part of the call
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    page.evaluate("sessionStorage.removeItem('keys')")
    page.locator("#live-status.live--on").wait_for(timeout=10_000)
    work_the_call(base, page, caller, number, email, new)
    counts: dict[str, Any] = page.evaluate("JSON.parse(sessionStorage.getItem('keys'))")
    counts["problems"] = problems
    context.close()
    return counts


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"keystrokes: skipped, Debian Chromium not found at {CHROMIUM}")
        return 0
    print("# keystrokes and clicks, the README's PSOS crypto call from ring to wrap-up")
    with tempfile.TemporaryDirectory() as tmp, desk(Path(tmp)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        runs = {
            "known caller": ("Margaret Hartwell", "+12125550141", "office@hartwell.example", False),
            "new caller": ("Ray Olsen", "+16285550142", "ray.olsen@example.com", True),
        }
        for name, (caller, number, email, new) in runs.items():
            c = measure(base, browser, caller, number, email, new)
            total = c["keys"] + c["clicks"]
            verdict = "within" if total <= TARGETS[name] else "OVER"
            print(
                f"{name:>12}: {c['keys']} non-text keys + {c['clicks']} clicks = {total} "
                f"({verdict} the target of {TARGETS[name]}); {c['text']} text keys typed"
            )
            print(f"{'':>12}  keys: {' '.join(c['log'])}")
            if c["problems"]:
                print(f"{'':>12}  console errors: {c['problems']}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
