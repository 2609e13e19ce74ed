"""Log in and out of the web desk (email and password, argon2 via the orgs room).

After logging in, the person goes to `next` only when it is a page of this site (a path that
a GET route serves, not an action's URL, the API or a file): a session that ended mid-call
sends the agent here with the call page as `next`, and they come back to it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match

from sopdesk.desk import agents
from sopdesk.orgs.service import authenticate
from sopdesk.web.deps import Now, SessionDep
from sopdesk.web.security import (
    check_csrf,
    end_session,
    safe_next,
    session_user_id,
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
    if session_user_id(request) is not None:
        return RedirectResponse(page_next(request, next) or "/", status_code=303)
    # Without a page asked for, the form posts no `next`: the person's home is decided on login.
    return _login_page(request, page_next(request, next))


@router.post("/login", dependencies=[Depends(login_csrf)], response_model=None)
def login(
    request: Request,
    session: SessionDep,
    now: Now,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    target = page_next(request, next)
    if not email.strip() or not password:
        return _login_page(request, target, email, "Enter your email and your password.", 422)
    user = authenticate(session, email, password)
    if user is None:
        return _login_page(request, target, email, "That email and password do not match.", 401)
    start_session(request, user.id, now)
    agents.logged_in(session, user, now)  # presence: Available
    return RedirectResponse(target or home_path(user), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, now: Now) -> RedirectResponse:
    user_id = request.session.get("user_id")
    if isinstance(user_id, int):
        agents.logged_out(session, user_id, now)  # presence: Offline at once
    end_session(request)
    return RedirectResponse("/login", status_code=303)
