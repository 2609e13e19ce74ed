"""What every `sopdesk` command shares: the way it refuses, and one transaction on the desk's
database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.errors import Refusal
from sopdesk.orgs.models import Role, User
from sopdesk.settings import get_settings


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` on stderr; raise the answer to exit with `code` (2: usage)."""
    # Escaped: a message may hold brackets ("[default: ...]") that Rich would take as markup.
    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


@contextmanager
def desk_transaction() -> Iterator[Session]:
    """One transaction on the configured database; a refusal (with what its fields add) or an
    unusable database is a one-line error and exit 2."""
    url = get_settings().database_url
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    except Refusal as exc:
        known = "; ".join(f.message for f in exc.fields if f.message not in exc.message)
        raise fail(f"{exc.message} ({known})" if known else exc.message) from None
    except SQLAlchemyError as exc:
        raise fail(
            f"database {url} not usable ({exc.__class__.__name__}): run `sopdesk serve` "
            "or `sopdesk demo` once to create it"
        ) from None
    finally:
        engine.dispose()


def operator(org: str, by: str | None = None) -> User:
    """Who the operator acts as: an admin of the org (a person no row holds, id 0, so every
    session or token the operator ends is someone else's), recorded in the audit as `by`."""
    name = by or "operator"
    return User(id=0, org_id=org, email=name, name=name, role=Role.ADMIN.value)
