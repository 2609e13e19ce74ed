"""Benchmark the desk over HTTP against a real server process (loopback only).

- screen-pop latency: RingCentral webhook POST -> the event arriving on an agent's SSE stream,
  p50/p99, at 50 and 200 calls/s for 30 s, on SQLite and (when it answers) PostgreSQL;
- wrap-ups per second through the HTTP API;
- 500 agents connected by SSE at once: every one receives every event; delivery p99;
- server memory (RSS) at rest and under load.

Run: `make bench` or `.venv/bin/python bench/bench_desk.py [--quick]`. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.demo import load_demo
from sopdesk.orgs.models import Org
from sopdesk.orgs.service import create_token
from sopdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sopdesk_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """The server process's own CPU time (user + system, every thread) from /proc: other load
    on the machine does not change it, unlike a latency percentile."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fresh_postgres() -> str | None:
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS sopdesk_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE sopdesk_bench"))
    except Exception as exc:
        print(f"(PostgreSQL not available: {exc.__class__.__name__}; its rows are skipped)")
        return None
    finally:
        admin.dispose()
    return PG_URL


@contextmanager
def server(database_url: str) -> Iterator[tuple[str, str, int]]:
    """A `sopdesk serve` process on demo data; yields (base URL, agent token, pid)."""
    settings = Settings(database_url=database_url, playbooks=ROOT / "playbooks")
    load_demo(settings, datetime.now(UTC), calls=False, articles=False)
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        # The wrap-up phase has one agent hold hundreds of calls at once: lift the org's limit
        # of open calls per agent (one by default) for the benchmark.
        org = s.get(Org, "rondesse")
        if org is not None and hasattr(org, "max_active_calls"):
            org.max_active_calls = 100_000
        token = create_token(
            s, org_id="rondesse", email="ana@rondesse.example", now=datetime.now(UTC)
        )
    engine.dispose()
    port = free_port()
    env = {**os.environ, "SOPDESK_DATABASE_URL": database_url, "SOPDESK_PORT": str(port)}
    env["SOPDESK_SMTP_PORT"] = str(free_port())
    log = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "sopdesk", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        yield base, token, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def rc_event(session_id: str, label: str, status: str = "Setup") -> bytes:
    """A RingCentral telephony-session notification (the shape of the shared real payloads)."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body = {
        "uuid": uuid.uuid4().hex,
        "event": "/restapi/v1.0/account/~/telephony/sessions",
        "timestamp": now,
        "subscriptionId": "bench",
        "body": {
            "sequence": 1,
            "sessionId": session_id,
            "telephonySessionId": session_id,
            "eventTime": now,
            "parties": [
                {
                    "id": f"p-{session_id}",
                    "direction": "Inbound",
                    "to": {"phoneNumber": "+18885333002", "name": label},
                    "from": {"phoneNumber": "+14155552671", "name": "Bench Caller"},
                    "status": {"code": status},
                }
            ],
        },
    }
    return json.dumps(body).encode()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]
        if ordered
        else float("nan")
    )


async def sse_listener(
    client: httpx.AsyncClient,
    base: str,
    token: str,
    arrivals: dict[str, float],
    ready: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream("GET", f"{base}/events", headers=headers, timeout=None) as response:
        ready.set()
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "interaction.ringing":
                external = json.loads(line[6:]).get("external_id", "")
                arrivals.setdefault(external, time.time())
            if stop.is_set():
                return


async def screen_pop(base: str, token: str, rate: int, seconds: float, pid: int) -> str:
    arrivals: dict[str, float] = {}
    sent: dict[str, float] = {}
    ready, stop = asyncio.Event(), asyncio.Event()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        listener = asyncio.create_task(sse_listener(client, base, token, arrivals, ready, stop))
        await ready.wait()
        url = f"{base}/api/v1/telephony/ringcentral?org=rondesse"
        errors = 0
        peak_rss = 0.0

        async def post(session_id: str) -> None:
            nonlocal errors
            sent[f"rc:{session_id}"] = time.time()
            response = await client.post(
                url,
                content=rc_event(session_id, "Rondesse PSOS"),
                headers={"Content-Type": "application/json"},
            )
            errors += response.status_code != 200

        tasks = []
        cpu_before = cpu_seconds(pid)
        start = time.monotonic()
        total = int(rate * seconds)
        for n in range(total):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(f"bench-{rate}-{n}-{uuid.uuid4().hex[:6]}")))
            if n % rate == 0:
                peak_rss = max(peak_rss, rss_mb(pid))
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 10
        while len(arrivals) < len(sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        listener.cancel()
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, total)
    latencies = [(arrivals[k] - t) * 1000 for k, t in sent.items() if k in arrivals]
    achieved = total / (time.monotonic() - start)
    short = "" if achieved >= 0.9 * rate else f"  NOT A RESULT: offered {achieved:.0f}/s of {rate}"
    return (
        f"{rate:>4} calls/s x {seconds:.0f} s: delivered {len(latencies)}/{total} "
        f"(errors {errors}, sent at {achieved:.0f}/s)  p50 {pct(latencies, 0.5):6.1f} ms  "
        f"p99 {pct(latencies, 0.99):6.1f} ms  server CPU {cpu_ms:.2f} ms/call  "
        f"server RSS peak {peak_rss:.0f} MB{short}"
    )


async def wrap_ups(base: str, token: str, count: int, pid: int) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:
        sem = asyncio.Semaphore(16)

        async def prepare() -> int:
            async with sem:
                iid = (
                    await c.post("/api/v1/calls", json={"label": "Rondesse Main Number"})
                ).json()["id"]
                await c.post(f"/api/v1/interactions/{iid}/accept")
                for step in ("greet", "probe"):
                    await c.put(f"/api/v1/interactions/{iid}/steps/{step}", json={"done": True})
                await c.put(f"/api/v1/interactions/{iid}/outcome", json={"converted": False})
                return int(iid)

        ids = await asyncio.gather(*(prepare() for _ in range(count)))
        sem = asyncio.Semaphore(32)

        async def wrap(iid: int) -> int:
            async with sem:
                return (await c.post(f"/api/v1/interactions/{iid}/wrap-up")).status_code

        cpu_before = cpu_seconds(pid)
        start = time.perf_counter()
        codes = await asyncio.gather(*(wrap(i) for i in ids))
        elapsed = time.perf_counter() - start
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / count
    ok = sum(1 for code in codes if code == 200)
    return (
        f"wrap-ups through the API: {ok}/{count} ok in {elapsed:.2f} s = {count / elapsed:.0f}/s"
        f"  server CPU {cpu_ms:.2f} ms/wrap-up"
    )


async def many_agents(base: str, token: str, agents: int, events: int, pid: int) -> str:
    received: list[dict[str, float]] = [{} for _ in range(agents)]
    readies = [asyncio.Event() for _ in range(agents)]
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=agents + 16)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        tasks = [
            asyncio.create_task(sse_listener(client, base, token, received[i], readies[i], stop))
            for i in range(agents)
        ]
        await asyncio.gather(*(r.wait() for r in readies))
        rest = rss_mb(pid)
        sent: dict[str, float] = {}
        url = f"{base}/api/v1/telephony/ringcentral?org=rondesse"
        for n in range(events):
            sid = f"fan-{n}-{uuid.uuid4().hex[:6]}"
            sent[f"rc:{sid}"] = time.time()
            await client.post(
                url,
                content=rc_event(sid, "Rondesse USOS"),
                headers={"Content-Type": "application/json"},
            )
            await asyncio.sleep(0.2)
        loaded = rss_mb(pid)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(len(r) < events for r in received):
            await asyncio.sleep(0.1)
        stop.set()
        for task in tasks:
            task.cancel()
    complete = sum(1 for r in received if all(k in r for k in sent))
    lat = [(r[k] - t) * 1000 for r in received for k, t in sent.items() if k in r]
    return (
        f"{agents} agents on SSE, {events} events: {complete}/{agents} got every event; "
        f"delivery p50 {pct(lat, 0.5):.1f} ms p99 {pct(lat, 0.99):.1f} ms; "
        f"server RSS with {agents} streams {rest:.0f} MB, while sending {loaded:.0f} MB"
    )


def run_backend(name: str, url: str, quick: bool) -> None:
    seconds = 5.0 if quick else 30.0
    with server(url) as (base, token, pid):
        print(f"## {name}: server RSS at rest {rss_mb(pid):.0f} MB")
        for rate in (50, 200):
            print("screen-pop " + asyncio.run(screen_pop(base, token, rate, seconds, pid)))
        print(asyncio.run(wrap_ups(base, token, 300 if quick else 1000, pid)))
        if name == "SQLite":
            print(asyncio.run(many_agents(base, token, 100 if quick else 500, 10, pid)))
        print(f"server RSS after the load {rss_mb(pid):.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s runs and fewer agents")
    args = parser.parse_args()
    print(f"# desk benchmark ({os.cpu_count()} cores, python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("SQLite", f"sqlite:///{tmp}/bench.db", args.quick)
    pg = fresh_postgres()
    if pg:
        run_backend("PostgreSQL", pg, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
