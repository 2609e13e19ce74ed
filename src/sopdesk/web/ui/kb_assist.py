"""Agent assist on the call screen, and the knowledge-base search page at /kb.

Suggestions come from `kb.assist.suggest` (the call's line, its scenario in progress, what the
agent types); one click on "Tried this FAQ" records the article on the call, which the
escalation policy requires before an escalation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from sopdesk.desk import service as desk
from sopdesk.desk.progress import progress_of
from sopdesk.kb.assist import suggest
from sopdesk.kb.search import search
from sopdesk.web.deps import CurrentUser, SessionDep
from sopdesk.web.ids import IdPath
from sopdesk.web.templating import render

router = APIRouter()

QueryText = Annotated[str, Query(max_length=300)]


@router.get("/calls/{call_id}/assist")
def call_assist(
    request: Request, call_id: IdPath, session: SessionDep, user: CurrentUser, q: QueryText = ""
) -> HTMLResponse:
    """Articles for this call: from what was typed, else from its scenario and line."""
    interaction = desk.access_interaction(session, user, call_id)
    progress = progress_of(interaction)
    opened = list(progress.scenarios)
    scenario = opened[-1] if opened else None
    hits = suggest(session, user.org_id, interaction.line_id, scenario, q)
    context = {
        "hits": hits,
        "query": q,
        "call_id": interaction.id,
        "tried": set(progress.faq_tried),
        "can_record": desk.can_act(user, interaction),
    }
    return render(request, "kb/results.html", context)


@router.get("/kb")
def kb_page(
    request: Request, session: SessionDep, user: CurrentUser, q: QueryText = ""
) -> HTMLResponse:
    """Search the org's knowledge base: the quick answer first, then the related articles."""
    result = search(session, user.org_id, q, limit=8) if q.strip() else None
    context = {
        "active": "kb",
        "query": q,
        "hits": result.hits if result else [],
        "searched": result is not None,
        "call_id": None,
        "tried": set(),
        "can_record": False,
    }
    return render(request, "kb/page.html", context)
