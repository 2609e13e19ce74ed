"""Demo data: both seed orgs with their playbooks, a person for every role, accounts, three calls.

`load_demo` is idempotent: running it twice adds nothing the first run already added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.authoring.folder import read_folder
from sopdesk.crm.models import Account
from sopdesk.crm.records import create_account
from sopdesk.db import make_engine, make_sessionmaker, migrate, transaction
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.orgs.models import Org, Role, User
from sopdesk.orgs.service import create_user, get_current_playbook, publish_playbook
from sopdesk.settings import Settings

DEMO_PASSWORD = "sopdesk-demo"

# (org, email, name, role, team)
PEOPLE: list[tuple[str, str, str, Role, str | None]] = [
    ("rondesse", "ana@rondesse.example", "Ana Reyes", Role.AGENT, None),
    ("rondesse", "sam@rondesse.example", "Sam Okafor", Role.SUPERVISOR, None),
    ("rondesse", "lee@rondesse.example", "Lee Marsh", Role.TEAM, "lawyers"),
    ("rondesse", "bea@rondesse.example", "Bea Lindqvist", Role.TEAM, "business_analysts"),
    ("rondesse", "cy@rondesse.example", "Cy Adeyemi", Role.TEAM, "cpas"),
    ("rondesse", "ada@rondesse.example", "Ada Brennan", Role.ADMIN, None),
    ("myoperator", "priya@myoperator.example", "Priya Nair", Role.AGENT, None),
    ("myoperator", "olga@myoperator.example", "Olga Petrova", Role.SUPERVISOR, None),
    ("myoperator", "leo@myoperator.example", "Leo Fernandes", Role.TEAM, "legal"),
    ("myoperator", "acc@myoperator.example", "Arjun Mehta", Role.TEAM, "accounts"),
    ("myoperator", "mia@myoperator.example", "Mia Kapoor", Role.ADMIN, None),
]

# (org, name, paid, phone, email)
ACCOUNTS: list[tuple[str, str, bool, str | None, str | None]] = [
    ("rondesse", "Hartwell Family Office", True, "+12125550141", "office@hartwell.example"),
    ("rondesse", "Meridian Holdings LLC", True, "+13055550187", "ops@meridian.example"),
    ("rondesse", "Jordan Pike", False, "+16175550123", None),
    ("myoperator", "Acme Logistics Pvt Ltd", True, "+912240001111", "billing@acme.example"),
    ("myoperator", "Sunrise Dental Clinic", True, "+918040002222", "admin@sunrise.example"),
    ("myoperator", "Kiran Textiles", False, "+917940003333", "kiran@textiles.example"),
]

# (org, session id, line label, dialed number, caller number, caller name)
CALLS: list[tuple[str, str, str | None, str | None, str, str | None]] = [
    ("rondesse", "demo-call-1", "Rondesse PSOS", None, "+12125550141", "Margaret Hartwell"),
    ("rondesse", "demo-call-2", "Rondesse Main Number", None, "+16175550199", None),
    ("myoperator", "demo-call-3", None, "+91 22 4000 0000", "+912240001111", "Rahul Shah"),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    org_id: str
    org_name: str
    role: str
    role_label: str


@dataclass(frozen=True)
class DemoData:
    password: str
    logins: list[DemoLogin]

    @property
    def org_ids(self) -> list[str]:
        return sorted({login.org_id for login in self.logins})


def _role_label(session: Session, org_id: str, role: Role, team: str | None) -> str:
    if role is not Role.TEAM or team is None:
        return role.value.capitalize()
    current = get_current_playbook(session, org_id)
    found = current.playbook.team(team) if current else None
    return f"Team: {found.name if found else team}"


def _add_people(session: Session, now: datetime) -> list[DemoLogin]:
    logins = []
    for org_id, email, name, role, team in PEOPLE:
        org = session.get(Org, org_id)
        if org is None:
            continue  # that org's playbook is not in the playbooks directory
        if session.scalar(select(User).where(User.email == email)) is None:
            create_user(
                session,
                org_id=org_id,
                email=email,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                now=now,
                team=team,
            )
        label = _role_label(session, org_id, role, team)
        logins.append(DemoLogin(email, name, org_id, org.name, role.value, label))
    return logins


def _add_accounts(session: Session, now: datetime) -> None:
    for org_id, name, paid, phone, email in ACCOUNTS:
        if session.get(Org, org_id) is None:
            continue
        exists = session.scalar(
            select(Account.id).where(Account.org_id == org_id, Account.name == name)
        )
        if exists is None:
            create_account(
                session, org_id=org_id, name=name, now=now, paid=paid, phone=phone, email=email
            )


def _ring_calls(session: Session, now: datetime) -> None:
    # One interaction per session id: a second run finds these and changes nothing.
    for org_id, external_id, label, dialed, caller, caller_name in CALLS:
        if session.get(Org, org_id) is None:
            continue
        call = CallIn(
            org_id=org_id,
            at=now,
            external_id=external_id,
            channel="demo",
            label=label,
            dialed_number=dialed,
            caller_number=caller,
            caller_name=caller_name,
        )
        receive_call(session, call, now)


def _import_articles(session: Session, org_id: str, folder: Path, now: datetime) -> None:
    from sopdesk.kb.service import import_folder

    if folder.is_dir():
        import_folder(session, org_id, folder, now, by="demo")


def load_demo(
    settings: Settings, now: datetime, *, calls: bool = True, articles: bool = True
) -> DemoData:
    """Migrate; publish every playbook under settings.playbooks with its articles; add people,
    accounts and calls. Running it again adds nothing."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        factory = make_sessionmaker(engine)
        with transaction(factory) as session:
            for path in sorted(settings.playbooks.glob("*/playbook.yaml")):
                folder = read_folder(path.parent)
                row = publish_playbook(session, folder.content, now, by="demo", files=folder.files)
                if articles:
                    _import_articles(session, row.org_id, path.parent / "articles", now)
        with transaction(factory) as session:
            logins = _add_people(session, now)
            _add_accounts(session, now)
            if calls:
                _ring_calls(session, now)
    finally:
        engine.dispose()
    return DemoData(password=DEMO_PASSWORD, logins=logins)
