"""The agent's presence control in the top bar (`presence_bar.html` loads it, `presence.js`
re-fetches it when a live event concerns this agent). The rules are the desk's
(`desk.agents`); this module parses the form and renders the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from sopdesk.desk import agents
from sopdesk.desk.agents import AgentStatus
from sopdesk.orgs.presence import CHOSEN, Chosen
from sopdesk.web.deps import CurrentAgent, Now, SessionDep
from sopdesk.web.templating import render

router = APIRouter()


def _control(request: Request, status: AgentStatus, now: datetime) -> HTMLResponse:
    context = {"presence": status, "choices": CHOSEN, "now": now}
    return render(request, "presence_control.html", context)


@router.get("/presence/control")
def presence_control(
    request: Request, session: SessionDep, user: CurrentAgent, now: Now
) -> HTMLResponse:
    return _control(request, agents.status_of(session, user, now), now)


@router.put("/presence/control")
def set_presence(
    request: Request,
    session: SessionDep,
    user: CurrentAgent,
    now: Now,
    state: Annotated[Chosen, Form()],
) -> HTMLResponse:
    return _control(request, agents.set_presence(session, user, state, now), now)
