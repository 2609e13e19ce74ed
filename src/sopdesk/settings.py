"""One typed settings object, read from the environment (SOPDESK_*) when asked, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# src/sopdesk/settings.py -> the repository root, where `playbooks/` lives in a checkout.
REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOPDESK_", extra="ignore")

    playbooks: Path = Field(
        default=REPO_ROOT / "playbooks", description="directory of published playbooks"
    )
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'sopdesk.db'}",
        description="SQLAlchemy URL; SQLite file (WAL) by default, postgresql+psycopg://... for PG",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for live events between workers; in-process when unset"
    )
    secret_key: str = Field(default=DEV_SECRET, description="signs session cookies and CSRF tokens")
    production: bool = Field(default=False, description="refuse the development secret when true")
    ringcentral_verification_token: str | None = Field(
        default=None, description="expected Verification-Token header on RingCentral webhooks"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    smtp_port: int = 2525
    smtp_host: str = Field(default="127.0.0.1", description="address the SMTP intake listens on")
    smtp_max_message_bytes: int = Field(
        default=25 * 1024 * 1024, description="larger messages are refused with 552"
    )
    smtp_max_attachment_bytes: int = Field(
        default=10 * 1024 * 1024, description="a larger attachment refuses its message with 552"
    )
    outbound_smtp_host: str | None = Field(
        default=None, description="relay for replies and notifications; unset: mail is held"
    )
    outbound_smtp_port: int = 25
    outbound_smtp_starttls: bool = False
    outbound_smtp_username: str | None = None
    outbound_smtp_password: str | None = None
    sweeper_interval_seconds: float = Field(
        default=5.0, description="how often each worker sweeps SLA clocks and sends queued mail"
    )
    imap_mailboxes: list[dict[str, Any]] = Field(
        default_factory=list,
        description="JSON list of {team_address, host, port, username, password, folder, ssl}",
    )
    imap_poll_seconds: float = Field(default=60.0, description="how often IMAP mailboxes are read")

    @field_validator("secret_key")
    @classmethod
    def _secret_not_empty(cls, value: str) -> str:
        if len(value) < 16:
            raise ValueError("SOPDESK_SECRET_KEY must be at least 16 characters")
        return value

    def check_production(self) -> None:
        """A production server must not run with the placeholder secret."""
        if self.production and self.secret_key == DEV_SECRET:
            raise ValueError(
                "set SOPDESK_SECRET_KEY: the development secret is refused in production"
            )


def get_settings() -> Settings:
    return Settings()
