"""Presence over the API: an agent sets their own (`PUT /me/presence`), supervisors read every
agent's (`GET /agents`). The rules are `sopdesk.orgs.presence`'s; the desk joins the calls."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sopdesk.desk import agents
from sopdesk.desk.agents import AgentStatus
from sopdesk.orgs.presence import Chosen
from sopdesk.web.deps import CurrentAgent, CurrentSupervisor, Now, SessionDep

router = APIRouter(tags=["presence"])


class PresenceIn(BaseModel):
    state: Chosen = Field(
        description="available, break or offline; on_call and wrap_up come from the calls you "
        "hold and cannot be set. Chosen during a call, it applies after the wrap-up."
    )


@router.get("/agents", response_model=list[AgentStatus])
def list_agents(session: SessionDep, user: CurrentSupervisor, now: Now) -> list[AgentStatus]:
    """Every agent of your org (and supervisors holding a call): state, since, current call."""
    return agents.roster(session, user.org_id, now)


@router.get("/me/presence", response_model=AgentStatus)
def my_presence(session: SessionDep, user: CurrentAgent, now: Now) -> AgentStatus:
    """Your own presence."""
    return agents.status_of(session, user, now)


@router.put("/me/presence", response_model=AgentStatus)
def set_my_presence(
    body: PresenceIn, session: SessionDep, user: CurrentAgent, now: Now
) -> AgentStatus:
    """Choose Available, Break or Offline; the answer is your presence after the change."""
    return agents.set_presence(session, user, body.state, now)
