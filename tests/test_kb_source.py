"""`kb.service.get_article_source`: the text an edit starts from, within one org only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from personas import T0, build_world
from sopdesk.db import transaction
from sopdesk.kb.service import edit_article, get_article_source, import_folder

ROOT = Path(__file__).resolve().parents[1]
LEGAL = "client-asks-for-legal-or-accounts"


def test_the_source_is_the_current_version_as_written_in_its_own_org(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    folder = ROOT / "playbooks" / "myoperator" / "articles"
    with transaction(session_factory) as s:
        import_folder(s, "myoperator", folder, T0, by="test")
    written = next(p for p in folder.rglob("*.md") if p.stem == LEGAL).read_text()
    with transaction(session_factory) as s:
        assert get_article_source(s, "myoperator", LEGAL) == written
        assert get_article_source(s, "rondesse", LEGAL) is None  # another org's article
        assert get_article_source(s, "myoperator", "no-such-article") is None
        edited = written.replace("Legal or Accounts", "Legal or Accounts (edited)", 1)
        assert edited != written
        edit_article(s, world.other_org_olga, LEGAL, edited, T0)  # a supervisor
    with transaction(session_factory) as s:
        assert get_article_source(s, "myoperator", LEGAL) == edited
