"""Shared fixtures: a real database (SQLite file, or PostgreSQL when asked) per test worker.

SOPDESK_TEST_DATABASE_URL picks the backend, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/test`. Each xdist worker gets its own database,
migrated once; every test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import Base, make_engine, make_sessionmaker, migrate
from sopdesk.models import load_all_models

IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parents[1]
# The two seed SOP documents, shipped beside the playbooks that implement them (a copy of
# ../shared/seeds; see sources/README.md there), keyed by org.
SEED_DOCUMENTS = {
    "rondesse": ROOT / "playbooks" / "rondesse" / "sources" / "004_bd3fd1b67684f510.txt",
    "myoperator": ROOT / "playbooks" / "myoperator" / "sources" / "000_ca12d654b0457964.txt",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--wall-clock",
        metavar="ISO",
        help="run with the machine's wall clock moved to this moment (ticking on): a test that "
        "mixes the wall clock with its own fixed dates fails on some date",
    )


def pytest_configure(config: pytest.Config) -> None:
    moment = config.getoption("--wall-clock")
    if moment:
        import time_machine

        # Started for the whole run (every xdist worker configures itself the same way).
        traveller = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests are marked `browser` by the fixture they use, so a run can leave them out."""
    for item in items:
        if {"browser", "chromium"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def skip_or_fail(reason: str) -> None:
    """Skip with a clear message on a developer machine; fail in CI, where nothing may skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test may not be skipped)")
    pytest.skip(reason)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database(base_url: str) -> str:
    """A fresh database for this worker on the PostgreSQL server of `base_url`."""
    url = make_url(base_url)
    # The pid keeps concurrent test runs on one server (several checkouts) out of each other's way.
    name = f"sopdesk_test_{_worker()}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        skip_or_fail(f"PostgreSQL not reachable at {url.host}:{url.port}: {exc.__class__.__name__}")
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, at the lowest cost: tests create many users and need no brute-force margin."""
    from argon2 import PasswordHasher

    from sopdesk.orgs import service

    monkeypatch.setattr(
        service, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


def _drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a migrated database private to this test worker."""
    wanted = os.environ.get("SOPDESK_TEST_DATABASE_URL", "")
    if wanted.startswith("postgresql"):
        url = _postgres_database(wanted)
    else:
        path = Path(tmp_path_factory.mktemp("db")) / f"sopdesk-{_worker()}.db"
        url = f"sqlite:///{path}"
    load_all_models()
    migrate(url)
    yield url
    if url.startswith("postgresql"):
        _drop_postgres_database(url)


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session_factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on the worker's database; every table is emptied after the test."""
    yield make_sessionmaker(db_engine)
    _empty_all_tables(db_engine)


@pytest.fixture
def clock() -> Any:
    """The test's one clock (a `web_helpers.TestClock` from T0): pass it to the app, the SMTP
    intake and every call the test rings, never mix it with the wall clock."""
    from web_helpers import TestClock

    return TestClock()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A browser test's verdict covers what its pages said while it ran: once the test body
    ends, the servers it used stop, and the pages' live streams erroring then say nothing."""
    yield
    watched = getattr(item, "browser_watch", None)
    if watched is not None:
        watched.freeze()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian Chromium through Playwright, launched once per test module."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Debian Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def browser(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Chromium for one browser test, watching every page of every context the test opens:
    the test fails at its end on any console error, page error or CSP violation, whichever
    page logged it. `@pytest.mark.console_allows(regex, ...)` lets through messages the test
    provokes on purpose (a 409 it asserts on logs "Failed to load resource")."""
    from browser_watch import WatchedBrowser

    allowed = [p for m in request.node.iter_markers("console_allows") for p in m.args]
    watched = WatchedBrowser(chromium, allowed)
    request.node.browser_watch = watched
    yield watched
    watched.close_contexts()
    if watched.problems:
        pytest.fail("the browser reported:\n" + "\n".join(watched.problems), pytrace=False)
