"""Jinja2 templates shared by every page, with the helpers the layout needs.

Every template extends `base.html` (but `api_docs.html`, Swagger UI's own page) and gets
`user`, `org` (None before login), `csrf_token`, `live_stream` (the name of the session's
shared event stream), `shortcuts` (the desk's one list of keys), the filter `duration`, the global
`urgency_level`, for article text `short_markup`, `inline_markup` and `body_markup`, and the
time filters of `localtime`, which show every time in the reader's zone:

    {{ t.due_at | local_time }}            <time datetime=UTC title=full>02 Dec 17:00 EST</time>
    {{ t.due_at | local_time("time") }}    ... 17:00 EST (styles: localtime.STYLES)
    {{ m | local_text("time") }}, {{ m | local_title }}, {{ m | utc_iso }}, {{ m | local_input }}
    {{ time_zone(now) }}                   America/New_York (EST)
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.orgs.service import org_zone
from sopdesk.web import localtime, shortcuts
from sopdesk.web.markup import body_markup, inline_markup, short_markup
from sopdesk.web.security import csrf_token, live_stream_key

TEMPLATES = Path(__file__).resolve().parent / "templates"


def urgency_level(rank: int, top_rank: int) -> str:
    """CSS modifier for an urgency: the org's top level is critical, its lowest routine."""
    if top_rank > 0 and rank >= top_rank:
        return "critical"
    if rank > 0:
        return "elevated"
    return "routine"


def duration(seconds: float) -> str:
    """A short waiting time: 45s, 3m 05s, 1h 12m."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def since(moment: datetime, now: datetime) -> str:
    return duration((now - moment).total_seconds())


def reader_zone(request: Request) -> ZoneInfo:
    """The zone the signed-in person reads and types times in (their org's; UTC before login),
    looked up once per request."""
    zone: ZoneInfo | None = getattr(request.state, "zone", None)
    if zone is None:
        user = getattr(request.state, "user", None)
        zone = localtime.UTC_ZONE
        if user is not None:
            readers: sessionmaker[Session] = request.app.state.reader_sessionmaker
            with readers() as session:
                zone = org_zone(session, user.org_id)
        request.state.zone = zone
    return zone


# The request being rendered. A context variable, not a template variable: macros in imported
# templates (desk/macros.html) do not see the page's context, and they show times too.
_rendering: ContextVar[Request | None] = ContextVar("rendering", default=None)


def _zone() -> ZoneInfo:
    """The zone of the render in progress, looked up on its first time shown (a page without
    times costs no query)."""
    request = _rendering.get()
    return reader_zone(request) if request is not None else localtime.UTC_ZONE


def _in_zone(show: Callable[..., Any]) -> Callable[..., Any]:
    """A `localtime` function as a filter: the moment first, the render's zone supplied."""

    def filter_(moment: datetime | date, *args: Any) -> Any:
        return show(moment, _zone(), *args)

    filter_.__doc__ = show.__doc__
    return filter_


def time_zone(now: datetime) -> str:
    """The render's zone as a page names it: "America/New_York (EST)"."""
    return localtime.zone_label(_zone(), now)


def _context(request: Request) -> dict[str, Any]:
    now = request.app.state.clock()
    return {
        "user": getattr(request.state, "user", None),
        "org": getattr(request.state, "org", None),
        "csrf_token": csrf_token(request),
        "live_stream": live_stream_key(request),
        "server_now": now.isoformat(),
    }


templates = Jinja2Templates(directory=TEMPLATES, context_processors=[_context])
templates.env.filters["duration"] = duration
templates.env.filters["short_markup"] = short_markup
templates.env.filters["inline_markup"] = inline_markup
templates.env.filters["body_markup"] = body_markup
templates.env.globals["urgency_level"] = urgency_level
templates.env.globals["since"] = since
for _show in (
    localtime.local_time,
    localtime.local_text,
    localtime.local_title,
    localtime.local_input,
):
    templates.env.filters[_show.__name__] = _in_zone(_show)
templates.env.filters["utc_iso"] = localtime.utc_iso
templates.env.globals["time_zone"] = time_zone
templates.env.globals["shortcuts"] = shortcuts  # the one list of keys (shortcuts.py)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page or fragment with the shared layout context, its times in the reader's zone."""
    token = _rendering.set(request)
    try:  # the template renders inside TemplateResponse(): the request is set for all of it
        return templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    finally:
        _rendering.reset(token)
