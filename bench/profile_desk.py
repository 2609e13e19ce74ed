"""Where a ringing call's and a wrap-up's server CPU goes: py-spy samples a real `sopdesk
serve` process (every thread, native frames off) while wrk rings calls or wraps them up, and
this prints the functions that hold the most samples, inclusive, with the share of samples.

Run: `.venv/bin/python bench/profile_desk.py [ring|wrap] [--seconds S] [--top N]`
(needs py-spy, from PyPI, and wrk, from Debian's packages).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_desk import AGENT_TOKENS, WEBHOOK, prepare_calls, run_wrk, server


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
         "--duration", str(round(seconds)), "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def summarise(raw: Path, top: int) -> None:
    """Inclusive samples per frame (each frame counted once per stack), busy stacks only:
    threads waiting in the event loop's selector or an idle worker are not CPU."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    idle = ("select (selectors.py", "wait (threading.py", "_worker (concurrent", "poll (")
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in idle):
            continue
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"{total} busy samples")
    for frame, n in inclusive.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", choices=("ring", "wrap"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        with server(f"sqlite:///{tmp}/profile.db") as (base, _token, pid):
            if args.path == "ring":
                spy = record(pid, args.seconds, out)
                env = {"BENCH_RATE": "80", "BENCH_LABEL": "Rondesse PSOS", "BENCH_TAG": "prof"}
                run_wrk("ring.lua", f"{base}{WEBHOOK}", args.seconds, 16, env)
            else:
                calls = asyncio.run(prepare_calls(base, AGENT_TOKENS, 400))
                listing = Path(tmp) / "ids"
                listing.write_text("".join(f"{iid} {tok}\n" for iid, tok in calls))
                spy = record(pid, args.seconds, out)
                env = {"BENCH_IDS": str(listing)}
                run_wrk("wrap.lua", base, args.seconds, 16, env)
            spy.wait()
        summarise(out, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
