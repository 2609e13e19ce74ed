"""`sopdesk playbook list|diff|publish|rollback|export|import`: a folder kept in git published
(refused while a test case fails), exported back byte for byte, diffed against the live
version, rolled back, and drafted for review in the desk.

Every version here is published by the CLI, on the wall clock it reads: none is stamped with a
fixed date beside them, since the library orders versions by when they were published."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from personas import PASSWORD, ROOT
from sopdesk.authoring.models import PlaybookDraft
from sopdesk.cli import app as cli
from sopdesk.crm.models import AuditEntry
from sopdesk.db import transaction
from sopdesk.orgs import service
from sopdesk.orgs.models import Role
from test_playbook_library import next_cases, next_version

SEED = ROOT / "playbooks" / "rondesse"


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("SOPDESK_DATABASE_URL", db_url)

    def invoke(*args: str | Path) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args])

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def _folder(tmp_path: Path, name: str) -> Path:
    """The seed folder as a team keeps it in git: a CRLF article, a nested file, a .git."""
    folder = tmp_path / name
    shutil.copytree(SEED, folder)
    (folder / "articles" / "windows.md").write_bytes(b"# Written on Windows\r\n\r\nLine two.\r\n")
    (folder / "sources" / "old" / "2025.txt").parent.mkdir(parents=True)
    (folder / "sources" / "old" / "2025.txt").write_text("The SOP as it was in 2025.\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return folder


def _next(folder: Path) -> None:
    main = folder / "playbook.yaml"
    main.write_text(next_version(main.read_text()))
    cases = next_cases({"tests/main.yaml": (folder / "tests" / "main.yaml").read_text()})
    (folder / "tests" / "main.yaml").write_text(cases["tests/main.yaml"])


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }


def test_a_folder_is_published_exported_byte_for_byte_diffed_and_rolled_back(
    run: Callable[..., Result], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    first = _folder(tmp_path, "v1")
    published = _ok(run("playbook", "publish", first, "--org", "rondesse", "--by", "ci"))
    assert "published rondesse 2026.11.1" in published and "live now" in published
    assert "left out (hidden): .git/HEAD" in published
    again = _ok(run("playbook", "publish", first, "--org", "rondesse"))
    assert "already published with these files: live" in again

    out = tmp_path / "export"
    _ok(run("playbook", "export", out, "--org", "rondesse"))
    assert _tree(out) == _tree(first)
    refused = run("playbook", "export", out, "--org", "rondesse")
    assert refused.exit_code == 2 and "not an empty folder" in refused.stderr

    second = _folder(tmp_path, "v2")
    _next(second)
    preview = _ok(run("playbook", "diff", second, "--org", "rondesse"))
    assert preview.splitlines() == ["added     line main · step verify"]
    _ok(run("playbook", "publish", second, "--org", "rondesse", "--by", "ci"))
    listed = _ok(run("playbook", "list", "--org", "rondesse")).splitlines()
    assert [line.split("\t")[0] for line in listed] == ["* 2026.12.1", "  2026.11.1"]
    assert _ok(run("playbook", "diff", "--org", "rondesse")) == preview

    rolled = _ok(run("playbook", "rollback", "2026.11.1", "--org", "rondesse", "--by", "sam"))
    assert rolled == "rondesse: 2026.11.1 is live (was 2026.12.1)\n"
    # CI publishing the same folder again does not undo the rollback.
    kept = _ok(run("playbook", "publish", second, "--org", "rondesse"))
    assert "not live (2026.11.1 is)" in kept
    out_v2 = tmp_path / "export-v2"
    _ok(run("playbook", "export", out_v2, "--org", "rondesse", "--version", "2026.12.1"))
    assert _tree(out_v2) == _tree(second)
    with session_factory() as s:
        trail = s.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.object_id)
            .where(AuditEntry.object_type == "playbook_version")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(row) for row in trail] == [
        ("ci", "playbook.published", "2026.11.1"),
        ("ci", "playbook.published", "2026.12.1"),
        ("sam", "playbook.rolled_back", "2026.11.1"),
    ]


def test_a_folder_is_refused_whole_when_a_case_fails_or_a_file_is_not_text(
    run: Callable[..., Result], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    folder = _folder(tmp_path, "v1")
    _ok(run("playbook", "publish", folder, "--org", "rondesse"))
    main = folder / "playbook.yaml"
    main.write_text(next_version(main.read_text()))  # a new step; tests/main.yaml not updated
    failing = run("playbook", "publish", folder, "--org", "rondesse")
    assert failing.exit_code == 2
    assert "cannot publish: 0 lint findings, 2 failing test cases" in failing.stderr
    assert "tests/main.yaml::" in failing.stderr
    secret = tmp_path / "ci-secret.txt"
    secret.write_text("token=not-for-agents\n")
    (folder / "tests" / "linked.yaml").symlink_to(secret)
    linked = run("playbook", "publish", folder, "--org", "rondesse")
    assert linked.exit_code == 2 and "tests/linked.yaml: is a symbolic link" in linked.stderr
    (folder / "tests" / "linked.yaml").unlink()
    (folder / "sources" / "scan.pdf").write_bytes(b"%PDF-1.4\n\xff\xfe\x00binary")
    binary = run("playbook", "publish", folder, "--org", "rondesse")
    assert binary.exit_code == 2 and "sources/scan.pdf: is not UTF-8 text" in binary.stderr
    other_org = run("playbook", "publish", folder, "--org", "myoperator")
    assert other_org.exit_code == 2
    listed = _ok(run("playbook", "list", "--org", "rondesse")).splitlines()
    assert [line.split("\t")[0] for line in listed] == ["* 2026.11.1"]


def test_a_folder_becomes_a_draft_for_review_in_the_desk(
    run: Callable[..., Result], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    folder = _folder(tmp_path, "v1")
    _ok(run("playbook", "publish", folder, "--org", "rondesse"))
    now = datetime.now(UTC)
    with transaction(session_factory) as s:
        for email, role in (
            ("sam@rondesse.example", Role.SUPERVISOR),
            ("ana@r.example", Role.AGENT),
        ):
            service.create_user(
                s, org_id="rondesse", email=email, name=email, role=role, password=PASSWORD, now=now
            )
    _next(folder)
    agent = run("playbook", "import", folder, "--org", "rondesse", "--as", "ana@r.example")
    assert agent.exit_code == 2 and "only supervisors and admins" in agent.stderr
    made = _ok(
        run("playbook", "import", folder, "--org", "rondesse", "--as", "sam@rondesse.example")
    )
    assert made.startswith("draft ") and made.splitlines()[0].endswith(": clean")
    listed = _ok(run("playbook", "list", "--org", "rondesse"))
    assert "\tdraft\tImported from v1\t" in listed
    with session_factory() as s:
        draft = s.scalars(select(PlaybookDraft)).one()
    assert draft.content == (folder / "playbook.yaml").read_text()
    assert draft.files["articles/windows.md"] == "# Written on Windows\r\n\r\nLine two.\r\n"
    assert ".git/HEAD" not in draft.files
