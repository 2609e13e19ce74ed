"""`sopdesk webhook-token --org ORG`: a new webhook credential for an org, shown once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from sopdesk.cli import app
from sopdesk.cli.common import fail as _fail
from sopdesk.db import make_engine, make_sessionmaker, transaction
from sopdesk.errors import Refusal
from sopdesk.orgs.webhooks import make_webhook_token
from sopdesk.settings import get_settings


@app.command("webhook-token")
def webhook_token(org: Annotated[str, typer.Option(help="org id, e.g. rondesse")]) -> None:
    """Make (or replace) the org's RingCentral webhook credential and print it once: set it as
    the subscription's verification token for /api/v1/telephony/ringcentral?org=ORG."""
    url = get_settings().database_url
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            token = make_webhook_token(session, org)
    except Refusal as exc:
        known = "; ".join(f.message for f in exc.fields)
        raise _fail(f"{exc.message} ({known})" if known else exc.message) from None
    except SQLAlchemyError as exc:
        raise _fail(
            f"database {url} not usable ({exc.__class__.__name__}): run `sopdesk serve` "
            "or `sopdesk demo` once to create it"
        ) from None
    finally:
        engine.dispose()
    sys.stdout.write(token + "\n")
