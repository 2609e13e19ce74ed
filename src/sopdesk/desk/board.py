"""The supervisor's board: open calls by state, counted per line (with its urgency) and per
urgency level, and every agent's presence beside them. One typed answer for the page, the API
(`GET /api/v1/board`) and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from sopdesk.desk import service as desk
from sopdesk.desk.agents import AgentStatus, roster
from sopdesk.desk.missed import MISSED_LIMIT, MissedCall, missed_calls
from sopdesk.desk.models import State
from sopdesk.desk.views import InteractionPublic
from sopdesk.orgs.service import get_current_playbook

COLUMNS = (State.RINGING.value, State.ACTIVE.value, State.WRAP_UP.value)
BOARD_LIMIT = 1000  # open calls read for one board


class LineCount(BaseModel):
    line_id: str
    line_name: str
    urgency_name: str
    urgency_rank: int
    by_state: dict[str, int] = Field(description="open calls per state: ringing, active, wrap_up")
    total: int


class UrgencyCount(BaseModel):
    name: str
    rank: int = Field(description="0 is the lowest level; top_rank the highest")
    open_calls: int


class Board(BaseModel):
    columns: dict[str, list[InteractionPublic]] = Field(
        description="open calls per state (ringing, active, wrap_up), most urgent then oldest"
    )
    lines: list[LineCount] = Field(description="most urgent line first, then by name")
    urgencies: list[UrgencyCount] = Field(description="highest level first")
    top_rank: int
    unassigned: int = Field(description="open calls no agent has accepted")
    agents: list[AgentStatus] = Field(description="every agent's presence, by name")
    missed: list[MissedCall] = Field(
        description=f"the latest {MISSED_LIMIT} missed calls, newest first, with their call-backs"
    )


def build_board(session: Session, org_id: str, now: datetime) -> Board:
    """Open calls by state, counts per line (with its urgency) and per urgency level, and the
    agents' presence at `now`."""
    rows = desk.queue(session, org_id, limit=BOARD_LIMIT)
    columns: dict[str, list[InteractionPublic]] = {state: [] for state in COLUMNS}
    by_line: dict[str, dict[str, int]] = {}
    line_facts: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        columns[row.state].append(InteractionPublic.model_validate(row))
        line_facts.setdefault(row.line_id, (row.line_name, row.urgency_name, row.urgency_rank))
        counts = by_line.setdefault(row.line_id, dict.fromkeys(COLUMNS, 0))
        counts[row.state] += 1
    lines = [
        LineCount(
            line_id=line_id,
            line_name=name,
            urgency_name=urgency,
            urgency_rank=rank,
            by_state=by_line[line_id],
            total=sum(by_line[line_id].values()),
        )
        for line_id, (name, urgency, rank) in line_facts.items()
    ]
    current = get_current_playbook(session, org_id)
    levels = current.playbook.urgencies if current else []
    urgencies = [
        UrgencyCount(
            name=level.name,
            rank=rank,
            open_calls=sum(1 for r in rows if r.urgency_rank == rank),
        )
        for rank, level in reversed(list(enumerate(levels)))
    ]
    return Board(
        columns=columns,
        lines=sorted(lines, key=lambda c: (-c.urgency_rank, c.line_name)),
        urgencies=urgencies,
        top_rank=max(len(levels) - 1, 0),
        unassigned=sum(1 for r in rows if r.agent_id is None),
        agents=roster(session, org_id, now),
        missed=missed_calls(session, org_id, now),
    )
