"""The supervisor's board as data: what `/board` shows, for scripts and wallboards."""

from __future__ import annotations

from fastapi import APIRouter

from sopdesk.desk.board import Board, build_board
from sopdesk.web.deps import CurrentSupervisor, Now, SessionDep

router = APIRouter(tags=["board"])


@router.get("/board", response_model=Board)
def get_board(session: SessionDep, user: CurrentSupervisor, now: Now) -> Board:
    """Your org's open calls by state, with counts per line and per urgency, and every agent's
    presence (supervisors)."""
    return build_board(session, user.org_id, now)
