"""Orgs, people, tokens and published playbooks: the functions every front shares.

`check_*` validates, `do_*`-style functions change data inside the caller's transaction, and
`get_*` fetch within one org or return None. Nothing here commits: the caller owns the
transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs.models import ApiToken, Org, PublishedPlaybook, Role, User
from sopdesk.playbooks.language.loader import PlaybookError, load_text
from sopdesk.playbooks.language.schema import Playbook
from sopdesk.playbooks.lint import lint_playbook

# OWASP's minimum for argon2id (19 MiB, 2 passes): strong, and fast enough for a login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
TOKEN_PREFIX = "sopd_"


class OrgError(Refusal, ValueError):
    """A request the orgs room refuses (422); the message names the field and what was
    expected, and `fields` holds that one field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "invalid", f"{field}: {message}", [FieldProblem(field, message)])
        self.field = field


@dataclass(frozen=True)
class CurrentPlaybook:
    playbook: Playbook
    version: str
    published_id: int


def publish_playbook(
    session: Session,
    content: str,
    now: datetime,
    by: str | None = None,
    files: Mapping[str, str] | None = None,
) -> PublishedPlaybook:
    """Publish playbook text for its org, with its folder's other files (`files`: path ->
    text), and make it the version new calls get. The same text twice is a no-op (the live
    version stays as it is), a reused version with other text an error."""
    try:
        loaded = load_text(content, "<published>")
    except PlaybookError as exc:
        raise OrgError("playbook", "; ".join(str(f) for f in exc.findings)) from None
    findings = lint_playbook(loaded)
    if findings:
        raise OrgError("playbook", "; ".join(str(f) for f in findings))
    playbook = loaded.playbook
    checksum = hashlib.sha256(content.encode()).hexdigest()
    org = session.get(Org, playbook.org.id)
    if org is None:
        org = Org(id=playbook.org.id, name=playbook.org.name, created_at=now)
        session.add(org)
    org.name = playbook.org.name
    existing = published_version(session, org.id, playbook.version)
    if existing is not None:
        if existing.checksum != checksum:
            raise OrgError(
                "version",
                f"version {playbook.version} is already published with other content: bump it",
            )
        return existing
    row = PublishedPlaybook(
        org_id=org.id,
        version=playbook.version,
        content=content,
        checksum=checksum,
        published_at=now,
        published_by=by,
        files=dict(files or {}),
    )
    session.add(row)
    session.flush()
    org.live_playbook_id = row.id
    session.flush()
    return row


def set_live_playbook(session: Session, row: PublishedPlaybook) -> None:
    """Make an already published version the one new calls get (a rollback, or forward
    again); calls in progress keep the version they started with."""
    session.get_one(Org, row.org_id).live_playbook_id = row.id
    session.flush()


def playbook_versions(session: Session, org_id: str) -> list[PublishedPlaybook]:
    """Every version the org published, newest first."""
    return list(
        session.scalars(
            select(PublishedPlaybook)
            .where(PublishedPlaybook.org_id == org_id)
            .order_by(PublishedPlaybook.published_at.desc(), PublishedPlaybook.id.desc())
        )
    )


def published_version(session: Session, org_id: str, version: str) -> PublishedPlaybook | None:
    return session.scalar(
        select(PublishedPlaybook).where(
            PublishedPlaybook.org_id == org_id, PublishedPlaybook.version == version
        )
    )


# Content-addressed: a checksum names one text forever, whatever database it came from.
_by_checksum: dict[str, Playbook] = {}


def _published(session: Session, row_id: int, checksum: str) -> Playbook:
    """The parsed playbook of a published row; each text is read and parsed once per process."""
    playbook = _by_checksum.get(checksum)
    if playbook is None:
        row = session.get_one(PublishedPlaybook, row_id)
        playbook = load_text(row.content, f"{row.org_id}@{row.version}").playbook
        _by_checksum[checksum] = playbook
    return playbook


def parsed_playbook(session: Session, row: PublishedPlaybook) -> Playbook:
    """A published version's playbook, parsed once per process."""
    return _published(session, row.id, row.checksum)


def get_current_playbook(session: Session, org_id: str) -> CurrentPlaybook | None:
    """The playbook new calls of the org get: the live version (orgs.models.Org's pointer,
    moved by publishing and by a rollback), else the most recently published. One small query;
    each text is parsed once per process."""
    live = select(Org.live_playbook_id).where(Org.id == org_id).scalar_subquery()
    found = session.execute(
        select(PublishedPlaybook.id, PublishedPlaybook.version, PublishedPlaybook.checksum)
        .where(PublishedPlaybook.org_id == org_id)
        .order_by(
            case((PublishedPlaybook.id == live, 0), else_=1),
            PublishedPlaybook.published_at.desc(),
            PublishedPlaybook.id.desc(),
        )
        .limit(1)
    ).first()
    if found is None:
        return None
    row_id, version, checksum = found
    return CurrentPlaybook(_published(session, row_id, checksum), version, row_id)


def org_zone(session: Session, org_id: str) -> ZoneInfo:
    """The time zone the org's people read and type times in: its playbook's `org.timezone`
    (UTC for an org with no playbook published yet)."""
    current = get_current_playbook(session, org_id)
    return ZoneInfo(current.playbook.org.timezone if current else "UTC")


def get_playbook_version(session: Session, org_id: str, version: str) -> Playbook | None:
    """The exact playbook an interaction ran, by its published version."""
    found = session.execute(
        select(PublishedPlaybook.id, PublishedPlaybook.checksum).where(
            PublishedPlaybook.org_id == org_id, PublishedPlaybook.version == version
        )
    ).first()
    return _published(session, found[0], found[1]) if found else None


def published_playbooks(session: Session, org_id: str) -> dict[str, Playbook]:
    """Every version the org published, by version: one query, each text parsed once."""
    rows = session.execute(
        select(PublishedPlaybook.version, PublishedPlaybook.id, PublishedPlaybook.checksum).where(
            PublishedPlaybook.org_id == org_id
        )
    ).all()
    return {version: _published(session, rid, checksum) for version, rid, checksum in rows}


def create_user(
    session: Session,
    *,
    org_id: str,
    email: str,
    name: str,
    role: Role,
    password: str,
    now: datetime,
    team: str | None = None,
) -> User:
    """Add a person to an org; a team member must name a team of the org's playbook."""
    email = email.strip().lower()
    if "@" not in email:
        raise OrgError("email", "expected an email address")
    if len(password) < 8:
        raise OrgError("password", "must be at least 8 characters")
    if session.get(Org, org_id) is None:
        raise OrgError("org", f"no org '{org_id}'")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise OrgError("email", f"{email} already has an account")
    if role is Role.TEAM:
        current = get_current_playbook(session, org_id)
        if not team or current is None or current.playbook.team(team) is None:
            raise OrgError("team", "a team member needs a team defined in the org's playbook")
    user = User(
        org_id=org_id,
        email=email,
        name=name.strip(),
        role=role.value,
        team=team,
        password_hash=_hasher.hash(password),
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def find_login(session: Session, email: str) -> User | None:
    """The user an email logs in as, or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


# What an unknown email's password is checked against: the same work as a real check, so the
# time a login takes does not say whether the email has an account.
_NO_ONE = _hasher.hash(secrets.token_urlsafe(16))


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from (None: no such user, and the
    same argon2 work is spent). CPU only, no database: the web runs it on its own threads."""
    try:
        _hasher.verify(password_hash or _NO_ONE, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with these credentials, or None (same answer for unknown email and bad password)."""
    user = find_login(session, email)
    return user if password_matches(user.password_hash if user else None, password) else None


def set_password(session: Session, user: User, new_password: str) -> None:
    """Give `user` a new password (the caller ends their sessions: orgs.logins.end_sessions)."""
    if len(new_password) < 8:
        raise OrgError("new_password", "must be at least 8 characters")
    if len(new_password) > 1024:
        raise OrgError("new_password", "must be at most 1024 characters")
    user.password_hash = _hasher.hash(new_password)
    session.flush()


def member(session: Session, org_id: str, email: str) -> User:
    """The org's user with this email; OrgError naming `user` when there is none."""
    user = session.scalar(
        select(User).where(User.email == email.strip().lower(), User.org_id == org_id)
    )
    if user is None:
        raise OrgError("user", f"no user {email} in org '{org_id}'")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    org_id: str,
    email: str,
    now: datetime,
    expires_at: datetime | None = None,
    label: str | None = None,
) -> str:
    """A new API token for a user of the org; only its hash is stored. It works until
    `expires_at` (never, without one) or until it is revoked."""
    user = member(session, org_id, email)
    if expires_at is not None and expires_at <= now:
        raise OrgError("expires", "must be in the future")
    if label is not None and len(label) > 200:
        raise OrgError("label", "must be at most 200 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            org_id=org_id,
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=expires_at,
            label=label,
        )
    )
    session.flush()
    return token


# How stale `last_used_at` may get: writing it on every request would make each read a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenHolder:
    user: User
    token_id: int
    needs_touch: bool  # last_used_at is older than LAST_USE_RESOLUTION: write it (touch_token)


def token_holder(session: Session, token: str, now: datetime) -> TokenHolder | None:
    """Who a token acts for, if it is on: known, not revoked, not expired."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION
    return TokenHolder(user, row.id, stale)


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    holder = token_holder(session, token, now)
    return holder.user if holder else None


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def tokens(session: Session, org_id: str, *, user_id: int | None = None) -> list[ApiToken]:
    """The org's API tokens (one person's with `user_id`), newest first, revoked ones too."""
    query = select(ApiToken).where(ApiToken.org_id == org_id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_token(
    session: Session, org_id: str, token_id: int, now: datetime, *, user_id: int | None = None
) -> ApiToken:
    """Revoke a token of the org (only one of `user_id`'s when given); revoking twice keeps
    the first time. An unknown id, another org's or another person's, is the same refusal."""
    row = session.get(ApiToken, token_id)
    if row is None or row.org_id != org_id or (user_id is not None and row.user_id != user_id):
        raise OrgError("token", f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now
    session.flush()
    return row
