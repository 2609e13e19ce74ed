"""Every form field shown with an error says so to assistive technology: `aria-invalid="true"`
and an `aria-describedby` naming the element that holds its message (WCAG 3.3.1). Checked on
the rendered HTML of each form that can come back with a problem."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.crm.models import Task
from sopdesk.db import transaction
from sopdesk.kb.service import import_folder
from web_helpers import csrf_from, login, make_app, ring

ROOT = Path(__file__).resolve().parents[1]


class _Elements(HTMLParser):
    """Each element's attributes by id, and the text inside each element that has an id."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.text: dict[str, str] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        ident = named.get("id")
        if ident:
            self.attrs[ident] = named
            self.text[ident] = ""
        if tag not in ("input", "br", "hr", "img", "meta", "link"):
            self._open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag not in ("input", "br", "hr", "img", "meta", "link"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            if ident:
                self.text[ident] += data


def _parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def assert_invalid(html: str, field_id: str) -> str:
    """The field is marked invalid and described by a message that says something; returns it."""
    page = _parse(html)
    attrs = page.attrs.get(field_id)
    assert attrs is not None, f"no field #{field_id}"
    assert attrs.get("aria-invalid") == "true", f"#{field_id} lacks aria-invalid: {attrs}"
    described = (attrs.get("aria-describedby") or "").split()
    messages = [page.text[d].strip() for d in described if d in page.text]
    assert any(messages), f"#{field_id} is described by no message: {described}"
    return " ".join(m for m in messages if m)


def assert_valid(html: str, field_id: str) -> None:
    attrs = _parse(html).attrs[field_id]
    assert "aria-invalid" not in attrs, f"#{field_id} is marked invalid: {attrs}"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _htmx(client: TestClient) -> dict[str, str]:
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
    assert token
    return {"X-CSRF-Token": token.group(1), "HX-Request": "true"}


def test_a_scenario_field_in_error_is_invalid_and_described(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "aria-1", label="Rondesse PSOS")
    login(client, world.agent_ana)
    htmx = _htmx(client)
    assert client.post(f"/calls/{iid}/accept", headers=htmx).status_code == 200
    typed = {"f.amount": "12000", "f.email": "dee@example.com"}
    assert client.put(f"/calls/{iid}/scenarios/crypto", data=typed, headers=htmx).status_code == 200
    page = client.get(f"/calls/{iid}").text
    assert "needs a currency" in assert_invalid(page, "f-crypto-amount")
    assert_valid(page, "f-crypto-email")


def test_a_refused_login_marks_both_fields(client: TestClient, world: World) -> None:
    refused = login(client, world.agent_ana, password="not-the-password")
    assert refused.status_code in (400, 401, 422)
    assert assert_invalid(refused.text, "email") and assert_invalid(refused.text, "password")


def test_a_ticket_form_marks_each_missing_field(client: TestClient, world: World) -> None:
    login(client, world.agent_priya)
    form = client.get("/tickets/new/payment_tracking").text
    data = {"csrf_token": csrf_from(form), "payment_method": "NEFT"}
    refused = client.post("/tickets/new/payment_tracking", data=data)
    assert refused.status_code == 422
    assert "is required" in assert_invalid(refused.text, "f-amount")
    assert "(when Payment method is Cheque)" in refused.text  # by its label, not its id
    assert_valid(refused.text, "f-payment_method")


def test_a_refused_task_comment_marks_its_box(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        task = Task(org_id="rondesse", title="Call back", assignee_id=world.agent_ana.id, due_at=T0)
        task.created_at = T0
        s.add(task)
        s.flush()
        task_id = task.id
    login(client, world.agent_ana)
    refused = client.post(f"/tasks/{task_id}/comments", data={"body": "  "}, headers=_htmx(client))
    assert refused.status_code == 422
    assert assert_invalid(refused.text, f"task-comment-{task_id}")
    assert_valid(refused.text, f"task-outcome-{task_id}")


def test_a_refused_article_edit_marks_its_text(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    with transaction(session_factory) as s:
        import_folder(s, "rondesse", ROOT / "playbooks" / "rondesse" / "articles", T0, by="test")
    login(client, world.supervisor_sam)
    form = client.get("/kb/articles/psos/edit").text
    data = {"text": "---\nsteps: 5\n---\n", "csrf_token": csrf_from(form)}
    broken = client.post("/kb/articles/psos/edit", data=data)
    assert broken.status_code == 422
    assert "Not saved" in assert_invalid(broken.text, "kb-text")
