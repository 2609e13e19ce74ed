"""Who can get in, from the command line: API tokens, browser sessions, login attempts and
passwords (`sopdesk token ...`, `sopdesk session ...`, `sopdesk user password`). The rules are
the orgs room's, as over the API; the operator acts for the installation, like an admin."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy import select

from sopdesk.cli import app, token_app
from sopdesk.cli.common import desk_transaction
from sopdesk.cli.common import fail as _fail
from sopdesk.cli.common import operator as _operator
from sopdesk.orgs import access, logins, service
from sopdesk.orgs.models import LoginAttempt

session_app = typer.Typer(help="Browser sessions and login attempts.", no_args_is_help=True)
user_app = typer.Typer(help="People's accounts.", no_args_is_help=True)
app.add_typer(session_app, name="session")
app.add_typer(user_app, name="user")

OrgOption = Annotated[str, typer.Option(help="org id, e.g. rondesse")]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON lines")]


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


@token_app.command("create")
def token_create(
    org: OrgOption,
    user: Annotated[
        str, typer.Option(metavar="EMAIL", help="the email of the user the token acts as")
    ],
    expires: Annotated[
        int | None, typer.Option(metavar="DAYS", min=1, max=3650, help="expire after DAYS days")
    ] = None,
    label: Annotated[str | None, typer.Option(help="what the token is for")] = None,
) -> None:
    """Print a new API token (send it as `Authorization: Bearer <token>`); it is shown once."""
    now = datetime.now(UTC)
    until = now + timedelta(days=expires) if expires else None
    with desk_transaction() as session:
        token = service.create_token(
            session, org_id=org, email=user, now=now, expires_at=until, label=label
        )
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(org: OrgOption, as_json: JsonFlag = False) -> None:
    """The org's API tokens: id, whose, label, created, expires, last used, revoked."""
    now = datetime.now(UTC)
    with desk_transaction() as session:
        found = access.tokens_for(session, _operator(org), now)
    for t in found:
        if as_json:
            sys.stdout.write(t.model_dump_json() + "\n")
            continue
        state = "active" if t.active else ("revoked" if t.revoked_at else "expired")
        sys.stdout.write(
            f"{t.id}\t{t.email}\t{t.label or '-'}\t{state}\tcreated {_when(t.created_at)}"
            f"\texpires {_when(t.expires_at)}\tlast used {_when(t.last_used_at)}\n"
        )


@token_app.command("revoke")
def token_revoke(
    org: OrgOption, token_id: Annotated[int, typer.Option("--id", min=1, help="the token's id")]
) -> None:
    """Revoke a token at once (its next request gets 401)."""
    with desk_transaction() as session:
        access.revoke_token_as(session, _operator(org), token_id, datetime.now(UTC))
    sys.stdout.write(f"token {token_id} revoked\n")


@session_app.command("list")
def session_list(org: OrgOption, as_json: JsonFlag = False) -> None:
    """The org's browser sessions that are on: id, whose, since, until, address."""
    with desk_transaction() as session:
        found = access.sessions_for(session, _operator(org), datetime.now(UTC))
    for s in found:
        if as_json:
            sys.stdout.write(s.model_dump_json() + "\n")
            continue
        sys.stdout.write(
            f"{s.id}\t{s.email}\tsince {_when(s.started_at)}\tuntil {_when(s.ends_at)}"
            f"\t{s.address or '-'}\n"
        )


@session_app.command("end")
def session_end(
    org: OrgOption,
    user: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="end every session of this person")
    ] = None,
    session_id: Annotated[
        int | None, typer.Option("--id", min=1, help="end this one session")
    ] = None,
) -> None:
    """End sessions at once (a lost laptop, someone who left): their cookies stop working."""
    if (user is None) == (session_id is None):
        raise _fail("give either --user EMAIL or --id N")
    now = datetime.now(UTC)
    with desk_transaction() as session:
        if session_id is not None:
            access.end_session_as(session, _operator(org), session_id, now)
            ended = 1
        else:
            person = service.member(session, org, user or "")
            ended = logins.end_sessions(session, person.id, now, logins.EndReason.ENDED_BY_OPERATOR)
    sys.stdout.write(f"{ended} session{'s' * (ended != 1)} ended\n")


@session_app.command("attempts")
def session_attempts(
    email: Annotated[str | None, typer.Option(metavar="EMAIL", help="only this email")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="at most this many")] = 50,
) -> None:
    """Recent login attempts of every org and of unknown emails: when, email, address, outcome."""
    query = select(LoginAttempt).order_by(LoginAttempt.id.desc()).limit(limit)
    if email:
        query = query.where(LoginAttempt.email == logins.normal_email(email))
    with desk_transaction() as session:
        rows = list(session.scalars(query))
        for r in rows:
            sys.stdout.write(f"{_when(r.at)}\t{r.email}\t{r.address}\t{r.outcome}\n")


@user_app.command("password")
def user_password(
    org: OrgOption,
    user: Annotated[str, typer.Option(metavar="EMAIL", help="whose password to set")],
) -> None:
    """Set a person's password, read from standard input (one line), and end their sessions."""
    line = sys.stdin.readline().rstrip("\r\n")
    now = datetime.now(UTC)
    with desk_transaction() as session:
        person = service.member(session, org, user)
        service.set_password(session, person, line)
        ended = logins.end_sessions(session, person.id, now, logins.EndReason.PASSWORD_CHANGED)
    sys.stdout.write(f"password set; {ended} session{'s' * (ended != 1)} ended\n")
