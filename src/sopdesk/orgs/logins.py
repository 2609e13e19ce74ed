"""Logins: the throttle, the log of attempts, and server-side sessions.

Every login tried is a `LoginAttempt` row; the throttle counts the failed ones in the database,
so it holds across processes and restarts and a test's fresh database starts at zero. A browser
session is a `LoginSession` row that the cookie names by a random key: the desk ends it on
logout, on a password change and when an admin or the operator says so, and the cookie is then
worth nothing, whatever its signature. The clock is always passed in.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sopdesk.orgs.models import LoginAttempt, LoginSession, User
from sopdesk.orgs.service import find_login

# OWASP's advice: a few tries per account, more per address (one office shares one address).
THROTTLE_WINDOW = timedelta(minutes=15)
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 30
SESSION_LENGTH = timedelta(hours=12)  # one long shift; then log in again
_FAILED = ("bad_password", "unknown_email")


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    BAD_PASSWORD = "bad_password"
    UNKNOWN_EMAIL = "unknown_email"
    THROTTLED = "throttled"  # refused before the password was looked at


class EndReason(StrEnum):
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    ENDED_BY_ADMIN = "ended_by_admin"
    ENDED_BY_OPERATOR = "ended_by_operator"  # `sopdesk session end`


@dataclass(frozen=True)
class Throttled:
    """Too many failed logins: which limit was reached, and when to try again."""

    scope: str  # "account" or "address"
    retry_after: int  # seconds


def normal_email(email: str) -> str:
    return email.strip().lower()[:320]


def _retry_after(
    session: Session, where: object, limit: int, since: datetime, now: datetime
) -> int | None:
    """Seconds until fewer than `limit` failures matching `where` remain in the window, or
    None when there are fewer already."""
    failures = select(LoginAttempt.at).where(
        where,  # type: ignore[arg-type]
        LoginAttempt.outcome.in_(_FAILED),
        LoginAttempt.at > since,
    )
    recent = list(session.scalars(failures.order_by(LoginAttempt.at.desc()).limit(limit)))
    if len(recent) < limit:
        return None
    frees_at = recent[-1] + THROTTLE_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))


def throttle(session: Session, email: str, address: str, now: datetime) -> Throttled | None:
    """Whether a login for `email` from `address` must wait: FAILURES_PER_ACCOUNT failures for
    the account since its last success within THROTTLE_WINDOW, or FAILURES_PER_ADDRESS from the
    address. Throttled tries are not counted, so waiting out the window always works."""
    email = normal_email(email)
    window_start = now - THROTTLE_WINDOW
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.outcome == Outcome.SUCCEEDED
        )
    )
    since = max(window_start, last_success) if last_success else window_start
    account = _retry_after(session, LoginAttempt.email == email, FAILURES_PER_ACCOUNT, since, now)
    if account is not None:
        return Throttled("account", account)
    by_address = _retry_after(
        session, LoginAttempt.address == address, FAILURES_PER_ADDRESS, window_start, now
    )
    return Throttled("address", by_address) if by_address is not None else None


def record_attempt(
    session: Session,
    *,
    email: str,
    address: str,
    outcome: Outcome,
    now: datetime,
    user: User | None = None,
) -> LoginAttempt:
    row = LoginAttempt(
        at=now,
        email=normal_email(email),
        address=address[:64],
        outcome=outcome.value,
        org_id=user.org_id if user else None,
        user_id=user.id if user else None,
    )
    session.add(row)
    session.flush()
    return row


def attempts(session: Session, org_id: str, *, limit: int = 100) -> list[LoginAttempt]:
    """The org's people's recent login attempts, newest first (unknown emails have no org:
    the operator sees those with `sopdesk session attempts`)."""
    query = select(LoginAttempt).where(LoginAttempt.org_id == org_id)
    return list(session.scalars(query.order_by(LoginAttempt.id.desc()).limit(limit)))


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_login_session(
    session: Session,
    user: User,
    now: datetime,
    *,
    address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new session for `user`; returns the key for the cookie (only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            key_hash=_key_hash(key),
            org_id=user.org_id,
            user_id=user.id,
            started_at=now,
            ends_at=now + SESSION_LENGTH,
            address=(address or "")[:64] or None,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    session.flush()
    return key


def live_session(session: Session, key: str, now: datetime) -> LoginSession | None:
    """The session `key` names if it is still on: not ended, not past its end."""
    row = session.scalar(select(LoginSession).where(LoginSession.key_hash == _key_hash(key)))
    if row is None or row.ended_at is not None or row.ends_at <= now:
        return None
    return row


def end_session_by_key(session: Session, key: str, now: datetime, reason: EndReason) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.key_hash == _key_hash(key), LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason.value)
    )


def end_sessions(
    session: Session,
    user_id: int,
    now: datetime,
    reason: EndReason,
    *,
    only_id: int | None = None,
    keep_key: str | None = None,
) -> int:
    """End the user's sessions that are on (one of them with `only_id`; all but the one
    `keep_key` names with that); returns how many ended."""
    query = update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None), LoginSession.ends_at > now
    )
    if only_id is not None:
        query = query.where(LoginSession.id == only_id)
    if keep_key is not None:
        query = query.where(LoginSession.key_hash != _key_hash(keep_key))
    result = session.execute(query.values(ended_at=now, end_reason=reason.value))
    return int(getattr(result, "rowcount", 0) or 0)


def sessions_on(
    session: Session, org_id: str, now: datetime, *, user_id: int | None = None
) -> list[LoginSession]:
    """The org's sessions that are on (one person's with `user_id`), newest first."""
    query = select(LoginSession).where(
        LoginSession.org_id == org_id, LoginSession.ended_at.is_(None), LoginSession.ends_at > now
    )
    if user_id is not None:
        query = query.where(LoginSession.user_id == user_id)
    return list(session.scalars(query.order_by(LoginSession.id.desc())))


@dataclass(frozen=True)
class LoginCheck:
    """What a login needs before the password is looked at (read without a write lock)."""

    throttled: Throttled | None
    user_id: int | None
    password_hash: str | None


def begin_login(session: Session, email: str, address: str, now: datetime) -> LoginCheck:
    """The throttle's answer and the account's password hash (None for an unknown email)."""
    waiting = throttle(session, email, address, now)
    user = None if waiting else find_login(session, email)
    return LoginCheck(waiting, user.id if user else None, user.password_hash if user else None)


def finish_login(
    session: Session,
    check: LoginCheck,
    matched: bool,
    *,
    email: str,
    address: str,
    now: datetime,
    user_agent: str | None = None,
) -> tuple[User, str] | None:
    """Record the attempt; on a match, the user and the key of their new session."""
    user = session.get(User, check.user_id) if check.user_id is not None else None
    if check.throttled is not None:
        outcome = Outcome.THROTTLED
    elif user is None:
        outcome = Outcome.UNKNOWN_EMAIL
    else:
        outcome = Outcome.SUCCEEDED if matched else Outcome.BAD_PASSWORD
    record_attempt(session, email=email, address=address, outcome=outcome, now=now, user=user)
    if outcome is not Outcome.SUCCEEDED or user is None:
        return None
    key = start_login_session(session, user, now, address=address, user_agent=user_agent)
    return user, key
