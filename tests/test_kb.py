"""The knowledge base on a real database (SQLite or PostgreSQL): import, history, tenancy,
keyword / semantic / combined search, "no good match" and call suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import transaction
from sopdesk.kb import service
from sopdesk.kb.assist import suggest
from sopdesk.kb.search import Mode, search
from sopdesk.orgs.models import Role, User
from sopdesk.orgs.service import publish_playbook

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 25, 15, tzinfo=UTC)
LEGAL = "client-asks-for-legal-or-accounts"


def editor(org: str, name: str = "editor", role: Role = Role.SUPERVISOR) -> User:
    """Someone of the org saving an edit (not stored: the kb only reads their org, role, email)."""
    return User(org_id=org, email=name, name=name, role=role.value)


@pytest.fixture
def kb(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Both seed orgs published, with the articles of playbooks/*/articles imported."""
    with transaction(session_factory) as s:
        for org in ("myoperator", "rondesse"):
            publish_playbook(s, (ROOT / "playbooks" / org / "playbook.yaml").read_text(), T0)
            service.import_folder(s, org, ROOT / "playbooks" / org / "articles", T0, "admin")
    return session_factory


def test_an_agent_asking_about_legal_gets_the_legal_article_first(
    kb: sessionmaker[Session],
) -> None:
    with kb() as s:
        result = search(s, "myoperator", "client wants to talk to legal")
    assert not result.no_good_match
    first = result.hits[0]
    assert first.slug == LEGAL
    assert first.quick_answer and first.quick_answer.startswith("- First, consult the relevant FAQ")
    assert [r.slug for r in first.related][:2] == [
        "unclaimed-payments-report",
        "payment-tracking-request",
    ]
    assert all(r.summary_only for r in first.related)


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_finds_the_rondesse_scenarios(kb: sessionmaker[Session], mode: Mode) -> None:
    cases = {
        "the officer gave me his badge number": "law-enforcement-call",
        "caller lost money in a crypto wallet": "crypto-call",
        "IRS is asking about taxes": "irs-call",
    }
    with kb() as s:
        for query, slug in cases.items():
            result = search(s, "rondesse", query, mode=mode, limit=3)
            assert result.hits and result.hits[0].slug == slug, (query, result.hits)


def test_semantic_search_understands_words_the_article_does_not_use(
    kb: sessionmaker[Session],
) -> None:
    with kb() as s:
        keyword = search(s, "rondesse", "policeman", mode=Mode.KEYWORD)
        semantic = search(
            s, "rondesse", "a policeman is on the phone with my client", mode=Mode.SEMANTIC
        )
    assert keyword.no_good_match  # no article says "policeman"
    assert semantic.hits[0].slug == "law-enforcement-call"


def test_no_good_match_instead_of_noise(kb: sessionmaker[Session]) -> None:
    with kb() as s:
        for query in ("how long do I boil an egg", "who won the world cup in 1998", "   "):
            for mode in (Mode.COMBINED, Mode.SEMANTIC):
                result = search(s, "myoperator", query, mode=mode)
                assert result.no_good_match and result.hits == [], query
        loose = search(s, "myoperator", "how long do I boil an egg", min_score=None)
        assert loose.hits  # without the threshold the nearest article would have been shown


def test_tenants_never_see_each_others_articles(kb: sessionmaker[Session]) -> None:
    with kb() as s:
        for mode in Mode:
            result = search(s, "myoperator", "law enforcement badge number", mode=mode)
            assert all(not h.slug.startswith("law-") for h in result.hits)
            result = search(s, "rondesse", "Legal or Accounts team by email", mode=mode)
            assert LEGAL not in [h.slug for h in result.hits]
        assert service.get_article(s, "rondesse", LEGAL) is None
        assert service.get_article_doc(s, "rondesse", LEGAL) is None
        assert service.article_history(s, "rondesse", LEGAL) == []
        assert LEGAL not in [h.slug for h in suggest(s, "rondesse", None, None, "talk to legal")]


def test_edits_make_versions_and_search_follows_the_current_one(
    kb: sessionmaker[Session],
) -> None:
    source = "---\ntitle: Refund window\nquick_answer: Refunds within 14 days.\n---\nBody."
    with transaction(kb) as s:
        assert service.edit_article(s, editor("myoperator", "priya"), "refunds", source, T0) == 1
        assert service.edit_article(s, editor("myoperator", "priya"), "refunds", source, T0) == 1
    with kb() as s:
        assert search(s, "myoperator", "how many days do we have to refund").hits[0].slug == (
            "refunds"
        )
    later = T0 + timedelta(hours=1)
    edited = source.replace("Refund window", "Parking at the office").replace(
        "Refunds within 14 days.", "Visitors park in bay 3."
    )
    with transaction(kb) as s:
        assert service.edit_article(s, editor("myoperator", "sam"), "refunds", edited, later) == 2
    with kb() as s:
        history = service.article_history(s, "myoperator", "refunds")
        assert [(v.number, v.title, v.created_by) for v in history] == [
            (1, "Refund window", "priya"),
            (2, "Parking at the office", "sam"),
        ]
        old = service.get_article_doc(s, "myoperator", "refunds", number=1)
        assert old is not None and old.quick_answer == "Refunds within 14 days."
        found = search(s, "myoperator", "where can visitors park")
        assert found.hits[0].slug == "refunds" and found.hits[0].version == 2
        assert search(s, "myoperator", "refund", mode=Mode.KEYWORD).no_good_match


def test_only_supervisors_and_admins_edit_whatever_the_front(kb: sessionmaker[Session]) -> None:
    assert [service.can_edit(editor("myoperator", role=role)) for role in Role] == [
        False,  # agent
        True,  # supervisor
        False,  # team
        True,  # admin
    ]
    source = "---\ntitle: Refund window\n---\nBody."
    for role in (Role.AGENT, Role.TEAM):
        with transaction(kb) as s, pytest.raises(service.EditNotAllowed) as refused:
            service.edit_article(s, editor("myoperator", "priya", role), "refunds", source, T0)
        assert (refused.value.status, refused.value.code) == (403, "forbidden")
    with kb() as s:
        assert service.get_article(s, "myoperator", "refunds") is None  # nothing was saved
    with transaction(kb) as s:
        assert service.edit_article(s, editor("myoperator", role=Role.ADMIN), "refunds", source, T0)


def test_reimporting_a_changed_folder_updates_only_what_changed(
    kb: sessionmaker[Session], tmp_path: Path
) -> None:
    for path in (ROOT / "playbooks/myoperator/articles").glob("*.md"):
        (tmp_path / path.name).write_text(path.read_text())
    weekly = tmp_path / "weekly-payment-cycle.md"
    weekly.write_text(weekly.read_text().replace("Tuesday (end of day)", "Tuesday (EOD)"))
    with transaction(kb) as s:
        report = service.import_folder(s, "myoperator", tmp_path, T0)
    assert report.updated == ["weekly-payment-cycle"] and len(report.unchanged) == 5
    with kb() as s:
        assert len(service.article_history(s, "myoperator", "weekly-payment-cycle")) == 2


def test_import_refuses_the_whole_folder_and_names_every_problem(
    kb: sessionmaker[Session], tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\nlines: [nowhere]\nrelated: [ghost]\n---\n")
    (tmp_path / "b.md").write_text("---\ntitle: B\nscenarios: [crypto]\n---\n")
    (tmp_path / "c.md").write_text("---\ntitle: C\nslug: a\n---\n")
    with transaction(kb) as s, pytest.raises(service.ArticlesRefused) as caught:
        service.import_folder(s, "myoperator", tmp_path, T0)
    problems = {(e.file, e.field) for e in caught.value.errors}
    assert problems == {
        ("a.md", "lines"),
        ("b.md", "scenarios"),
        ("c.md", "slug"),
        ("a.md", "related"),
    }
    assert "no line 'nowhere' in the playbook (expected: support)" in str(caught.value)
    with kb() as s:
        assert service.get_article(s, "myoperator", "b") is None
    with transaction(kb) as s, pytest.raises(service.ArticlesRefused, match="no org 'nobody'"):
        service.import_folder(s, "nobody", ROOT / "playbooks/myoperator/articles", T0)


def test_suggestions_follow_the_call(kb: sessionmaker[Session]) -> None:
    with kb() as s:
        on_psos = suggest(s, "rondesse", "psos", None, None)
        assert [h.slug for h in on_psos] == ["psos"]
        in_crypto = suggest(s, "rondesse", "usos", "crypto", "")
        assert [h.slug for h in in_crypto][:1] == ["crypto-call"]
        assert {"usos", "usos-safe-advice"} <= {h.slug for h in in_crypto}
        typed = suggest(s, "myoperator", "support", None, "client wants to talk to legal", 3)
        assert typed[0].slug == LEGAL and typed[0].quick_answer
        assert suggest(s, "myoperator", "support", None, "recipe for banana bread") == []
        article = service.get_article(s, "myoperator", typed[0].slug)
        assert article is not None and article.current_version == typed[0].version == 1


def test_a_few_keywords_are_enough_when_one_article_has_them_all(
    kb: sessionmaker[Session],
) -> None:
    with kb() as s:
        for org, query, slug in [
            ("rondesse", "badge number", "law-enforcement-call"),
            ("rondesse", "hot lead", "main-hotline"),
            ("myoperator", "legal", LEGAL),
            ("myoperator", "NEFT", "suspended-account-payment"),
        ]:
            assert search(s, org, query, mode=Mode.SEMANTIC).no_good_match, query
            hits = search(s, org, query).hits
            assert slug in [h.slug for h in hits[:2]], (query, hits)
        assert search(s, "rondesse", "badge number for the egg boiler").no_good_match


def test_a_small_org_is_not_crowded_out_by_a_big_one(kb: sessionmaker[Session]) -> None:
    with transaction(kb) as s:
        for n in range(30):
            body = f"---\ntitle: Refund rule {n}\nquick_answer: Refund number {n}.\n---\n"
            service.edit_article(s, editor("rondesse"), f"refund-{n}", body, T0)
        # One mention in a long text: bm25 ranks it below every Rondesse article.
        long_text = "---\ntitle: Money back\n---\n" + "words " * 200 + "refund"
        service.edit_article(s, editor("myoperator"), "refunds", long_text, T0)
    with kb() as s:
        for mode in (Mode.KEYWORD, Mode.COMBINED):
            assert [h.slug for h in search(s, "myoperator", "refund", mode=mode).hits] == [
                "refunds"
            ]
        assert len(search(s, "rondesse", "refund", mode=Mode.KEYWORD, limit=25).hits) == 25
