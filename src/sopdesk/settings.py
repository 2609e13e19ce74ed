"""One typed settings object, read from the environment (SOPDESK_*) when asked, never at import."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
# The seed playbooks, with their articles and cases: the build copies `playbooks/` here.
SEED_PLAYBOOKS = PACKAGE_DIR / "seed" / "playbooks"
# htmx and its SSE extension: `make setup` copies them here from its npm install, the build
# ships them in the wheel (never committed: they come from the npm registry).
BUNDLED_VENDOR = PACKAGE_DIR / "web" / "static" / "vendor"
DEV_SECRET = "dev-only-secret-change-me"


def checkout_root() -> Path | None:
    """The repository root when running from a checkout (src/sopdesk), None when installed."""
    root = PACKAGE_DIR.parents[1]
    if PACKAGE_DIR.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


def installed_version() -> str:
    """sopdesk's version as installed ("unknown" when its metadata cannot be read)."""
    # Read when asked, not at import; a reinstall in progress may briefly hide the metadata.
    try:
        return importlib.metadata.version("sopdesk") or "unknown"
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def default_playbooks() -> Path:
    """A checkout's own `playbooks/` (edits show at once), else the seed shipped in the package."""
    root = checkout_root()
    if root is not None and (root / "playbooks").is_dir():
        return root / "playbooks"
    return SEED_PLAYBOOKS


def default_database_url() -> str:
    """A SQLite file in the checkout's `var/`, or in `./var/` of the working folder."""
    return f"sqlite:///{(checkout_root() or Path.cwd()) / 'var' / 'sopdesk.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOPDESK_", extra="ignore")

    playbooks: Path = Field(
        default_factory=default_playbooks,
        description="directory of published playbooks; the seed playbooks by default",
    )
    vendor_dir: Path | None = Field(
        default=None,
        description="the front-end libraries as npm installs them (htmx.org/dist/htmx.min.js, "
        "htmx-ext-sse/dist/sse.js, swagger-ui-dist, chart.js/dist/chart.umd.min.js); unset: the "
        "copy bundled in the package",
    )
    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL; SQLite file (WAL) by default, postgresql+psycopg://... for PG",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for live events between workers; in-process when unset"
    )
    secret_key: str = Field(default=DEV_SECRET, description="signs session cookies and CSRF tokens")
    production: bool = Field(default=False, description="refuse the development secret when true")
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
    reopen_within_days: int = Field(
        default=14,
        ge=0,
        description="a reply to a ticket resolved longer ago opens a new ticket that follows it",
    )

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
