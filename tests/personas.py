"""Named people and orgs for tests: agent_ana, supervisor_sam, lawyer_lee at Rondesse;
agent_priya and other_org_olga at MyOperator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from sopdesk.crm.models import Account
from sopdesk.db import transaction
from sopdesk.orgs import service
from sopdesk.orgs.models import Role, User

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PASSWORD = "sopdesk-demo-1"


@dataclass
class World:
    agent_ana: User
    agent_bo: User
    supervisor_sam: User
    lawyer_lee: User
    agent_priya: User
    other_org_olga: User
    account_id: int


def build_world(factory: sessionmaker[Session]) -> World:
    """Both seed orgs with their playbooks published, people in every role, one account."""
    with transaction(factory) as s:
        for org in ("rondesse", "myoperator"):
            text = (ROOT / "playbooks" / org / "playbook.yaml").read_text()
            service.publish_playbook(s, text, T0)

        def user(org: str, email: str, name: str, role: Role, team: str | None = None) -> User:
            return service.create_user(
                s,
                org_id=org,
                email=email,
                name=name,
                role=role,
                password=PASSWORD,
                now=T0,
                team=team,
            )

        world = World(
            agent_ana=user("rondesse", "ana@rondesse.example", "Ana Reyes", Role.AGENT),
            agent_bo=user("rondesse", "bo@rondesse.example", "Bo Lind", Role.AGENT),
            supervisor_sam=user("rondesse", "sam@rondesse.example", "Sam Ortiz", Role.SUPERVISOR),
            lawyer_lee=user("rondesse", "lee@rondesse.example", "Lee Park", Role.TEAM, "lawyers"),
            agent_priya=user("myoperator", "priya@myoperator.example", "Priya Nair", Role.AGENT),
            other_org_olga=user(
                "myoperator", "olga@myoperator.example", "Olga Ivanova", Role.SUPERVISOR
            ),
            account_id=0,
        )
        account = Account(
            org_id="rondesse",
            name="Dee Carter",
            paid=True,
            phone="+14155552671",
            email="dee@example.com",
            created_at=T0,
        )
        s.add(account)
        s.flush()
        world.account_id = account.id
    return world


def admin_ada(factory: sessionmaker[Session]) -> User:
    """Rondesse's admin, Ada, for the tests that need one besides the world's people."""
    with transaction(factory) as s:
        return service.create_user(
            s,
            org_id="rondesse",
            email="ada@rondesse.example",
            name="Ada Admin",
            role=Role.ADMIN,
            password=PASSWORD,
            now=T0,
        )
