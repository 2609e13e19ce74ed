"""What fronts show of an interaction: the public shape, the live event, the queue order."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from sopdesk.desk.models import Interaction
from sopdesk.events import Event


class InteractionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    channel: str
    state: str
    line_id: str
    line_name: str
    matched_by: str
    warnings: list[str]
    urgency_id: str
    urgency_name: str
    urgency_rank: int
    playbook_version: str
    label: str | None
    dialed_number: str | None
    caller_number: str | None
    caller_name: str | None
    agent_id: int | None
    agent_name: str | None
    queue_team: str | None = None
    account_id: int | None
    rang_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    closed_at: datetime | None


def interaction_event(interaction: Interaction, kind: str) -> Event:
    data = InteractionPublic.model_validate(interaction).model_dump(mode="json")
    return Event(org_id=interaction.org_id, kind=kind, data=data)
