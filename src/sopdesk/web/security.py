"""Browser sessions and CSRF.

The session (a signed cookie, Starlette SessionMiddleware) holds the user id, the key of the
server-side session (orgs.logins: logging out or a password change ends it on the server, so a
copied cookie stops working) and a CSRF token.
Any state-changing request authenticated by that cookie must echo the token, in the
`csrf_token` form field or the `X-CSRF-Token` header (htmx sends it from `hx-headers` on
<body>). Bearer-token requests carry no ambient authority, so they need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from fastapi import Request

from sopdesk.web.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 12 * 3600  # one long shift; then log in again
STARTED = "started"  # when the session began, by the app's clock (seconds since the epoch)
SESSION_KEY = "sid"  # names the server-side session (orgs.logins.LoginSession)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def live_stream_key(request: Request) -> str:
    """A public name for the session's one live stream, shared by its tabs (static/live_stream.js).

    Derived from the session's CSRF token, which a login renews: each login gets another
    stream, and the name does not disclose the token.
    """
    token = csrf_token(request)
    if not token:
        return ""
    return hashlib.sha256(f"sopdesk live stream {token}".encode()).hexdigest()[:20]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


async def check_csrf(request: Request, *, required: bool = False) -> None:
    """Refuse a state-changing cookie-authenticated request without the session's token.

    `required` also protects requests without a logged-in user (the login form).
    """
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    if not required and "user_id" not in request.session:
        return  # no session authority to abuse; routes needing a user refuse with 401
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise Forbidden(
            "missing or stale CSRF token: reload the page and try again", code="csrf_failed"
        )


async def csrf_protect(request: Request) -> None:
    """Router-wide dependency: every route in web/api and web/ui gets it."""
    await check_csrf(request)


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def start_session(request: Request, user_id: int, key: str, now: datetime) -> None:
    """Log a user in: a fresh cookie for the server-side session `key`, with a new CSRF token,
    which ends SESSION_MAX_AGE after `now` (by the app's clock, so tests move time instead of
    waiting)."""
    request.session.clear()
    request.session["user_id"] = user_id
    request.session[SESSION_KEY] = key
    request.session[STARTED] = int(now.timestamp())
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    request.session.clear()


def session_key(request: Request) -> str | None:
    """The server-side session key the cookie carries, or None: nobody logged in, or the cookie
    has ended (older than SESSION_MAX_AGE by the app's clock, or from before sessions carried
    their start and key), in which case it is cleared. The caller still asks the database
    whether the session is on (orgs.logins.live_session)."""
    if "session" not in request.scope:
        return None
    user_id = request.session.get("user_id")
    key = request.session.get(SESSION_KEY)
    if not isinstance(user_id, int):
        return None
    started = request.session.get(STARTED)
    now = request.app.state.clock().timestamp()
    if not isinstance(key, str) or not isinstance(started, int) or now - started > SESSION_MAX_AGE:
        end_session(request)
        return None
    return key


def safe_next(target: str | None, default: str = "/queue") -> str:
    """Only a path on this site: never redirect off-site after login. Refuses absolute and
    scheme-relative URLs, backslashes and any control or whitespace character but a plain space
    (browsers drop tabs and newlines from URLs, so "/<tab>/evil.example" would become
    "//evil.example")."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return default
    # A plain space stays (a search query decoded from next=/kb?q=a%20b); browsers drop tabs
    # and newlines, not spaces, so only those could join "/" and "/evil" into "//evil".
    if "\\" in target or any(
        (c.isspace() and c != " ") or ord(c) < 0x20 or ord(c) == 0x7F for c in target
    ):
        return default
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target
