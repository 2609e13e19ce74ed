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

from sopdesk.kb.cli import kb_app
from sopdesk.playbooks import engine
from sopdesk.playbooks.language.loader import PlaybookError, load_org
from sopdesk.settings import Settings, get_settings

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
        typer.Option(
            help="playbooks directory [default: $SOPDESK_PLAYBOOKS or the seed playbooks]"
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


def _web_settings(host: str | None, port: int | None, smtp_port: int | None) -> Settings:
    from pydantic import ValidationError

    try:
        settings = get_settings()
        settings.check_production()
    except (ValidationError, ValueError) as exc:
        raise _fail(str(exc)) from None
    changes = {"host": host, "port": port, "smtp_port": smtp_port}
    return settings.model_copy(update={k: v for k, v in changes.items() if v is not None})


def _serve(settings: Settings, demo: object = None) -> None:
    from sopdesk.web.run import serve as run_server

    try:
        run_server(settings, demo=demo)
    except RuntimeError as exc:
        raise _fail(str(exc)) from None


HostOpt = Annotated[str | None, typer.Option(help="address to listen on [default: 127.0.0.1]")]
PortOpt = Annotated[int | None, typer.Option(help="HTTP port [default: 8000]")]


@app.command()
def serve(
    host: HostOpt = None,
    port: PortOpt = None,
    smtp_port: Annotated[int | None, typer.Option(help="SMTP intake port [default: 2525]")] = None,
) -> None:
    """Serve the web desk and the API (database from SOPDESK_DATABASE_URL)."""
    _serve(_web_settings(host, port, smtp_port))


@app.command()
def demo(host: HostOpt = None, port: PortOpt = None) -> None:
    """Load the demo orgs, people, accounts and calls (idempotent), then serve."""
    from datetime import UTC, datetime

    from sopdesk.demo import load_demo
    from sopdesk.orgs.service import OrgError

    settings = _web_settings(host, port, None)
    if not settings.playbooks.is_dir():
        raise _fail(f"playbooks directory not found: {settings.playbooks} (set SOPDESK_PLAYBOOKS)")
    try:
        data = load_demo(settings, datetime.now(UTC))
    except OrgError as exc:
        raise _fail(str(exc)) from None
    console = Console()
    shown = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0") else settings.host
    console.rule("sopdesk demo")
    console.print(f"Open [bold]http://{shown}:{settings.port}/[/] and log in as one of:")
    for login in data.logins:
        console.print(f"  {login.email:<28} {login.org_name:<12} {login.role_label}")
    console.print(f"Password for every demo login: [bold]{data.password}[/]")
    console.print(f"Database: {settings.database_url}", highlight=False)
    _serve(settings, demo=data)


@app.command()
def simulate(
    url: Annotated[
        str, typer.Option(help="base URL of a running sopdesk, e.g. http://127.0.0.1:8000")
    ],
    org: Annotated[str, typer.Option(help="org the calls are for, e.g. rondesse")],
    line: Annotated[str, typer.Option(help="line label the calls ring with")],
    rate: Annotated[float, typer.Option(min=0.01, help="calls per second")] = 1.0,
    duration: Annotated[float, typer.Option(min=0.0, help="seconds to keep calling")] = 10.0,
    to: Annotated[str | None, typer.Option("--to", help="dialed number to send too")] = None,
) -> None:
    """Send RingCentral-format call events (ring, answer, hang up) to a running server."""
    from sopdesk.channels.ringcentral.simulate import simulate as run_simulation

    try:
        report = run_simulation(url, org, line, rate=rate, duration=duration, to_number=to)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(report.summary() + "\n")
    raise typer.Exit(0 if report.ok else 1)


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


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option(help="org id, e.g. rondesse")],
    user: Annotated[str, typer.Option(help="the email of the user the token acts as")],
) -> None:
    """Print a new API token (send it as `Authorization: Bearer <token>`); it is shown once."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from sopdesk.db import make_engine, make_sessionmaker, transaction
    from sopdesk.orgs.service import OrgError, create_token

    url = get_settings().database_url
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            token = create_token(session, org_id=org, email=user, now=datetime.now(UTC))
    except OrgError as exc:
        raise _fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _fail(
            f"database {url} not usable ({exc.__class__.__name__}): run `sopdesk serve` "
            "or `sopdesk demo` once to create it"
        ) from None
    finally:
        engine.dispose()
    sys.stdout.write(token + "\n")


def main() -> None:
    app()


# Commands kept in their own modules register on `app` when imported.
from sopdesk.cli import health as _health  # noqa: E402, F401
from sopdesk.cli import webhooks as _webhooks  # noqa: E402, F401
