"""One JSON error shape for every API error; a readable page for people; the OpenAPI says so."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.settings import BUNDLED_VENDOR, Settings
from sopdesk.web.app import create_app
from sopdesk.web.deps import CurrentSupervisor
from sopdesk.web.errors import ApiError
from web_helpers import SECRET, login, make_app, token_for

SHAPE = {"code", "message", "fields"}


def _probe_routes(app: FastAPI) -> None:
    """Routes that fail on purpose, added the way a room adds its API router."""
    router = APIRouter()

    @router.get("/probe/number")
    def number(n: int = Query(ge=1), flag: bool = False) -> dict[str, int]:
        return {"n": n}

    @router.get("/probe/desk")
    def desk_refusal() -> None:
        raise DeskError(
            422,
            "incomplete",
            "wrap-up is missing 2 items",
            [FieldProblem("lead.stage", "required")],
        )

    @router.get("/probe/api")
    def api_refusal() -> None:
        raise ApiError(409, "this call is already taken", code="taken")

    @router.get("/probe/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @router.get("/probe/supervisors")
    def supervisors_only(user: CurrentSupervisor) -> dict[str, str]:
        return {"ok": user.email}

    app.include_router(router, prefix="/api/v1")


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    app = make_app(db_url)
    _probe_routes(app)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _error(response: Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, dict[str, object]] = response.json()
    assert set(body) == {"error"} and set(body["error"]) == SHAPE
    return body["error"]


def test_unauthenticated_and_not_found(client: TestClient) -> None:
    assert _error(client.get("/api/v1/me"), 401)["code"] == "unauthenticated"
    missing = _error(client.get("/api/v1/no-such-thing"), 404)
    assert missing == {
        "code": "not_found",
        "message": "no page or endpoint at /api/v1/no-such-thing",
        "fields": [],
    }
    assert _error(client.delete("/api/v1/me"), 405)["code"] == "method_not_allowed"


def test_validation_errors_name_each_field(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    error = _error(client.get("/api/v1/probe/number?n=0&flag=maybe"), 422)
    assert error["code"] == "invalid"
    assert error["message"] == "invalid request: check n, flag"
    assert [f["field"] for f in error["fields"]] == ["n", "flag"]  # type: ignore[attr-defined,index]
    assert "greater than or equal to 1" in str(error["fields"])


def test_service_refusals_keep_their_code_and_fields(client: TestClient) -> None:
    assert _error(client.get("/api/v1/probe/desk"), 422) == {
        "code": "incomplete",
        "message": "wrap-up is missing 2 items",
        "fields": [{"field": "lead.stage", "message": "required"}],
    }
    assert _error(client.get("/api/v1/probe/api"), 409)["code"] == "taken"


def test_unexpected_errors_leak_nothing(client: TestClient) -> None:
    error = _error(client.get("/api/v1/probe/boom"), 500)
    assert error == {
        "code": "internal",
        "message": "internal error: the request was not completed",
        "fields": [],
    }


def test_role_checks_answer_403(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    ana = {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}
    sam = {"Authorization": f"Bearer {token_for(session_factory, world.supervisor_sam)}"}
    refused = _error(client.get("/api/v1/probe/supervisors", headers=ana), 403)
    assert refused["message"] == "this needs one of the roles: admin, supervisor; you are agent"
    assert client.get("/api/v1/probe/supervisors", headers=sam).json() == {
        "ok": "sam@rondesse.example"
    }


def test_people_get_pages_not_json(client: TestClient, world: World) -> None:
    login(client, world.agent_ana)
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and "Back to the queue" in page.text
    assert "content-security-policy" in page.headers
    # An htmx request whose session ended gets 401, neither the login page as a fragment nor a
    # redirect to log in and come back to the fragment (the page's script says what to do).
    client.cookies.clear()
    fragment = client.get("/queue/rows", headers={"HX-Request": "true"})
    assert fragment.status_code == 401 and "hx-redirect" not in fragment.headers
    assert fragment.json()["error"]["code"] == "unauthenticated"


def test_openapi_documents_the_error_shape(db_url: str) -> None:
    with TestClient(make_app(db_url)) as plain:
        spec = plain.get("/openapi.json").json()
    me = spec["paths"]["/api/v1/me"]["get"]["responses"]
    for status in ("401", "403", "404", "422"):
        ref = me[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/ErrorResponse"
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert not any(path.startswith(("/login", "/queue", "/events")) for path in spec["paths"])


def test_start_up_fails_clearly_without_the_front_end_libraries(
    db_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=db_url, secret_key=SECRET)
    with pytest.raises(RuntimeError, match=r"front-end libraries missing .* run `make setup`"):
        create_app(settings, vendor_dir=tmp_path)


def test_the_front_end_libraries_can_come_from_another_folder(db_url: str, tmp_path: Path) -> None:
    """SOPDESK_VENDOR_DIR: a folder as npm lays it out; a wrong one is named in the error."""
    empty = Settings(database_url=db_url, secret_key=SECRET, vendor_dir=tmp_path)
    with pytest.raises(RuntimeError, match=r"missing under .* set SOPDESK_VENDOR_DIR to a folder"):
        create_app(empty)
    shutil.copytree(BUNDLED_VENDOR, tmp_path / "npm")
    (tmp_path / "npm/htmx.org/dist/htmx.min.js").write_text("/* htmx from elsewhere */")
    settings = Settings(database_url=db_url, secret_key=SECRET, vendor_dir=tmp_path / "npm")
    with TestClient(create_app(settings)) as client:
        script = client.get("/static/vendor/htmx.org/dist/htmx.min.js")
    assert script.status_code == 200 and script.text == "/* htmx from elsewhere */"


def test_production_refuses_the_development_secret(db_url: str) -> None:
    with pytest.raises(ValueError, match="SOPDESK_SECRET_KEY"):
        create_app(Settings(database_url=db_url, production=True))
