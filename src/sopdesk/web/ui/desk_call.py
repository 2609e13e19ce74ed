"""The call screen at /calls/{id}: the page, its live refresh, and the account search.

The page re-renders its live regions (header, opening, steps, scenario status and field
errors, escalations, account, wrap-up) out of band after every action and on every
`interaction.*` event whose interaction changed; what the agent is typing (scenario inputs,
summary, searches) is never replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sopdesk.crm import service as crm
from sopdesk.desk import service as desk
from sopdesk.desk.errors import DeskError
from sopdesk.desk.models import Interaction
from sopdesk.orgs.models import User
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.templating import render
from sopdesk.web.ui.desk_callview import CallPage, build_call_page, version_token
from sopdesk.web.ui.desk_wrapview import Names, missing_rows, owed_rows

router = APIRouter()

# Refusals an agent can act on are shown inline, next to what caused them.
INLINE_STATUSES = (409, 422)


def page_context(page: CallPage, now: datetime, *, oob: bool) -> dict[str, Any]:
    """What every call template gets: the page, the interaction, the clock, the wrap-up rows."""
    anchor = f"policy-{page.policies[0].id}-title" if page.policies else None
    outcome = next(
        (r.step.id for r in page.steps if any(c.converted is not None for c in r.step.choices)),
        None,
    )
    names = Names(page.teams, page.lines, page.interaction.agent_name)
    return {
        "page": page,
        "i": page.interaction,
        "now": now,
        "oob": oob,
        "missing": missing_rows(page.plan.missing, anchor, outcome),
        "owed": owed_rows(page.plan.records, names, now),
    }


def regions(
    request: Request,
    session: Session,
    user: User,
    interaction: Interaction,
    now: datetime,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Every live region of the call screen, each swapped out of band by its id."""
    page = build_call_page(session, user, interaction, now)
    context.update(page_context(page, now, oob=True))
    return render(request, "desk/call_regions.html", context, status_code=status_code)


def flash(request: Request, error: DeskError) -> HTMLResponse:
    """A refusal (taken by someone else, closed, invalid) shown in the call's message area."""
    context = {"error": error, "oob": True}
    return render(request, "desk/call_flash.html", context, status_code=error.status)


def act(
    request: Request,
    session: Session,
    user: User,
    now: datetime,
    change: Callable[[], Interaction],
) -> HTMLResponse:
    """Run one desk service call and answer with the refreshed regions, or the refusal."""
    try:
        interaction = change()
    except DeskError as exc:
        # Not a translation: the call screen stays, with the refusal in its message area.
        if exc.status not in INLINE_STATUSES:
            raise  # 404 and the like: the shared error page
        answer = flash(request, exc)
        if exc.code == "taken":
            # Someone else has the call now: the whole screen turns read-only at once, with
            # the banner naming the owner, rather than leaving controls that will be refused.
            answer.headers["HX-Refresh"] = "true"
        return answer
    session.flush()
    return regions(request, session, user, interaction, now)


@router.get("/calls/{call_id}")
def call_page(
    request: Request, call_id: int, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    interaction = desk.access_interaction(session, user, call_id)
    page = build_call_page(session, user, interaction, now)
    return render(request, "desk/call.html", page_context(page, now, oob=False))


@router.get("/calls/{call_id}/live", response_model=None)
def call_live(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    since: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The regions again if the call changed since the page's version; 204 if it did not.

    Events are org-wide: most of them concern other calls, and cost only this check.
    """
    interaction = desk.access_interaction(session, user, call_id)
    if since and since == version_token(interaction):
        return Response(status_code=204)
    return regions(request, session, user, interaction, now)


@router.get("/calls/{call_id}/accounts")
def call_account_search(
    request: Request,
    call_id: int,
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Accounts matching a name or phone, each with a button linking it to this call."""
    interaction = desk.access_interaction(session, user, call_id)
    found = crm.search_accounts(session, user.org_id, q, limit=8) if q.strip() else []
    context = {"i": interaction, "accounts": found, "q": q.strip()}
    return render(request, "desk/call_account_results.html", context)
