"""`sopdesk webhook-token --org ORG`: a new webhook credential for an org, shown once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sopdesk.cli import app
from sopdesk.cli.common import desk_transaction
from sopdesk.orgs.webhooks import make_webhook_token


@app.command("webhook-token")
def webhook_token(org: Annotated[str, typer.Option(help="org id, e.g. rondesse")]) -> None:
    """Make (or replace) the org's RingCentral webhook credential and print it once: set it as
    the subscription's verification token for /api/v1/telephony/ringcentral?org=ORG."""
    with desk_transaction() as session:
        token = make_webhook_token(session, org)
    sys.stdout.write(token + "\n")
