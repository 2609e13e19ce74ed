"""Orgs room on a real database: publishing playbooks, people, passwords and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import transaction
from sopdesk.orgs import service
from sopdesk.orgs.models import Role

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)
RONDESSE = (ROOT / "playbooks/rondesse/playbook.yaml").read_text()


def test_publish_is_idempotent_and_versions_are_immutable(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as s:
        first = service.publish_playbook(s, RONDESSE, NOW)
        again = service.publish_playbook(s, RONDESSE, NOW)
        assert first.id == again.id
        with pytest.raises(service.OrgError, match=r"version: version 2026\.11\.1 is already"):
            service.publish_playbook(s, RONDESSE.replace("Thank you", "Thanks"), NOW)
        current = service.get_current_playbook(s, "rondesse")
        assert current is not None and current.version == "2026.11.1"
        assert current.playbook.line("psos") is not None


def test_publish_refuses_a_playbook_with_lint_findings(
    session_factory: sessionmaker[Session],
) -> None:
    broken = RONDESSE.replace(
        "team: lawyers\n      tell_caller", "team: wizards\n      tell_caller"
    )
    with transaction(session_factory) as s, pytest.raises(service.OrgError, match="wizards"):
        service.publish_playbook(s, broken, NOW)


def test_users_tokens_and_passwords(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as s:
        service.publish_playbook(s, RONDESSE, NOW)
        service.create_user(
            s,
            org_id="rondesse",
            email="Ana@Rondesse.example",
            name="Ana Reyes",
            role=Role.AGENT,
            password="correct horse",
            now=NOW,
        )
        token = service.create_token(s, org_id="rondesse", email="ana@rondesse.example", now=NOW)
    with transaction(session_factory) as s:
        user = service.authenticate(s, "ana@rondesse.example", "correct horse")
        assert user is not None and user.password_hash.startswith("$argon2")
        assert service.authenticate(s, "ana@rondesse.example", "wrong") is None
        assert service.authenticate(s, "nobody@rondesse.example", "correct horse") is None
        found = service.user_for_token(s, token, NOW)
        assert found is not None and found.email == "ana@rondesse.example"
        assert service.user_for_token(s, token + "x", NOW) is None


def test_team_member_needs_a_team_of_the_playbook(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as s:
        service.publish_playbook(s, RONDESSE, NOW)
        with pytest.raises(service.OrgError, match="team"):
            service.create_user(
                s,
                org_id="rondesse",
                email="x@r.example",
                name="X",
                role=Role.TEAM,
                password="12345678",
                now=NOW,
                team="wizards",
            )
        member = service.create_user(
            s,
            org_id="rondesse",
            email="lee@r.example",
            name="Lee",
            role=Role.TEAM,
            password="12345678",
            now=NOW,
            team="lawyers",
        )
        assert member.team == "lawyers"
