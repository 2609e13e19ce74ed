"""Each org's webhook credential: the Verification-Token its RingCentral subscription sends.

The token is shown once when made and stored only as a SHA-256 digest; a delivery is checked
against the org it names before its body is read. An org with no credential, an unknown org and
a wrong token all fail alike (`webhook_allowed` is False), so a caller cannot learn which orgs
exist by trying names.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs.models import Org


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


def make_webhook_token(session: Session, org_id: str) -> str:
    """A new credential for `org_id` (the previous one stops working); returned once."""
    org = session.get(Org, org_id)
    if org is None:
        known = ", ".join(session.scalars(select(Org.id).order_by(Org.id)))
        raise Refusal(
            404, "not_found", f"no org '{org_id}'", [FieldProblem("org", f"known: {known}")]
        )
    token = secrets.token_urlsafe(32)
    org.webhook_token_hash = _digest(token)
    return token


def webhook_allowed(session: Session, org_id: str, presented: str | None, required: bool) -> bool:
    """Whether a delivery naming `org_id` and carrying `presented` may be read.

    With a credential set, only its token passes. Without one, a delivery passes only where no
    credential is `required` (a desk serving loopback alone, for development and the demo), and
    then only for an org that exists.
    """
    stored = session.scalar(select(Org.webhook_token_hash).where(Org.id == org_id))
    exists = stored is not None or session.get(Org, org_id) is not None
    if stored:
        # Compared in constant time; a missing header compares against a digest of nothing.
        return hmac.compare_digest(stored, _digest(presented or ""))
    return exists and not required
