"""`sopdesk token create|list|revoke`, `sopdesk session list|end|attempts` and `sopdesk user
password`: the operator's side of issue 11 item 5, on a desk whose clock is the wall clock
(the commands read it too: nothing here mixes a fixed date with it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from personas import World, build_world
from sopdesk.cli import app as cli
from sopdesk.orgs.models import ApiToken
from web_helpers import login, make_app


def _wall() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=stdin)

    return invoke


def test_tokens_from_the_command_line_expire_list_and_revoke(
    run: Callable[..., Result], db_url: str, session_factory: sessionmaker[Session]
) -> None:
    build_world(session_factory)
    made = run(
        "token",
        "create",
        "--org",
        "rondesse",
        "--user",
        "ana@rondesse.example",
        "--expires",
        "30",
        "--label",
        "CRM sync",
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    with session_factory() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.label == "CRM sync"
        assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=30)
    app = make_app(db_url, clock=_wall)
    with TestClient(app) as client:
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
        listed = run("token", "list", "--org", "rondesse")
        assert listed.exit_code == 0
        (line,) = listed.stdout.splitlines()
        assert "ana@rondesse.example\tCRM sync\tactive" in line and "last used 20" in line
        assert token not in listed.stdout
        assert run("token", "list", "--org", "myoperator").stdout == ""  # another org's
        elsewhere = run("token", "revoke", "--org", "myoperator", "--id", str(row.id))
        assert elsewhere.exit_code == 2 and f"no token {row.id}" in elsewhere.output
        revoked = run("token", "revoke", "--org", "rondesse", "--id", str(row.id))
        assert revoked.exit_code == 0, revoked.output
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )
        assert "\trevoked\t" in run("token", "list", "--org", "rondesse").stdout


def test_sessions_from_the_command_line_list_and_end(
    run: Callable[..., Result], db_url: str, session_factory: sessionmaker[Session]
) -> None:
    world: World = build_world(session_factory)
    app = make_app(db_url, clock=_wall)
    with TestClient(app) as ana, TestClient(app) as bo:
        assert login(ana, world.agent_ana).status_code == 303
        assert login(bo, world.agent_bo).status_code == 303
        listed = run("session", "list", "--org", "rondesse")
        assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 2
        assert run("session", "end", "--org", "rondesse").exit_code == 2  # neither flag
        ended = run("session", "end", "--org", "rondesse", "--user", "ana@rondesse.example")
        assert ended.exit_code == 0 and ended.stdout == "1 session ended\n"
        assert ana.get("/api/v1/me").status_code == 401
        assert bo.get("/api/v1/me").status_code == 200
        (bo_line,) = run("session", "list", "--org", "rondesse").stdout.splitlines()
        bo_id = bo_line.split("\t")[0]
        assert run("session", "end", "--org", "myoperator", "--id", bo_id).exit_code == 2
        assert run("session", "end", "--org", "rondesse", "--id", bo_id).exit_code == 0
        assert bo.get("/api/v1/me").status_code == 401


def test_the_operator_sets_a_password_and_sees_every_attempt(
    run: Callable[..., Result], db_url: str, session_factory: sessionmaker[Session]
) -> None:
    world: World = build_world(session_factory)
    app = make_app(db_url, clock=_wall)
    with TestClient(app) as client:
        assert login(client, world.agent_ana).status_code == 303
        set_anas = ("user", "password", "--org", "rondesse", "--user", "ana@rondesse.example")
        too_short = run(*set_anas, stdin="short\n")
        assert too_short.exit_code == 2 and "new_password" in too_short.output
        done = run(*set_anas, stdin="brand-new-passphrase\n")
        assert done.exit_code == 0 and "1 session ended" in done.stdout
        assert client.get("/api/v1/me").status_code == 401
        client.cookies.clear()
        assert login(client, world.agent_ana).status_code == 401
        assert login(client, world.agent_ana, "brand-new-passphrase").status_code == 303
    seen = run("session", "attempts", "--email", "ANA@rondesse.example")
    outcomes = [line.split("\t")[-1] for line in seen.stdout.splitlines()]
    assert outcomes == ["succeeded", "bad_password", "succeeded"]
