"""Articles of an org: import from a folder, edit with history, look up. Shared by every front.

`check_*` validates, `save_*`/`import_*`/`edit_*` change data inside the caller's transaction,
`get_*` fetch within one org or return None. Nothing here commits: the caller owns the
transaction. Searching lives in `kb.search`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.errors import Refusal
from sopdesk.kb.article import ArticleDoc, ArticleError, parse_article
from sopdesk.kb.embed import ArticleEmbedder, Embedder, get_embedder, pack
from sopdesk.kb.folder import article_files
from sopdesk.kb.models import Article, ArticleVersion, KbIndexState
from sopdesk.orgs.models import Org, Role, User
from sopdesk.orgs.service import get_current_playbook


class ArticlesRefused(Refusal, ValueError):
    """Every problem found in a set of articles (422); none of them was saved."""

    def __init__(self, errors: Sequence[ArticleError]) -> None:
        self.errors = list(errors)
        problems = [problem for e in self.errors for problem in e.fields]
        count = f"{len(self.errors)} problem{'' if len(self.errors) == 1 else 's'}"
        super().__init__(422, "invalid", f"the articles were not saved: {count}", problems)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class EditNotAllowed(Refusal, PermissionError):
    """403: the user may read the org's articles but not edit them."""

    def __init__(self, role: str) -> None:
        super().__init__(
            403, "forbidden", f"only supervisors and admins edit articles; you are {role}"
        )


EDITORS = (Role.SUPERVISOR.value, Role.ADMIN.value)


@dataclass(frozen=True)
class Draft:
    """An article to save: its content, its text as written, and where it came from."""

    doc: ArticleDoc
    source: str
    origin: str


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Folders not read (hidden, virtual environments, node_modules, __pycache__), relative.
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VersionInfo:
    number: int
    checksum: str
    origin: str
    created_at: datetime
    created_by: str | None
    title: str


def read_folder(directory: Path) -> tuple[list[Draft], list[str]]:
    """Every article file under `directory`, parsed, and the folders skipped (`article_files`);
    all errors at once, or none."""
    drafts: list[Draft] = []
    errors: list[ArticleError] = []
    files = article_files(directory)
    for path in files.paths:
        name = str(path.relative_to(directory))
        try:
            source = path.read_text(encoding="utf-8")
            drafts.append(Draft(parse_article(source, name), source, f"import:{name}"))
        except UnicodeDecodeError:
            errors.append(ArticleError(name, "file", "expected UTF-8 text"))
        except ArticleError as exc:
            errors.append(exc)
    if errors:
        raise ArticlesRefused(errors)
    return drafts, files.skipped


def check_drafts(session: Session, org_id: str, drafts: Sequence[Draft]) -> None:
    """Refuse unknown orgs, repeated slugs, unknown lines, scenarios and related articles."""
    if session.get(Org, org_id) is None:
        raise ArticlesRefused([ArticleError("<org>", "org", f"no org '{org_id}'")])
    current = get_current_playbook(session, org_id)
    playbook = current.playbook if current else None
    known = set(session.scalars(select(Article.slug).where(Article.org_id == org_id)))
    seen: dict[str, str] = {}
    errors: list[ArticleError] = []
    for draft in drafts:
        doc, where = draft.doc, draft.origin.removeprefix("import:")
        if doc.slug in seen:
            errors.append(ArticleError(where, "slug", f"'{doc.slug}' is also {seen[doc.slug]}"))
        seen[doc.slug] = where
        for kind, ids in (("lines", doc.lines), ("scenarios", doc.scenarios)):
            if ids and playbook is None:
                errors.append(ArticleError(where, kind, f"org '{org_id}' has no playbook"))
                continue
            choices = [x.id for x in getattr(playbook, kind, [])]
            for unknown in (i for i in ids if i not in choices):
                expected = ", ".join(choices) or "none"
                message = f"no {kind[:-1]} '{unknown}' in the playbook (expected: {expected})"
                errors.append(ArticleError(where, kind, message))
    slugs = known | set(seen)
    for draft in drafts:
        for slug in (s for s in draft.doc.related if s not in slugs):
            where = draft.origin.removeprefix("import:")
            errors.append(ArticleError(where, "related", f"no article '{slug}' in the org"))
    if errors:
        raise ArticlesRefused(errors)


def save_drafts(
    session: Session,
    org_id: str,
    drafts: Sequence[Draft],
    now: datetime,
    by: str | None = None,
    embedder: ArticleEmbedder | None = None,
) -> ImportReport:
    """Save checked drafts: a new version for each changed article, its vector computed."""
    report = ImportReport()
    existing = {a.slug: a for a in session.scalars(select(Article).where(Article.org_id == org_id))}
    checksums = {
        slug: checksum
        for slug, checksum in session.execute(
            select(Article.slug, ArticleVersion.checksum)
            .join(ArticleVersion, _is_current)
            .where(Article.org_id == org_id)
        )
    }
    changed = [d for d in drafts if checksums.get(d.doc.slug) != d.doc.checksum()]
    report.unchanged = [d.doc.slug for d in drafts if checksums.get(d.doc.slug) == d.doc.checksum()]
    if not changed:
        return report
    embedder = embedder if embedder is not None else get_embedder()
    vectors = embedder.articles([d.doc for d in changed])
    articles: list[Article] = []
    for draft in changed:
        doc = draft.doc
        article = existing.get(doc.slug)
        if article is None:
            article = Article(org_id=org_id, slug=doc.slug, current_version=0, created_at=now)
            session.add(article)
            report.created.append(doc.slug)
        else:
            report.updated.append(doc.slug)
        article.title, article.search_text = doc.title, doc.keyword_text()
        article.applies_to = doc.applies_to()
        article.current_version += 1
        article.updated_at = now
        articles.append(article)
    session.flush()  # one round of inserts gives every new article its id
    session.add_all(
        ArticleVersion(
            article_id=article.id,
            org_id=org_id,
            number=article.current_version,
            source=draft.source,
            fields=draft.doc.model_dump(mode="json"),
            checksum=draft.doc.checksum(),
            origin=draft.origin,
            created_at=now,
            created_by=by,
            embedding=pack(vector),
            embedding_model=embedder.model_id,
        )
        for draft, article, vector in zip(changed, articles, vectors, strict=True)
    )
    _touch_index(session, org_id)
    session.flush()
    return report


_is_current = (ArticleVersion.article_id == Article.id) & (
    ArticleVersion.number == Article.current_version
)


def _touch_index(session: Session, org_id: str) -> None:
    # Two first imports of one org racing here: one fails on the primary key and is retried.
    state = session.get(KbIndexState, org_id)
    if state is None:
        session.add(KbIndexState(org_id=org_id, stamp=uuid.uuid4().hex))
    else:
        state.stamp = uuid.uuid4().hex


def import_folder(
    session: Session,
    org_id: str,
    directory: Path,
    now: datetime,
    by: str | None = None,
    embedder: Embedder | None = None,
) -> ImportReport:
    """Load a folder of article files into the org (`sopdesk kb import`)."""
    drafts, skipped = read_folder(directory)
    check_drafts(session, org_id, drafts)
    report = save_drafts(session, org_id, drafts, now, by, embedder)
    report.skipped = skipped
    return report


def can_edit(user: User) -> bool:
    """Supervisors and admins edit their org's articles; everyone in the org reads them."""
    return user.role in EDITORS


def edit_article(
    session: Session,
    user: User,
    slug: str,
    source: str,
    now: datetime,
    embedder: Embedder | None = None,
) -> int:
    """Save an edit made by `user` in their org (new or existing slug), recorded as theirs;
    returns the current version number. Refused (403) for anyone `can_edit` says no to."""
    if not can_edit(user):
        raise EditNotAllowed(user.role)
    org_id = user.org_id
    doc = parse_article(source, f"{slug}.md", slug=slug)
    if doc.slug != slug:
        raise ArticlesRefused([ArticleError(f"{slug}.md", "slug", "cannot be changed by an edit")])
    drafts = [Draft(doc, source, "edit")]
    check_drafts(session, org_id, drafts)
    save_drafts(session, org_id, drafts, now, user.email, embedder)
    article = get_article(session, org_id, slug)
    assert article is not None
    return article.current_version


def get_article(session: Session, org_id: str, slug: str) -> Article | None:
    """The org's article by slug, e.g. to record "tried this FAQ" with its current version."""
    return session.scalar(select(Article).where(Article.org_id == org_id, Article.slug == slug))


def article_titles(session: Session, org_id: str, slugs: Iterable[str]) -> dict[str, str]:
    """Slug -> title for those of `slugs` that are the org's articles (the rest are left out:
    an agent may name an FAQ in their own words)."""
    wanted = set(slugs)
    if not wanted:
        return {}
    rows = session.execute(
        select(Article.slug, Article.title).where(
            Article.org_id == org_id, Article.slug.in_(wanted)
        )
    )
    return {slug: title for slug, title in rows}


class Catalog:
    """The org's articles as the desk checks them (its `Articles`): an "FAQ tried" on a call
    must name one of these, so a made-up slug cannot satisfy an FAQ-first policy."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def known(self, org_id: str, slugs: Sequence[str]) -> set[str]:
        return set(article_titles(self._session, org_id, slugs))


def article_choices(session: Session, org_id: str) -> list[tuple[str, str]]:
    """(slug, title) of every article of the org, by title: what an agent may name as tried."""
    rows = session.execute(
        select(Article.slug, Article.title).where(Article.org_id == org_id).order_by(Article.title)
    )
    return [(slug, title) for slug, title in rows]


def get_article_doc(
    session: Session, org_id: str, slug: str, number: int | None = None
) -> ArticleDoc | None:
    """An article's content: the current version, or version `number` of its history."""
    article = get_article(session, org_id, slug)
    if article is None:
        return None
    version = session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id,
            ArticleVersion.number == (number or article.current_version),
        )
    )
    return ArticleDoc.model_validate(version.fields) if version else None


def get_article_source(session: Session, org_id: str, slug: str) -> str | None:
    """The current version's text as written (front matter and Markdown), what an edit starts
    from; None when the org has no such article."""
    article = get_article(session, org_id, slug)
    if article is None:
        return None
    source = session.scalar(
        select(ArticleVersion.source).where(
            ArticleVersion.article_id == article.id,
            ArticleVersion.number == article.current_version,
        )
    )
    return source or ""


def article_history(session: Session, org_id: str, slug: str) -> list[VersionInfo]:
    """Every saved version of an article, oldest first."""
    versions = session.scalars(
        select(ArticleVersion)
        .join(Article, Article.id == ArticleVersion.article_id)
        .where(Article.org_id == org_id, Article.slug == slug)
        .order_by(ArticleVersion.number)
    )
    return [
        VersionInfo(
            v.number, v.checksum, v.origin, v.created_at, v.created_by, str(v.fields["title"])
        )
        for v in versions
    ]
