"""The `sopdesk` command line: an edge over the same functions the desk and the API use.

Exit codes: 0 success, 1 findings or failures, 2 usage errors. Never a traceback for bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sopdesk.playbooks import engine
from sopdesk.playbooks.loader import PlaybookError, load_org
from sopdesk.settings import get_settings

app = typer.Typer(
    name="sopdesk",
    help="The contact-center desk that runs your SOPs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

PathsArg = Annotated[list[Path], typer.Argument(help="playbook files or directories")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.command()
def lint(paths: PathsArg) -> None:
    """Check playbooks; report every problem as file:line: message."""
    from sopdesk.playbooks.lint import run_lint

    raise typer.Exit(run_lint(paths, sys.stdout))


@app.command("test")
def test_cases(paths: PathsArg) -> None:
    """Run the playbook test cases kept in tests/ beside the playbooks."""
    from sopdesk.playbooks.cases import run_cases

    raise typer.Exit(run_cases(paths, sys.stdout))


@app.command("import-sop")
def import_sop(
    file: Annotated[Path, typer.Argument(help="prose SOP document (text or Markdown)")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="write the draft here")] = None,
) -> None:
    """Turn a prose SOP document into a draft playbook and list what could not be placed."""
    from sopdesk.playbooks.importer import run_import

    raise typer.Exit(run_import(file, out))


@app.command()
def call(
    org: Annotated[str, typer.Option(help="org id or name, e.g. rondesse")],
    label: Annotated[str | None, typer.Option(help="line label shown before answering")] = None,
    to: Annotated[str | None, typer.Option("--to", help="dialed number")] = None,
    agent: Annotated[str, typer.Option(help="the answering agent's name")] = "Agent",
    caller: Annotated[str | None, typer.Option(help="the caller's name, if known")] = None,
    playbooks: Annotated[
        Path | None,
        typer.Option(help="playbooks directory [default: $SOPDESK_PLAYBOOKS or ./playbooks]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the screen as JSON")] = False,
) -> None:
    """Print the screen an agent would get for a call ringing on a line."""
    if not label and not to:
        raise _fail("give --label TEXT or --to NUMBER (or both)")
    directory = playbooks or get_settings().playbooks
    if not directory.is_dir():
        raise _fail(f"playbooks directory not found: {directory}")
    try:
        playbook = load_org(directory, org).playbook
    except PlaybookError as exc:
        raise _fail("; ".join(str(f) for f in exc.findings)) from None
    screen = engine.resolve_call(playbook, agent, label=label, number=to, caller_name=caller)
    if as_json:
        sys.stdout.write(json.dumps(screen.model_dump(mode="json"), indent=2) + "\n")
        return
    from sopdesk.playbooks.render import print_screen

    print_screen(Console(), screen)


@app.command()
def schema(
    what: Annotated[str, typer.Argument(help="'playbook' or 'screen'")] = "playbook",
) -> None:
    """Print the JSON Schema of the playbook format, or of `call --json` output."""
    from sopdesk.playbooks.schemas import json_schema

    try:
        document = json_schema(what)
    except KeyError:
        raise _fail(f"unknown schema '{what}': choose 'playbook' or 'screen'") from None
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def main() -> None:
    app()
