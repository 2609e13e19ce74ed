"""The RingCentral simulator against a real HTTP server on 127.0.0.1 that records what it gets."""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sopdesk.channels.ringcentral import CallStatus, EventSource, ResultKind, parse_webhook
from sopdesk.channels.ringcentral.simulate import check_loopback, percentile, simulate

_STATUS_BY_MODE = {"ok": 200, "fail": 503, "reject": 403}


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    url: str
    received: list[Received] = field(default_factory=list)


def _app(recorder: Recorder) -> Starlette:
    async def webhook(request: Request) -> Response:
        recorder.received.append(
            Received(
                request.url.path,
                dict(request.query_params),
                dict(request.headers),
                await request.body(),
            )
        )
        return Response(status_code=_STATUS_BY_MODE[request.path_params.get("mode", "ok")])

    return Starlette(
        routes=[
            Route("/api/v1/telephony/ringcentral", webhook, methods=["POST"]),
            Route("/{mode}/api/v1/telephony/ringcentral", webhook, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Recorder]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    recorder = Recorder(url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    config = uvicorn.Config(_app(recorder), log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.01)
    yield recorder
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_simulated_calls_parse_back(server: Recorder) -> None:
    server.received.clear()
    report = simulate(
        server.url, "rondesse", "Rondesse PSOS", rate=4, duration=1, to_number="+18885550142"
    )
    assert report.ok, report.summary()
    assert (report.calls, report.requests, report.status_2xx) == (4, 16, 16)
    assert report.elapsed_s >= 0.7  # four calls, a quarter second apart
    assert report.latency_p50_ms is not None and report.latency_max_ms is not None
    assert report.latency_p50_ms <= report.latency_max_ms
    assert len(server.received) == 16

    calls: dict[str, list[tuple[int | None, CallStatus, EventSource]]] = defaultdict(list)
    for request in server.received:
        assert request.path == "/api/v1/telephony/ringcentral"
        assert request.query == {"org": "rondesse"}
        assert request.headers["content-type"] == "application/json"
        result = parse_webhook(request.headers, request.body)
        assert result.kind is ResultKind.EVENTS and result.notes == ()
        (event,) = result.events
        assert event.line_label == "Rondesse PSOS"
        assert event.label_type == ("to.name" if event.source is EventSource.TELEPHONY_SESSION
                                    else "PhoneNumberLabel")  # fmt: skip
        assert event.dialed_number == "+18885550142"
        assert event.caller_number is not None and event.caller_number.startswith("+1202555")
        assert event.event_time is not None and event.event_id is not None
        calls[event.session_id].append((event.sequence, event.status, event.source))

    assert len(calls) == 4  # every call is a new telephony session
    for steps in calls.values():
        assert sorted(steps, key=lambda step: step[0] or 0) == [
            (1, CallStatus.RINGING, EventSource.TELEPHONY_SESSION),
            (2, CallStatus.RINGING, EventSource.PRESENCE),
            (3, CallStatus.ANSWERED, EventSource.TELEPHONY_SESSION),
            (4, CallStatus.ENDED, EventSource.TELEPHONY_SESSION),
        ]


def test_verification_token_is_sent_and_checks_out(server: Recorder) -> None:
    server.received.clear()
    report = simulate(server.url, "rondesse", "Rondesse USOS", 1, 1, verification_token="t-42")
    assert report.ok and report.calls == 1
    for request in server.received:
        result = parse_webhook(request.headers, request.body, verification_token="t-42")
        assert result.kind is ResultKind.EVENTS
        assert result.events[0].dialed_number == "+12125550100"  # the default fictional line


@pytest.mark.parametrize(("mode", "counted"), [("fail", "status_5xx"), ("reject", "status_4xx")])
def test_error_responses_are_counted(server: Recorder, mode: str, counted: str) -> None:
    report = simulate(f"{server.url}/{mode}/", "rondesse", "Rondesse PSOS", rate=2, duration=1)
    assert not report.ok
    assert report.requests == 8 and getattr(report, counted) == 8 and report.status_2xx == 0
    assert report.errors == (f"HTTP {_STATUS_BY_MODE[mode]}",)


def test_unreachable_server_is_reported_not_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    report = simulate(f"http://127.0.0.1:{port}", "rondesse", "Rondesse PSOS", 1, 1, timeout=2)
    assert report.transport_errors == report.requests == 4
    assert report.latency_p50_ms is None and report.errors and "ConnectError" in report.errors[0]
    assert "transport errors 4" in report.summary()


@pytest.mark.parametrize(
    ("url", "rate", "duration", "words"),
    [
        ("http://10.1.2.3:8000", 1, 1, "this machine"),
        ("http://example.com", 1, 1, "this machine"),
        ("ftp://127.0.0.1", 1, 1, "http://"),
        ("http://127.0.0.1:1", 0, 1, "rate"),
        ("http://127.0.0.1:1", 1, -1, "duration"),
        ("http://127.0.0.1:1", float("inf"), 1, "rate"),
    ],
)
def test_bad_arguments_are_refused(url: str, rate: float, duration: float, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        simulate(url, "rondesse", "Rondesse PSOS", rate, duration)


def test_localhost_and_ipv6_loopback_are_allowed() -> None:
    assert check_loopback("http://localhost:8000").host == "localhost"
    assert check_loopback("http://[::1]:8000").host == "::1"


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([], 0.5)) == (
        50.0,
        99.0,
        None,
    )
    assert percentile([7.0], 0.9) == 7.0
