"""The playbook library from the command line (`sopdesk playbook ...`): the versions an org
published and which is live, what changed between two (or between a folder and the live one),
publishing a folder reviewed in git, rolling back, and a folder out and back in without loss.
The rules are `sopdesk.authoring.library`'s, as on the API and the desk's pages; the operator
acts for the installation, like an admin."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from sopdesk.authoring import library
from sopdesk.authoring.folder import read_folder, write_folder
from sopdesk.cli import app
from sopdesk.cli.common import desk_transaction, operator
from sopdesk.cli.common import fail as _fail
from sopdesk.orgs import service
from sopdesk.playbooks.diff import Change, diff_playbooks
from sopdesk.playbooks.language.loader import PlaybookError, load_text

playbook_app = typer.Typer(
    help="The playbook library: versions, diff, publish, rollback, export and import.",
    no_args_is_help=True,
)
app.add_typer(playbook_app, name="playbook")

OrgOption = Annotated[str, typer.Option(help="org id, e.g. rondesse")]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON lines")]
FolderArg = Annotated[
    Path, typer.Argument(metavar="DIR", help="a playbook's folder: playbook.yaml, tests/, ...")
]
SHORT = 70


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


def _short(text: str | None) -> str:
    one_line = " ".join((text or "").split())
    return one_line if len(one_line) <= SHORT else one_line[: SHORT - 1] + "…"


def _print_changes(changes: list[Change], as_json: bool) -> None:
    for c in changes:
        if as_json:
            sys.stdout.write(json.dumps(asdict(c)) + "\n")
            continue
        wording = " (wording)" if c.wording_only else ""
        sys.stdout.write(f"{c.kind.value:<9} {c.label}{wording}\n")
        if c.kind.value == "changed":
            sys.stdout.write(f"          - {_short(c.before)}\n          + {_short(c.after)}\n")
    if not as_json and not changes:
        sys.stdout.write("no change\n")


@playbook_app.command("list")
def playbook_list(org: OrgOption, as_json: JsonFlag = False) -> None:
    """The org's published versions, newest first (* live), and its drafts in progress."""
    with desk_transaction() as session:
        shelf = library.library(session, operator(org))
        drafts = [(d.id, d.status, d.title, d.updated_at) for d in shelf.drafts]
    for v in shelf.versions:
        if as_json:
            sys.stdout.write(
                json.dumps({**asdict(v), "published_at": _when(v.published_at)}) + "\n"
            )
        else:
            mark = "*" if v.live else " "
            by = v.published_by or "-"
            sys.stdout.write(f"{mark} {v.version}\tpublished {_when(v.published_at)} by {by}\n")
    for draft_id, status, title, updated in drafts:
        if as_json:
            row = {
                "draft": draft_id,
                "status": status,
                "title": title,
                "updated_at": _when(updated),
            }
            sys.stdout.write(json.dumps(row) + "\n")
        else:
            sys.stdout.write(f"  draft {draft_id}\t{status}\t{title}\tupdated {_when(updated)}\n")
    if not shelf.versions and not as_json:
        sys.stdout.write(f"org {org} has published no playbook\n")


@playbook_app.command("diff")
def playbook_diff(
    org: OrgOption,
    folder: Annotated[
        Path | None,
        typer.Argument(metavar="[DIR]", help="compare this folder's playbook instead of --to"),
    ] = None,
    before: Annotated[
        str | None, typer.Option("--from", help="the older version (default: see below)")
    ] = None,
    after: Annotated[
        str | None, typer.Option("--to", help="the newer version (default: live)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """What changed, element by element: from the version before the live one to the live one;
    or from --from (default: live) to the folder DIR, to see what publishing it would change."""
    if folder is not None and after is not None:
        raise _fail("give either DIR or --to, not both")
    with desk_transaction() as session:
        user = operator(org)
        if folder is None:
            changes = library.versions_diff(session, user, before, after).changes
        else:
            old = (
                library.version(session, user, before)
                if before
                else library.live_version(session, org)
            )
            if old is None:
                raise _fail(f"org {org} has published no playbook to compare with")
            try:
                new = load_text(read_folder(folder).content, str(folder / "playbook.yaml"))
            except PlaybookError as exc:
                raise _fail("; ".join(str(f) for f in exc.findings), 1) from None
            changes = diff_playbooks(service.parsed_playbook(session, old), new.playbook)
    _print_changes(changes, as_json)


@playbook_app.command("publish")
def playbook_publish(
    folder: FolderArg,
    org: OrgOption,
    by: Annotated[
        str | None, typer.Option(metavar="NAME", help="who publishes, for the audit trail")
    ] = None,
) -> None:
    """Publish a folder (reviewed in git) as a new version that new calls get: refused unless
    the linter finds nothing and every test case in tests/ passes. The same version with the
    same files again changes nothing, so CI may run it on every push."""
    with desk_transaction() as session:
        source = read_folder(folder)
        row, new = library.publish_text(
            session, operator(org, by), source.content, source.files, datetime.now(UTC)
        )
        live = library.live_version(session, org)
    if new:
        sys.stdout.write(f"published {org} {row.version} with {len(row.files)} files; live now\n")
    else:
        state = (
            "live"
            if live and live.id == row.id
            else f"not live ({live.version if live else '-'} is)"
        )
        sys.stdout.write(f"{org} {row.version} is already published with these files: {state}\n")
    _left_out(source.left_out)


def _left_out(names: list[str]) -> None:
    for name in names:
        sys.stdout.write(f"left out (hidden): {name}\n")


@playbook_app.command("rollback")
def playbook_rollback(
    version: Annotated[str, typer.Argument(metavar="VERSION", help="a published version")],
    org: OrgOption,
    by: Annotated[
        str | None, typer.Option(metavar="NAME", help="who rolls back, for the audit trail")
    ] = None,
) -> None:
    """Make VERSION the one new calls get, at once (calls in progress keep theirs)."""
    with desk_transaction() as session:
        before = library.live_version(session, org)
        row = library.rollback(session, operator(org, by), version, datetime.now(UTC))
    was = before.version if before else "-"
    sys.stdout.write(f"{org}: {row.version} is live (was {was})\n")


@playbook_app.command("export")
def playbook_export(
    folder: FolderArg,
    org: OrgOption,
    version: Annotated[
        str | None, typer.Option(help="this version (default: the live one)")
    ] = None,
) -> None:
    """Write a version's playbook.yaml and every file published with it into DIR (new or
    empty), byte for byte, for a team that keeps its playbooks in git."""
    with desk_transaction() as session:
        row = (
            library.version(session, operator(org), version)
            if version
            else library.live_version(session, org)
        )
        if row is None:
            raise _fail(f"org {org} has published no playbook")
        written = write_folder(folder, row.content, row.files)
    sys.stdout.write(f"{org} {row.version}: {len(written)} files written to {folder}\n")


@playbook_app.command("import")
def playbook_import(
    folder: FolderArg,
    org: OrgOption,
    author: Annotated[
        str, typer.Option("--as", metavar="EMAIL", help="the supervisor or admin it is drafted for")
    ],
    title: Annotated[str | None, typer.Option(help="the draft's title")] = None,
) -> None:
    """Make a draft of a folder, for review in the desk (submit, approve, publish there)."""
    with desk_transaction() as session:
        source = read_folder(folder)
        person = service.member(session, org, author)
        draft = library.new_draft(
            session,
            person,
            datetime.now(UTC),
            title=title or f"Imported from {folder.name or folder}",
            content=source.content,
            files=source.files,
        )
        check = library.check_draft(draft)
        draft_id = draft.id
    state = (
        "clean"
        if check.clean
        else (f"{len(check.findings)} lint findings, {len(check.failing)} failing test cases")
    )
    sys.stdout.write(
        f"draft {draft_id} of {org} from {folder} ({len(source.files)} files): {state}\n"
    )
    _left_out(source.left_out)
