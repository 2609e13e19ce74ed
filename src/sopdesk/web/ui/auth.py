"""Log in and out of the web desk (email and password, argon2 via the orgs room)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sopdesk.desk import agents
from sopdesk.orgs.service import authenticate
from sopdesk.web.deps import Now, SessionDep
from sopdesk.web.security import check_csrf, end_session, safe_next, start_session
from sopdesk.web.templating import render
from sopdesk.web.ui.queue import home_path

router = APIRouter()


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
    if "user_id" in request.session:
        return RedirectResponse(safe_next(next, default="/"), status_code=303)
    # Without a page asked for, the form posts no `next`: the person's home is decided on login.
    return _login_page(request, safe_next(next, default=""))


@router.post("/login", dependencies=[Depends(login_csrf)], response_model=None)
def login(
    request: Request,
    session: SessionDep,
    now: Now,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    target = safe_next(next, default="")
    if not email.strip() or not password:
        return _login_page(request, target, email, "Enter your email and your password.", 422)
    user = authenticate(session, email, password)
    if user is None:
        return _login_page(request, target, email, "That email and password do not match.", 401)
    start_session(request, user.id)
    agents.logged_in(session, user, now)  # presence: Available
    return RedirectResponse(target or home_path(user), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, now: Now) -> RedirectResponse:
    user_id = request.session.get("user_id")
    if isinstance(user_id, int):
        agents.logged_out(session, user_id, now)  # presence: Offline at once
    end_session(request)
    return RedirectResponse("/login", status_code=303)
