"""Agent assist on the call screen and the /kb page: the right article, its quick answer first,
"no good match" for noise, and one click records the FAQ tried on the call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction
from sopdesk.kb.service import import_folder
from web_helpers import csrf_from, login, make_app, ring

ROOT = Path(__file__).resolve().parents[1]
LEGAL = "client-asks-for-legal-or-accounts"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    world = build_world(session_factory)
    with transaction(session_factory) as s:
        for org in ("myoperator", "rondesse"):
            import_folder(s, org, ROOT / "playbooks" / org / "articles", T0, by="test")
    return world


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def test_client_wants_legal_gets_the_legal_article_first(
    client: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    call = ring(session_factory, "myoperator", "kb-1", number="+91 22 4000 0000")
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_priya, call, T0)  # only the call's owner records its work
    login(client, world.agent_priya)
    page = client.get(f"/calls/{call}")
    assert 'id="assist-q"' in page.text
    found = client.get(f"/calls/{call}/assist", params={"q": "client wants to talk to legal"})
    assert found.status_code == 200
    first = found.text.index('class="kb-hit__title"')
    assert "Legal or Accounts" in found.text[first : first + 200]
    assert found.text.index("kb-hit__answer") < found.text.index("Related articles")
    # The quick answer's "- " lines are a real list, not bullets typed as text.
    answer = found.text.split('class="kb-hit__answer">', 1)[1].split("</div>", 1)[0]
    assert answer.lstrip().startswith("<ul>") and "<li>First, consult the relevant FAQ" in answer
    assert "- First" not in answer
    token = csrf_from(page.text)
    tried = client.post(
        f"/calls/{call}/faq-tried", data={"article": LEGAL}, headers={"X-CSRF-Token": token}
    )
    assert tried.status_code == 200
    with session_factory() as s:
        interaction = s.get(Interaction, call)
        assert interaction is not None and LEGAL in interaction.progress["faq_tried"]
    again = client.get(f"/calls/{call}/assist", params={"q": "client wants to talk to legal"})
    assert "✓ FAQ tried" in again.text
    # The policy's "FAQ tried" names the article by its title, never by its slug.
    status = client.get(f"/calls/{call}").text.split('class="policy__faq"', 1)[1].split("</p>")[0]
    assert "✓ FAQ tried" in status and "asks to speak with the Legal or Accounts team?" in status
    assert LEGAL not in status


def test_noise_is_no_good_match(
    client: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    call = ring(session_factory, "myoperator", "kb-2", number="+91 22 4000 0000")
    login(client, world.agent_priya)
    found = client.get(
        f"/calls/{call}/assist", params={"q": "recipe for banana bread with walnuts"}
    )
    assert "No good match" in found.text and "kb-hit__title" not in found.text


def test_nothing_typed_suggests_the_lines_articles(
    client: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    call = ring(session_factory, "rondesse", "kb-3", label="Rondesse PSOS")
    login(client, world.agent_ana)
    found = client.get(f"/calls/{call}/assist")
    assert "kb-hit__title" in found.text and "PSOS" in found.text


def test_kb_page_searches_the_users_org_only(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    rondesse = client.get("/kb", params={"q": "client wants to talk to legal"})
    assert rondesse.status_code == 200
    assert "Legal or Accounts" not in rondesse.text  # a MyOperator article
    page = client.get("/kb", params={"q": "a police officer is on the line"})
    assert "What do I do when law enforcement is on the call?" in page.text


def test_supervisor_edits_an_article_with_history(client: TestClient, world: World) -> None:
    login(client, world.other_org_olga)  # a MyOperator supervisor
    page = client.get(f"/kb/articles/{LEGAL}")
    assert page.status_code == 200 and "History" in page.text
    form = client.get(f"/kb/articles/{LEGAL}/edit")
    source = form.text.split('name="text"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    import html

    text = html.unescape(source).replace("reply within 24 hours", "reply within one day (24 hours)")
    token = csrf_from(form.text)
    saved = client.post(
        f"/kb/articles/{LEGAL}/edit",
        data={"text": text, "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(f"/kb/articles/{LEGAL}")
    assert "one day (24 hours)" in page.text
    assert page.text.count("<tr><td>") == 2  # versions 2 and 1
    broken = client.post(
        f"/kb/articles/{LEGAL}/edit", data={"text": "---\nsteps: 5\n---\n", "csrf_token": token}
    )
    assert broken.status_code == 422 and "Not saved" in broken.text


def test_agents_cannot_edit_articles(client: TestClient, world: World) -> None:
    login(client, world.agent_priya)
    assert client.get(f"/kb/articles/{LEGAL}/edit").status_code == 403
    assert client.get(f"/kb/articles/{LEGAL}").status_code == 200
    login(client, world.agent_ana)  # another org: the article does not exist for Rondesse
    assert client.get(f"/kb/articles/{LEGAL}").status_code == 404
