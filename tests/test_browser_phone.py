"""The desk on a phone (390x844, touch) and on a wide screen (1440x900), in Debian Chromium.

On every page: nothing scrolls sideways, the navigation can be reached (behind the Menu on a
phone, which opens without script), no console error, page error or CSP violation. On the
queue, the call screen and the tasks page, on the phone: every control is at least 44px tall,
the caller's name is never squeezed into a sliver, the call screen stacks in the order a call is
worked and Take call works. The main buttons' text meets WCAG AA contrast (4.5:1), computed
from the styles the browser applies.

With SOPDESK_SCREENSHOTS=1 the queue, a call and the tasks at both widths go to
docs/screenshots/ (phone-*.png, wide-*.png, with the phone's open menu and a ringing call's
first screen); otherwise every page's picture goes to a temporary
directory, leaving the checkout clean.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import SCREENSHOTS, open_desk, server, world
from personas import World
from sopdesk.crm import records
from sopdesk.db import transaction
from sopdesk.escalations import accounts as escalation_accounts
from sopdesk.orgs.models import Org, User
from test_browser_screenshots import _history, _open_calls
from test_payment_tracking import NEFT
from web_helpers import TestClock, ring

pytestmark = pytest.mark.sqlite_only  # layout, not data: one backend is enough
__all__ = ["server", "world"]  # fixtures, imported for pytest

SIZES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "wide": {"viewport": {"width": 1440, "height": 900}},
}
CALLER = "Alexandra Konstantinidou-Whitfield"
TOUCH = 44  # px: the smallest control a thumb hits reliably (WCAG 2.5.5)
AA = 4.5  # WCAG AA contrast for normal-size text

# Controls a person taps, and how tall they are; text links inside sentences are exempt (WCAG
# 2.5.8), as are the hidden ones. A checkbox is tapped through its label.
TARGETS_JS = """() => {
  const sel = 'main button, main .btn, main select, main textarea, main summary, main a.row-link,'
    + ' main input:not([type=hidden]):not([type=checkbox]), main label:has(+ input[type=checkbox]),'
    + ' main input[type=checkbox] + label, main label[for^="step-box-"], .topbar summary';
  return [...document.querySelectorAll(sel)]
    .filter(e => e.checkVisibility() && e.getClientRects().length)
    // A row's link covers its whole card (a stretched ::before): the card is what is tapped.
    .map(e => [e, getComputedStyle(e, '::before').position === 'absolute' ? e.closest('tr') : e])
    .map(([e, t]) => ({what: e.outerHTML.slice(0, 90), height: t.getBoundingClientRect().height}));
}"""

# What sticks out past the screen's edge, outside any box that scrolls or clips it.
WIDER_JS = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width && e.checkVisibility())
  .filter(e => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== 'visible') return false;
    return true;
  })
  .slice(0, 4).map(e => e.tagName + '.' + e.className)"""

# The contrast of a control's text on what is painted behind it: semi-transparent backgrounds
# are blended over their ancestors' down to the page's.
CONTRAST_JS = """(el) => {
  const rgba = s => {
    const m = s.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
  const layers = [];
  for (let e = el; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
  let bg = [255, 255, 255];
  for (const layer of layers.reverse()) bg = over(layer, bg);
  const fg = over(rgba(getComputedStyle(el).color), bg);
  const linear = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = c => c.map(linear).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}"""


@dataclass
class Desk:
    """What the pages show: open calls, one ringing for Ana to take, history, a lead, a ticket."""

    calls: dict[str, int]
    ringing: int
    ticket: int


def _ticket(factory: sessionmaker[Session], priya: User, clock: TestClock) -> int:
    with transaction(factory) as s:
        ticket = escalation_accounts.raise_category_ticket(
            s, priya, category_id="payment_tracking", fields=NEFT, subject="NEFT not credited",
            now=clock.ago(3600), customer_email="ravi@client.example", customer_name="Ravi Kumar",
        )  # fmt: skip
        return ticket.id


@pytest.fixture
def desk(session_factory: sessionmaker[Session], world: World, clock: TestClock) -> Desk:
    with transaction(session_factory) as s:
        org = s.get(Org, "rondesse")
        assert org is not None
        org.max_active_calls = 2  # Ana documents one call while she takes the next
    _history(session_factory, world, clock)
    calls = _open_calls(session_factory, world, clock)
    ringing = ring(session_factory, "rondesse", "phone-1", at=clock.ago(20), label="Rondesse PSOS",
                   caller="+12125550142", caller_name=CALLER)  # fmt: skip
    with transaction(session_factory) as s:
        records.write_lead(s, org_id="rondesse", stage="Warm", name="Jo Doe",
                           phone="+14155550123", line="main", now=clock.ago(900))  # fmt: skip
    return Desk(calls, ringing, _ticket(session_factory, world.agent_priya, clock))


def _watch(page: Any) -> list[str]:
    """Console errors (CSP violations among them) and uncaught page errors, as they happen."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{m.text} at {page.url}"))
    page.on("pageerror", lambda e: problems.append(f"{e} at {page.url}"))
    return problems


def _fits(page: Any, width: int) -> None:
    """Nothing wider than the screen. Against the viewport's own width: on a phone Chromium
    widens innerWidth to whatever overflows."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDER_JS, width)
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen: {wide}"


def _nav_reachable(page: Any, size: str) -> None:
    """Every navigation link can be seen and lies on the screen; on a phone after opening the
    Menu (a <details>: no script involved), which closes again."""
    links = page.locator(".topbar__nav a")
    toggle = page.locator(".topbar__toggle")
    width = SIZES[size]["viewport"]["width"]
    if size == "phone":
        assert toggle.is_visible() and not links.first.is_visible()
        toggle.click()
    else:
        assert not toggle.is_visible()
    assert links.count() >= 6
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert links.nth(n).is_visible() and box, links.nth(n).inner_text()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, links.nth(n).inner_text()
        if size == "phone":
            assert box["height"] >= TOUCH, links.nth(n).inner_text()
    _fits(page, width)
    if size == "phone":
        page.locator(".topbar__menu").evaluate("menu => menu.querySelector('summary').focus()")
        page.keyboard.press("Enter")  # the keyboard closes it as well as a tap
        assert not links.first.is_visible()


def _targets_are_tall_enough(page: Any) -> None:
    small = [t for t in page.evaluate(TARGETS_JS) if t["height"] < TOUCH - 0.5]
    assert small == [], f"{page.url}: controls under {TOUCH}px: {small}"


def _caller_is_readable(page: Any, selector: str, lines: int) -> None:
    """The caller's name is at least six characters wide and takes at most `lines` lines:
    never a column that breaks it one letter a line."""
    name = page.locator(selector).first
    six, height, line = name.evaluate(
        """e => {
          const s = getComputedStyle(e), c = document.createElement('canvas').getContext('2d');
          c.font = s.font;
          return [c.measureText('MMMMMM').width, e.getBoundingClientRect().height,
                  parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.45];
        }"""
    )
    box = name.bounding_box()
    assert box and box["width"] >= six, f"{selector} is {box} wide, six letters take {six}px"
    assert height <= lines * line + 1, f"{selector} takes {height / line:.1f} lines"


def _in_working_order(page: Any) -> None:
    """The phone's one column: caller and Take call, then steps, scenarios, summary, wrap-up."""
    order = ["#call-header", "#take-call", "#call-steps", "#scenarios-title", "#call-summary",
             "#call-wrapup"]  # fmt: skip
    tops = [page.locator(s).bounding_box()["y"] for s in order]
    assert tops == sorted(tops), dict(zip(order, tops, strict=True))


def _shoot(page: Any, name: str, into: Path, *, full: bool) -> None:
    page.mouse.move(0, 0)
    page.wait_for_timeout(150)  # let the live refresh that follows the stream's opening settle
    page.screenshot(path=str(into / f"{name}.png"), full_page=full)


@pytest.fixture
def shots(tmp_path: Path) -> tuple[Path, bool]:
    """Where pictures go, and whether that is the docs (only the queue, the call and the tasks,
    with the phone's menu, go there)."""
    if os.environ.get("SOPDESK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS, True
    return tmp_path, False


def _visit(page: Any, path: str, size: str, shots: tuple[Path, bool], name: str) -> None:
    if page.url.split("://", 1)[-1].partition("/")[2] != path.lstrip("/"):
        page.goto(path)
    _fits(page, SIZES[size]["viewport"]["width"])
    into, docs = shots
    if not docs or name in ("queue", "call", "tasks"):
        _shoot(page, f"{size}-{name}", into, full=size == "phone")
    _nav_reachable(page, size)


@pytest.mark.parametrize("size", ["phone", "wide"])
def test_the_desk_works_on_a_phone_and_a_wide_screen(
    browser: Any, server: str, world: World, desk: Desk, shots: tuple[Path, bool], size: str
) -> None:
    phone = size == "phone"
    page = open_desk(browser, server, world.agent_ana, "/queue", **SIZES[size])
    problems = _watch(page)
    page.wait_for_selector("#live-status.live--on", timeout=10_000)
    _visit(page, "/queue", size, shots, "queue")
    _caller_is_readable(page, f'.queue__row[data-id="{desk.ringing}"] .row-link', lines=2)
    if phone:
        _targets_are_tall_enough(page)
        page.locator(".topbar__toggle").click()
        _shoot(page, "phone-menu", shots[0], full=False)
        page.locator(".topbar__toggle").click()
    page.locator(f'.queue__row[data-id="{desk.ringing}"] .row-link').click()
    page.wait_for_url(f"**/calls/{desk.ringing}")
    _caller_is_readable(page, ".call-head__caller", lines=3)
    if phone:
        _in_working_order(page)
        _targets_are_tall_enough(page)
        _shoot(page, "phone-call-ringing", shots[0], full=False)
    page.locator("#take-call").click()
    page.locator("#call-owner").get_by_text("You have this call.").wait_for()
    assert page.locator("#take-call").count() == 0
    page.wait_for_selector("#live-status.live--on", timeout=10_000)
    _visit(page, f"/calls/{desk.ringing}", size, shots, "call")
    if phone:
        _targets_are_tall_enough(page)
    _visit(page, "/tasks?scope=all", size, shots, "tasks")
    page.locator("details.intake summary").first.click()
    if phone:
        _targets_are_tall_enough(page)
    for name, path in [("leads", "/leads"), ("accounts", "/accounts"), ("kb", "/kb"),
                       ("account", f"/accounts/{world.account_id}")]:  # fmt: skip
        _visit(page, path, size, shots, name)
    page.context.close()

    for user, pages in [
        (world.supervisor_sam, [("board", "/board")]),
        (world.agent_priya, [("tickets", "/tickets"), ("ticket", f"/tickets/{desk.ticket}")]),
    ]:
        page = open_desk(browser, server, user, pages[0][1], **SIZES[size])
        problems += _watch(page)
        for name, path in pages:
            _visit(page, path, size, shots, name)
        page.context.close()

    context = browser.new_context(base_url=server, **SIZES[size])
    page = context.new_page()
    problems += _watch(page)
    page.goto("/login")
    _fits(page, SIZES[size]["viewport"]["width"])
    if not shots[1]:
        _shoot(page, f"{size}-login", shots[0], full=phone)
    if phone:
        _targets_are_tall_enough(page)
    context.close()
    assert problems == [], problems


@pytest.mark.parametrize("size", ["phone", "wide"])
def test_the_main_buttons_meet_wcag_aa_contrast(
    browser: Any, server: str, world: World, desk: Desk, size: str
) -> None:
    page = open_desk(browser, server, world.agent_ana, f"/calls/{desk.ringing}", **SIZES[size])
    problems = _watch(page)
    ratio: dict[str, float] = {}

    def measure(name: str, selector: str, *, hover: bool = False) -> None:
        control = page.locator(selector).first
        if hover:
            control.hover()
            page.wait_for_timeout(50)
        ratio[name] = round(control.evaluate(CONTRAST_JS), 2)

    measure("take call", "#take-call")
    measure("take call, hovered", "#take-call", hover=True)
    if size == "wide":  # a phone shows no key hints
        measure("take call's key", "#take-call kbd")
    measure("wrap up, still owed", "#wrap-up")
    measure("primary (create account)", ".new-caller .btn--primary")
    measure("default (search)", ".account-search .btn")
    if size == "phone":
        measure("menu", ".topbar__toggle")
        page.locator(".topbar__toggle").click()
    measure("log out", ".topbar__logout .btn")
    if size == "phone":
        page.locator(".topbar__toggle").click()  # the open menu lies over the page
    page.locator("#take-call").click()
    page.locator("#release-call").wait_for()
    measure("default (release)", "#release-call")
    page.context.close()
    page = browser.new_page(base_url=server, **SIZES[size])
    problems += _watch(page)
    page.goto("/login")
    measure("primary (log in)", ".login__card .btn--primary")
    measure("primary (log in), hovered", ".login__card .btn--primary", hover=True)
    page.close()
    low = {name: r for name, r in ratio.items() if r < AA}
    assert low == {}, ratio
    assert problems == [], problems


def test_the_phone_menu_opens_without_script(
    browser: Any, server: str, world: World, desk: Desk
) -> None:
    """The Menu is a <details>: with JavaScript off it still opens and leads to every page."""
    page = open_desk(browser, server, world.agent_ana, "/tasks", java_script_enabled=False,
                     **SIZES["phone"])  # fmt: skip
    _nav_reachable(page, "phone")
    page.locator(".topbar__toggle").click()
    page.locator(".topbar__nav a", has_text="Queue").click()
    page.wait_for_url("**/queue")
    assert page.locator(f'.queue__row[data-id="{desk.ringing}"]').is_visible()
    page.context.close()
