"""Helpers for web tests: an app on the test database, logins through the real form, a live
server in a thread, and calls rung through the desk service. People come from `personas`."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import PASSWORD, T0
from sopdesk.db import transaction
from sopdesk.desk.calls import CallIn, CallStatus, receive_call
from sopdesk.desk.models import Interaction
from sopdesk.orgs import service
from sopdesk.orgs.models import User
from sopdesk.settings import Settings
from sopdesk.web.app import create_app
from sopdesk.web.run import DeskServer

NOW = T0
SECRET = "test-secret-key-not-for-production"


class TestClock:
    """The one clock of a test and its app: starts at `start` (T0 by default, never the wall
    clock) and moves on with real elapsed time, so live pages still see seconds pass."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, start: datetime = T0) -> None:
        self._start = start
        self._since = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._since)

    def set(self, when: datetime) -> None:
        self._start, self._since = when, time.monotonic()

    def ago(self, seconds: float) -> datetime:
        return self() - timedelta(seconds=seconds)


def token_for(factory: sessionmaker[Session], user: User) -> str:
    with transaction(factory) as s:
        return service.create_token(s, org_id=user.org_id, email=user.email, now=NOW)


def ring(
    factory: sessionmaker[Session],
    org_id: str,
    session_id: str,
    *,
    at: datetime = NOW,
    label: str | None = None,
    number: str | None = None,
    caller: str | None = "+12125550100",
    caller_name: str | None = None,
    status: CallStatus = CallStatus.RINGING,
    agent_name: str | None = None,
) -> int:
    """A call event through the desk service (committed, so its live event goes out)."""
    call = CallIn(
        org_id=org_id,
        at=at,
        status=status,
        external_id=session_id,
        label=label,
        dialed_number=number,
        caller_number=caller,
        caller_name=caller_name,
        agent_name=agent_name,
    )
    with transaction(factory) as s:
        interaction: Interaction = receive_call(s, call, at)
        return interaction.id


def make_app(db_url: str, clock: Callable[[], datetime] | None = None, **settings: Any) -> FastAPI:
    """An app on the test database whose clock is `clock` (a TestClock from T0 by default)."""
    return create_app(
        Settings(database_url=db_url, secret_key=SECRET, **settings), clock=clock or TestClock()
    )


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient | httpx.Client, user: User, password: str = PASSWORD) -> Any:
    """Log in through the real form; returns the response to the POST."""
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a free loopback port; yields its base URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = DeskServer(config, app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class SseReader:
    """Reads a text/event-stream response line by line, keeping its place between calls."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.iter_lines()
        self.seen: list[str] = []

    def until(self, text: str, timeout: float = 10.0) -> list[str]:
        """Lines up to and including the first that contains `text`."""
        start = len(self.seen)
        deadline = time.monotonic() + timeout
        for line in self._lines:
            self.seen.append(line)
            if text in line:
                return self.seen[start:]
            if time.monotonic() > deadline:
                break
        raise AssertionError(f"{text!r} not received; got {self.seen[start:]}")

    def event(self, timeout: float = 10.0) -> dict[str, str]:
        """The next event's fields (event, data, id), skipping comments and retry lines."""
        fields: dict[str, str] = {}
        while True:
            line = self.until("", timeout)[-1]
            if not line:
                if "data" in fields:
                    return fields
                continue
            name, _, value = line.partition(": ")
            if name in ("event", "data", "id"):
                fields[name] = value


def later(seconds: int) -> datetime:
    return NOW + timedelta(seconds=seconds)
