"""The desk's one list of keys (`sopdesk.web.shortcuts`): every key a script under static/
handles and every `data-shortcut` in a template is in it, nothing listed is handled by no one,
and the ? dialog and the call screen's Keyboard panel are both rendered from it. The call screen
marks a call the agent holds, so that a stray key of the top bar asks before leaving it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.web.shortcuts import SHORTCUTS, TO, on_call
from web_helpers import NOW, login, make_app, ring

WEB = Path(__file__).resolve().parents[1] / "src/sopdesk/web"
SCRIPTS = sorted(p for p in (WEB / "static").glob("*.js"))
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))
# Keys the browser handles by itself on a focused control: listed so the agent knows them.
NATIVE = {"enter", "tab", " "}

COMPARED = re.compile(r"""key\s*[!=]==?\s*"([^"]+)\"""")  # key === "x", event.key !== "ArrowUp"
TABLE = re.compile(r"""\b[A-Z_]*KEYS\s*=\s*\{(.*?)\n?\s*\};""", re.S)  # var KEYS = { x: ... };
TABLE_KEY = re.compile(r"""[{,]\s*("?)([^\s",:{}()]+)\1\s*:""")
RANGE = re.compile(r"""\[(\d)-(\d)\]""")  # /^[1-9]$/.test(key)
SHORTCUT_ATTR = re.compile(r"""data-shortcut="([^"{]+)\"""")
NAV_ITEM = re.compile(r"""\("\w+", "/\w*", "[^"]+", "(\w)"\)""")  # base.html's nav items


def handled_keys(script: str) -> set[str]:
    """The `KeyboardEvent.key` values (lower-cased) a script compares or looks up."""
    keys = {k.lower() for k in COMPARED.findall(script)}
    for body in TABLE.findall(script):
        keys |= {k.lower() for _, k in TABLE_KEY.findall("{" + body)}
    if "keydown" in script:
        for first, last in RANGE.findall(script):
            keys |= {str(n) for n in range(int(first), int(last) + 1)}
    return keys


def listed() -> set[str]:
    return set().union(*(s.event_keys() for s in SHORTCUTS))


def test_the_reader_finds_the_keys_each_script_handles() -> None:
    """A guard on the regular expressions: a reader that found nothing would pass anything."""
    found = {p.name: handled_keys(p.read_text(encoding="utf-8")) for p in SCRIPTS}
    assert found["call_keys.js"] >= {"x", "s", "u", *"123456789"}
    assert found["desk.js"] >= {"?", "j", "k", "escape"}
    assert found["desk_pages.js"] >= {"n", "f", "/"}
    assert found["call_account.js"] >= {"arrowdown", "arrowup"}


def test_every_key_a_script_handles_is_listed() -> None:
    missing = {
        p.name: sorted(handled_keys(p.read_text(encoding="utf-8")) - listed()) for p in SCRIPTS
    }
    assert {name: keys for name, keys in missing.items() if keys} == {}


def test_every_shortcut_of_a_template_and_of_the_top_bar_is_listed() -> None:
    found: dict[str, set[str]] = {}
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for key in SHORTCUT_ATTR.findall(text) + NAV_ITEM.findall(text):
            found.setdefault(key.lower(), set()).add(path.name)
    assert set(found) >= set("qcltigbawrme"), found  # the reader found them
    assert {k: v for k, v in found.items() if k not in listed()} == {}


def test_nothing_is_listed_that_no_one_handles() -> None:
    handled = set().union(*(handled_keys(p.read_text(encoding="utf-8")) for p in SCRIPTS))
    attributes = {
        k.lower()
        for path in TEMPLATES
        for k in SHORTCUT_ATTR.findall(path.read_text(encoding="utf-8"))
        + NAV_ITEM.findall(path.read_text(encoding="utf-8"))
    }
    assert listed() - handled - attributes - NATIVE == set()


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _lines(html: str, start: str, end: str) -> list[str]:
    part = html[html.index(start) : html.index(end, html.index(start))]
    return [re.sub(r"<[^>]+>|\s+", " ", dd).strip() for dd in re.findall(r"<dd>(.*?)</dd>", part)]


def test_the_dialog_and_the_keyboard_panel_render_the_one_list(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    call = ring(session_factory, "rondesse", "keys-1", label="Rondesse PSOS")
    login(client, world.agent_ana)
    html = client.get(f"/calls/{call}").text
    what = [s.what.replace("'", "&#39;") for s in SHORTCUTS]
    assert _lines(html, '<dialog id="shortcuts"', "</dialog>") == what
    panel = _lines(html, 'id="keys-title"', "</section>")
    assert panel == [s.what.replace("'", "&#39;") for s in on_call()]
    # Each dialog line says what it needs on the page, for desk.js to show only this page's.
    needs = re.findall(r'data-needs="([^"]+)"', html)
    assert len(needs) == len(SHORTCUTS)
    assert f"<kbd>1</kbd> {TO} <kbd>9</kbd>" in html and "<kbd>↓</kbd> / <kbd>↑</kbd>" in html


def test_the_call_screen_guards_leaving_only_a_call_the_agent_holds(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    call = ring(session_factory, "rondesse", "keys-2", label="Rondesse PSOS")
    login(client, world.agent_ana)
    assert "data-leave-guard=" not in client.get(f"/calls/{call}").text  # nobody has it yet
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, call, NOW)
    held = client.get(f"/calls/{call}").text
    assert 'data-leave-guard="2000"' in held and 'id="leave-hint"' in held
    client.post("/logout", headers={"X-CSRF-Token": _csrf(held)})
    login(client, world.supervisor_sam)
    assert "data-leave-guard=" not in client.get(f"/calls/{call}").text  # Ana's, not Sam's
    client.post("/logout", headers={"X-CSRF-Token": _csrf(client.get("/queue").text)})
    login(client, world.other_org_olga)
    assert client.get(f"/calls/{call}").status_code == 404  # another org's call: not even seen


def _csrf(html: str) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert match
    return match.group(1)
