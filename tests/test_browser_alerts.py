"""Ringing alerts on the live queue (issue 9, item 5), in Chromium: a call rings on a hidden tab
and the agent hears it, gets a desktop notification, sees the count in the tab's title and
favicon, sees the row highlighted for its urgency and has it announced; muted, only the sound
stops; not Available, nothing fires.

Hidden tab: headless Chromium reports every tab as visible (a second page brought to front, a
second tab of the same window and a minimised window all leave `document.visibilityState`
"visible"; tried with Chromium 156). So an init script puts `document.visibilityState` and
`document.hidden` under the test's control and fires `visibilitychange`, as the browser does
when the agent switches tabs. That is faithful for this feature: the page reads nothing else
about visibility (it decides on `document.visibilityState` at ring time), and everything else
(the event stream, the row refresh, Web Audio, the Notification constructor) is the browser's
own, with notifications granted to the context as an agent's "Allow" would.

The same init script records, without replacing them, each `new Notification(...)`, each
`Notification.requestPermission()`, each oscillator start (its frequency and the audio
context's state: "running" means the tone really played) and each CSP violation.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import LAPTOP, SCREENSHOTS, open_desk, server, wait_live, world
from personas import World
from sopdesk.desk.calls import CallStatus
from web_helpers import TestClock, login, make_app, ring

__all__ = ["server", "world"]  # fixtures

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "sopdesk" / "web" / "templates"
STATIC = TEMPLATES.parent / "static"

RECORDER = """
(() => {
  const seen = { notes: [], asks: 0, tones: [], csp: [] };
  window.__alerts = seen;
  let hidden = false;
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true, get() { return hidden ? "hidden" : "visible"; } });
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true, get() { return hidden; } });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  document.addEventListener("securitypolicyviolation", (e) => {
    seen.csp.push(e.violatedDirective + " " + e.blockedURI);
  });
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        seen.notes.push({ title, body: options && options.body, tag: options && options.tag });
      }
    }
    Recorded.requestPermission = (...args) => {
      seen.asks += 1;
      return Real.requestPermission(...args);
    };
    window.Notification = Recorded;
  }
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    seen.tones.push({ frequency: this.frequency.value, state: this.context.state });
    return start.apply(this, args);
  };
})();
"""


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _desk(browser: Any, base: str, user: Any, *, grant: bool) -> tuple[Any, list[str]]:
    """The agent's queue, logged in through the form, with the recorder in every page load."""
    page = open_desk(browser, base, user)
    context = page.context
    if grant:
        context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(RECORDER)
    problems = _watch(page)
    page.reload()
    wait_live(page)
    return page, problems


def _seen(page: Any) -> dict[str, Any]:
    seen: dict[str, Any] = page.evaluate("window.__alerts")
    return seen


def _icon(page: Any) -> str:
    href: str = page.locator('link[rel="icon"]').get_attribute("href")
    return href


def test_a_call_ringing_on_a_hidden_tab_alerts_the_agent_until_muted(
    browser: Any,
    server: str,
    world: World,
    session_factory: sessionmaker[Session],
    clock: TestClock,
    tmp_path: Path,
) -> None:
    """With SOPDESK_SCREENSHOTS=1 it refreshes docs/screenshots/queue_ringing.png."""
    page, problems = _desk(browser, server, world.agent_ana, grant=True)
    base_title = page.title()
    assert base_title.startswith("Queue · ") and not base_title.startswith("(")
    assert _icon(page) == "/static/favicon.svg"
    # Notifications already allowed: no button, the state in words, and nobody asked on load.
    assert page.locator("#ring-mute").is_visible()
    assert not page.locator("#ring-notify").is_visible()
    assert page.locator("#ring-notify-state").inner_text() == "Desktop alerts on"
    assert _seen(page)["asks"] == 0

    page.locator("h1").click()  # the agent has clicked on the page once: sound is allowed
    page.evaluate("window.__setHidden(true)")  # ... and switched to another tab

    dee = ring(session_factory, "rondesse", "al-1", at=clock(), label="Rondesse PSOS",
               caller="+14155552671", caller_name="Dee Carter")  # fmt: skip
    urgent = page.locator("#ring-announce-urgent")
    urgent.filter(has_text="Rondesse PSOS call from Dee Carter, highest urgency").wait_for(
        state="attached", timeout=5000
    )
    assert page.locator("#ring-announce").inner_text() == ""
    assert page.title() == f"(1) {base_title}"
    icon = _icon(page)
    assert icon.startswith("data:image/svg+xml,") and "%3E1%3C%2Ftext%3E" in icon  # >1</text>
    row = page.locator(f'#queue-rows tr[data-id="{dee}"]')
    assert re.search(r"\bring-new--critical\b", row.get_attribute("class") or "")
    seen = _seen(page)
    assert seen["notes"] == [
        {
            "title": "Call ringing: Rondesse PSOS",
            "body": "Rondesse PSOS call from Dee Carter, highest urgency",
            "tag": f"sopdesk-call-{dee}",
        }
    ]
    # The highest urgency: a fast, high double tone, twice, really played.
    assert [t["frequency"] for t in seen["tones"]] == [1319, 988, 1319, 988]
    assert {t["state"] for t in seen["tones"]} == {"running"}

    # A routine call sounds and looks different, and is announced politely.
    main = ring(session_factory, "rondesse", "al-2", at=clock(), label="Rondesse Main Number",
                caller="+17185550110", caller_name="Priscilla Vance")  # fmt: skip
    polite = page.locator("#ring-announce")
    polite.filter(
        has_text="Rondesse Main Number call from Priscilla Vance, normal urgency"
    ).wait_for(state="attached", timeout=5000)
    assert page.title() == f"(2) {base_title}"
    assert "%3E2%3C%2Ftext%3E" in _icon(page)
    row = page.locator(f'#queue-rows tr[data-id="{main}"]')
    assert re.search(r"\bring-new--routine\b", row.get_attribute("class") or "")
    # Dee's row was re-rendered by the refresh and keeps its highlight.
    dee_row = page.locator(f'#queue-rows tr[data-id="{dee}"]')
    assert re.search(r"\bring-new--critical\b", dee_row.get_attribute("class") or "")
    seen = _seen(page)
    assert [t["frequency"] for t in seen["tones"][4:]] == [523]
    page.emulate_media(reduced_motion="reduce")  # the highlight without its pulse
    shots = SCREENSHOTS if os.environ.get("SOPDESK_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "queue_ringing.png"))
    assert len(seen["notes"]) == 2 and seen["notes"][1]["tag"] == f"sopdesk-call-{main}"

    # Mute from the keyboard (M); it is remembered across a reload.
    page.evaluate("window.__setHidden(false)")
    page.keyboard.press("m")
    assert page.locator("#ring-mute").get_attribute("aria-pressed") == "true"
    assert page.evaluate("localStorage.getItem('sopdesk.ringMuted')") == "1"
    page.reload()
    wait_live(page)
    assert page.locator("#ring-mute").get_attribute("aria-pressed") == "true"
    assert page.title() == f"(2) {base_title}"  # the calls that ring now, on a fresh load
    page.locator("h1").click()
    page.evaluate("window.__setHidden(true)")

    usos = ring(session_factory, "rondesse", "al-3", at=clock(), label="Rondesse USOS",
                caller="+13055550187", caller_name="Daniel Okoro")  # fmt: skip
    polite.filter(has_text="Rondesse USOS call from Daniel Okoro, mid urgency").wait_for(
        state="attached", timeout=5000
    )
    assert page.title() == f"(3) {base_title}"
    row = page.locator(f'#queue-rows tr[data-id="{usos}"]')
    assert re.search(r"\bring-new--elevated\b", row.get_attribute("class") or "")
    seen = _seen(page)
    assert seen["tones"] == []  # muted: no sound
    assert [n["tag"] for n in seen["notes"]] == [f"sopdesk-call-{usos}"]  # still notified

    # None ringing any more: the title and the favicon are restored.
    for session_id, label in (("al-1", "Rondesse PSOS"), ("al-2", "Rondesse Main Number"),
                              ("al-3", "Rondesse USOS")):  # fmt: skip
        ring(session_factory, "rondesse", session_id, at=clock(), label=label,
             status=CallStatus.ENDED)  # fmt: skip
    page.wait_for_function("(t) => document.title === t", arg=base_title, polling=100, timeout=5000)
    assert _icon(page) == "/static/favicon.svg"
    assert page.locator("#queue-rows .ring-new").count() == 0

    assert problems == [] and _seen(page)["csp"] == []
    page.context.close()


def test_no_alerts_while_the_agent_is_not_available(
    browser: Any,
    server: str,
    world: World,
    session_factory: sessionmaker[Session],
    clock: TestClock,
) -> None:
    """body[data-presence] (set by the presence work) is re-read on every event."""
    page, problems = _desk(browser, server, world.agent_ana, grant=True)
    base_title = page.title()
    page.locator("h1").click()
    page.evaluate("window.__setHidden(true)")
    page.evaluate("document.body.dataset.presence = 'break'")

    quiet = ring(session_factory, "rondesse", "pr-1", at=clock(), label="Rondesse PSOS",
                 caller_name="Dee Carter")  # fmt: skip
    page.locator(f'#queue-rows tr[data-id="{quiet}"]').wait_for(timeout=5000)
    page.wait_for_timeout(300)  # past the announcement's 100 ms
    seen = _seen(page)
    assert seen["tones"] == [] and seen["notes"] == []
    assert page.locator("#ring-announce-urgent").inner_text() == ""
    assert page.title() == base_title and _icon(page) == "/static/favicon.svg"
    assert page.locator("#queue-rows .ring-new").count() == 0

    # Back to Available: the ringing call shows in the tab at once, and the next one alerts.
    page.evaluate("document.body.dataset.presence = 'available'")
    page.wait_for_function(
        "(t) => document.title === t", arg=f"(1) {base_title}", polling=100, timeout=5000
    )
    ring(session_factory, "rondesse", "pr-2", at=clock(), label="Rondesse USOS",
         caller_name="Daniel Okoro")  # fmt: skip
    page.locator("#ring-announce", has_text="Daniel Okoro").wait_for(state="attached", timeout=5000)
    assert page.title() == f"(2) {base_title}"
    assert [t["frequency"] for t in _seen(page)["tones"]] == [784, 659]
    assert problems == [] and _seen(page)["csp"] == []
    page.context.close()


def test_desktop_alerts_are_asked_for_only_from_the_button(
    browser: Any, server: str, world: World
) -> None:
    page, problems = _desk(browser, server, world.agent_ana, grant=False)
    button = page.locator("#ring-notify")
    assert button.is_visible() and button.inner_text() == "Enable desktop alerts"
    page.locator("h1").click()  # an ordinary click on the page does not ask
    assert _seen(page)["asks"] == 0
    button.click()
    # Playwright answers a permission the context was not granted with "denied".
    page.locator("#ring-notify-state", has_text="blocked").wait_for(timeout=5000)
    assert _seen(page)["asks"] == 1 and not button.is_visible()
    assert problems == [] and _seen(page)["csp"] == []
    page.context.close()


def test_the_queue_works_without_javascript_and_hides_the_alert_controls(
    browser: Any,
    server: str,
    world: World,
    session_factory: sessionmaker[Session],
    clock: TestClock,
) -> None:
    ring(session_factory, "rondesse", "nj-1", at=clock(), label="Rondesse PSOS",
         caller_name="Dee Carter")  # fmt: skip
    context = browser.new_context(viewport=LAPTOP, base_url=server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login?next=/queue")
    page.fill("#email", world.agent_ana.email)
    page.fill("#password", "sopdesk-demo-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    assert "Dee Carter" in page.locator("#queue-rows").inner_text()
    assert not page.locator("#ring-alerts").is_visible()
    context.close()


class _Inline(HTMLParser):
    """Everything a strict CSP (script-src 'self', style-src 'self') would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not names.get("src"):
                self.found.append("<script> without src")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f"{tag} style=")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline script text")


def _inline(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


def test_the_inline_checker_finds_what_the_policy_blocks() -> None:
    assert _inline('<script src="/static/a.js"></script><button type="button">x</button>') == []
    assert _inline("<script>alert(1)</script>") == ["<script> without src", "inline script text"]
    assert _inline('<button onclick="go()">x</button><a href="javascript:go()">y</a>') == [
        "button onclick=",
        "a href=javascript:",
    ]
    assert _inline('<p style="color:red">z</p>') == ["p style="]


def test_the_queue_templates_and_the_rendered_queue_have_no_inline_script(
    db_url: str, world: World, session_factory: sessionmaker[Session]
) -> None:
    for name in ("base.html", "queue.html", "queue_alerts.html", "queue_rows.html"):
        source = (TEMPLATES / name).read_text()
        assert _inline(re.sub(r"\{[{%#].*?[}%#]\}", "", source, flags=re.S)) == [], name
    assert (STATIC / "ring_alerts.js").is_file() and (STATIC / "ring_alerts.css").is_file()
    ring(session_factory, "rondesse", "in-1", label="Rondesse PSOS", caller_name="Dee Carter")
    with TestClient(make_app(db_url)) as client:
        login(client, world.agent_ana)
        page = client.get("/queue")
        assert page.status_code == 200 and "Dee Carter" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert 'src="/static/ring_alerts.js"' in page.text
        assert 'aria-live="polite"' in page.text and 'aria-live="assertive"' in page.text
        assert _inline(page.text) == []
        assert client.get("/static/ring_alerts.js").status_code == 200
