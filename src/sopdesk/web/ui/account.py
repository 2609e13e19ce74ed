"""The person's own account page: change the password, see and end sessions, manage API tokens.

Everything goes through `orgs.access` (the API's /sessions, /tokens and /me/password and the
CLI's `session` and `token` commands use the same functions): an admin also sees and ends the
org's other people's sessions and tokens, everyone else only their own. A new token is shown
once, on the page that created it; only its hash is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from sopdesk.desk import agents
from sopdesk.errors import FieldProblem
from sopdesk.orgs import access, logins, service
from sopdesk.orgs.models import User
from sopdesk.web.deps import CurrentUser, Now, SessionDep
from sopdesk.web.ids import IdPath
from sopdesk.web.security import session_key
from sopdesk.web.templating import render

router = APIRouter()

MAX_TOKEN_DAYS = 3650


def _this_session_id(request: Request, session: Session, now: datetime) -> int | None:
    key = session_key(request)
    row = logins.live_session(session, key, now) if key else None
    return row.id if row else None


def _page(
    request: Request,
    session: Session,
    user: User,
    now: datetime,
    *,
    errors: list[FieldProblem] | None = None,
    notice: str | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "active": "account",
        "sessions": access.sessions_for(session, user, now),
        "tokens": access.tokens_for(session, user, now),
        "this_session": _this_session_id(request, session, now),
        "errors": errors or [],
        "notice": notice,
        "new_token": new_token,
        "now": now,
    }
    return render(request, "account.html", context, status_code=status)


@router.get("/account")
def account_page(
    request: Request, session: SessionDep, user: CurrentUser, now: Now
) -> HTMLResponse:
    """Your password, your sessions and your API tokens (an admin's: the org's)."""
    return _page(request, session, user, now)


def _password_problems(current: str, new: str, again: str) -> list[FieldProblem]:
    problems = []
    if not current:
        problems.append(FieldProblem("current_password", "enter your current password"))
    if new != again:
        problems.append(FieldProblem("new_password_again", "does not match the new password"))
    return problems


@router.post("/account/password", response_model=None)
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    new_password_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change your password; your other sessions end, this one stays."""
    problems = _password_problems(current_password, new_password, new_password_again)
    if not problems:
        try:
            ended = access.change_password(
                session, user, current_password, new_password, now, keep_key=session_key(request)
            )
        except service.OrgError as refused:
            problems = refused.fields
    if problems:
        return _page(request, session, user, now, errors=problems, status=422)
    notice = f"Password changed. {_sessions_text(ended)} ended; this one stays."
    return _page(request, session, user, now, notice=notice)


def _sessions_text(count: int) -> str:
    return "No other session" if count == 0 else f"{count} other session{'s' * (count > 1)}"


@router.post("/account/sessions/{session_id}/end", response_model=None)
def end_session(
    request: Request, session_id: IdPath, session: SessionDep, user: CurrentUser, now: Now
) -> Response:
    """End a session; ending the one you are using logs you out."""
    ending_own_browser = session_id == _this_session_id(request, session, now)
    access.end_session_as(session, user, session_id, now)
    if ending_own_browser:
        agents.logged_out(session, user.id, now)  # as a logout: presence Offline at once
        request.session.clear()
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/account#sessions", status_code=303)


@router.post("/account/tokens", response_model=None)
def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Now,
    label: Annotated[str, Form(max_length=200)] = "",
    expires_days: Annotated[int | None, Form(ge=1, le=MAX_TOKEN_DAYS)] = None,
) -> Response:
    """A new API token for yourself, shown once on the page that answers."""
    expires_at = now + timedelta(days=expires_days) if expires_days else None
    token = service.create_token(
        session,
        org_id=user.org_id,
        email=user.email,
        now=now,
        expires_at=expires_at,
        label=label.strip() or None,
    )
    return _page(request, session, user, now, new_token=token, status=201)


@router.post("/account/tokens/{token_id}/revoke", response_model=None)
def revoke_token(
    token_id: IdPath, session: SessionDep, user: CurrentUser, now: Now
) -> RedirectResponse:
    """Revoke a token: the next request that sends it gets 401."""
    access.revoke_token_as(session, user, token_id, now)
    return RedirectResponse("/account#tokens", status_code=303)
