"""Benchmark the desk over HTTP against a real server process (loopback only).

- screen-pop latency: RingCentral webhook POST -> the event arriving on an agent's SSE stream,
  p50/p99, at 50 and 200 calls/s offered by wrk (bench/wrk/ring.lua), on SQLite and (when it
  answers) PostgreSQL, with the rate wrk achieved and the server's CPU per ringing call;
- the same for a baseline app in the same run (bench/baseline_app.py), and the ratio of CPU
  per call, desk over baseline;
- wrap-ups per second through the HTTP API (wrk, bench/wrk/wrap.lua), with CPU per wrap-up;
- 500 agents connected by SSE at once: every one receives every event; delivery p99;
- server memory (RSS) at rest and under load.

Run: `make bench` or `.venv/bin/python bench/bench_desk.py [--quick]`. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.demo import load_demo
from sopdesk.orgs.models import Org, Role
from sopdesk.orgs.service import create_token, create_user
from sopdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sopdesk_bench"
WEBHOOK = "/api/v1/telephony/ringcentral?org=rondesse"


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


# The wrap-up phase's agents: a floor of people each holding a few calls, as on a real shift
# (one agent holding a thousand made every wrap-up read all thousand for its presence).
WRAP_AGENTS = 100


def bench_agents(s: Session, now: datetime) -> list[str]:
    """WRAP_AGENTS agents of Rondesse made for the benchmark, and a token for each."""
    tokens = []
    for n in range(WRAP_AGENTS):
        email = f"bench-agent-{n}@rondesse.example"
        create_user(
            s, org_id="rondesse", email=email, name=f"Bench Agent {n}", role=Role.AGENT,
            password="bench-password", now=now,
        )  # fmt: skip
        tokens.append(create_token(s, org_id="rondesse", email=email, now=now))
    return tokens


AGENT_TOKENS: list[str] = []


@contextmanager
def server(database_url: str) -> Iterator[tuple[str, str, int]]:
    """A `sopdesk serve` process on demo data; yields (base URL, agent token, pid). The
    wrap-up phase's agents' tokens are in AGENT_TOKENS."""
    settings = Settings(database_url=database_url, playbooks=ROOT / "playbooks")
    load_demo(settings, datetime.now(UTC), calls=False, articles=False)
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        # The wrap-up phase has each agent hold several calls at once: lift the org's limit
        # of open calls per agent (one by default) for the benchmark.
        org = s.get(Org, "rondesse")
        if org is not None and hasattr(org, "max_active_calls"):
            org.max_active_calls = 100_000
        token = create_token(
            s, org_id="rondesse", email="ana@rondesse.example", now=datetime.now(UTC)
        )
        AGENT_TOKENS[:] = bench_agents(s, datetime.now(UTC))
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
    wait_up(f"{base}/login")
    try:
        yield base, token, proc.pid
    finally:
        stop(proc)
        log.close()


WRK_DIR = Path(__file__).resolve().parent / "wrk"


def need_wrk() -> str:
    """wrk, the compiled load generator (Debian's package): an httpx loop in Python would
    compete for the very cores it measures."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench_desk needs wrk: apt-get install -y wrk (make bench installs it)")
    return found


def run_wrk(script: str, url: str, seconds: float, connections: int, env: dict[str, str]) -> Any:
    """Run wrk with one of bench/wrk's scripts; the script's done() prints `BENCH {json}`."""
    env = {**env, "BENCH_CONNECTIONS": str(connections)}
    command = [need_wrk(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "30s", "-s", str(WRK_DIR / script), url]  # fmt: skip
    out = subprocess.run(
        command,
        env={**os.environ, "BENCH_DIR": str(WRK_DIR), **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    return json.loads(line[6:])


class Arrivals:
    """An SSE stream read in a thread of its own: the arrival time of each ringing event."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.times: dict[str, float] = {}
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)

    def __enter__(self) -> Arrivals:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the SSE stream did not open")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()

    def _run(self, url: str, headers: dict[str, str]) -> None:
        kind = ""
        try:
            with httpx.stream("GET", url, headers=headers, timeout=None) as response:
                self._ready.set()
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "interaction.ringing":
                        external = json.loads(line[6:]).get("external_id", "")
                        self.times.setdefault(external, time.time())
        except httpx.HTTPError:
            if not self._stop.is_set():
                raise
            # The server was stopped under the stream once the run was over: expected.


@dataclass
class RingRun:
    rate: int
    offered: float  # what the generator achieved, calls/s
    sent: int
    ok: int
    delivered: int
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU per ringing call
    rss_mb: float

    @property
    def short(self) -> bool:
        return self.offered < 0.9 * self.rate

    def line(self, name: str) -> str:
        warn = (
            f"  ** NOT A RESULT: the generator offered only {self.offered:.0f}/s "
            f"of {self.rate}/s **"
            if self.short
            else ""
        )
        return (
            f"{name:<9} {self.rate:>4}/s offered {self.offered:6.1f}/s  ok {self.ok}/{self.sent}  "
            f"popped {self.delivered}  p50 {self.p50_ms:7.1f} ms  p99 {self.p99_ms:7.1f} ms  "
            f"server CPU {self.cpu_ms:5.2f} ms/call  RSS {self.rss_mb:.0f} MB{warn}"
        )


def ring_run(
    base: str, webhook: str, events_headers: dict[str, str], rate: int, seconds: float, pid: int
) -> RingRun:
    """Ring `rate` calls/s for `seconds` through wrk; the latency of each is its send time
    (carried in its session id) to its arrival on an agent's SSE stream."""
    tag = f"b{uuid.uuid4().hex[:8]}"
    connections = max(8, rate // 4)  # enough that a slow answer does not hold the schedule
    with Arrivals(f"{base}/events", events_headers) as arrivals:
        cpu_before = cpu_seconds(pid)
        summary = run_wrk(
            "ring.lua",
            f"{base}{webhook}",
            seconds,
            connections,
            {"BENCH_RATE": str(rate), "BENCH_LABEL": "Rondesse PSOS", "BENCH_TAG": tag},
        )
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, summary["requests"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(_ours(arrivals.times, tag)) < summary["ok"]:
            time.sleep(0.05)
        ours = _ours(arrivals.times, tag)
    # Every connection's first request goes at once; the schedule holds from the next ones, so
    # the latency counts only those (the session id is tag-counter-sent_us).
    latencies = [
        (at - int(sent_us) / 1e6) * 1000
        for external, at in ours
        for _, counter, sent_us in [external.rsplit("-", 2)]
        if int(counter) > connections
    ]
    return RingRun(
        rate=rate,
        offered=summary["requests"] / summary["seconds"],
        sent=summary["requests"],
        ok=summary["ok"],
        delivered=len(latencies),
        p50_ms=pct(latencies, 0.5),
        p99_ms=pct(latencies, 0.99),
        cpu_ms=cpu_ms,
        rss_mb=rss_mb(pid),
    )


def _ours(times: dict[str, float], tag: str) -> list[tuple[str, float]]:
    return [(k, v) for k, v in list(times.items()) if k.startswith(f"rc:{tag}-")]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]
        if ordered
        else float("nan")
    )


@contextmanager
def baseline_server(database_url: str) -> Iterator[tuple[str, int]]:
    """bench/baseline_app.py on its own database of the same kind; yields (base URL, pid)."""
    port = free_port()
    log = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("baseline_app.py")), database_url, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/ready")
    try:
        yield base, proc.pid
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server as Ctrl+C would; kill it if it has not stopped within 15 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 60 s")


async def prepare_calls(base: str, tokens: list[str], count: int) -> list[tuple[int, str]]:
    """Calls ready to wrap up (rung, accepted, steps done, outcome set), each held by one of
    the agents of `tokens` in turn, made before the measured run and not counted in it; each
    with the token of the agent who holds it."""
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as c:
        sem = asyncio.Semaphore(8)

        async def prepare(n: int) -> tuple[int, str]:
            token = tokens[n % len(tokens)]
            auth = {"Authorization": f"Bearer {token}"}
            async with sem:
                made = await c.post(
                    "/api/v1/calls", json={"label": "Rondesse Main Number"}, headers=auth
                )
                iid = int(made.json()["id"])
                await c.post(f"/api/v1/interactions/{iid}/accept", headers=auth)
                for step in ("greet", "probe"):
                    await c.put(
                        f"/api/v1/interactions/{iid}/steps/{step}",
                        json={"done": True},
                        headers=auth,
                    )
                await c.put(
                    f"/api/v1/interactions/{iid}/outcome", json={"converted": False}, headers=auth
                )
                return iid, token

        return list(await asyncio.gather(*(prepare(n) for n in range(count))))


def wrap_ups(base: str, tokens: list[str], count: int, pid: int) -> str:
    """`count` wrap-ups through the HTTP API, sent by wrk over 32 connections, each by the
    agent who holds the call (`count / len(tokens)` calls each)."""
    calls = asyncio.run(prepare_calls(base, tokens, count))
    with tempfile.NamedTemporaryFile("w", suffix=".ids") as listing:
        listing.write("".join(f"{iid} {token}\n" for iid, token in calls))
        listing.flush()
        cpu_before = cpu_seconds(pid)
        # Long enough for the slowest desk measured so far (~50/s); wrk stops when done.
        seconds = count / 40 + 5
        summary = run_wrk("wrap.lua", base, seconds, 32, {"BENCH_IDS": listing.name})
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / count
    answered = summary["ok"] + summary["failed"]
    elapsed = max(1e-6, (summary["last_us"] - summary["first_us"]) / 1e6)
    short = (
        ""
        if answered == count
        else f"  ** NOT A RESULT: {answered}/{count} answered, {summary['sent']} sent, "
        f"{summary['errors']} socket errors **"
    )
    return (
        f"wrap-ups   {summary['ok']}/{count} ok at {answered / elapsed:6.1f}/s (wrk, 32 "
        f"connections, {len(tokens)} agents)  p50 {summary['p50_ms']:.1f} ms  "
        f"p99 {summary['p99_ms']:.1f} ms  server CPU {cpu_ms:5.2f} ms/wrap-up{short}"
    )


def rc_event(session_id: str, label: str, status: str = "Setup") -> bytes:
    """A RingCentral telephony-session notification (as bench/wrk/payload.lua makes them)."""
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


RATES = (50, 200)


def run_backend(name: str, url: str, baseline_url: str, quick: bool) -> None:
    seconds = 5.0 if quick else 20.0
    desk: list[RingRun] = []
    base_runs: list[RingRun] = []
    with server(url) as (base, token, pid):
        print(f"## {name}: desk server RSS at rest {rss_mb(pid):.0f} MB")
        auth = {"Authorization": f"Bearer {token}"}
        for rate in RATES:
            desk.append(ring_run(base, WEBHOOK, auth, rate, seconds, pid))
            print("screen pop " + desk[-1].line("desk"))
        with baseline_server(baseline_url) as (bbase, bpid):
            for rate in RATES:
                base_runs.append(ring_run(bbase, "/webhook", {}, rate, seconds, bpid))
                print("screen pop " + base_runs[-1].line("baseline"))
        for ours, theirs in zip(desk, base_runs, strict=True):
            print(
                f"ring CPU ratio at {ours.rate}/s: desk {ours.cpu_ms:.2f} / baseline "
                f"{theirs.cpu_ms:.2f} ms per call = {ours.cpu_ms / theirs.cpu_ms:.1f}x "
                f"(target <= 2x)"
            )
        print(wrap_ups(base, AGENT_TOKENS, 300 if quick else 1000, pid))
        if name == "SQLite":
            print(asyncio.run(many_agents(base, token, 100 if quick else 500, 10, pid)))
        print(f"desk server RSS after the load {rss_mb(pid):.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s runs and fewer agents")
    args = parser.parse_args()
    print(f"# desk benchmark ({os.cpu_count()} cores, python {sys.version.split()[0]})")
    print(
        "# load from wrk (one thread, compiled); server CPU from the server process's own "
        "/proc/PID/stat (user + system), which other load on the machine does not change"
    )
    need_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("SQLite", f"sqlite:///{tmp}/bench.db", f"sqlite:///{tmp}/base.db", args.quick)
    pg = fresh_postgres()
    if pg:
        run_backend("PostgreSQL", pg, pg, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
