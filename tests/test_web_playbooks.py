"""The playbook library's pages: versions read as the SOP (each element with the sentence it
comes from), a draft edited with the check live, submitted, refused with its reason on the
page, approved by another author, published and rolled back; agents read, never write."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import ROOT, T0, World, admin_ada, build_world
from sopdesk.authoring import library
from sopdesk.db import transaction
from sopdesk.orgs.models import User
from test_playbook_library import next_cases, next_version, seed_files
from web_helpers import csrf_from, login, make_app


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def _as(db_url: str, user: User) -> TestClient:
    client = TestClient(make_app(db_url))
    client.__enter__()
    login(client, user)
    return client


@pytest.fixture
def sam(db_url: str, world: World) -> Iterator[TestClient]:
    client = _as(db_url, world.supervisor_sam)
    yield client
    client.__exit__(None, None, None)


@pytest.fixture
def ada(db_url: str, world: World, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    client = _as(db_url, admin_ada(session_factory))
    yield client
    client.__exit__(None, None, None)


def _post(client: TestClient, url: str, **data: str) -> httpx.Response:
    csrf = csrf_from(client.get("/playbooks").text)
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_a_version_reads_as_the_sop_with_each_elements_sentence(
    sam: TestClient, world: World
) -> None:
    page = sam.get("/playbooks")
    assert page.status_code == 200
    assert 'href="/playbooks/versions/2026.11.1"' in page.text and "Live" in page.text
    version = sam.get("/playbooks/versions/2026.11.1")
    assert version.status_code == 200
    psos = version.text[version.text.index('id="line-psos"') :]
    psos = psos[: psos.index("</article>")]
    assert "Muted" in psos and "R18" in psos and "R19" in psos
    assert "place yourself on MUTE" in psos
    assert "Listen attentively to the call" in psos
    # The intake fields of a scenario, each with the sentence that asks for it.
    assert 'id="scenario-crypto"' in version.text
    # The folder to take back to git: the text exactly as published.
    download = sam.get("/playbooks/versions/2026.11.1/download")
    assert (
        download.headers["content-disposition"] == 'attachment; filename="rondesse-2026.11.1.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        published = archive.read("rondesse/playbook.yaml").decode()
    assert published == (ROOT / "playbooks" / "rondesse" / "playbook.yaml").read_text()


def test_a_draft_is_edited_checked_live_reviewed_and_published_from_the_pages(
    sam: TestClient, ada: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    made = _post(sam, "/playbooks/drafts")
    assert made.status_code == 303
    url = made.headers["location"]
    draft_id = int(url.rsplit("/", 1)[1])
    page = sam.get(url)
    assert page.status_code == 200 and 'id="draft-content"' in page.text
    # Typing a typo: the live check names it at its line, nothing is saved.
    content = next_version(library_text(session_factory, world, draft_id))
    broken = content.replace("urgency: normal", "urgency: nowhere", 1)
    live = _post(sam, f"/playbooks/drafts/{draft_id}/check", content=broken)
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "nowhere" in text)
    assert f'data-line="{line}"' in live.text and "nowhere" in live.text
    assert library_text(session_factory, world, draft_id) != broken
    # Saved with the new step but the old test cases: submitting is refused, with why.
    with transaction(session_factory) as s:
        library.save_draft(s, world.supervisor_sam, draft_id, content, T0, files=seed_files())
    refused = _post(sam, f"/playbooks/drafts/{draft_id}/submit")
    assert refused.status_code == 409
    assert "Cannot submit" in refused.text and "tests/main.yaml::" in refused.text
    # The failing case file brought up to date on its own page.
    main = next_cases(seed_files())["tests/main.yaml"]
    opened = sam.get(f"/playbooks/drafts/{draft_id}/file?path=tests/main.yaml")
    assert "steps: [greet, probe, outcome]" in opened.text
    edited = _post(sam, f"/playbooks/drafts/{draft_id}/file", path="tests/main.yaml", text=main)
    assert edited.headers["location"].endswith("?done=file-saved")
    bad_path = _post(sam, f"/playbooks/drafts/{draft_id}/file", path="../x.yaml", text="x")
    assert bad_path.status_code == 422
    # A browser sends the text box's lines with CRLF: the text kept with LF stays LF.
    crlf = content.replace("\n", "\r\n")
    saved = _post(sam, f"/playbooks/drafts/{draft_id}", content=crlf, title="Confirm the name")
    assert saved.status_code == 303
    assert library_text(session_factory, world, draft_id) == content
    assert "Clean" in sam.get(url).text
    assert _post(sam, f"/playbooks/drafts/{draft_id}/submit").status_code == 303
    own = sam.get(url).text
    assert "Waiting for another supervisor or admin" in own and 'id="approve-draft"' not in own
    review = ada.get(url).text
    assert 'id="approve-draft"' in review and "line main · step verify" in review
    assert _post(ada, f"/playbooks/drafts/{draft_id}/approve").status_code == 303
    published = _post(ada, f"/playbooks/drafts/{draft_id}/publish")
    assert published.headers["location"] == "/playbooks?done=published"
    shelf = ada.get("/playbooks?done=published").text
    assert "Published: new calls get it now." in shelf
    assert (
        "2026.12.1" in shelf and 'href="/playbooks/diff?from=2026.11.1&amp;to=2026.12.1"' in shelf
    )
    diff = ada.get("/playbooks/diff?from=2026.11.1&to=2026.12.1").text
    assert "line main · step verify" in diff
    back = _post(ada, "/playbooks/versions/2026.11.1/rollback")
    assert back.status_code == 303
    with session_factory() as s:
        assert library.live_version(s, "rondesse").version == "2026.11.1"  # type: ignore[union-attr]


def library_text(factory: sessionmaker[Session], world: World, draft_id: int) -> str:
    with factory() as s:
        return library.get_draft(s, world.supervisor_sam, draft_id).content


def test_agents_read_the_playbook_and_write_nothing(db_url: str, world: World) -> None:
    with TestClient(make_app(db_url)) as ana:
        login(ana, world.agent_ana)
        assert ana.get("/playbooks").status_code == 200
        assert "Edit a copy" not in ana.get("/playbooks").text
        assert ana.get("/playbooks/versions/2026.11.1").status_code == 200
        assert ana.get("/playbooks/schema.json").json()["title"]
        csrf = csrf_from(ana.get("/playbooks").text)
        made = ana.post("/playbooks/drafts", data={"csrf_token": csrf}, follow_redirects=False)
        assert made.status_code == 403
