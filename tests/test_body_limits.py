"""Request bodies are limited per route before they are read: a declared length over the
limit is refused (413) without the server taking the body off the socket, a chunked body is
refused as soon as it passes the limit, and what fits goes through as before."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.web.limits import DEFAULT_LIMIT, BadLength, BodyLimit, limit_for
from web_helpers import live_server, make_app, token_for


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def base(db_url: str, world: World, clock: object) -> Iterator[str]:
    with live_server(make_app(db_url, clock)) as url:  # type: ignore[arg-type]
        yield url


def _raw_request(base: str, head: str, body: bytes) -> tuple[int, dict[str, object], float]:
    """Send `head` and only `body` (whatever the head declares), read the reply: its status,
    JSON body and how long it took. A server that waited for the declared body would hang."""
    address = urlsplit(base)
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < _length(reply):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    document = json.loads(reply.split(b"\r\n\r\n", 1)[1] or b"{}")
    return status, document, time.monotonic() - started


def _length(reply: bytes) -> int:
    for line in reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_a_webhook_declaring_300_mb_is_refused_before_the_body_is_read(base: str) -> None:
    head = (
        "POST /api/v1/telephony/ringcentral HTTP/1.1\r\nHost: desk\r\n"
        "Content-Type: application/json\r\nContent-Length: 300000000\r\n"
    )
    status, document, took = _raw_request(base, head, b'{"uuid": "')
    assert status == 413
    error = document["error"]
    assert isinstance(error, dict) and error["code"] == "too_large"
    assert "a webhook delivery may be at most 1000000 bytes; 300000000 bytes were sent" in str(
        error["message"]
    )
    assert error["fields"][0]["field"] == "body"
    assert took < 5  # answered at once, not after waiting for 300 MB


def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    base: str, session_factory: sessionmaker[Session], world: World
) -> None:
    token = token_for(session_factory, world.agent_ana)
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"label": "Rondesse PSOS", "caller_name": "'
        for _ in range(4 * DEFAULT_LIMIT // 65536):
            sent += 65536
            yield b"x" * 65536
        yield b'"}'

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        response = httpx.post(f"{base}/api/v1/calls", content=chunks(), headers=headers, timeout=10)
    except httpx.HTTPError:  # the server may close the socket on the rest of the body
        response = None
    if response is not None:
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "too_large"
    listed = httpx.get(f"{base}/api/v1/interactions", headers=headers, timeout=10).json()
    assert listed == []  # nothing half-read was acted on


def test_a_scenario_of_11_mb_is_refused_and_a_normal_one_is_not(
    base: str, session_factory: sessionmaker[Session], world: World
) -> None:
    headers = {"Authorization": f"Bearer {token_for(session_factory, world.agent_ana)}"}
    call = httpx.post(
        f"{base}/api/v1/calls", json={"label": "Rondesse PSOS"}, headers=headers, timeout=10
    ).json()
    httpx.post(f"{base}/api/v1/interactions/{call['id']}/accept", headers=headers, timeout=10)
    url = f"{base}/api/v1/interactions/{call['id']}/scenarios/crypto"
    huge = {"values": {f"k{n}": "v" * 100 for n in range(100_000)}}
    refused = httpx.put(url, json=huge, headers=headers, timeout=30)
    assert refused.status_code == 413
    assert "a scenario's intake may be at most 65536 bytes" in refused.json()["error"]["message"]
    fine = httpx.put(url, json={"values": {"concern": "a wallet"}}, headers=headers, timeout=10)
    assert fine.status_code == 200, fine.text


def test_limits_by_route() -> None:
    assert limit_for("/api/v1/interactions/7/scenarios/crypto")[0] == 64 * 1024
    assert limit_for("/calls/7/summary")[0] == 64 * 1024
    assert limit_for("/kb/articles/how-to/edit")[0] == 2 * 1024 * 1024
    assert limit_for("/api/v1/tickets")[0] == DEFAULT_LIMIT


def test_a_length_that_is_not_a_number_is_refused_naming_the_header() -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        await receive()  # type: ignore[operator]

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "path": "/api/v1/calls", "headers": [(b"content-length", b"1e9")]}
    with pytest.raises(BadLength) as refused:
        asyncio.run(BodyLimit(app)(scope, receive, None))  # type: ignore[arg-type]
    assert refused.value.status == 400 and refused.value.fields[0].field == "Content-Length"
