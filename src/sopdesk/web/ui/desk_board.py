"""The supervisor's live board: calls ringing, in progress and in wrap-up, counted by line and
urgency, refreshed on every interaction event. What it shows is `desk.board.build_board`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sopdesk.desk.board import build_board
from sopdesk.web.deps import CurrentSupervisor, Now, SessionDep
from sopdesk.web.templating import render

router = APIRouter()

BOARD_EVENTS = (
    "interaction.ringing",
    "interaction.updated",
    "interaction.closed",
    "interaction.missed",
    "agent.presence",
    "resync",
)
# An agent whose browser closed turns Offline when the grace time passes, with no event.
BOARD_POLL = "every 30s"


@router.get("/board")
def board_page(
    request: Request, session: SessionDep, user: CurrentSupervisor, now: Now
) -> HTMLResponse:
    context = {
        "board": build_board(session, user.org_id, now),
        "now": now,
        "triggers": ", ".join([*(f"sse:{kind}" for kind in BOARD_EVENTS), BOARD_POLL]),
    }
    return render(request, "desk/board.html", context)


@router.get("/board/body")
def board_body(
    request: Request, session: SessionDep, user: CurrentSupervisor, now: Now
) -> HTMLResponse:
    """The board's content, re-fetched on events."""
    context = {"board": build_board(session, user.org_id, now), "now": now}
    return render(request, "desk/board_body.html", context)
