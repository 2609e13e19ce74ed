"""Tables of the orgs room."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.db import Base, UtcDateTime


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TEAM = "team"  # a member of a named team (Legal, Accounts, lawyers...)
    ADMIN = "admin"


class Org(Base):
    __tablename__ = "org"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # How many calls one person may hold at once (accepted, not wrapped up).
    max_active_calls: Mapped[int] = mapped_column(default=1, server_default="1")
    # SHA-256 of the Verification-Token this org's RingCentral subscription sends (orgs.webhooks).
    webhook_token_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # The published playbook new calls get (a rollback repoints it); None: the latest published.
    # No foreign key: published_playbook already refers to org, and the pointer is checked
    # where it is set (orgs.service.set_live_playbook).
    live_playbook_id: Mapped[int | None] = mapped_column(default=None)


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(64), default=None)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Only a SHA-256 of the token is kept: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # What the token is for ("CRM sync"), so a list of tokens says which one to revoke.
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class LoginSession(Base):
    """One browser login: the cookie carries a random key, the desk keeps its SHA-256 here, so
    logging out, a password change or an admin ends the session on the server, at once."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # logout, password_changed, ended_by_admin, ended_by_operator
    end_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(200), default=None)


class LoginAttempt(Base):
    """Every login tried, kept for the audit and counted by the throttle (orgs.logins): an
    unknown email has no org, so these rows are not the CRM's per-org audit entries."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    # succeeded, bad_password, unknown_email, throttled
    outcome: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[str | None] = mapped_column(ForeignKey("org.id"), default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)


class PublishedPlaybook(Base):
    """A playbook version as published: the exact text every interaction of it ran."""

    __tablename__ = "published_playbook"
    __table_args__ = (
        UniqueConstraint("org_id", "version"),
        Index("ix_published_playbook_org_current", "org_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("org.id"))
    version: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(320), default=None)
    # The rest of the playbook's folder as published (tests/*.yaml, TRACEABILITY.md,
    # articles/*.md, sources/*: path -> text), so `sopdesk playbook export` gives it back whole.
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
