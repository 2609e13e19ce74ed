"""Who can get in: people's sessions, API tokens and passwords, as every front shows them.

An admin sees and ends any session and revokes any token of the org; everyone else only their
own. Another org's session or token, or another person's for a non-admin, is "not found", so
ids do not tell what exists. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs import logins, service
from sopdesk.orgs.models import ApiToken, LoginAttempt, LoginSession, Role, User


class AccessNotFound(Refusal):
    def __init__(self, what: str, object_id: int) -> None:
        message = f"no {what} {object_id}"
        super().__init__(404, "not_found", message, [FieldProblem(f"{what}_id", message)])


class SessionView(BaseModel):
    id: int
    user_id: int
    email: str
    started_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    address: str | None
    user_agent: str | None


class TokenView(BaseModel):
    id: int
    user_id: int
    email: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class AttemptView(BaseModel):
    at: datetime
    email: str
    address: str
    outcome: str
    user_id: int | None


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN.value


def _email(session: Session, user_id: int) -> str:
    person = session.get(User, user_id)
    return person.email if person else ""


def session_view(session: Session, row: LoginSession) -> SessionView:
    return SessionView(
        id=row.id,
        user_id=row.user_id,
        email=_email(session, row.user_id),
        started_at=row.started_at,
        ends_at=row.ends_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        address=row.address,
        user_agent=row.user_agent,
    )


def token_view(session: Session, row: ApiToken, now: datetime) -> TokenView:
    expired = row.expires_at is not None and row.expires_at <= now
    return TokenView(
        id=row.id,
        user_id=row.user_id,
        email=_email(session, row.user_id),
        label=row.label,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None and not expired,
    )


def sessions_for(session: Session, viewer: User, now: datetime) -> list[SessionView]:
    """The sessions that are on: the org's for an admin, the viewer's own otherwise."""
    mine = None if _is_admin(viewer) else viewer.id
    rows = logins.sessions_on(session, viewer.org_id, now, user_id=mine)
    return [session_view(session, row) for row in rows]


def end_session_as(session: Session, viewer: User, session_id: int, now: datetime) -> SessionView:
    """End one session: the viewer's own (as a logout), or, for an admin, anyone's of the org."""
    row = session.get(LoginSession, session_id)
    visible = row is not None and row.org_id == viewer.org_id
    if row is None or not visible or (row.user_id != viewer.id and not _is_admin(viewer)):
        raise AccessNotFound("session", session_id)
    own = row.user_id == viewer.id
    reason = logins.EndReason.LOGOUT if own else logins.EndReason.ENDED_BY_ADMIN
    logins.end_sessions(session, row.user_id, now, reason, only_id=row.id)
    session.refresh(row)
    return session_view(session, row)


def tokens_for(session: Session, viewer: User, now: datetime) -> list[TokenView]:
    """API tokens, revoked and expired ones too: the org's for an admin, else the viewer's."""
    mine = None if _is_admin(viewer) else viewer.id
    rows = service.tokens(session, viewer.org_id, user_id=mine)
    return [token_view(session, row, now) for row in rows]


def revoke_token_as(session: Session, viewer: User, token_id: int, now: datetime) -> TokenView:
    mine = None if _is_admin(viewer) else viewer.id
    row = session.get(ApiToken, token_id)
    if row is None or row.org_id != viewer.org_id or (mine is not None and row.user_id != mine):
        raise AccessNotFound("token", token_id)
    service.revoke_token(session, viewer.org_id, token_id, now)
    return token_view(session, row, now)


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    now: datetime,
    *,
    keep_key: str | None = None,
) -> int:
    """Change the user's own password, knowing the current one; every other session of theirs
    ends (the one `keep_key` names stays). Returns how many sessions ended."""
    person = session.get_one(User, user.id)
    if not service.password_matches(person.password_hash, current_password):
        raise service.OrgError("current_password", "is not your current password")
    service.set_password(session, person, new_password)
    ended = logins.EndReason.PASSWORD_CHANGED
    return logins.end_sessions(session, person.id, now, ended, keep_key=keep_key)


def attempts_for(session: Session, viewer: User, limit: int = 100) -> list[AttemptView]:
    """The org's people's recent login attempts, newest first (admins)."""
    rows: list[LoginAttempt] = logins.attempts(session, viewer.org_id, limit=limit)
    return [
        AttemptView(at=r.at, email=r.email, address=r.address, outcome=r.outcome, user_id=r.user_id)
        for r in rows
    ]
