"""Serving the app with uvicorn: one process, the settings' database, bus and ports."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from fastapi import FastAPI

from sopdesk.settings import Settings
from sopdesk.web.app import create_app

# SSE streams never end by themselves: give them this long, then stop anyway.
GRACEFUL_SHUTDOWN_SECONDS = 3


class DeskServer(uvicorn.Server):
    """Ends the live streams first on shutdown, so open browsers do not hold the server up."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.desk_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.desk_app.state.bus.end_all()
        await super().shutdown(sockets)


def serve(settings: Settings, *, demo: Any = None) -> None:
    """Run the web desk until interrupted (raises RuntimeError when it cannot start)."""
    app = create_app(settings, demo=demo)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    DeskServer(config, app).run()
