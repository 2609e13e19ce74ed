"""One typed settings object, read from the environment (SOPDESK_*) when asked, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# src/sopdesk/settings.py -> the repository root, where `playbooks/` lives in a checkout.
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOPDESK_", extra="ignore")

    playbooks: Path = Field(
        default=REPO_ROOT / "playbooks", description="directory of published playbooks"
    )


def get_settings() -> Settings:
    return Settings()
