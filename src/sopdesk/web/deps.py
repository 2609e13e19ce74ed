"""Dependency aliases for routes: the request's database session, clock, user and role checks.

    def route(session: SessionDep, user: CurrentAgent, now: Now) -> ...

`SessionDep` is one transaction per request: it commits when the route returns (before the
response is sent) and rolls back if it raises. For GET and HEAD it is a reader's: it takes no
write lock, and a write through it raises `db.ReadOnlyWrite`. `CurrentUser` comes from the
session cookie or an `Authorization: Bearer` token and is a detached `User`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import driver_reason, transaction
from sopdesk.orgs.logins import live_session
from sopdesk.orgs.models import Org, Role, User
from sopdesk.orgs.service import token_holder, touch_token
from sopdesk.web.errors import Forbidden, Unauthenticated
from sopdesk.web.security import bearer_token, session_key

# Requests that only read: they take no write lock, so on SQLite they never queue behind the
# writers (a ring waited seconds behind four heavy pages). Such a route must not write.
READING_METHODS = frozenset({"GET", "HEAD"})
log = logging.getLogger(__name__)


def _factory(request: Request) -> sessionmaker[Session]:
    name = "reader_sessionmaker" if request.method in READING_METHODS else "sessionmaker"
    factory: sessionmaker[Session] = getattr(request.app.state, name)
    return factory


def get_session(request: Request) -> Iterator[Session]:
    with transaction(_factory(request)) as session:
        yield session


def get_now(request: Request) -> datetime:
    """Now, by the app's one clock (`create_app(clock=...)`)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def get_current_user(request: Request) -> User:
    """The caller: a Bearer token when one is sent (the cookie is then ignored), else the cookie
    of a session still on at the server (not logged out, not ended by a password change or an
    admin).

    Uses its own short session so that long streams (SSE) hold no database connection.
    """
    token = bearer_token(request)
    had_session = token is None and "user_id" in request.session
    key = None if token else session_key(request)
    if token is None and key is None:
        if had_session:
            raise Unauthenticated("your session has ended: log in again")
        raise Unauthenticated()
    now = get_now(request)
    readers: sessionmaker[Session] = request.app.state.reader_sessionmaker
    with readers() as session:
        user, touch = _token_user(session, token, now) if token else _cookie_user(session, key, now)
        if user is None:
            if not token:
                request.session.clear()
            raise Unauthenticated("invalid token" if token else "your session has ended")
        org = session.get(Org, user.org_id)
    if touch is not None:
        _record_token_use(request, touch, now)
    request.state.user = user
    request.state.org = org
    return user


def signed_in_user(request: Request) -> User | None:
    """The caller if the request is authenticated (as `get_current_user`), else None."""
    token = bearer_token(request)
    key = None if token else session_key(request)
    if token is None and key is None:
        return None
    now = get_now(request)
    readers: sessionmaker[Session] = request.app.state.reader_sessionmaker
    with readers() as session:
        user, _ = _token_user(session, token, now) if token else _cookie_user(session, key, now)
    return user


def _token_user(session: Session, token: str, now: datetime) -> tuple[User | None, int | None]:
    """The token's user, and the token's id when its last use is due to be written."""
    holder = token_holder(session, token, now)
    if holder is None:
        return None, None
    return holder.user, holder.token_id if holder.needs_touch else None


def _cookie_user(session: Session, key: str | None, now: datetime) -> tuple[User | None, None]:
    row = live_session(session, key, now) if key else None
    return (session.get(User, row.user_id) if row else None), None


def _record_token_use(request: Request, token_id: int, now: datetime) -> None:
    """Write the token's last use (at most once a minute per token, so reads stay reads). It
    never waits for another writer: when the database is busy the write is skipped, with a log
    line, and the next use writes it."""
    factory: sessionmaker[Session] = request.app.state.if_free_sessionmaker
    try:
        with transaction(factory) as session:
            touch_token(session, token_id, now)
    except (OperationalError, sqlite3.OperationalError) as exc:
        log.warning("token %s: last use not recorded now (%s)", token_id, driver_reason(exc))


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Now = Annotated[datetime, Depends(get_now)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting only users with one of `roles` (403 otherwise)."""
    allowed = {r.value for r in roles}
    names = ", ".join(sorted(allowed))

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"this needs one of the roles: {names}; you are {user.role}")
        return user

    return check


# Anyone who may take calls; supervisors and admins can cover the phones.
CurrentAgent = Annotated[User, Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))]
CurrentSupervisor = Annotated[User, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
CurrentAdmin = Annotated[User, Depends(require_roles(Role.ADMIN))]
