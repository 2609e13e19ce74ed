"""A call changing hands: the owner releases it to the queue or transfers it to an agent or a
team; a supervisor takes it over. Each route calls one desk service (`sopdesk.desk.service`),
which audits who had the call and who has it now; refusals (409 naming the owner) go through
the one handler."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sopdesk.desk import service as desk
from sopdesk.web.api.interactions import CONFLICT, InteractionDetail, detail
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.ids import IdField, IdPath

router = APIRouter(prefix="/interactions", tags=["interactions"])


class TransferToUser(BaseModel):
    """Hand the call to a person of your org who takes calls."""

    model_config = ConfigDict(extra="forbid")
    to_user: IdField = Field(description="id of the agent to hand the call to")


class TransferToTeam(BaseModel):
    """Put the call back in the queue, marked for a team of the call's playbook."""

    model_config = ConfigDict(extra="forbid")
    to_team: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="id of a playbook team whose queue the call goes to"
    )


# Exactly one of the two: a body naming both, or neither, is a 422.
TransferIn = TransferToUser | TransferToTeam


@router.post("/{interaction_id}/release", response_model=InteractionDetail, responses=CONFLICT)
def release(
    interaction_id: IdPath, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Give your call back to the queue, unassigned, with what was documented so far (409 when
    it is not yours)."""
    return detail(session, desk.release(session, user, interaction_id, now), now)


@router.post("/{interaction_id}/transfer", response_model=InteractionDetail, responses=CONFLICT)
def transfer(
    interaction_id: IdPath, body: TransferIn, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Hand your call to another agent, or to a team's queue (409 when it is not yours, or the
    agent already has as many calls as the org allows)."""
    if isinstance(body, TransferToUser):
        interaction = desk.transfer_to_user(session, user, interaction_id, body.to_user, now)
    else:
        interaction = desk.transfer_to_team(session, user, interaction_id, body.to_team, now)
    return detail(session, interaction, now)


@router.post("/{interaction_id}/takeover", response_model=InteractionDetail, responses=CONFLICT)
def takeover(
    interaction_id: IdPath, session: SessionDep, user: CurrentAgent, now: Now
) -> InteractionDetail:
    """Supervisors and admins: take the call from whoever has it (audited with both names);
    403 for anyone else."""
    return detail(session, desk.takeover(session, user, interaction_id, now), now)
