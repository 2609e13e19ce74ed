"""Serving the app with uvicorn: one process, the settings' database, bus and ports."""

from __future__ import annotations

import gc
import socket
from typing import Any

import uvicorn
from fastapi import FastAPI

from sopdesk.channels.email.imap import start_imap_poller
from sopdesk.channels.email.listener import start_smtp
from sopdesk.channels.email.runtime import start_sweeper
from sopdesk.db import migrate
from sopdesk.settings import Settings
from sopdesk.web.app import create_app
from sopdesk.web.preflight import DeskClaim

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


def serve(settings: Settings, *, demo: Any = None, claim: DeskClaim | None = None) -> None:
    """Run the desk until interrupted: web and API, SMTP intake, SLA sweeper, IMAP polling.

    The mail edges start here, not in the app's lifespan: test apps must not fight over the
    SMTP port, nor fire real-time clocks. Raises RuntimeError when something cannot start.
    `claim` (from `preflight.claim_desk`): the HTTP socket to serve on and the database's lock,
    both released when the desk stops; without one, uvicorn binds the port itself.
    """
    try:
        _serve(settings, demo, claim.http if claim is not None else None)
    finally:
        if claim is not None:
            claim.release()


def _serve(settings: Settings, demo: Any, http: socket.socket | None) -> None:
    app = create_app(settings, demo=demo)
    migrate(settings.database_url)  # the tables exist before the first email arrives
    factory = app.state.sessionmaker
    smtp = start_smtp(settings, factory)
    sweeper = start_sweeper(settings, factory)  # safe in every worker: conditional updates
    imap = start_imap_poller(settings, factory)  # None unless mailboxes are configured
    print(f"SMTP intake on {settings.smtp_host}:{settings.smtp_port}; SLA sweeper running")
    if http is not None:
        # uvicorn announces the address only when it binds the port itself.
        print(f"Serving http://{settings.host}:{settings.port}/ (Ctrl+C to stop)", flush=True)
    # What startup made (modules, the app, its templates and playbooks) lives as long as the
    # process: out of the collector's generations, each collection has less to walk.
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    try:
        DeskServer(config, app).run(sockets=[http] if http is not None else None)
    finally:
        sweeper.stop()
        smtp.stop()
        if imap is not None:
            imap.stop()
