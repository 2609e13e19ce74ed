"""`make run` twice, a busy port, one database for every command: the first hour's desk.

A desk locks its SQLite file (a `flock` on `<db>.lock`) before it prints, seeds or deletes
anything; a second desk on that file, and a desk whose port is taken, refuse with exit 2,
saying what is in the way and how to choose another. The demo database is kept between runs
(`--reset`, `make run RESET=1` or `make reset` start afresh) and its data is loaded once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sopdesk.cli import app
from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.demo import load_demo
from sopdesk.desk.models import Interaction
from sopdesk.kb.models import Article
from sopdesk.orgs.models import PublishedPlaybook, User
from sopdesk.settings import Settings, checkout_root
from sopdesk.web.preflight import (
    DatabaseInUse,
    PortBusy,
    bind_port,
    claim_desk,
    delete_sqlite_database,
    lock_database,
)

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 180.0  # a shared CI machine: the demo imports its model and articles first
SECRET = "test-secret-key-not-for-production"
# Each test makes its own SQLite file (and, below, a real process on it), as a user would.
pytestmark = pytest.mark.sqlite_only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _listening() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _env(database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPDESK_")}
    return {**env, "SOPDESK_DATABASE_URL": f"sqlite:///{database}", "SOPDESK_SECRET_KEY": SECRET,
            **extra}  # fmt: skip


def _sopdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sopdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _counts(url: str) -> tuple[int, ...]:
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            return tuple(
                s.scalar(select(func.count()).select_from(model)) or 0
                for model in (PublishedPlaybook, User, Interaction, Article)
            )
    finally:
        engine.dispose()


# --- the lock and the ports, in this process --------------------------------------------------


def test_a_second_exclusive_desk_is_refused_and_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    first, database = lock_database(url, exclusive=True, holder="pid 1, http://127.0.0.1:1/")
    assert database == tmp_path / "desk.db" and (tmp_path / "desk.db.lock").is_file()
    with pytest.raises(DatabaseInUse, match=r"desk\.db is being served .*pid 1, http://127"):
        lock_database(url, exclusive=True, holder="pid 2")
    with pytest.raises(DatabaseInUse):
        lock_database(url, exclusive=False, holder="pid 3")
    assert first is not None
    first.close()  # the desk stops: its lock goes with it
    again, _ = lock_database(url, exclusive=True, holder="pid 4")
    assert again is not None
    again.close()


def test_shared_desks_coexist_but_a_reset_waits_for_all(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    one, _ = lock_database(url, exclusive=False, holder="worker 1")
    two, _ = lock_database(url, exclusive=False, holder="worker 2")
    with pytest.raises(DatabaseInUse, match="worker 2"):
        lock_database(url, exclusive=True, holder="reset")
    assert one is not None and two is not None
    one.close()
    two.close()


def test_postgresql_and_memory_databases_take_no_lock_file() -> None:
    for url in ("postgresql+psycopg://postgres@127.0.0.1:5432/x", "sqlite://"):
        assert lock_database(url, exclusive=True, holder="x") == (None, None)


def test_a_claim_that_fails_on_a_port_holds_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    with _listening() as busy:
        with pytest.raises(PortBusy, match=f"the SMTP port {busy} on 127.0.0.1 is busy"):
            claim_desk(url, host="127.0.0.1", port=0, smtp_host="127.0.0.1", smtp_port=busy,
                       exclusive=True)  # fmt: skip
        with pytest.raises(PortBusy, match=f"the HTTP port {busy}"):
            bind_port("HTTP", "127.0.0.1", busy)
    held = claim_desk(url, host="127.0.0.1", port=0, smtp_host="127.0.0.1", smtp_port=0,
                      exclusive=True)  # fmt: skip
    assert held.http is not None and held.database == tmp_path / "desk.db"
    held.release()
    held.release()  # idempotent


def test_delete_removes_the_database_and_its_wal_but_not_the_lock(tmp_path: Path) -> None:
    database = tmp_path / "desk.db"
    for name in ("desk.db", "desk.db-wal", "desk.db-shm", "desk.db.lock"):
        (tmp_path / name).write_text("x")
    delete_sqlite_database(database)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.db.lock"]
    delete_sqlite_database(database)  # nothing left to delete: no error


# --- one database for every command ------------------------------------------------------------


def test_every_command_and_make_run_use_one_default_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOPDESK_DATABASE_URL", raising=False)
    root = checkout_root()
    assert root is not None
    assert Settings().database_url == f"sqlite:///{root / 'var' / 'sopdesk.db'}"
    # `make run` sets no database of its own and deletes nothing: `sopdesk demo` uses the
    # default every other command (kb search, token create, board) uses.
    run = _make("-n", "run")
    assert run.endswith("/sopdesk demo --history 7") and "SOPDESK_DATABASE_URL" not in run
    assert "rm " not in _make_all("-n", "run")


def _make_all(*args: str, **env: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def _make(*args: str, **env: str) -> str:
    """The `sopdesk demo` line `make` would run (setup lines, if any, left out)."""
    lines = [line for line in _make_all(*args, **env).splitlines() if "sopdesk demo" in line]
    assert len(lines) == 1, lines
    return lines[0].strip()


def test_make_run_passes_ports_and_reset_through() -> None:
    assert _make("-n", "run", "PORT=8123", "SMTP_PORT=2600").endswith(
        "sopdesk demo --history 7 --port 8123 --smtp-port 2600"
    )
    assert _make("-n", "run", "RESET=1").endswith("sopdesk demo --history 7 --reset")
    assert _make("-n", "reset").endswith("sopdesk demo --history 7 --reset")
    assert _make("-n", "reset", "PORT=8001").endswith(
        "sopdesk demo --history 7 --port 8001 --reset"
    )
    assert _make("-n", "run", "HISTORY=0").endswith("sopdesk demo --history 0")
    # A PORT in the environment often belongs to something else: only the command line counts.
    assert _make("-n", "run", PORT="3000").endswith("sopdesk demo --history 7")


# --- the demo command, as a user runs it ---------------------------------------------------------


def test_a_busy_http_port_is_named_before_the_banner(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    with _listening() as busy:
        done = _sopdesk("demo", "--port", str(busy), "--smtp-port", "0", env=_env(database))
    assert done.returncode == 2, done.stderr
    assert f"the HTTP port {busy} on 127.0.0.1 is busy" in done.stderr
    assert "choose another with --port N (make run PORT=N)" in done.stderr
    assert "Open http" not in done.stdout and "Traceback" not in done.stderr
    assert not database.exists()  # nothing loaded, nothing written


def test_a_busy_smtp_port_is_named_before_the_banner(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    with _listening() as busy:
        port = str(_free_port())
        done = _sopdesk("demo", "--port", port, "--smtp-port", str(busy), env=_env(database))
    assert done.returncode == 2, done.stderr
    assert f"the SMTP port {busy} on 127.0.0.1 is busy" in done.stderr
    assert "--smtp-port N (make run SMTP_PORT=N)" in done.stderr
    assert "Open http" not in done.stdout and not database.exists()


def test_serve_names_a_busy_port_with_its_own_options(tmp_path: Path) -> None:
    with _listening() as busy:
        done = _sopdesk("serve", "--port", str(busy), env=_env(tmp_path / "x.db"))
    assert done.returncode == 2
    assert f"the HTTP port {busy}" in done.stderr and "--port N or SOPDESK_PORT" in done.stderr


def test_reset_is_refused_for_a_database_that_is_not_a_sqlite_file() -> None:
    env = {"SOPDESK_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"}
    result = CliRunner().invoke(app, ["demo", "--reset", "--port", "0"], env=env)
    assert result.exit_code == 2
    assert "--reset deletes a SQLite demo database" in result.stderr


def test_demo_reset_starts_afresh_and_a_later_run_keeps_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo in-process up to the point it would serve: reset, load once, banner, serve."""
    from sopdesk.cli import serving

    database = tmp_path / "demo.db"
    url = f"sqlite:///{database}"
    served: list[Any] = []

    def no_server(settings: Settings, held: Any, demo: Any = None) -> None:
        assert held.lock is not None and held.http is not None  # held while it would serve
        served.append(settings.port)
        held.release()

    monkeypatch.setattr(serving, "run_desk", no_server)
    env = {"SOPDESK_DATABASE_URL": url, "SOPDESK_SECRET_KEY": SECRET}
    args = ["demo", "--port", "0", "--smtp-port", "0"]
    first = CliRunner().invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    loaded = _counts(url)
    assert loaded[:3] == (2, 11, 3) and loaded[3] > 0
    again = CliRunner().invoke(app, args, env=env)  # the next `make run`
    assert again.exit_code == 0 and _counts(url) == loaded
    assert "Reset" not in again.stdout

    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        s.get(Interaction, 1).caller_name = "Changed since"  # type: ignore[union-attr]
    engine.dispose()
    fresh = CliRunner().invoke(app, [*args, "--reset"], env=env)
    assert fresh.exit_code == 0, fresh.output
    assert f"Reset: deleted {database}" in fresh.stdout
    assert fresh.stdout.index("Reset") < fresh.stdout.index("Open http://localhost:")
    assert "localhost:0/" not in fresh.stdout  # port 0: the one the desk really got
    assert _counts(url) == loaded
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        assert s.get(Interaction, 1).caller_name == "Margaret Hartwell"  # type: ignore[union-attr]
    engine.dispose()
    assert len(served) == 3 and 0 not in served


@dataclass
class RunningDemo:
    base: str
    database: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
def running_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    """`sopdesk demo` in its own process on a free port, as the first `make run` leaves it.

    Its database is loaded here first (the same demo data), so the process starts as a later
    run does, keeping the data: quicker, and what the second run meets.
    """
    folder = tmp_path_factory.mktemp("demo")
    database = folder / "demo.db"
    load_demo(Settings(database_url=f"sqlite:///{database}", secret_key=SECRET), datetime.now(UTC))
    port = _free_port()
    env = _env(database)
    log = folder / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sopdesk", "demo", "--port", str(port), "--smtp-port",
             str(_free_port())],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_answering(process, base, log)
        yield RunningDemo(base, database, env, process, log)
    finally:
        _stop(process)


def _wait_answering(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sopdesk demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"sopdesk demo not answering in {START_SECONDS} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            process.wait(20)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def _answers_ana(base: str) -> bool:
    from web_helpers import csrf_from

    with httpx.Client(base_url=base, timeout=10) as client:
        form = {"email": "ana@rondesse.example", "password": "sopdesk-demo"}
        token = csrf_from(client.get("/login").text)
        answer = client.post("/login", data={**form, "csrf_token": token})
        return answer.status_code == 303 and "Margaret Hartwell" in client.get("/queue").text


def test_the_running_demo_loaded_nothing_twice(running_demo: RunningDemo) -> None:
    counts = _counts(f"sqlite:///{running_demo.database}")
    assert counts[:3] == (2, 11, 3)  # the process found the data and added nothing
    assert f"pid {running_demo.process.pid}" in (
        running_demo.database.with_name("demo.db.lock").read_text()
    )


def test_a_second_demo_on_the_running_desks_database_refuses_and_deletes_nothing(
    running_demo: RunningDemo,
) -> None:
    before = _counts(f"sqlite:///{running_demo.database}")
    inode = running_demo.database.stat().st_ino
    other = ["--port", str(_free_port()), "--smtp-port", str(_free_port())]
    for args in (["demo", *other], ["demo", "--reset", *other], ["serve", *other]):
        done = _sopdesk(*args, env=running_demo.env)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert f"{running_demo.database} is being served by another sopdesk" in done.stderr
        assert f"(pid {running_demo.process.pid}, {running_demo.base}/)" in done.stderr
        assert "stop it (Ctrl+C in its terminal)" in done.stderr
        assert "Open http" not in done.stdout and "Reset" not in done.stdout
    assert running_demo.database.stat().st_ino == inode  # the same file, never deleted
    assert _counts(f"sqlite:///{running_demo.database}") == before
    assert running_demo.process.poll() is None and _answers_ana(running_demo.base)


def test_the_same_port_again_is_refused_for_the_database_first(running_demo: RunningDemo) -> None:
    """`make run` twice, word for word: same database, same port."""
    port = running_demo.base.rsplit(":", 1)[1]
    done = _sopdesk("demo", "--port", port, env=running_demo.env)
    assert done.returncode == 2 and "is being served by another sopdesk" in done.stderr


def test_cli_commands_work_on_the_running_desks_database(running_demo: RunningDemo) -> None:
    found = _sopdesk("kb", "search", "crypto wallet", "--org", "rondesse", env=running_demo.env)
    assert found.returncode == 0, found.stderr
    assert "What do I do on a crypto call?" in found.stdout
    token = _sopdesk(
        "token", "create", "--org", "rondesse", "--user", "ana@rondesse.example",
        env=running_demo.env,
    )  # fmt: skip
    assert token.returncode == 0, token.stderr
    answer = httpx.get(
        running_demo.base + "/api/v1/interactions",
        headers={"Authorization": f"Bearer {token.stdout.strip()}"},
        timeout=10,
    )
    assert answer.status_code == 200 and len(answer.json()) == 2  # Rondesse's two demo calls
