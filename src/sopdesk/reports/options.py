"""What a reader may filter a report by: the org's lines, urgencies, teams, playbook versions
and (for supervisors and admins) agents."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.orgs.models import PublishedPlaybook, Role, User
from sopdesk.orgs.service import get_current_playbook


class Choice(BaseModel):
    value: str
    label: str


class FilterOptions(BaseModel):
    lines: list[Choice]
    urgencies: list[Choice]
    teams: list[Choice]
    playbook_versions: list[Choice]
    agents: list[Choice]  # empty: the reader sees their own calls only


def _supervises(user: User) -> bool:
    return user.role in (Role.SUPERVISOR.value, Role.ADMIN.value)


def filter_options(session: Session, user: User) -> FilterOptions:
    current = get_current_playbook(session, user.org_id)
    playbook = current.playbook if current else None
    versions = session.scalars(
        select(PublishedPlaybook.version)
        .where(PublishedPlaybook.org_id == user.org_id)
        .order_by(PublishedPlaybook.published_at.desc(), PublishedPlaybook.id.desc())
    ).all()
    agents = (
        session.scalars(
            select(User)
            .where(User.org_id == user.org_id, User.role != Role.TEAM.value)
            .order_by(User.name)
        ).all()
        if _supervises(user)
        else []
    )
    teams = playbook.teams if playbook else []
    if not _supervises(user) and user.team:
        teams = [t for t in teams if t.id == user.team]
    elif not _supervises(user):
        teams = []
    return FilterOptions(
        lines=[Choice(value=x.id, label=x.name) for x in (playbook.lines if playbook else [])],
        urgencies=[
            Choice(value=u.name, label=u.name) for u in (playbook.urgencies if playbook else [])
        ],
        teams=[Choice(value=t.id, label=t.name) for t in teams],
        playbook_versions=[Choice(value=v, label=v) for v in versions],
        agents=[Choice(value=str(a.id), label=a.name) for a in agents],
    )
