"""Jinja2 templates shared by every page, with the helpers the layout needs.

Every template extends `base.html` and gets `user`, `org` (None before login), `csrf_token`,
the filters `duration` and `urgency_level`, and `shortcuts` (the desk's one list of keys).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from sopdesk.web import shortcuts
from sopdesk.web.security import csrf_token

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


def _context(request: Request) -> dict[str, Any]:
    now = request.app.state.clock()
    return {
        "user": getattr(request.state, "user", None),
        "org": getattr(request.state, "org", None),
        "csrf_token": csrf_token(request),
        "server_now": now.isoformat(),
    }


templates = Jinja2Templates(directory=TEMPLATES, context_processors=[_context])
templates.env.filters["duration"] = duration
templates.env.globals["urgency_level"] = urgency_level
templates.env.globals["since"] = since
templates.env.globals["shortcuts"] = shortcuts  # the one list of keys (shortcuts.py)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page or fragment with the shared layout context."""
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)
