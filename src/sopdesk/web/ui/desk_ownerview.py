"""Who has the call, as the call screen shows it: the owner's Release and Transfer controls, or
a read-only banner naming the owner for everyone else (with Take over for supervisors)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction
from sopdesk.orgs.models import User


@dataclass(frozen=True)
class Choice:
    value: str  # "user:<id>" or "team:<team id>", what the transfer form sends
    label: str


@dataclass(frozen=True)
class OwnerPanel:
    """What the call screen says about the call's hands, for the person looking at it."""

    mine: bool  # the viewer holds the call: Release and Transfer
    owner_name: str | None  # someone else holds it: the screen is read-only, naming them
    can_takeover: bool  # a supervisor looking at someone else's (or nobody's) call
    untaken: bool  # open and nobody has it yet
    queue_team: str | None  # the team a transfer marked it for (its name)
    agents: list[Choice]
    teams: list[Choice]


def owner_panel(
    session: Session, user: User, interaction: Interaction, teams: dict[str, str]
) -> OwnerPanel:
    is_open = interaction.state in desk.OPEN_STATES
    mine = desk.holds(user, interaction)
    other = is_open and interaction.agent_id is not None and not mine
    return OwnerPanel(
        mine=mine,
        owner_name=(interaction.agent_name or "another agent") if other else None,
        can_takeover=is_open and not mine and user.role in desk.TAKEOVER_ROLES,
        untaken=is_open and interaction.agent_id is None,
        queue_team=teams.get(interaction.queue_team, interaction.queue_team)
        if interaction.queue_team
        else None,
        agents=[Choice(f"user:{u.id}", u.name) for u in desk.transfer_targets(session, user)]
        if mine
        else [],
        teams=[Choice(f"team:{tid}", name) for tid, name in teams.items()] if mine else [],
    )
