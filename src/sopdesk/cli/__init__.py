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

from sopdesk.cli import serving
from sopdesk.cli.common import fail as _fail
from sopdesk.cli.help import DeskGroup, use_desk_help
from sopdesk.kb.cli import kb_app
from sopdesk.playbooks import engine
from sopdesk.playbooks.language.loader import PlaybookError, UnknownOrg, load_org
from sopdesk.settings import get_settings, installed_version

app = typer.Typer(
    name="sopdesk",
    help="The contact-center desk that runs your SOPs.",
    cls=DeskGroup,
    # Click's plain help: Rich's panels print every option with its Python type (`<bool>`).
    rich_markup_mode=None,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

PathsArg = Annotated[list[Path], typer.Argument(help="playbook files or directories")]


def _print_version(wanted: bool) -> None:
    if wanted:
        sys.stdout.write(f"sopdesk {installed_version()}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """The contact-center desk that runs your SOPs."""


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
    file: Annotated[
        Path,
        typer.Argument(help="SOP document: text, Markdown, HTML, Word .docx or PDF"),
    ],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="write the draft here")] = None,
) -> None:
    """Turn an SOP document (text, Markdown, HTML, .docx, PDF) into a draft playbook and list what
    could not be placed; exit 1 when nothing is recognised, 2 when the file cannot be read."""
    from sopdesk.playbooks.importer import run_import

    raise typer.Exit(run_import(file, out))


@app.command()
def call(
    org: Annotated[str, typer.Option(help="org id or name, e.g. rondesse")],
    label: Annotated[
        str | None, typer.Option(metavar="TEXT", help="line label shown before answering")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", metavar="NUMBER", help="dialed number")] = None,
    agent: Annotated[
        str, typer.Option(metavar="NAME", help="the answering agent's name")
    ] = "Agent",
    caller: Annotated[
        str | None, typer.Option(metavar="NAME", help="the caller's name, if known")
    ] = None,
    playbooks: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="playbooks directory [default: $SOPDESK_PLAYBOOKS or the seed playbooks]",
        ),
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
    except UnknownOrg as exc:
        known = f"known: {', '.join(exc.known)}" if exc.known else f"no playbooks in {directory}"
        raise _fail(f"unknown org '{org}'; {known}") from None
    except PlaybookError as exc:
        raise _fail("; ".join(str(f) for f in exc.findings)) from None
    screen = engine.resolve_call(playbook, agent, label=label, number=to, caller_name=caller)
    if as_json:
        sys.stdout.write(json.dumps(screen.model_dump(mode="json"), indent=2) + "\n")
        return
    from sopdesk.cli.render import print_screen

    print_screen(Console(), screen)


@app.command()
def schema(
    what: Annotated[str, typer.Argument(help="'playbook' or 'screen'")] = "playbook",
) -> None:
    """Print the JSON Schema of the playbook format, or of `call --json` output."""
    from sopdesk.playbooks.engine import json_schema

    try:
        document = json_schema(what)
    except KeyError:
        raise _fail(f"unknown schema '{what}': choose 'playbook' or 'screen'") from None
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


app.command()(serving.serve)
app.command()(serving.demo)
app.command()(serving.simulate)


token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)


@app.command()
def board(
    org: Annotated[str, typer.Option(help="org id, e.g. rondesse")],
    as_json: Annotated[bool, typer.Option("--json", help="the board as JSON")] = False,
) -> None:
    """The supervisor's board: open calls per state, per line and per urgency, and the agents'
    presence (as on /board)."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from sopdesk.db import make_engine, make_sessionmaker
    from sopdesk.desk.board import build_board

    url = get_settings().database_url
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            answer = build_board(session, org, datetime.now(UTC))
    except SQLAlchemyError as exc:
        raise _fail(f"database {url} not usable ({exc.__class__.__name__})") from None
    finally:
        engine.dispose()
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return
    for line in answer.lines:
        states = ", ".join(f"{state} {n}" for state, n in line.by_state.items())
        sys.stdout.write(f"{line.line_name} ({line.urgency_name}): {line.total} open: {states}\n")
    sys.stdout.write(f"unassigned: {answer.unassigned}\n")
    for agent in answer.agents:
        call = f" (call {agent.interaction_id})" if agent.interaction_id else ""
        sys.stdout.write(f"{agent.name}: {agent.state.value}{call} since {agent.since:%H:%M}\n")


app.add_typer(token_app, name="token")
app.add_typer(kb_app, name="kb")


# Commands kept in their own modules register on `app` when imported (before the help below).
from sopdesk.cli import access as _access  # noqa: E402, F401
from sopdesk.cli import health as _health  # noqa: E402, F401
from sopdesk.cli import playbooks as _playbooks  # noqa: E402, F401
from sopdesk.cli import webhooks as _webhooks  # noqa: E402, F401

use_desk_help(app)


def main() -> None:
    app()
