"""Load and demo sender: RingCentral-format calls posted to a sopdesk server on this machine.

Each call is a new telephony session: Setup, a detailed-presence Ringing notification carrying
the queue call's `callInfo` label, Answered, Disconnected, posted one after another to
`POST {url}/api/v1/telephony/ringcentral?org={org_hint}`. Calls start at `rate` per second for
`duration` seconds; at most `concurrency` calls are in flight, so a slow server lowers the
achieved rate instead of piling up requests (the report shows both).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from sopdesk.channels.ringcentral.payloads import (
    CALL_STEPS,
    JsonObject,
    SimulatedCall,
    call_notification,
    new_call,
)

WEBHOOK_PATH = "/api/v1/telephony/ringcentral"
_KEPT_ERRORS = 5
_LANES_PER_CLIENT = 8
_BODY_SHOWN = 300  # characters of a non-JSON error body


@dataclass(frozen=True)
class SimulationReport:
    """Counts by response class, latency percentiles over every request, and wall time."""

    calls: int
    requests: int
    status_2xx: int
    status_4xx: int
    status_5xx: int
    status_other: int  # 1xx/3xx: redirects are not followed
    transport_errors: int  # refused, reset, timed out
    latency_p50_ms: float | None
    latency_p90_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    elapsed_s: float
    errors: tuple[str, ...] = ()  # the first few distinct failures

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.status_2xx == self.requests

    @property
    def achieved_rate(self) -> float:
        """Calls started per second of wall time."""
        return self.calls / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f} ms"

        lines = [
            f"{self.calls} calls, {self.requests} requests in {self.elapsed_s:.2f} s "
            f"({self.achieved_rate:.1f} calls/s)",
            f"2xx {self.status_2xx}  4xx {self.status_4xx}  5xx {self.status_5xx}  "
            f"other {self.status_other}  transport errors {self.transport_errors}",
            f"latency p50 {ms(self.latency_p50_ms)}  p90 {ms(self.latency_p90_ms)}  "
            f"p99 {ms(self.latency_p99_ms)}  max {ms(self.latency_max_ms)}",
        ]
        return "\n".join(lines + [f"error: {error}" for error in self.errors])


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def check_loopback(url: str) -> httpx.URL:
    """The parsed URL, or ValueError: the simulator only ever talks to this machine."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"url must start with http:// or https://, got {url!r}")
    host = parsed.host
    if host == "localhost":
        return parsed
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"url must point at this machine (127.0.0.1, ::1, localhost); got {host!r}"
        )
    return parsed


def describe_response(status: int, body: bytes) -> str:
    """A failed response as a person reads it: `HTTP 422 invalid: message (field: why)`.

    The server's reason is in its body, in sopdesk's one error shape
    (`{"error": {"code", "message", "fields": [{"field", "message"}]}}`); any other body is
    shown as text, cut short; an empty one leaves the status alone.
    """
    try:
        error = json.loads(body)["error"]
        code, message = str(error["code"]), str(error["message"])
        fields = [f"{f['field']}: {f['message']}" for f in error.get("fields") or []]
    except (ValueError, KeyError, TypeError):
        text = body.decode("utf-8", "replace").strip()
        return f"HTTP {status}: {text[:_BODY_SHOWN]}" if text else f"HTTP {status}"
    shown = f"HTTP {status} {code}: {message}"
    return f"{shown} ({'; '.join(fields)})" if fields else shown


class _Tally:
    """Mutable counters shared by the call tasks of one run (one event loop, no locks)."""

    def __init__(self) -> None:
        self.by_class = {2: 0, 4: 0, 5: 0}
        self.other = 0
        self.transport_errors = 0
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        if message not in self.errors and len(self.errors) < _KEPT_ERRORS:
            self.errors.append(message)

    def record(self, status: int, latency_ms: float, body: bytes = b"") -> None:
        self.latencies_ms.append(latency_ms)
        klass = status // 100
        if klass in self.by_class:
            self.by_class[klass] += 1
        else:
            self.other += 1
        if klass != 2:
            self.error(describe_response(status, body))


async def _post(
    client: httpx.AsyncClient, target: str, notification: JsonObject, tally: _Tally
) -> None:
    started = time.perf_counter()
    try:
        response = await client.post(target, content=json.dumps(notification).encode())
    except httpx.HTTPError as exc:
        tally.transport_errors += 1
        tally.error(f"{type(exc).__name__}: {exc}")
        return
    latency_ms = (time.perf_counter() - started) * 1000
    failed = not response.is_success
    tally.record(response.status_code, latency_ms, response.content if failed else b"")


async def _place_call(
    client: httpx.AsyncClient, target: str, call: SimulatedCall, tally: _Tally
) -> None:
    for step in range(len(CALL_STEPS)):
        await _post(client, target, call_notification(call, step, datetime.now(UTC)), tally)


async def _lanes(
    stack: contextlib.AsyncExitStack, concurrency: int, headers: dict[str, str], timeout: float
) -> asyncio.Queue[httpx.AsyncClient]:
    """`concurrency` free lanes, each a client with a connection kept for it.

    Clients of at most _LANES_PER_CLIENT connections: httpcore's pool rescans every connection
    for every queued request, so one big pool costs more CPU than the server it is loading.
    """
    lanes: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    clients = [
        await stack.enter_async_context(
            httpx.AsyncClient(
                headers=headers,
                timeout=timeout,
                # No proxy from the environment may carry loopback traffic elsewhere.
                trust_env=False,
                limits=httpx.Limits(
                    max_connections=_LANES_PER_CLIENT, max_keepalive_connections=_LANES_PER_CLIENT
                ),
            )
        )
        for _ in range(math.ceil(concurrency / _LANES_PER_CLIENT))
    ]
    for lane in range(concurrency):
        lanes.put_nowait(clients[lane % len(clients)])
    return lanes


async def simulate_async(
    url: str,
    org_hint: str,
    line_label: str,
    rate: float = 1.0,
    duration: float = 10.0,
    to_number: str | None = None,
    *,
    concurrency: int = 32,
    timeout: float = 10.0,
    verification_token: str | None = None,
) -> SimulationReport:
    """Place `rate * duration` calls (at least one) and report how the server answered."""
    base = check_loopback(url)
    if not rate > 0 or not math.isfinite(rate):
        raise ValueError(f"rate must be a positive number of calls per second, got {rate}")
    if not duration > 0 or not math.isfinite(duration):
        raise ValueError(f"duration must be a positive number of seconds, got {duration}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    target = str(
        base.copy_with(path=base.path.rstrip("/") + WEBHOOK_PATH, params={"org": org_hint})
    )
    headers = {"Content-Type": "application/json", "User-Agent": "sopdesk-simulator"}
    if verification_token:
        headers["Verification-Token"] = verification_token
    total = max(1, round(rate * duration))
    tally = _Tally()
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        lanes = await _lanes(stack, concurrency, headers, timeout)

        async def run(client: httpx.AsyncClient, call: SimulatedCall) -> None:
            try:
                await _place_call(client, target, call, tally)
            finally:
                lanes.put_nowait(client)

        started = loop.time()
        tasks: list[asyncio.Task[None]] = []
        for index in range(total):
            delay = started + index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            client = await lanes.get()  # waits while `concurrency` calls are in flight
            tasks.append(asyncio.create_task(run(client, new_call(index, line_label, to_number))))
        await asyncio.gather(*tasks)
        elapsed = loop.time() - started
    latencies = sorted(tally.latencies_ms)
    return SimulationReport(
        calls=total,
        requests=len(latencies) + tally.transport_errors,
        status_2xx=tally.by_class[2],
        status_4xx=tally.by_class[4],
        status_5xx=tally.by_class[5],
        status_other=tally.other,
        transport_errors=tally.transport_errors,
        latency_p50_ms=percentile(latencies, 0.50),
        latency_p90_ms=percentile(latencies, 0.90),
        latency_p99_ms=percentile(latencies, 0.99),
        latency_max_ms=latencies[-1] if latencies else None,
        elapsed_s=elapsed,
        errors=tuple(tally.errors),
    )


def simulate(
    url: str,
    org_hint: str,
    line_label: str,
    rate: float = 1.0,
    duration: float = 10.0,
    to_number: str | None = None,
    *,
    concurrency: int = 32,
    timeout: float = 10.0,
    verification_token: str | None = None,
) -> SimulationReport:
    """Blocking form of `simulate_async` for the CLI; call it outside any running event loop."""
    return asyncio.run(
        simulate_async(
            url,
            org_hint,
            line_label,
            rate,
            duration,
            to_number,
            concurrency=concurrency,
            timeout=timeout,
            verification_token=verification_token,
        )
    )
