"""The supervisor's live board: calls ringing, in progress and in wrap-up, counted by line and
urgency, refreshed on every interaction event."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.desk import service as desk
from sopdesk.desk.models import Interaction, State
from sopdesk.orgs.service import get_current_playbook
from sopdesk.web.deps import CurrentSupervisor, Now, SessionDep
from sopdesk.web.templating import render

router = APIRouter()

COLUMNS = (State.RINGING.value, State.ACTIVE.value, State.WRAP_UP.value)
BOARD_EVENTS = ("interaction.ringing", "interaction.updated", "interaction.closed", "resync")


@dataclass
class LineCount:
    line_name: str
    urgency_name: str
    urgency_rank: int
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


@dataclass
class Board:
    columns: dict[str, list[Interaction]]
    lines: list[LineCount]
    urgencies: list[tuple[str, int, int]]  # name, rank, open calls
    top_rank: int
    unassigned: int


def build_board(session: Session, org_id: str) -> Board:
    """Open calls by state, counts per line (with its urgency) and per urgency level."""
    rows = desk.queue(session, org_id, limit=1000)
    columns: dict[str, list[Interaction]] = {state: [] for state in COLUMNS}
    lines: dict[str, LineCount] = {}
    for row in rows:
        columns[row.state].append(row)
        count = lines.setdefault(
            row.line_id, LineCount(row.line_name, row.urgency_name, row.urgency_rank)
        )
        count.by_state[row.state] += 1
    current = get_current_playbook(session, org_id)
    levels = current.playbook.urgencies if current else []
    ranked = [(u.name, rank) for rank, u in enumerate(levels)]
    urgencies = [
        (name, rank, sum(1 for r in rows if r.urgency_rank == rank))
        for name, rank in reversed(ranked)
    ]
    return Board(
        columns=columns,
        lines=sorted(lines.values(), key=lambda c: (-c.urgency_rank, c.line_name)),
        urgencies=urgencies,
        top_rank=max(len(levels) - 1, 0),
        unassigned=sum(1 for r in rows if r.agent_id is None),
    )


@router.get("/board")
def board_page(
    request: Request, session: SessionDep, user: CurrentSupervisor, now: Now
) -> HTMLResponse:
    context = {
        "board": build_board(session, user.org_id),
        "now": now,
        "triggers": ", ".join(f"sse:{kind}" for kind in BOARD_EVENTS),
    }
    return render(request, "desk/board.html", context)


@router.get("/board/body")
def board_body(
    request: Request, session: SessionDep, user: CurrentSupervisor, now: Now
) -> HTMLResponse:
    """The board's content, re-fetched on events."""
    context = {"board": build_board(session, user.org_id), "now": now}
    return render(request, "desk/board_body.html", context)
