"""The playbook library over the JSON API: a draft made, checked at the lines it is wrong,
refused at submit while a test case fails, approved by another author, published, diffed and
rolled back; agents read versions but write nothing; another org's library is 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, admin_ada, build_world
from sopdesk.orgs.models import User
from test_playbook_library import OLD_STEP, next_cases, next_version, seed_files
from web_helpers import make_app, token_for

API = "/api/v1/playbooks"
DRAFTS = f"{API}/rondesse/drafts"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


@pytest.fixture
def ada(session_factory: sessionmaker[Session], world: World) -> User:
    return admin_ada(session_factory)


def _bearer(factory: sessionmaker[Session], user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _refused(response: Any, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert field is None or field in [f["field"] for f in error["fields"]], error
    return error


def test_a_draft_is_checked_reviewed_published_and_rolled_back_over_the_api(
    client: TestClient, session_factory: sessionmaker[Session], world: World, ada: User
) -> None:
    sam, admin = _bearer(session_factory, world.supervisor_sam), _bearer(session_factory, ada)
    draft = _ok(client.post(DRAFTS, json={"files": seed_files()}, headers=sam), 201)
    assert draft["status"] == "draft" and draft["base_version"] == "2026.11.1"
    assert draft["check"]["clean"] and draft["changes"] == []
    url = f"{DRAFTS}/{draft['id']}"

    # A typo is a finding at its line, with that line's text; submitting is refused.
    broken = draft["content"].replace("urgency: normal", "urgency: nowhere", 1)
    saved = _ok(client.put(url, json={"content": broken}, headers=sam))
    [finding] = saved["check"]["findings"]
    assert "nowhere" in finding["message"] and "urgency: nowhere" in finding["draft_text"]
    assert broken.splitlines()[finding["line"] - 1] == finding["draft_text"]
    _refused(client.post(f"{url}/submit", headers=sam), 409, f"content:{finding['line']}")

    # A new step the kept test case does not expect: the case fails and says so.
    text = next_version(draft["content"])
    failing = _ok(client.put(url, json={"content": text}, headers=sam))["check"]
    assert not failing["clean"] and any(
        c["name"].startswith("tests/main.yaml::") and not c["passed"] for c in failing["cases"]
    )
    saved = _ok(
        client.put(url, json={"content": text, "files": next_cases(seed_files())}, headers=sam)
    )
    assert saved["check"]["clean"]
    assert [(c["kind"], c["path"]) for c in saved["changes"]] == [
        ("added", "lines[id=main].steps[id=verify]")
    ]

    # Only the author changes a draft: whoever approves has written none of it.
    _refused(client.put(url, json={"content": text}, headers=admin), 403, "author")
    _ok(client.post(f"{url}/submit", headers=sam))
    _refused(client.put(url, json={"content": broken}, headers=sam), 409, "status")
    _refused(client.post(f"{url}/approve", headers=sam), 409, "reviewer")
    assert _ok(client.post(f"{url}/approve", headers=admin))["reviewer"] == "ada@rondesse.example"
    published = _ok(client.post(f"{url}/publish", headers=admin))
    assert (published["status"], published["published_version"]) == ("published", "2026.12.1")

    versions = _ok(client.get(f"{API}/rondesse/versions", headers=sam))
    assert [(v["version"], v["live"]) for v in versions] == [
        ("2026.12.1", True),
        ("2026.11.1", False),
    ]
    detail = _ok(client.get(f"{API}/rondesse/versions/2026.12.1", headers=sam))
    assert detail["content"] == text and detail["files"] == next_cases(seed_files())
    diff = _ok(client.get(f"{API}/rondesse/diff", headers=sam))
    assert (diff["from"], diff["to"]) == ("2026.11.1", "2026.12.1")
    assert [c["label"] for c in diff["changes"]] == ["line main · step verify"]

    rolled = _ok(client.post(f"{API}/rondesse/versions/2026.11.1/rollback", headers=sam))
    assert rolled == {**rolled, "version": "2026.11.1", "live": True}
    [shelf] = _ok(client.get(API, headers=sam))
    assert shelf["live"]["version"] == "2026.11.1" and shelf["drafts"] == []
    back = _ok(client.get(f"{API}/rondesse/diff?from=2026.11.1&to=2026.12.1", headers=sam))
    assert back["changes"] == diff["changes"]


def test_the_check_stores_nothing_and_names_where_a_text_does_not_load(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    sam = _bearer(session_factory, world.supervisor_sam)
    live = _ok(client.get(f"{API}/rondesse/versions/2026.11.1", headers=sam))
    text = next_version(live["content"])
    check = _ok(client.post(f"{API}/rondesse/check", json={"content": text}, headers=sam))
    assert check["clean"] and check["cases"] == []
    unloadable = _ok(
        client.post(f"{API}/rondesse/check", json={"content": "format: 1\nlines: [\n"}, headers=sam)
    )
    assert not unloadable["loads"] and unloadable["findings"][0]["line"] >= 1
    # A version names a URL segment and a file: plain characters only.
    odd = text.replace('version: "2026.12.1"', 'version: "12/1 ?#"')
    odd_check = _ok(client.post(f"{API}/rondesse/check", json={"content": odd}, headers=sam))
    assert not odd_check["loads"] and "version" in odd_check["findings"][0]["message"]
    assert _ok(client.get(API, headers=sam))[0]["drafts"] == []


def test_agents_read_versions_and_write_nothing_and_other_orgs_get_404(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = _bearer(session_factory, world.agent_ana)
    sam = _bearer(session_factory, world.supervisor_sam)
    olga = _bearer(session_factory, world.other_org_olga)
    [mine] = _ok(client.get(API, headers=ana))
    assert mine["org"] == "rondesse" and mine["live"]["version"] == "2026.11.1"
    assert mine["drafts"] == []
    _refused(client.post(DRAFTS, json={}, headers=ana), 403, None)
    _refused(client.post(f"{API}/rondesse/versions/2026.11.1/rollback", headers=ana), 403, None)
    draft = _ok(client.post(DRAFTS, json={"title": "Sam's"}, headers=sam), 201)
    assert [d["title"] for d in _ok(client.get(DRAFTS, headers=sam))] == ["Sam's"]
    # Olga, a MyOperator supervisor, sees no Rondesse path: the same 404 as for no org at all.
    for path in (f"{API}/rondesse/versions", f"{DRAFTS}/{draft['id']}", DRAFTS):
        _refused(client.get(path, headers=olga), 404, "org")
    _refused(client.get(f"{API}/myoperator/drafts/{draft['id']}", headers=olga), 404, "draft")
    _refused(client.get(f"{API}/myoperator/versions/nope", headers=olga), 404, "version")
    _refused(client.get(f"{API}/nowhere/versions", headers=olga), 404, "org")
    _refused(
        client.post(DRAFTS, json={"files": {"../escape.yaml": "x"}}, headers=sam),
        422,
        "files.../escape.yaml",
    )
    # One version only: nothing to compare it with yet.
    _refused(client.get(f"{API}/rondesse/diff", headers=sam), 409, "from")
    assert OLD_STEP in _ok(client.get(f"{DRAFTS}/{draft['id']}", headers=sam))["content"]
