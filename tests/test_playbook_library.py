"""The playbook library's workflow through its service, on both backends: a draft is edited,
checked (lint and the test cases kept with it), submitted, approved by someone else, published
as a new version that new calls get while a call in progress keeps its own through wrap-up,
and rolled back in one step; every step is audited, and no org sees another's drafts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from personas import ROOT, T0, World, admin_ada, build_world
from sopdesk.authoring import library
from sopdesk.authoring.models import DraftStatus
from sopdesk.crm.models import AuditEntry
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallIn, receive_call
from sopdesk.desk.wrapup import wrap_up
from sopdesk.errors import Refusal
from sopdesk.orgs.models import User
from sopdesk.playbooks.diff import ChangeKind

SEED = ROOT / "playbooks" / "rondesse"
NEW_STEP = """      - id: probe
        text: Proceed with probing and normal call handling procedures.
      - id: verify
        text: Confirm the caller's name and phone number.
        required: false
"""
OLD_STEP = """      - id: probe
        text: Proceed with probing and normal call handling procedures.
"""


def seed_files(folder: Path = SEED) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "playbook.yaml"
    }


def next_version(text: str) -> str:
    assert OLD_STEP in text
    return text.replace('version: "2026.11.1"', 'version: "2026.12.1"').replace(OLD_STEP, NEW_STEP)


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def ada(session_factory: sessionmaker[Session], world: World) -> User:
    """A second author: an admin, to approve what Sam writes."""
    return admin_ada(session_factory)


def _ring(factory: sessionmaker[Session], at=T0) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        return receive_call(
            s, CallIn(org_id="rondesse", at=at, label="Rondesse Main Number"), at
        ).id


def _steps(factory: sessionmaker[Session], iid: int) -> list[str]:
    with factory() as s:
        interaction = desk.access_interaction(s, _sam(s), iid)
        return [
            step.id for step in desk.line_of(desk.playbook_of(s, interaction), interaction).steps
        ]


def _sam(s: Session) -> User:
    return s.scalars(select(User).where(User.email == "sam@rondesse.example")).one()


def next_cases(files: dict[str, str]) -> dict[str, str]:
    """The test cases brought up to date with next_version, as its author would."""
    main = files["tests/main.yaml"]
    main = main.replace("steps: [greet, probe, outcome]", "steps: [greet, probe, verify, outcome]")
    return {**files, "tests/main.yaml": main.replace('"2026.11.1"', '"2026.12.1"')}


def _draft(factory: sessionmaker[Session], author: User) -> int:
    with transaction(factory) as s:
        draft = library.new_draft(s, author, T0, files=seed_files())
        text, files = next_version(draft.content), next_cases(seed_files())
        library.save_draft(s, author, draft.id, text, T0, files=files)
        return draft.id


def test_a_draft_goes_from_edit_to_live_and_back_in_one_rollback(
    session_factory: sessionmaker[Session], world: World, ada: User
) -> None:
    sam, ana = world.supervisor_sam, world.agent_ana
    in_progress = _ring(session_factory)
    with transaction(session_factory) as s:
        desk.accept(s, ana, in_progress, T0)
    draft_id = _draft(session_factory, sam)
    with session_factory() as s:
        draft = library.get_draft(s, sam, draft_id)
        check = library.check_draft(draft)
        assert check.findings == [] and check.cases and check.failing == []
        changes = library.draft_diff(s, draft)
        assert changes is not None
        assert [(c.kind, c.path) for c in changes] == [
            (ChangeKind.ADDED, "lines[id=main].steps[id=verify]")
        ]
    at = T0 + timedelta(minutes=5)
    with transaction(session_factory) as s:
        library.submit(s, sam, draft_id, at)
    with pytest.raises(Refusal) as own, transaction(session_factory) as s:
        library.approve(s, sam, draft_id, at)
    assert own.value.status == 409 and own.value.fields[0].field == "reviewer"
    with transaction(session_factory) as s:
        library.approve(s, ada, draft_id, at)
        published = library.publish(s, ada, draft_id, at)
        assert published.version == "2026.12.1"
        assert published.files == next_cases(seed_files())
    new_call = _ring(session_factory, at)
    assert _steps(session_factory, new_call) == ["greet", "probe", "verify", "outcome"]
    # The call taken before publication keeps its version through wrap-up.
    assert _steps(session_factory, in_progress) == ["greet", "probe", "outcome"]
    with transaction(session_factory) as s:
        for step in ("greet", "probe"):
            desk.set_step(s, ana, in_progress, step, True, at)
        desk.set_outcome(s, ana, in_progress, True, at)
    with transaction(session_factory) as s:
        assert wrap_up(s, ana, in_progress, at).written
    with transaction(session_factory) as s:
        library.rollback(s, sam, "2026.11.1", at)
    assert _steps(session_factory, _ring(session_factory, at)) == ["greet", "probe", "outcome"]
    with session_factory() as s:
        shelf = library.library(s, sam)
        assert [(v.version, v.live) for v in shelf.versions] == [
            ("2026.12.1", False),
            ("2026.11.1", True),
        ]
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type.in_(["playbook_draft", "playbook_version"]))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "playbook_draft.created",
        "playbook_draft.saved",
        "playbook_draft.submitted",
        "playbook_draft.approved",
        "playbook.published",
        "playbook.rolled_back",
    ]


def test_a_draft_with_findings_or_failing_cases_is_not_submitted(
    session_factory: sessionmaker[Session], world: World
) -> None:
    sam = world.supervisor_sam
    with transaction(session_factory) as s:
        draft = library.new_draft(s, sam, T0, files=seed_files())
        broken = draft.content.replace("urgency: normal", "urgency: nowhere", 1)
        library.save_draft(s, sam, draft.id, broken, T0)
        draft_id = draft.id
    with pytest.raises(Refusal) as refused, transaction(session_factory) as s:
        library.submit(s, sam, draft_id, T0)
    assert refused.value.status == 409
    assert any("nowhere" in f.message for f in refused.value.fields)
    # A step removed that a kept test case expects: the case fails and says which.
    with transaction(session_factory) as s:
        fewer = draft.content.replace(OLD_STEP, "")
        library.save_draft(s, sam, draft_id, fewer, T0)
        check = library.check_draft(library.get_draft(s, sam, draft_id))
    assert check.findings == [] or all("probe" not in f.message for f in check.findings)
    assert any(o.name.startswith("tests/main.yaml::") for o in check.failing)
    with session_factory() as s:
        assert library.get_draft(s, sam, draft_id).status == DraftStatus.DRAFT


def test_a_draft_for_another_org_is_a_finding_and_other_orgs_never_see_it(
    session_factory: sessionmaker[Session], world: World
) -> None:
    sam, olga = world.supervisor_sam, world.other_org_olga
    with transaction(session_factory) as s:
        draft = library.new_draft(s, sam, T0)
        library.save_draft(
            s, sam, draft.id, draft.content.replace("id: rondesse", "id: myoperator", 1), T0
        )
        check = library.check_draft(draft)
    assert any("a playbook of this desk is for org rondesse" in f.message for f in check.findings)
    with pytest.raises(Refusal) as hidden, session_factory() as s:
        library.get_draft(s, olga, draft.id)
    assert hidden.value.status == 404
    with session_factory() as s:
        assert library.library(s, olga).drafts == []


def test_agents_write_no_drafts_and_a_published_version_cannot_be_reused(
    session_factory: sessionmaker[Session], world: World, ada: User
) -> None:
    with pytest.raises(Refusal) as agent, transaction(session_factory) as s:
        library.new_draft(s, world.agent_ana, T0)
    assert agent.value.status == 403
    with transaction(session_factory) as s:  # same version number, other text
        draft = library.new_draft(s, world.supervisor_sam, T0, files=seed_files())
        text = next_version(draft.content).replace('version: "2026.12.1"', 'version: "2026.11.1"')
        files = next_cases(seed_files())
        files["tests/main.yaml"] = files["tests/main.yaml"].replace('"2026.12.1"', '"2026.11.1"')
        library.save_draft(s, world.supervisor_sam, draft.id, text, T0, files=files)
        library.submit(s, world.supervisor_sam, draft.id, T0)
        library.approve(s, ada, draft.id, T0)
        draft_id = draft.id
    with pytest.raises(Refusal) as reused, transaction(session_factory) as s:
        library.publish(s, ada, draft_id, T0)
    assert reused.value.status == 409 and reused.value.fields[0].field == "version"


def test_a_reviewer_sends_a_draft_back_with_a_note(
    session_factory: sessionmaker[Session], world: World, ada: User
) -> None:
    draft_id = _draft(session_factory, world.supervisor_sam)
    with transaction(session_factory) as s:
        library.submit(s, world.supervisor_sam, draft_id, T0)
    with pytest.raises(Refusal), transaction(session_factory) as s:  # frozen in review
        library.save_draft(s, world.supervisor_sam, draft_id, "format: 1", T0)
    with transaction(session_factory) as s:
        back = library.send_back(s, ada, draft_id, "Say which name to confirm.", T0)
        assert (back.status, back.review_note) == (DraftStatus.DRAFT, "Say which name to confirm.")


def test_a_draft_reviewed_against_a_version_no_longer_live_is_not_published(
    session_factory: sessionmaker[Session], world: World, ada: User
) -> None:
    draft_id = _draft(session_factory, world.supervisor_sam)
    with transaction(session_factory) as s:
        library.submit(s, world.supervisor_sam, draft_id, T0)
        library.approve(s, ada, draft_id, T0)
    with transaction(session_factory) as s:  # meanwhile another version goes live
        other = next_version(seed_text()).replace('"2026.12.1"', '"2026.12.9"')
        library.publish_text(s, ada, other, {}, T0 + timedelta(minutes=1))
    with pytest.raises(Refusal) as stale, transaction(session_factory) as s:
        library.publish(s, ada, draft_id, T0 + timedelta(minutes=2))
    assert stale.value.status == 409 and stale.value.fields[0].field == "base_version"
    assert "2026.12.9 went live" in stale.value.message


def seed_text() -> str:
    return (SEED / "playbook.yaml").read_text()
