"""Sessions, API tokens and passwords over the API (`sopdesk.orgs.access` holds the rules).

Everyone lists and ends their own sessions and tokens and changes their own password; an admin
sees and ends the whole org's and reads its login attempts.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from sopdesk.orgs import access
from sopdesk.orgs.access import AttemptView, SessionView, TokenView
from sopdesk.web.deps import CurrentAdmin, CurrentUser, Now, SessionDep
from sopdesk.web.ids import IdPath
from sopdesk.web.security import SESSION_KEY, bearer_token

router = APIRouter(tags=["access"])


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=8, max_length=1024)


class PasswordChanged(BaseModel):
    sessions_ended: int = Field(description="your other sessions, ended by the change")


@router.get("/sessions", response_model=list[SessionView])
def list_sessions(session: SessionDep, user: CurrentUser, now: Now) -> list[SessionView]:
    """Browser sessions that are on: yours, or the whole org's for an admin."""
    return access.sessions_for(session, user, now)


@router.delete("/sessions/{session_id}", response_model=SessionView)
def end_session(
    session_id: IdPath, session: SessionDep, user: CurrentUser, now: Now
) -> SessionView:
    """End a session at once: its cookie stops working on its next request."""
    return access.end_session_as(session, user, session_id, now)


@router.get("/tokens", response_model=list[TokenView])
def list_tokens(session: SessionDep, user: CurrentUser, now: Now) -> list[TokenView]:
    """API tokens (never the token itself): yours, or the whole org's for an admin."""
    return access.tokens_for(session, user, now)


@router.delete("/tokens/{token_id}", response_model=TokenView)
def revoke_token(token_id: IdPath, session: SessionDep, user: CurrentUser, now: Now) -> TokenView:
    """Revoke a token: the next request that sends it gets 401."""
    return access.revoke_token_as(session, user, token_id, now)


@router.post("/me/password", response_model=PasswordChanged)
def change_password(
    body: PasswordChange, request: Request, session: SessionDep, user: CurrentUser, now: Now
) -> PasswordChanged:
    """Change your password; your other browser sessions end (this one stays)."""
    key = None if bearer_token(request) else request.session.get(SESSION_KEY)
    ended = access.change_password(
        session,
        user,
        body.current_password,
        body.new_password,
        now,
        keep_key=key if isinstance(key, str) else None,
    )
    return PasswordChanged(sessions_ended=ended)


@router.get("/login-attempts", response_model=list[AttemptView])
def login_attempts(
    session: SessionDep,
    user: CurrentAdmin,
    limit: int = Query(100, ge=1, le=1000),
) -> list[AttemptView]:
    """Your org's people's recent login attempts, failed and throttled ones too (admins)."""
    return access.attempts_for(session, user, limit)
