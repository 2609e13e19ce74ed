"""Serving the app with uvicorn: one process, the settings' database, bus and ports."""

from __future__ import annotations

from typing import Any

import uvicorn

from sopdesk.settings import Settings
from sopdesk.web.app import create_app

# SSE streams never end by themselves: give them this long, then stop anyway.
GRACEFUL_SHUTDOWN_SECONDS = 3


def serve(settings: Settings, *, demo: Any = None) -> None:
    """Run the web desk until interrupted (raises RuntimeError when it cannot start)."""
    app = create_app(settings, demo=demo)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
