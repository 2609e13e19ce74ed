"""Landmarks and outline a screen reader navigates by: every search landmark has a name, no
two on a page share one, and headings never skip a level (h1, then h2, then h3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.kb.service import import_folder
from web_helpers import login, make_app, ring

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "sopdesk" / "web" / "templates"
SEARCH = re.compile(r'<(?:form|div|section)\b[^>]*\brole="search"[^>]*>|<search\b[^>]*>')


def search_names(html: str) -> list[str | None]:
    """The accessible name (aria-label) of each search landmark, None when it has none."""
    names: list[str | None] = []
    for tag in SEARCH.findall(html):
        label = re.search(r'aria-label="([^"]+)"', tag)
        by = re.search(r'aria-labelledby="([^"]+)"', tag)
        names.append(label.group(1) if label else (f"#{by.group(1)}" if by else None))
    return names


def heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", html)]


def assert_no_skipped_level(html: str) -> None:
    levels = heading_levels(html)
    assert levels and levels[0] == 1, f"the page starts at h{levels[:1]}"
    for before, after in pairwise(levels):
        assert after <= before + 1, f"h{before} is followed by h{after}: {levels}"


def test_every_search_landmark_in_the_templates_is_named() -> None:
    for path in TEMPLATES.rglob("*.html"):
        for name in search_names(path.read_text()):
            assert name, f"{path.relative_to(TEMPLATES)}: a search landmark without a name"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    world = build_world(session_factory)
    with transaction(session_factory) as s:
        import_folder(s, "rondesse", ROOT / "playbooks" / "rondesse" / "articles", T0, by="test")
    return world


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def test_the_call_screens_two_searches_have_distinct_names(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "landmarks-1", label="Rondesse PSOS")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_ana, iid, T0)
    login(client, world.agent_ana)
    names = search_names(client.get(f"/calls/{iid}").text)
    assert sorted(n or "" for n in names) == ["Customer accounts", "Knowledge base"], names


def test_the_kb_page_with_results_skips_no_heading_level(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    page = client.get("/kb", params={"q": "a police officer is on the line"}).text
    assert "law enforcement" in page.lower()
    assert_no_skipped_level(page)
    assert_no_skipped_level(client.get("/kb").text)
    assert_no_skipped_level(client.get("/kb/articles/law-enforcement-call").text)
