"""Benchmark: load and lint 1,000 playbook files; resolve a call's screen; compute a wrap-up plan.

Run with `make bench` (or `.venv/bin/python bench/bench_playbooks.py`). Prints figures only.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sopdesk.playbooks import engine
from sopdesk.playbooks.engine.wrapup import CallRecord, ScenarioRecord
from sopdesk.playbooks.language.loader import load_file
from sopdesk.playbooks.lint import lint_paths

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "playbooks/rondesse/playbook.yaml"
FILES = 1000
CALLS = 20_000


def make_files(directory: Path, count: int) -> None:
    """`count` distinct orgs: the Rondesse playbook with its ids, labels and numbers changed."""
    text = SEED.read_text()
    for i in range(count):
        body = (
            text.replace("id: rondesse", f"id: org{i:04d}")
            .replace("name: Rondesse", f"name: Org {i:04d}")
            .replace("888 5333002", f"212 555 {i:04d}")
            .replace("888 862 1150", f"646 555 {i:04d}")
        )
        (directory / f"org{i:04d}.yaml").write_text(body)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"p50 {p50 * 1e6:8.1f} µs   p99 {p99 * 1e6:8.1f} µs"


def timed(fn: Callable[[int], object], count: int) -> list[float]:
    samples = []
    for i in range(count):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def bench_files() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        make_files(directory, FILES)
        start = time.perf_counter()
        for path in sorted(directory.glob("*.yaml")):
            load_file(path)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        findings, checked = lint_paths([directory])
        linted = time.perf_counter() - start
    print(
        f"load {FILES} playbook files:        {loaded:6.2f} s  ({loaded / FILES * 1e3:.2f} ms/file)"
    )
    print(
        f"lint {checked} playbook files:        {linted:6.2f} s  "
        f"({linted / checked * 1e3:.2f} ms/file, {len(findings)} findings)"
    )


def bench_calls() -> None:
    playbook = load_file(SEED).playbook
    calls = [
        {"label": "Rondesse PSOS"},
        {"label": "Rondesse Main Number"},
        {"number": "+1 888 862 1150"},
        {"label": "unknown", "number": "+1 212 555 0100"},
    ]

    def resolve(i: int) -> object:
        return engine.resolve_call(playbook, "Ana Reyes", **calls[i % len(calls)])

    print(f"resolve a call's screen ({CALLS} calls): {percentiles(timed(resolve, CALLS))}")
    now = datetime(2026, 11, 25, 15, tzinfo=UTC)
    values = {
        "concern": "Wallet drained",
        "caller_name": "Dee",
        "cryptocurrency": "Bitcoin",
        "wallet_type": "Hardware",
        "amount": "0.5 BTC",
        "phone": "+1 415 555 2671",
        "email": "dee@example.com",
    }
    record = CallRecord(
        line="psos",
        agent_name="Ana",
        started_at=now,
        ended_at=now + timedelta(minutes=9),
        account_id="ACC-1",
        completed_steps=["mute", "listen"],
        scenarios=[ScenarioRecord(id="crypto", values=values)],
    )
    assert engine.wrap_up_plan(playbook, record, now).can_close

    def plan(i: int) -> object:
        return engine.wrap_up_plan(playbook, record, now)

    print(f"compute a wrap-up plan ({CALLS} calls):  {percentiles(timed(plan, CALLS))}")


def main() -> int:
    print(f"# playbook engine benchmark, python {sys.version.split()[0]}")
    bench_files()
    bench_calls()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
