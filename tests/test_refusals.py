"""One refusal model: every API route, given refused input, answers 4xx in the documented shape
`{"error": {"code", "message", "fields": [{"field", "message"}]}}`, and each room's real
refusals reach people with their status, code and fields.

The walk takes the routes from `app.routes` (a new route is walked without being listed here)
and builds its requests from the route's OpenAPI operation: no auth, a body of the wrong type,
each body field of the wrong type, a path id of the wrong type, a missing id, another org's id,
and a method the path does not have. `test_web_errors.py` covers the handlers one by one (probe
routes, 500s, pages); `test_api_fuzz.py` throws generated input at the API for 5xx only.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

import sopdesk
from mailkit import MailWorld, build_mail_world, make_email
from personas import T0
from sopdesk.crm import service as crm
from sopdesk.crm.models import Account, Task
from sopdesk.db import transaction
from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.errors import Refusal
from sopdesk.escalations import accounts, tickets
from sopdesk.kb.article import ArticleError
from sopdesk.kb.service import ArticlesRefused, EditNotAllowed, import_folder
from sopdesk.orgs.service import OrgError
from sopdesk.playbooks.engine import IntakeResult
from test_escalations import deliver
from web_helpers import csrf_from, login, make_app, ring, token_for

ROOT = Path(__file__).resolve().parents[1]
RONDESSE_ARTICLE = "crypto-call"  # a seed article of Rondesse's, none of MyOperator's
API = "/api/v1"
SHAPE = {"code", "message", "fields"}
PUBLIC = {("POST", f"{API}/telephony/ringcentral")}  # authenticated by its verification token
MISSING_ID = 2_000_000_000
WRONG: Any = [[[]]]  # no field of any request body takes a list of lists of lists
LEGAL_ARTICLE = "client-asks-for-legal-or-accounts"


# -- the documented shape ---------------------------------------------------------------------


def refusal(response: Response, where: str = "") -> dict[str, Any]:
    """The error of a refused request, checked against the documented shape."""
    where = where or f"{response.request.method} {response.request.url.path}"
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/json"), where
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: {body}"
    error = body["error"]
    assert set(error) == SHAPE, f"{where}: {error}"
    assert isinstance(error["code"], str) and error["code"], where
    assert isinstance(error["message"], str) and error["message"], where
    assert isinstance(error["fields"], list), where
    for problem in error["fields"]:
        assert set(problem) == {"field", "message"}, f"{where}: {problem}"
        assert all(isinstance(v, str) for v in problem.values()), f"{where}: {problem}"
    return dict(error)


def expect(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    where = f"{response.request.method} {response.request.url.path}"
    error = refusal(response, where)
    assert response.status_code == status, f"{where}: {response.status_code} {response.text}"
    if code is not None:
        assert error["code"] == code, f"{where}: {error}"
    return error


# -- the routes, from app.routes --------------------------------------------------------------


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every API route the app serves, included routers unfolded."""

    def walk(routes: list[Any]) -> Iterator[tuple[str, Any]]:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # an included router
                for context in route.effective_route_contexts():
                    yield context.path, context.original_route
            else:
                yield getattr(route, "path", ""), route

    found: list[tuple[str, str, APIRoute]] = []
    for path, route in walk(list(app.routes)):
        if isinstance(route, APIRoute) and path.startswith(f"{API}/"):
            found.extend(
                (method, path, route) for method in sorted((route.methods or set()) - {"HEAD"})
            )
    return found


@dataclass
class Operation:
    method: str
    path: str
    params: list[dict[str, Any]]
    body: dict[str, Any] | None  # the resolved JSON schema of the body, if it takes one
    ids: list[str] = field(default_factory=list)  # integer path parameters
    names: list[str] = field(default_factory=list)  # string path parameters


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def operation(spec: dict[str, Any], method: str, path: str) -> Operation:
    documented = spec["paths"].get(path, {}).get(method.lower())
    assert documented is not None, f"{method} {path} is served but not in the OpenAPI"
    params = documented.get("parameters", [])
    content = documented.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    op = Operation(method, path, params, resolve(spec, body) if body else None)
    for p in params:
        if p["in"] == "path":
            kind = resolve(spec, p["schema"]).get("type")
            (op.ids if kind == "integer" else op.names).append(p["name"])
    return op


def sample(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A minimal valid value of a (simple) JSON schema."""
    schema = resolve(spec, schema)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(spec, options[0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: sample(spec, props[name]) for name in schema.get("required", [])}
    return {
        "string": "x",
        "integer": int(schema.get("minimum", 1)),
        "number": 1,
        "boolean": True,
        "array": [],
    }[kind]


def url(op: Operation, ids: Mapping[str, int | str], name: str = "nope") -> str:
    path = op.path
    for p in op.ids:
        path = path.replace(f"{{{p}}}", str(ids.get(p, MISSING_ID)))
    for p in op.names:
        path = path.replace(f"{{{p}}}", name)
    return path


# -- the world: Ana (Rondesse) asks; MyOperator's objects are another org's ------------------


@dataclass
class Setup:
    mw: MailWorld
    ana: dict[str, str]
    other_org: dict[str, int]  # path parameter -> a MyOperator object's id
    sam: dict[str, str]  # for the routes an agent may not use (403 before the body is read)


@pytest.fixture
def setup(session_factory: sessionmaker[Session]) -> Setup:
    mw = build_mail_world(session_factory)
    (opened,) = deliver(session_factory, make_email(), at=T0)  # a MyOperator legal ticket
    call = ring(session_factory, "myoperator", "other-org-1", number="+91 22 4000 0000")
    with transaction(session_factory) as s:
        account = Account(org_id="myoperator", name="Mira Das", paid=True, created_at=T0)
        s.add(account)
        s.flush()
        task = Task(org_id="myoperator", title="Call back", team="accounts", due_at=T0)
        task.created_at = T0
        s.add(task)
        s.flush()
        ids = {"account_id": account.id, "task_id": task.id}
    ids.update(interaction_id=call, ticket_id=opened.ticket_id, attachment_id=1)
    ana = {"Authorization": f"Bearer {token_for(session_factory, mw.world.agent_ana)}"}
    sam = {"Authorization": f"Bearer {token_for(session_factory, mw.world.supervisor_sam)}"}
    return Setup(mw, ana, ids, sam)


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return make_app(db_url)


@pytest.fixture
def client(app: FastAPI, setup: Setup) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def bearer(factory: sessionmaker[Session], user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, user)}"}


# -- the walk ---------------------------------------------------------------------------------


def test_every_api_route_refuses_in_the_documented_shape(
    app: FastAPI, client: TestClient, setup: Setup
) -> None:
    spec = client.get("/openapi.json").json()
    routes = api_routes(app)
    assert len(routes) >= 25, "the walk finds the API's routes"
    walked = {"no auth": 0, "body": 0, "field": 0, "id type": 0, "missing": 0, "other org": 0}
    for method, path, _ in routes:
        op = operation(spec, method, path)
        body = sample(spec, op.body) if op.body else None
        here = url(op, setup.other_org)
        # A route for supervisors refuses an agent before it reads the body: walk it as Sam.
        probe = client.request(method, here, json=body, headers=setup.ana)
        who = setup.sam if probe.status_code == 403 else setup.ana

        def send(
            target: str,
            json: Any = body,
            headers: dict[str, str] | None = None,
            method: str = method,
            who: dict[str, str] = who,
        ) -> Response:
            return client.request(method, target, json=json, headers=headers or who)

        # No auth at all: 401, or the webhook's own refusal of a delivery it cannot read.
        if (method, path) in PUBLIC:
            refusal(client.request(method, here, content=b"not json"))
        else:
            missing_auth = client.request(method, here, json=body)
            expect(missing_auth, 401, "unauthenticated")
            assert missing_auth.headers["www-authenticate"] == "Bearer"
            bad_token = send(here, headers={"Authorization": "Bearer sopd_not-a-token"})
            expect(bad_token, 401, "unauthenticated")
        walked["no auth"] += 1

        if op.body is not None:
            # A body of the wrong type, then each field of the wrong type.
            wrong = expect(send(here, json=WRONG), 422, "invalid")
            assert wrong["fields"], f"{method} {path}: which field?"
            walked["body"] += 1
            for name in op.body.get("properties", {}):
                error = expect(send(here, json={**body, name: WRONG}), 422, "invalid")
                named = [f["field"] for f in error["fields"]]
                assert any(f == name or f.startswith(f"{name}.") for f in named), (path, named)
                walked["field"] += 1

        if op.ids:
            # An id that is not a number, one that names nothing, and one of another org.
            for p in op.ids:
                typed = url(op, {**setup.other_org, p: "abc"})
                error = expect(send(typed), 422, "invalid")
                assert [f["field"] for f in error["fields"]] == [p], (path, error)
                walked["id type"] += 1
            expect(send(url(op, {})), 404, "not_found")
            walked["missing"] += 1
            expect(send(here), 404, "not_found")
            walked["other org"] += 1

        # A method the path does not have.
        served = {m for m, p, _ in routes if p == path}
        other = next(m for m in ("DELETE", "PATCH", "PUT", "POST") if m not in served)
        expect(client.request(other, here, headers=setup.ana), 405, "method_not_allowed")

    assert all(walked.values()), walked


def test_an_unknown_api_path_is_a_404_in_the_shape(client: TestClient, setup: Setup) -> None:
    expect(client.get(f"{API}/no-such-room", headers=setup.ana), 404, "not_found")
    expect(client.get(f"{API}/no-such-room"), 404, "not_found")


def test_a_route_answering_500_or_another_shape_fails_the_walk(db_url: str) -> None:
    """The walk's own check: a new route that lets an error through, or answers its own shape,
    is caught (a route is found through app.routes, not a list)."""
    app = make_app(db_url)
    router = APIRouter()

    @router.get("/probe/{thing_id}")
    def probe(thing_id: int) -> dict[str, str]:
        if thing_id == 1:
            raise KeyError("a bug")
        return {"detail": "not the documented shape"}

    app.include_router(router, prefix=API)
    assert ("GET", f"{API}/probe/{{thing_id}}") in {(m, p) for m, p, _ in api_routes(app)}
    with TestClient(app, raise_server_exceptions=False) as c:
        with pytest.raises(AssertionError, match="500"):
            refusal(c.get(f"{API}/probe/1"))
        with pytest.raises(AssertionError):
            refusal(c.get(f"{API}/probe/2"))


# -- each room's real refusals over the API ---------------------------------------------------


def test_desk_refuses_a_wrap_up_with_documentation_missing(
    client: TestClient, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    world = setup.mw.world
    call = client.post(f"{API}/calls", json={"label": "Rondesse PSOS"}, headers=setup.ana)
    assert call.status_code == 201, call.text
    path = f"{API}/interactions/{call.json()['id']}"
    assert client.post(f"{path}/accept", headers=setup.ana).status_code == 200
    error = expect(client.post(f"{path}/wrap-up", headers=setup.ana), 422, "documentation_missing")
    assert error["message"] == "the call cannot be wrapped up yet"
    assert error["fields"] and all(f["field"] and f["message"] for f in error["fields"])
    taken = client.post(f"{path}/accept", headers=bearer(session_factory, world.agent_bo))
    assert expect(taken, 409, "taken")["message"] == "Ana Reyes already has this call"
    step = expect(client.put(f"{path}/steps/no-such-step", json={}, headers=setup.ana), 422)
    assert step["fields"] == [{"field": "step", "message": "no step 'no-such-step'"}]
    # A scenario field is named by its label in the message, by its id in `field`.
    crypto = {"values": {"amount": "2500"}}
    assert client.put(f"{path}/scenarios/crypto", json=crypto, headers=setup.ana).status_code == 200
    gaps = expect(client.post(f"{path}/wrap-up", headers=setup.ana), 422, "documentation_missing")
    amount = next(f for f in gaps["fields"] if f["field"] == "amount")
    assert amount["message"].startswith("Crypto Call: Amount and currency: the amount needs")
    phone = next(f for f in gaps["fields"] if f["field"] == "phone")
    assert phone["message"] == "Crypto Call: Phone number is required"


def test_crm_refuses_closing_someone_elses_task(
    client: TestClient, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    with transaction(session_factory) as s:
        task = Task(org_id="rondesse", title="Legal follow-up", team="lawyers", due_at=T0)
        task.created_at = T0
        s.add(task)
        s.flush()
        task_id = task.id
    error = expect(client.post(f"{API}/tasks/{task_id}/done", headers=setup.ana), 403, "forbidden")
    assert error["fields"] == [
        {"field": "task", "message": "only its assignee, its team or a supervisor may close it"}
    ]
    lee = bearer(session_factory, setup.mw.world.lawyer_lee)
    assert client.post(f"{API}/tasks/{task_id}/done", headers=lee).status_code == 200


def test_escalations_refuse_missing_fields_another_team_and_unknown_categories(
    client: TestClient, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    priya = bearer(session_factory, setup.mw.world.agent_priya)
    body = {"category": "payment_tracking", "fields": {}}
    missing = expect(client.post(f"{API}/tickets", json=body, headers=priya), 422, "invalid")
    assert missing["message"].startswith("check the ticket's fields: Payment method, ")
    named = {f["field"] for f in missing["fields"]}
    assert {"payment_method", "payment_date", "amount"} <= named
    unknown = {"category": "refunds", "fields": {}}
    error = expect(client.post(f"{API}/tickets", json=unknown, headers=priya), 422, "invalid")
    assert [f["field"] for f in error["fields"]] == ["category"]
    assert error["message"].startswith("category: no ticket category 'refunds'")
    ticket = setup.other_org["ticket_id"]  # MyOperator's legal team's: not Priya's to see
    reply = client.post(f"{API}/tickets/{ticket}/replies", json={"text": "hi"}, headers=priya)
    assert expect(reply, 404, "not_found")["message"] == "ticket not found"
    body["fields"] = {
        "payment_method": "Cheque",
        "payment_date": "2026-11-20",
        "amount": "5900 INR",
        "company_name": "Acme",
        "customer_reference": "C-1",
        "cheque_number": "004211",
    }
    raised = client.post(f"{API}/tickets", json=body, headers=priya).json()  # she may read it
    reply = client.post(f"{API}/tickets/{raised['id']}/replies", json={"text": "hi"}, headers=priya)
    forbidden = expect(reply, 403, "forbidden")
    assert forbidden["message"] == "only the accounts team or a supervisor may work this ticket"
    lila = bearer(session_factory, setup.mw.legal_lila)
    cycle = client.get(f"{API}/payment-cycle?team=legal", headers=lila)
    assert expect(cycle, 404, "not_found")["fields"] == [{"field": "team", "message": "no cycle"}]


def test_orgs_and_auth_refuse_in_the_shape(
    client: TestClient, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    assert expect(client.get(f"{API}/me"), 401, "unauthenticated")["fields"] == []
    bad = client.get(f"{API}/me", headers={"Authorization": "Bearer sopd_nope"})
    assert expect(bad, 401, "unauthenticated")["message"] == "invalid token"
    lee = bearer(session_factory, setup.mw.world.lawyer_lee)  # a team member, not an agent
    refused = expect(client.post(f"{API}/calls", json={}, headers=lee), 403, "forbidden")
    assert "this needs one of the roles" in refused["message"]


def test_kb_refuses_a_broken_article_on_its_editor_page(
    client: TestClient, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    """The kb has no API route: its refusal reaches people on the editor, field by field."""
    with transaction(session_factory) as s:
        import_folder(s, "myoperator", ROOT / "playbooks" / "myoperator" / "articles", T0)
    login(client, setup.mw.world.other_org_olga)
    form = client.get(f"/kb/articles/{LEGAL_ARTICLE}/edit")
    data = {"text": "---\nsteps: 5\n---\n", "csrf_token": csrf_from(form.text)}
    broken = client.post(f"/kb/articles/{LEGAL_ARTICLE}/edit", data=data)
    assert broken.status_code == 422 and "Not saved" in broken.text
    assert "<strong>title</strong>" in broken.text
    # Asking for JSON on a page that names no article gets the shape, not a page.
    json = {"Accept": "application/json"}
    expect(client.get("/kb/articles/no-such-article", headers=json), 404, "not_found")


# -- every room's refusal through the one handler ---------------------------------------------

SAMPLES: list[Refusal] = [
    DeskError(
        422, "incomplete", "wrap-up is missing 1 item", [FieldProblem("lead.stage", "required")]
    ),
    crm.CrmError(403, "task", "only its assignee may close it"),
    tickets.EscalationError("text", "the reply is empty"),
    tickets.TicketNotFound(7),
    tickets.NotAllowed("user", "only the legal team may work this ticket"),
    accounts.TicketFieldsInvalid(IntakeResult({}, {"amount": "required"}, {"amount": "Amount"})),
    ArticleError("faq.md", "title", "required"),
    ArticlesRefused([ArticleError("a.md", "slug", "taken"), ArticleError("b.md", "title", "x")]),
    EditNotAllowed("agent"),
    OrgError("email", "expected an email address"),
]


@pytest.mark.parametrize("refused", SAMPLES, ids=lambda r: type(r).__name__)
def test_each_rooms_refusal_keeps_status_code_and_fields(
    db_url: str, session_factory: sessionmaker[Session], refused: Refusal
) -> None:
    app = make_app(db_url)
    router = APIRouter()

    @router.get("/probe")
    def probe() -> None:
        raise refused

    app.include_router(router, prefix=API)
    app.include_router(router)  # the same refusal on a page
    assert 400 <= refused.status < 500
    fields = [{"field": f.field, "message": f.message} for f in refused.fields]
    with TestClient(app, raise_server_exceptions=False) as c:
        error = expect(c.get(f"{API}/probe"), refused.status, refused.code)
        assert error == {"code": refused.code, "message": refused.message, "fields": fields}
        page = c.get("/probe", headers={"Accept": "text/html"})
        assert page.status_code == refused.status
        assert page.headers["content-type"].startswith("text/html")
        for problem in refused.fields:
            assert f"<strong>{problem.field}</strong>" in page.text


# -- the model itself -------------------------------------------------------------------------

# Exceptions of the code base that are not refusals of a request, and why.
NOT_REFUSALS = {
    "sopdesk.playbooks.language.loader.PlaybookError": "findings of a playbook file (CLI, lint)",
    "sopdesk.playbooks.lint.LintUsageError": "the lint command's usage",
    "sopdesk.playbooks.engine.intake.FieldInvalid": "one field's problem, collected into errors",
    "sopdesk.kb.embed.ModelMissing": "the embedding model is not installed: set-up, not input",
    "sopdesk.db.ReadOnlyWrite": "a GET route that writes: a bug to fix, never the client's doing",
    "sopdesk.web.localtime.TypedTimeInvalid": "a typed time's problem, told by the form's field",
    "sopdesk.playbooks.language.loader.UnknownOrg": "a PlaybookError naming the known orgs (CLI)",
    "sopdesk.web.preflight.DatabaseInUse": "before serving: the CLI's exit 2, no HTTP answer",
    "sopdesk.web.preflight.PortBusy": "before serving: the CLI's exit 2, no HTTP answer",
    "sopdesk.web.install_secret.UnsafeSecret": "before serving: the app refuses to start",
    # The playbooks package is pure (imports no sopdesk.errors): authoring.drafts answers it as
    # UnreadableDocument (422 on `file`); the CLI as exit 2.
    "sopdesk.playbooks.importer.formats.DocumentError": "an unreadable document (CLI, drafts)",
}


def _modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(sopdesk.__path__, "sopdesk."):
        if info.name.startswith("sopdesk.migrations") or info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def test_every_error_of_a_room_is_a_refusal() -> None:
    strays = []
    for module in _modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Exception)
                and value.__module__ == module.__name__
                and not issubclass(value, Refusal)
                and f"{value.__module__}.{value.__qualname__}" not in NOT_REFUSALS
            ):
                strays.append(f"{value.__module__}.{value.__qualname__}")
    assert strays == [], "subclass sopdesk.errors.Refusal, or say in NOT_REFUSALS why not"


def test_the_base_sits_at_the_bottom() -> None:
    tree = ast.parse((ROOT / "src" / "sopdesk" / "errors.py").read_text())
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    assert not [m for m in imported if m.startswith("sopdesk")], imported


def test_no_route_translates_a_refusal_by_hand() -> None:
    """An `except` in a route module that raises a refusal anew is a hand-written translation:
    raise the room's refusal and let the one handler answer."""
    refusal_names = {"ApiError", "NotFound", "Forbidden", "Unauthenticated", "DeskError"}
    found = []
    for folder in ("api", "ui"):
        for path in sorted((ROOT / "src" / "sopdesk" / "web" / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ExceptHandler):
                    continue
                for inner in ast.walk(node):
                    call = inner.exc if isinstance(inner, ast.Raise) else None
                    if isinstance(call, ast.Call):
                        name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                        if name in refusal_names:
                            found.append(f"{path.name}:{inner.lineno}")
    assert found == []


def test_foreign_ids_in_a_ticket_and_an_escalation_before_an_faq_are_refused(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    """A ticket linked to another org's (or no) account is 422 naming account_id, never 201 or
    500; an escalation whose policy wants an FAQ first is 409 before one was tried, and an
    "FAQ tried" that names no article of the org's is 422 and satisfies nothing."""
    from fastapi.testclient import TestClient

    from personas import build_world
    from web_helpers import make_app, ring, token_for

    world = build_world(session_factory)
    priya = {"Authorization": f"Bearer {token_for(session_factory, world.agent_priya)}"}
    with TestClient(make_app(db_url)) as client:
        base = {"category": "payment_tracking", "fields": {}, "subject": "s"}
        for account in (world.account_id, 2_000_000):  # Rondesse's account; none at all
            sent = client.post(
                "/api/v1/tickets", json={**base, "account_id": account}, headers=priya
            )
            assert sent.status_code == 422, sent.text
            assert sent.json()["error"]["fields"][0]["field"] == "account_id"
        iid = ring(session_factory, "myoperator", "mo-faq", number="+91 22 4000 0000")
        client.post(f"/api/v1/interactions/{iid}/accept", headers=priya)
        early = client.post(
            f"/api/v1/interactions/{iid}/escalations",
            json={"policy": "legal_accounts_by_email", "team": "legal"},
            headers=priya,
        )
        assert early.status_code == 409, early.text
        assert early.json()["error"]["fields"][0]["field"] == "faq_tried"
        # A made-up slug is no FAQ tried: refused, naming the field, and the policy still waits.
        made_up = client.post(
            f"/api/v1/interactions/{iid}/faq-tried", json={"article": "faq"}, headers=priya
        )
        assert made_up.status_code == 422, made_up.text
        assert made_up.json()["error"]["fields"][0]["field"] == "article"
        named = client.post(
            f"/api/v1/interactions/{iid}/escalations",
            json={"policy": "legal_accounts_by_email", "team": "legal", "faq_tried": ["x"]},
            headers=priya,
        )
        assert named.status_code == 422, named.text
        assert named.json()["error"]["fields"][0]["field"] == "faq_tried[0]"
        with transaction(session_factory) as s:
            import_folder(s, "rondesse", ROOT / "playbooks/rondesse/articles", T0, by="t")
        theirs = client.post(  # another org's article is no FAQ of this org's
            f"/api/v1/interactions/{iid}/faq-tried",
            json={"article": RONDESSE_ARTICLE},
            headers=priya,
        )
        assert theirs.status_code == 422, theirs.text
        with transaction(session_factory) as s:
            import_folder(s, "myoperator", ROOT / "playbooks/myoperator/articles", T0, by="t")
        legal = "client-asks-for-legal-or-accounts"
        tried = client.post(
            f"/api/v1/interactions/{iid}/faq-tried", json={"article": legal}, headers=priya
        )
        assert tried.status_code == 200, tried.text
        asked = client.post(
            f"/api/v1/interactions/{iid}/escalations",
            json={"policy": "legal_accounts_by_email", "team": "legal"},
            headers=priya,
        )
        assert asked.status_code == 200, asked.text
