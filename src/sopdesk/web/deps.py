"""Dependency aliases for routes: the request's database session, clock, user and role checks.

    def route(session: SessionDep, user: CurrentAgent, now: Now) -> ...

`SessionDep` is one transaction per request: it commits when the route returns (before the
response is sent) and rolls back if it raises. For GET and HEAD it is a reader's: it takes no
write lock, and a write through it raises `db.ReadOnlyWrite`. `CurrentUser` comes from the
session cookie or an `Authorization: Bearer` token and is a detached `User`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import transaction
from sopdesk.orgs.models import Org, Role, User
from sopdesk.orgs.service import user_for_token
from sopdesk.web.errors import Forbidden, Unauthenticated
from sopdesk.web.security import bearer_token, session_user_id

# Requests that only read: they take no write lock, so on SQLite they never queue behind the
# writers (a ring waited seconds behind four heavy pages). Such a route must not write.
READING_METHODS = frozenset({"GET", "HEAD"})


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
    """The caller: a Bearer token when one is sent (the cookie is then ignored), else the cookie.

    Uses its own short session so that long streams (SSE) hold no database connection.
    """
    token = bearer_token(request)
    had_session = token is None and "user_id" in request.session
    user_id = None if token else session_user_id(request)
    if token is None and user_id is None:
        if had_session:
            raise Unauthenticated("your session has ended: log in again")
        raise Unauthenticated()
    readers: sessionmaker[Session] = request.app.state.reader_sessionmaker
    with readers() as session:
        user = user_for_token(session, token) if token else session.get(User, user_id)
        if user is None:
            if not token:
                request.session.clear()
            raise Unauthenticated("invalid token" if token else "your session has ended")
        org = session.get(Org, user.org_id)
    request.state.user = user
    request.state.org = org
    return user


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
