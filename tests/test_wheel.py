"""The built wheel serves a working desk outside the checkout: htmx, playbooks and demo data in it.

The wheel is built from a copy of the sources (so a build never touches the checkout), installed
into a fresh venv whose dependencies come from the dev venv's site-packages (a .pth file; the
heavy packages are not reinstalled) but whose `sopdesk` comes from the wheel alone. Then
`sopdesk demo` runs from an empty folder, with its own SQLite file and ports.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src/sopdesk/web/static/vendor"
HTMX = "htmx.org/dist/htmx.min.js"
SSE = "htmx-ext-sse/dist/sse.js"
DEMO_PASSWORD = "sopdesk-demo"  # README: the password of every demo login
START_SECONDS = 120.0

# One build and one demo server per `make test` is enough: not again on PostgreSQL, and not in
# `make test-dates` (packaging does not depend on the date; the demo subprocess would not see
# the moved clock anyway), which leaves `packaging` out.
pytestmark = [pytest.mark.sqlite_only, pytest.mark.packaging]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point Python or sopdesk at the checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOPDESK_", "PYTHON", "VIRTUAL_ENV", "PIP_"))
    }
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built offline with the dev venv's pinned setuptools from a copy of the sources."""
    if not all((VENDOR / name).is_file() for name in (HTMX, SSE)):
        skip_or_fail(f"front-end libraries not bundled under {VENDOR}: run `make setup`")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "*.py[co]", "*.egg-info")
    shutil.copytree(ROOT / "playbooks", source / "playbooks", ignore=skip)
    shutil.copytree(ROOT / "src" / "sopdesk", source / "src" / "sopdesk", ignore=skip)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip"]
    _run(
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        dist,
        source,
        cwd=source,
        env=_clean_env(),
    )
    (built,) = dist.glob("sopdesk-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; other packages come from the dev venv."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    outside = tmp_path_factory.mktemp("outside")
    env = _clean_env()
    _run(sys.executable, "-m", "venv", "--without-pip", home, cwd=outside, env=env)
    python = home / "bin" / "python"
    purelib = Path(
        _run(
            python,
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
            cwd=outside,
            env=env,
        ).strip()
    )
    # A plain path line: the dev venv's packages are importable, its .pth files (the editable
    # install of the checkout among them) are not run.
    (purelib / "dev-venv-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=outside,
        env=env,
    )
    where = _run(python, "-c", "import sopdesk; print(sopdesk.__file__)", cwd=outside, env=env)
    assert Path(where.strip()).is_relative_to(home), f"sopdesk imported from {where}"
    assert not Path(where.strip()).is_relative_to(ROOT)
    return home


@pytest.fixture
def demo(venv: Path, tmp_path: Path) -> Iterator[str]:
    """`sopdesk demo` from the wheel's venv, in an empty folder; yields its base URL."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    port = _free_port()
    env = _clean_env(
        SOPDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
        SOPDESK_SMTP_PORT=str(_free_port()),
    )
    log = (tmp_path / "demo.log").open("w")
    process = subprocess.Popen(
        [str(venv / "bin" / "sopdesk"), "demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped with everything it started
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"sopdesk demo exited with {process.returncode}:\n{_tail(tmp_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"sopdesk demo not answering in {START_SECONDS} s:\n{_tail(tmp_path)}")
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        _stop(process)
        log.close()
    assert not list(folder.iterdir()), "the demo wrote into its working folder"


def _tail(tmp_path: Path) -> str:
    return (tmp_path / "demo.log").read_text(errors="replace")[-4000:]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            process.wait(15)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def test_the_installed_wheel_serves_the_demo_desk_from_another_folder(demo: str) -> None:
    with httpx.Client(base_url=demo, timeout=10) as client:
        page = client.get("/login")
        assert page.status_code == 200 and "Demo logins" in page.text
        assert "ana@rondesse.example" in page.text
        for name in (HTMX, SSE):
            assert f'src="/static/vendor/{name}"' in page.text
            script = client.get(f"/static/vendor/{name}")
            assert script.status_code == 200, name
            assert "javascript" in script.headers["content-type"]
            assert script.content == (VENDOR / name).read_bytes()  # the npm file, not a stub
        assert "htmx" in client.get(f"/static/vendor/{HTMX}").text

        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "no CSRF token in the login form"
        form = {"email": "ana@rondesse.example", "password": DEMO_PASSWORD}
        answer = client.post("/login", data={**form, "csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text
        queue = client.get("/queue")
        assert queue.status_code == 200
        # The demo's calls ring on lines of the seed playbooks shipped in the wheel.
        assert "Ana Reyes" in queue.text and "Margaret Hartwell" in queue.text
        # ... and the knowledge base holds the seed articles the demo imported from it.
        found = client.get("/kb", params={"q": "crypto wallet"})
        assert found.status_code == 200 and "What do I do on a crypto call?" in found.text
