"""Demo data: both orgs, a login for every role, accounts and calls; loading twice adds nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.crm.models import Account
from sopdesk.db import transaction
from sopdesk.demo import DEMO_PASSWORD, load_demo
from sopdesk.desk.models import Interaction
from sopdesk.orgs.models import PublishedPlaybook, User
from sopdesk.orgs.service import authenticate
from sopdesk.settings import Settings
from web_helpers import NOW, SECRET, later, make_app


def _counts(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with transaction(factory) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (PublishedPlaybook, User, Account, Interaction)
        )


def test_demo_loads_every_role_in_both_orgs_and_is_idempotent(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    settings = Settings(database_url=db_url, secret_key=SECRET)
    data = load_demo(settings, NOW)
    first = _counts(session_factory)
    again = load_demo(settings, later(60))
    assert _counts(session_factory) == first == (2, 11, 6, 3)
    assert again == data

    by_org: dict[str, set[str]] = {}
    for login in data.logins:
        by_org.setdefault(login.org_id, set()).add(login.role)
    assert by_org == {
        "rondesse": {"agent", "supervisor", "team", "admin"},
        "myoperator": {"agent", "supervisor", "team", "admin"},
    }
    labels = {login.email: login.role_label for login in data.logins}
    assert labels["lee@rondesse.example"] == "Team: Lawyers"
    assert labels["acc@myoperator.example"] == "Team: Accounts"
    with transaction(session_factory) as s:
        for login in data.logins:
            assert authenticate(s, login.email, DEMO_PASSWORD) is not None


def test_the_login_page_lists_the_demo_logins(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    data = load_demo(Settings(database_url=db_url, secret_key=SECRET), NOW, calls=False)
    with TestClient(make_app(db_url)) as client:
        client.app.state.demo = data  # type: ignore[attr-defined]
        html = client.get("/login").text
    assert "Demo logins" in html and DEMO_PASSWORD in html
    assert "priya@myoperator.example" in html and "Team: Business Analysts" in html
