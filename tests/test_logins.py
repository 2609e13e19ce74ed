"""Logins that cannot be guessed or flooded, sessions and tokens that end when they should.

Issue 11 items 4 and 5, each attack as an outside tester tried it: 200 wrong passwords in a row;
a flood of logins that held every thread of the request pool; a cookie that still worked after
logout; API tokens that never expired, could not be revoked, and never said when they were used.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, T0, World, admin_ada, build_world
from sopdesk.db import transaction
from sopdesk.orgs import logins, service
from sopdesk.orgs.models import ApiToken, LoginAttempt, LoginSession, User
from sopdesk.web import login_pool
from web_helpers import TestClock, csrf_from, live_server, login, make_app, token_for

WRONG = "not-the-password"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


def _try(client: TestClient, email: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def _attempts(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as s:
        rows = s.scalars(select(LoginAttempt).order_by(LoginAttempt.id))
        return [(r.email, r.outcome) for r in rows]


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    clock = TestClock()
    app = make_app(db_url, clock=clock)
    email = world.agent_ana.email
    with TestClient(app) as client:
        for _ in range(logins.FAILURES_PER_ACCOUNT):
            assert _try(client, email, WRONG).status_code == 401
        refused = _try(client, email, PASSWORD)  # even the right password must wait
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        assert 14 * 60 < wait <= 15 * 60
        assert "Too many failed logins for this account" in refused.text
        # Another account from the same address is not locked by Ana's.
        assert _try(client, world.agent_bo.email, PASSWORD).status_code == 303
        clock.set(clock() + timedelta(seconds=wait))
        assert _try(client, email, PASSWORD).status_code == 303
    outcomes = [o for e, o in _attempts(session_factory) if e == email]
    assert outcomes == ["bad_password"] * 5 + ["throttled", "succeeded"]


def test_a_success_starts_the_count_again(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    app = make_app(db_url)
    email = world.agent_ana.email
    with TestClient(app) as client:
        for _ in range(logins.FAILURES_PER_ACCOUNT - 1):
            assert _try(client, email, WRONG).status_code == 401
        assert _try(client, email, PASSWORD).status_code == 303
        client.cookies.clear()
        for _ in range(logins.FAILURES_PER_ACCOUNT - 1):
            assert _try(client, email, WRONG).status_code == 401
        assert _try(client, email, PASSWORD).status_code == 303


def test_one_address_guessing_many_emails_is_throttled(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    app = make_app(db_url)
    with TestClient(app) as client:
        for n in range(logins.FAILURES_PER_ADDRESS):
            assert _try(client, f"guess{n}@rondesse.example", WRONG).status_code == 401
        refused = _try(client, world.agent_ana.email, PASSWORD)
        assert refused.status_code == 429
        assert "this network address" in refused.text
        assert int(refused.headers["Retry-After"]) > 0
    kinds = {o for _, o in _attempts(session_factory)}
    assert kinds == {"unknown_email", "throttled"}


def test_failed_logins_are_in_the_admins_log_and_only_theirs(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    admin = admin_ada(session_factory)
    app = make_app(db_url)
    with TestClient(app) as client:
        assert _try(client, world.agent_ana.email, WRONG).status_code == 401
        assert _try(client, world.agent_priya.email, WRONG).status_code == 401  # other org
        assert _try(client, "nobody@rondesse.example", WRONG).status_code == 401
        as_admin = {"Authorization": f"Bearer {token_for(session_factory, admin)}"}
        found = client.get("/api/v1/login-attempts", headers=as_admin).json()
        assert [(a["email"], a["outcome"]) for a in found] == [
            (world.agent_ana.email, "bad_password")
        ]
        as_agent = {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}
        assert client.get("/api/v1/login-attempts", headers=as_agent).status_code == 403


def test_a_login_flood_does_not_hold_the_threads_other_requests_need(
    db_url: str,
    session_factory: sessionmaker[Session],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More logins in flight than the request pool has threads (40), each password check held
    until the test lets go (argon2 made as slow as it likes): an agent's request still answers
    at once, and logins past the check queue's length are told to retry, not queued."""
    gate = threading.Event()
    real = login_pool.password_matches

    def slow_check(password_hash: str | None, password: str) -> bool:
        gate.wait(30)
        return real(password_hash, password)

    monkeypatch.setattr(login_pool, "password_matches", slow_check)
    auth = {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}
    flood = 60
    with live_server(make_app(db_url)) as base, ThreadPoolExecutor(flood) as pool:

        def one_login(n: int) -> int:
            with httpx.Client(base_url=base, timeout=40) as c:
                token = csrf_from(c.get("/login").text)
                form = {"email": f"flood{n}@x.example", "password": WRONG, "csrf_token": token}
                return c.post("/login", data=form).status_code

        answers = [pool.submit(one_login, n) for n in range(flood)]
        time.sleep(3)  # every login has reached its password check, or been refused
        try:
            started = time.monotonic()
            me = httpx.get(f"{base}/api/v1/me", headers=auth, timeout=10)
            took = time.monotonic() - started
        finally:
            gate.set()
        statuses = sorted(a.result() for a in answers)
    assert me.status_code == 200 and took < 2, f"/me took {took:.1f} s during the flood"
    assert statuses.count(429) >= flood - login_pool.MAX_WAITING - 1
    assert set(statuses) <= {401, 429}


def _cookie_client(app: object, user: User) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    assert login(client, user).status_code == 303
    return client


def test_a_cookie_copied_before_logout_is_worth_nothing_after(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    app = make_app(db_url)
    with TestClient(app) as client:
        assert login(client, world.agent_ana).status_code == 303
        copied = dict(client.cookies)
        token = csrf_from(client.get("/queue").text)
        assert client.post("/logout", data={"csrf_token": token}).status_code in (200, 303)
        with TestClient(app, cookies=copied) as thief:
            answer = thief.get("/api/v1/me")
            assert answer.status_code == 401
            assert "session has ended" in answer.json()["error"]["message"]
    with session_factory() as s:
        (row,) = s.scalars(select(LoginSession))
        assert row.end_reason == "logout" and row.ended_at is not None


def test_changing_the_password_ends_the_other_sessions(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    app = make_app(db_url)
    ana = world.agent_ana
    with _cookie_client(app, ana) as laptop, _cookie_client(app, ana) as phone:
        token = csrf_from(laptop.get("/queue").text)
        body = {"current_password": PASSWORD, "new_password": "a-new-passphrase"}
        wrong = {**body, "current_password": WRONG}
        refused = laptop.post("/api/v1/me/password", json=wrong, headers={"X-CSRF-Token": token})
        assert refused.status_code == 422
        assert refused.json()["error"]["fields"][0]["field"] == "current_password"
        changed = laptop.post("/api/v1/me/password", json=body, headers={"X-CSRF-Token": token})
        assert changed.status_code == 200 and changed.json() == {"sessions_ended": 1}
        assert laptop.get("/api/v1/me").status_code == 200  # the one that changed it stays
        assert phone.get("/api/v1/me").status_code == 401
        phone.cookies.clear()
        assert login(phone, ana).status_code == 401
        assert login(phone, ana, "a-new-passphrase").status_code == 303


def test_an_admin_ends_a_session_and_no_one_else_can(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    admin = admin_ada(session_factory)
    app = make_app(db_url)
    as_admin = {"Authorization": f"Bearer {token_for(session_factory, admin)}"}
    as_bo = {"Authorization": f"Bearer {token_for(session_factory, world.agent_bo)}"}
    as_olga = {"Authorization": f"Bearer {token_for(session_factory, world.other_org_olga)}"}
    with _cookie_client(app, world.agent_ana) as ana, TestClient(app) as api:
        listed = api.get("/api/v1/sessions", headers=as_admin).json()
        assert [s["email"] for s in listed] == [world.agent_ana.email]
        assert api.get("/api/v1/sessions", headers=as_bo).json() == []  # only their own
        sid = listed[0]["id"]
        assert api.delete(f"/api/v1/sessions/{sid}", headers=as_bo).status_code == 404
        assert api.delete(f"/api/v1/sessions/{sid}", headers=as_olga).status_code == 404
        assert ana.get("/api/v1/me").status_code == 200
        ended = api.delete(f"/api/v1/sessions/{sid}", headers=as_admin)
        assert ended.status_code == 200 and ended.json()["end_reason"] == "ended_by_admin"
        assert ana.get("/api/v1/me").status_code == 401
        assert api.delete(f"/api/v1/sessions/{sid + 999}", headers=as_admin).status_code == 404


def test_tokens_expire_are_revoked_and_say_when_they_were_last_used(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    clock = TestClock()
    app = make_app(db_url, clock=clock)
    ana = world.agent_ana
    with transaction(session_factory) as s:
        lasting = service.create_token(s, org_id="rondesse", email=ana.email, now=T0)
        brief = service.create_token(
            s, org_id="rondesse", email=ana.email, now=T0, expires_at=T0 + timedelta(days=1)
        )
        with pytest.raises(service.OrgError, match="expires"):
            service.create_token(s, org_id="rondesse", email=ana.email, now=T0, expires_at=T0)
    with TestClient(app) as client:
        bearer = {"Authorization": f"Bearer {lasting}"}
        assert client.get("/api/v1/me", headers=bearer).status_code == 200
        listed = client.get("/api/v1/tokens", headers=bearer).json()
        assert len(listed) == 2 and all("token_hash" not in t for t in listed)
        by_id = {t["id"]: t for t in listed}
        lasting_row, brief_row = by_id[min(by_id)], by_id[max(by_id)]  # made in that order
        assert lasting_row["last_used_at"] is not None and brief_row["last_used_at"] is None
        assert lasting_row["active"] is True and brief_row["expires_at"] is not None
        clock.set(T0 + timedelta(days=2))
        expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {brief}"})
        assert expired.status_code == 401
        listed = client.get("/api/v1/tokens", headers=bearer).json()
        assert {t["id"]: t["active"] for t in listed}[brief_row["id"]] is False
        revoked = client.delete(f"/api/v1/tokens/{lasting_row['id']}", headers=bearer)
        assert revoked.status_code == 200 and revoked.json()["active"] is False
        assert client.get("/api/v1/me", headers=bearer).status_code == 401
    with session_factory() as s:
        rows = {r.id: r for r in s.scalars(select(ApiToken))}
        assert rows[lasting_row["id"]].revoked_at is not None
        assert rows[lasting_row["id"]].last_used_at is not None


def test_someone_elses_token_cannot_be_revoked(
    db_url: str, session_factory: sessionmaker[Session], world: World
) -> None:
    app = make_app(db_url)
    ana_token = token_for(session_factory, world.agent_ana)
    bo = {"Authorization": f"Bearer {token_for(session_factory, world.agent_bo)}"}
    with session_factory() as s:
        ana_id = s.scalars(select(ApiToken.id).where(ApiToken.user_id == world.agent_ana.id)).one()
    with TestClient(app) as client:
        assert client.delete(f"/api/v1/tokens/{ana_id}", headers=bo).status_code == 404
        ana = {"Authorization": f"Bearer {ana_token}"}
        assert client.get("/api/v1/me", headers=ana).status_code == 200
