"""The call screen's changes of hands (Release, Transfer, Take over), each through one desk
service call; what the screen shows of them is `desk_ownerview`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.desk import service as desk
from sopdesk.desk.errors import DeskError, FieldProblem
from sopdesk.desk.models import Interaction
from sopdesk.orgs.models import User
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.ids import MAX_ID
from sopdesk.web.ui.desk_call import flash, regions

router = APIRouter(prefix="/calls/{call_id}")


def change_hands(
    request: Request,
    session: Session,
    user: User,
    now: datetime,
    call_id: int,
    change: Callable[[], Interaction],
) -> HTMLResponse:
    """Run one change of hands and answer with the refreshed regions; a 409 (someone has it)
    answers the regions too, with the refusal in the message area, so the screen turns
    read-only with the owner named at once."""
    try:
        interaction = change()
    except DeskError as exc:
        if exc.status == 422:
            return flash(request, exc)
        if exc.status != 409:
            raise  # 404, 403: the shared error page
        interaction = desk.access_interaction(session, user, call_id)
        return regions(request, session, user, interaction, now, exc.status, error=exc)
    session.flush()
    return regions(request, session, user, interaction, now)


@router.post("/release")
def release(
    request: Request, call_id: int, session: SessionDep, user: CurrentAgent, now: Now
) -> HTMLResponse:
    return change_hands(
        request, session, user, now, call_id, lambda: desk.release(session, user, call_id, now)
    )


@router.post("/transfer")
def transfer(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    to: Annotated[str, Form(max_length=80)] = "",
) -> HTMLResponse:
    """The transfer form sends `to`: `user:<id>` (an agent) or `team:<id>` (a team's queue)."""

    def hand_over() -> Interaction:
        kind, _, target = to.partition(":")
        if kind == "user" and target.isdigit() and 1 <= int(target) <= MAX_ID:
            return desk.transfer_to_user(session, user, call_id, int(target), now)
        if kind == "team" and target:
            return desk.transfer_to_team(session, user, call_id, target, now)
        raise DeskError(
            422, "invalid", "choose who takes the call", [FieldProblem("to", "an agent or a team")]
        )

    return change_hands(request, session, user, now, call_id, hand_over)


@router.post("/takeover")
def takeover(
    request: Request, call_id: int, session: SessionDep, user: CurrentAgent, now: Now
) -> HTMLResponse:
    return change_hands(
        request, session, user, now, call_id, lambda: desk.takeover(session, user, call_id, now)
    )
