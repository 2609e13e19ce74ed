"""The CLI as a new user meets it: help that reads like Unix help, `--version`, an unknown org
answered with the known ones, and `simulate` that shows the server's reason for a refusal."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sopdesk.channels.ringcentral.simulate import describe_response
from sopdesk.cli import app
from web_helpers import live_server, make_app

# Typer's type labels: `<bool>`, `<str>`, `<int range>`, `<list[Path]>`... (not `<token>`).
TYPE_LABEL = re.compile(r"<(bool|str|int|float|path|[a-z]+ range|list\[[^>]*\])>|\{\w+\}")


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _command_paths(sub, (*path, name))
    return found


def test_no_help_shows_a_python_type_and_every_option_reads_as_unix_help() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert ("kb", "search") in paths and ("demo",) in paths  # the rooms' commands too
    for path in paths:
        result = _invoke(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert not TYPE_LABEL.search(result.output), (path, result.output)
    call = _invoke("call", "--help").output
    assert re.search(r"--org ORG\s+org id or name", call)
    assert re.search(r"--playbooks DIR\s", call) and re.search(r"\n  --json\s+print", call)
    # Square brackets are text, not Rich markup that swallowed "[default: ...]".
    assert "[default: 127.0.0.1]" in _invoke("demo", "--help").output
    assert re.search(
        r"Usage: sopdesk lint \[OPTIONS\] PATHS\.\.\.", _invoke("lint", "--help").output
    )
    assert re.search(r"-o, --out OUT\s", _invoke("import-sop", "--help").output)
    top = _invoke("--help").output
    assert re.search(r"--version\s+print the version", top)
    # Each command's first sentence in full, not cut with "...".
    flowing = " ".join(top.split())  # the listing may wrap a sentence over two lines
    assert "Run the playbook test cases kept in tests/ beside the playbooks." in flowing


def test_version_is_the_installed_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sopdesk", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"sopdesk {importlib.metadata.version('sopdesk')}\n"


def test_an_unknown_org_is_named_with_the_known_ones() -> None:
    result = _invoke("call", "--org", "nosuch", "--label", "Rondesse PSOS")
    assert result.exit_code == 2
    assert "error: unknown org 'nosuch'; known: myoperator, rondesse" in result.stderr
    assert ":1" not in result.stderr
    # A known org still answers (by name, whatever its case).
    assert _invoke("call", "--org", "Rondesse", "--label", "Rondesse PSOS", "--json").exit_code == 0


def test_an_unknown_org_in_an_empty_folder_says_there_are_no_playbooks(tmp_path: Any) -> None:
    result = _invoke("call", "--org", "x", "--label", "y", "--playbooks", str(tmp_path))
    assert result.exit_code == 2
    assert f"unknown org 'x'; no playbooks in {tmp_path}" in result.stderr


def test_simulate_prints_the_servers_reason_and_fields(db_url: str) -> None:
    with live_server(make_app(db_url)) as base:
        result = _invoke(
            "simulate", "--url", base, "--org", "nosuch", "--line", "Rondesse PSOS",
            "--rate", "1", "--duration", "1",
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "4xx 4" in result.stdout
    # An unknown org fails exactly like a bad webhook credential (no org names to enumerate).
    assert "error: HTTP 403 forbidden: bad or missing Verification-Token" in result.stdout


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (
            403,
            b'{"error": {"code": "forbidden", "message": "bad Verification-Token", "fields": []}}',
            "HTTP 403 forbidden: bad Verification-Token",
        ),
        (
            422,
            b'{"error": {"code": "invalid", "message": "m", "fields": '
            b'[{"field": "a", "message": "x"}, {"field": "b", "message": "y"}]}}',
            "HTTP 422 invalid: m (a: x; b: y)",
        ),
        (502, b"<html>Bad Gateway</html>", "HTTP 502: <html>Bad Gateway</html>"),
        (503, b"", "HTTP 503"),
        (500, b'{"detail": "not our shape"}', 'HTTP 500: {"detail": "not our shape"}'),
        (500, b"\xff\xfe", "HTTP 500: \ufffd\ufffd"),
    ],
)
def test_a_failed_response_is_described_with_its_reason(
    status: int, body: bytes, shown: str
) -> None:
    assert describe_response(status, body) == shown
