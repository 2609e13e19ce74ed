"""`sopdesk kb import` and `sopdesk kb search`, as a person runs them on a new database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopdesk.cli import app
from sopdesk.kb.folder import article_files

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.sqlite_only  # each test makes its own SQLite file, as a user would


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "SOPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'sopdesk.db'}",
        "SOPDESK_PLAYBOOKS": str(ROOT / "playbooks"),
    }


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_import_into_a_new_database_then_search(env: dict[str, str], tmp_path: Path) -> None:
    articles = str(ROOT / "playbooks/myoperator/articles")
    code, out, err = run(env, "kb", "import", articles, "--org", "MyOperator")
    assert (code, out.strip()) == (0, "myoperator: 6 created, 0 updated, 0 unchanged"), err
    assert run(env, "kb", "import", articles, "--org", "myoperator")[1].strip() == (
        "myoperator: 0 created, 0 updated, 6 unchanged"
    )
    code, out, _ = run(env, "kb", "search", "client wants to talk to legal", "--org", "myoperator")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("1. What should an agent do when a client asks to speak with")
    assert lines[2].startswith("   Quick answer: - First, consult the relevant FAQ")
    code, out, _ = run(env, "kb", "search", "bake a cake", "--org", "myoperator", "--json")
    assert json.loads(out) == {
        "query": "bake a cake",
        "no_good_match": True,
        "results": [],
        "mode": "combined",
    }


def test_batch_search_answers_one_json_line_per_query(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "kb", "import", str(ROOT / "playbooks/rondesse/articles"), "--org", "rondesse")
    queries = tmp_path / "queries.txt"
    queries.write_text("badge number of the officer\n\nIRS\nwhat can I advise on SOS calls\n")
    code, out, err = run(
        env, "kb", "search", "--org", "rondesse", "--queries", str(queries), "--json"
    )
    assert code == 0, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["query"] for a in answers] == queries.read_text().splitlines()
    assert answers[0]["results"][0]["slug"] == "law-enforcement-call"
    assert answers[1] == {"query": "", "no_good_match": True, "results": []}
    assert answers[3]["results"][0]["slug"] == "usos-safe-advice"
    scores = [r["score"] for r in answers[0]["results"]]
    assert scores == sorted(scores, reverse=True) and set(answers[0]["results"][0]) == {
        "id",
        "slug",
        "score",
    }
    code, out, _ = run(
        env,
        "kb",
        "search",
        "--org",
        "rondesse",
        "--queries",
        "-",
        "--mode",
        "keyword",
        "--json",
        stdin="crypto wallet\n",
    )
    assert json.loads(out)["results"][0]["slug"] == "crypto-call"


def test_bad_input_exits_2_naming_the_problem(env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = run(env, "kb", "search", "x", "--org", "rondesse")
    assert code == 2 and "no knowledge base" in err
    (tmp_path / "bad.md").write_text("---\ntitle: T\nsteps: one string\n---\n")
    code, _, err = run(env, "kb", "import", str(tmp_path), "--org", "rondesse")
    assert code == 2 and "bad.md: steps: Input should be a valid list" in err
    code, _, err = run(env, "kb", "import", str(tmp_path), "--org", "acme")
    assert code == 2 and "no org 'acme'" in err
    code, _, err = run(env, "kb", "search", "--org", "rondesse")
    assert code == 2 and "give a QUERY or --queries FILE" in err
    code, _, err = run(env, "kb", "search", "x", "--org", "rondesse", "--mode", "fuzzy")
    assert code == 2 and "--mode: expected one of keyword, semantic, combined" in err


def _project_folder(tmp_path: Path) -> Path:
    """A folder of articles that also holds what a project folder holds: a virtual environment,
    front-end packages, caches and a git folder, each full of Markdown that is not an article."""
    folder = tmp_path / "project"
    shutil.copytree(ROOT / "playbooks/myoperator/articles", folder / "articles")
    junk = {
        ".venv/lib/python3.11/site-packages/pkg/README.md": "# not an article",
        ".venv/pyvenv.cfg": "home = /usr/bin",
        "env/pyvenv.cfg": "home = /usr/bin",  # a virtual environment by another name
        "env/share/doc/LICENSE.md": "not an article",
        "articles/node_modules/htmx.org/README.md": "# htmx",
        "articles/__pycache__/x.md": "cached",
        ".git/description.md": "git",
    }
    for name, text in junk.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_import_skips_virtual_environments_and_tool_folders_and_says_so(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = run(env, "kb", "import", str(_project_folder(tmp_path)), "--org", "myoperator")
    assert code == 0, err
    first, skipped = out.splitlines()
    assert first == "myoperator: 6 created, 0 updated, 0 unchanged"
    assert skipped == (
        "skipped 5 folder(s) that hold no articles (hidden, virtual environments, node_modules, "
        "__pycache__): .git, .venv, articles/__pycache__, articles/node_modules, env"
    )


def test_the_skipped_folders_are_not_entered(tmp_path: Path) -> None:
    folder = _project_folder(tmp_path)
    files = article_files(folder)
    assert {p.parent for p in files.paths} == {folder / "articles"}
    assert len(files.paths) == 6
    assert article_files(folder / "articles" / "node_modules").skipped == []


def test_text_that_is_not_utf8_exits_2_naming_where_it_came_from(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Invalid UTF-8 in a queries file, on stdin or in the argument is refused with exit 2 and a
    one-line message, before the database is opened (a new database has no knowledge base)."""
    bad = tmp_path / "queries.txt"
    bad.write_bytes(b"badge number\nwallet \xff\xfe lost\n")
    code, out, err = run(env, "kb", "search", "--org", "rondesse", "--queries", str(bad))
    assert (code, out) == (2, "")
    assert err == f"error: --queries {bad}: not UTF-8 text (byte 21 is 0xff)\n"
    result = CliRunner().invoke(
        app, ["kb", "search", "--org", "rondesse", "--queries", "-"], env=env, input=b"\xc3("
    )
    assert result.exit_code == 2
    assert result.stderr == "error: --queries (stdin): not UTF-8 text (byte 1 is 0xc3)\n"
    # A byte that is not UTF-8 in argv reaches Python as a lone surrogate (surrogateescape).
    sopdesk = Path(sys.executable).with_name("sopdesk")
    done = subprocess.run(
        [sopdesk, "kb", "search", "--org", "rondesse", b"wallet \xff lost"],
        env={**os.environ, **env},
        capture_output=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == b"error: QUERY: not UTF-8 text\n"
