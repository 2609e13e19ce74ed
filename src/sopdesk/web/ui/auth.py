"""Log in and out of the web desk (email and password, argon2 via the orgs room).

Failed logins are throttled by account and by address (orgs.logins: 429 with Retry-After) and
every attempt is logged; logging out ends the session on the server.

After logging in, the person goes to `next` only when it is a page of this site (a path that
a GET route serves, not an action's URL, the API or a file): a session that ended mid-call
sends the agent here with the call page as `next`, and they come back to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from sopdesk.db import transaction
from sopdesk.desk import agents
from sopdesk.orgs.logins import EndReason, LoginCheck, begin_login, end_session_by_key, finish_login
from sopdesk.orgs.models import User
from sopdesk.web.deps import Now, SessionDep, signed_in_user
from sopdesk.web.login_pool import RETRY_AFTER_SECONDS, check_password
from sopdesk.web.security import (
    SESSION_KEY,
    check_csrf,
    end_session,
    safe_next,
    start_session,
)
from sopdesk.web.templating import render
from sopdesk.web.ui.queue import home_path

router = APIRouter()

# Paths that are never a page to come back to, whatever GET they answer.
NOT_PAGES = ("/api/", "/events", "/static/", "/login", "/logout", "/docs", "/openapi", "/redoc")


def page_next(request: Request, target: str | None) -> str:
    """`target` if it is a page of this site to return to after logging in, else ""."""
    path = safe_next(target, default="")
    route_path = urlsplit(path).path
    if not path or route_path.startswith(NOT_PAGES):
        return ""
    scope = {"type": "http", "method": "GET", "path": route_path, "root_path": ""}
    for route in request.app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return path
    return ""  # unknown, or not a GET (an action's URL would answer 405 Method Not Allowed)


async def login_csrf(request: Request) -> None:
    # Protect the login form too, though no one is logged in yet (login CSRF).
    await check_csrf(request, required=True)


def _login_page(
    request: Request, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"next": next_url, "email": email, "error": error, "demo": request.app.state.demo}
    return render(request, "login.html", context, status_code=status)


@router.get("/login", response_model=None)
def login_form(request: Request, next: str | None = None) -> Response:
    if signed_in_user(request) is not None:
        return RedirectResponse(page_next(request, next) or "/", status_code=303)
    # Without a page asked for, the form posts no `next`: the person's home is decided on login.
    return _login_page(request, page_next(request, next))


def _wait_text(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{seconds} seconds" if seconds < 60 else f"{minutes} minute{'s' * (minutes > 1)}"


def _too_many(request: Request, target: str, email: str, message: str, wait: int) -> Response:
    response = _login_page(request, target, email, message, 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _begin(request: Request, email: str, address: str, now: datetime) -> LoginCheck:
    readers: sessionmaker[Session] = request.app.state.reader_sessionmaker
    with readers() as session:
        return begin_login(session, email, address, now)


def _finish(
    request: Request, check: LoginCheck, matched: bool, email: str, address: str, now: datetime
) -> User | None:
    writers: sessionmaker[Session] = request.app.state.sessionmaker
    agent = request.headers.get("user-agent")
    with transaction(writers) as session:
        done = finish_login(
            session, check, matched, email=email, address=address, now=now, user_agent=agent
        )
        if done is None:
            return None
        user, key = done
        start_session(request, user.id, key, now)
        agents.logged_in(session, user, now)  # presence: Available
        return user


# The login runs its database work on the request pool and the password check on its own
# thread (web.login_pool), so that a flood of logins never holds the threads other requests use.
@router.post("/login", dependencies=[Depends(login_csrf)], response_model=None)
async def login(
    request: Request,
    now: Now,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    target = page_next(request, next)
    if not email.strip() or not password:
        return _login_page(request, target, email, "Enter your email and your password.", 422)
    address = request.client.host if request.client else "unknown"
    check = await run_in_threadpool(_begin, request, email, address, now)
    matched = False
    if check.throttled is None:
        answer = await check_password(check.password_hash, password)
        if answer is None:
            busy = "Too many people are logging in at this moment: try again in a second."
            return _too_many(request, target, email, busy, RETRY_AFTER_SECONDS)
        matched = answer
    user = await run_in_threadpool(_finish, request, check, matched, email, address, now)
    if check.throttled is not None:
        who = "this account" if check.throttled.scope == "account" else "this network address"
        wait = check.throttled.retry_after
        message = f"Too many failed logins for {who}: try again in {_wait_text(wait)}."
        return _too_many(request, target, email, message, wait)
    if user is None:
        return _login_page(request, target, email, "That email and password do not match.", 401)
    return RedirectResponse(target or home_path(user), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, now: Now) -> RedirectResponse:
    user_id = request.session.get("user_id")
    key = request.session.get(SESSION_KEY)
    if isinstance(key, str):
        end_session_by_key(session, key, now, EndReason.LOGOUT)  # the cookie is now worth nothing
    if isinstance(user_id, int):
        agents.logged_out(session, user_id, now)  # presence: Offline at once
    end_session(request)
    return RedirectResponse("/login", status_code=303)
