"""The playbook library: drafts edited, checked, reviewed and published; versions rolled back.

A draft goes draft → in review → approved → published. Supervisors and admins are authors;
approving takes one of them other than the draft's author. A draft is submitted and approved
only while the linter finds nothing and every test case kept with it passes, checked again at
each step (the text cannot change after submission, but the check is cheap and says why).
Publishing makes a new immutable version (`orgs.service.publish_playbook`) that new calls get;
calls already in progress keep the version they started with. A rollback repoints the org to
any earlier version. Every step is a line of the org's audit trail.

The one service behind the API (`/api/v1/playbooks/...`), the desk's library pages and the
CLI (`sopdesk playbook ...`). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.authoring.drafts import DocumentDraft, DraftFinding, at_lines, draft_from_document
from sopdesk.authoring.models import DraftStatus, PlaybookDraft
from sopdesk.crm.records import audit
from sopdesk.errors import FieldProblem, Refusal
from sopdesk.orgs import service
from sopdesk.orgs.models import PublishedPlaybook, Role, User
from sopdesk.playbooks.cases import Outcome, run_case_text
from sopdesk.playbooks.diff import Change, diff_playbooks
from sopdesk.playbooks.language.loader import PlaybookError, load_text
from sopdesk.playbooks.language.schema import Playbook
from sopdesk.playbooks.lint import lint_playbook

AUTHORS = (Role.SUPERVISOR.value, Role.ADMIN.value)
PLAYBOOK_FILE = "playbook.yaml"
MAX_FILES = 500
MAX_FILE_CHARS = 2_000_000


class LibraryNotFound(Refusal):
    def __init__(self, what: str, key: int | str) -> None:
        message = f"no {what} {key}"
        super().__init__(404, "not_found", message, [FieldProblem(what, message)])


class NotAnAuthor(Refusal):
    def __init__(self, action: str) -> None:
        message = f"only supervisors and admins {action}"
        super().__init__(403, "forbidden", message, [FieldProblem("role", message)])


class NotTheAuthor(Refusal):
    """Only a draft's author changes it: whoever approves then cannot have written any of it."""

    def __init__(self) -> None:
        message = (
            "only the draft's author changes it: send it back with a note, or edit a copy of "
            "your own"
        )
        super().__init__(403, "forbidden", message, [FieldProblem("author", message)])


class StepRefused(Refusal):
    """A workflow step that does not apply now: 409 naming what must happen first."""

    def __init__(
        self, field: str, message: str, problems: list[FieldProblem] | None = None
    ) -> None:
        super().__init__(409, "conflict", message, problems or [FieldProblem(field, message)])


class BadFiles(Refusal):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(
            422, "invalid", f"files[{path}]: {message}", [FieldProblem(f"files.{path}", message)]
        )


@dataclass(frozen=True)
class DraftCheck:
    """What the linter and the test cases say of a draft's text, as its author sees it."""

    findings: list[DraftFinding]
    cases: list[Outcome]
    playbook: Playbook | None  # None: the text does not load

    @property
    def failing(self) -> list[Outcome]:
        return [c for c in self.cases if c.failures]

    @property
    def clean(self) -> bool:
        return self.playbook is not None and not self.findings and not self.failing


@dataclass(frozen=True)
class VersionSummary:
    version: str
    published_at: datetime
    published_by: str | None
    live: bool


@dataclass(frozen=True)
class Library:
    org_id: str
    live: VersionSummary | None
    versions: list[VersionSummary]
    drafts: list[PlaybookDraft]  # in progress; only authors see them


@dataclass(frozen=True)
class DraftView:
    """A draft as its author and reviewer see it: who, its check, and what it changes."""

    draft: PlaybookDraft
    author: str
    reviewer: str | None
    check: DraftCheck
    compared_with: str | None  # the live version the changes are against
    changes: list[Change] | None  # None: the draft does not load, or nothing is live


def is_author(user: User) -> bool:
    return user.role in AUTHORS


def _require_author(user: User, action: str) -> None:
    if not is_author(user):
        raise NotAnAuthor(action)


def require_org(user: User, org_id: str) -> None:
    """A path naming another org is "not found", like one that does not exist."""
    if org_id != user.org_id:
        raise LibraryNotFound("org", org_id)


# --- Reading -------------------------------------------------------------------------------


def library(session: Session, user: User) -> Library:
    """The org's versions (newest first, the live one marked) and its drafts in progress."""
    current = service.get_current_playbook(session, user.org_id)
    live_id = current.published_id if current else None
    versions = [_summary(row, live_id) for row in service.playbook_versions(session, user.org_id)]
    live = next((v for v in versions if v.live), None)
    if not is_author(user):
        return Library(user.org_id, live, versions, [])
    drafts = list(
        session.scalars(
            select(PlaybookDraft)
            .where(
                PlaybookDraft.org_id == user.org_id,
                PlaybookDraft.status.not_in([DraftStatus.PUBLISHED, DraftStatus.DISCARDED]),
            )
            .order_by(PlaybookDraft.updated_at.desc(), PlaybookDraft.id.desc())
        )
    )
    return Library(user.org_id, live, versions, drafts)


def _summary(row: PublishedPlaybook, live_id: int | None) -> VersionSummary:
    return VersionSummary(row.version, row.published_at, row.published_by, row.id == live_id)


def version(session: Session, user: User, number: str) -> PublishedPlaybook:
    row = service.published_version(session, user.org_id, number)
    if row is None:
        raise LibraryNotFound("version", number)
    return row


def live_version(session: Session, org_id: str) -> PublishedPlaybook | None:
    current = service.get_current_playbook(session, org_id)
    return session.get(PublishedPlaybook, current.published_id) if current else None


def get_draft(session: Session, user: User, draft_id: int) -> PlaybookDraft:
    """The org's draft; another org's is "not found", like one that does not exist."""
    _require_author(user, "read playbook drafts")
    draft = session.get(PlaybookDraft, draft_id)
    if draft is None or draft.org_id != user.org_id:
        raise LibraryNotFound("draft", draft_id)
    return draft


def check_text(content: str, files: Mapping[str, str], org_id: str) -> DraftCheck:
    """Lint the playbook text and run every test case file (`tests/*.yaml`) against it."""
    try:
        loaded = load_text(content, PLAYBOOK_FILE)
    except PlaybookError as exc:
        return DraftCheck(at_lines(exc.findings, content), [], None)
    found = lint_playbook(loaded)
    playbook = loaded.playbook
    if playbook.org.id != org_id:
        message = f"org.id is {playbook.org.id}: a playbook of this desk is for org {org_id}"
        found = [loaded.source.finding(("org", "id"), message), *found]
    cases: list[Outcome] = []
    for path in sorted(files):
        if path.startswith("tests/") and path.endswith((".yaml", ".yml")):
            cases += run_case_text(playbook, files[path], path)
    return DraftCheck(at_lines(found, content), cases, playbook)


def check_draft(draft: PlaybookDraft) -> DraftCheck:
    return check_text(draft.content, draft.files, draft.org_id)


def check_edit(session: Session, user: User, draft_id: int, content: str) -> DraftCheck:
    """A draft's check with the text its author is typing (not saved): the editor's live view."""
    draft = get_draft(session, user, draft_id)
    return check_text(content, draft.files, draft.org_id)


def draft_diff(session: Session, draft: PlaybookDraft) -> list[Change] | None:
    """The draft's changes against the live version (None: the draft does not load, or there
    is no version to compare with)."""
    return _changes(session, draft, live_version(session, draft.org_id))


def _changes(
    session: Session, draft: PlaybookDraft, live: PublishedPlaybook | None
) -> list[Change] | None:
    if live is None:
        return None
    try:
        after = load_text(draft.content, PLAYBOOK_FILE).playbook
    except PlaybookError:
        return None
    return diff_playbooks(service.parsed_playbook(session, live), after)


def view_draft(session: Session, user: User, draft_id: int) -> DraftView:
    draft = get_draft(session, user, draft_id)
    return describe_draft(session, draft)


def describe_draft(session: Session, draft: PlaybookDraft) -> DraftView:
    author = session.get(User, draft.author_id)
    reviewer = session.get(User, draft.reviewer_id) if draft.reviewer_id else None
    live = live_version(session, draft.org_id)
    return DraftView(
        draft=draft,
        author=author.email if author else "",
        reviewer=reviewer.email if reviewer else None,
        check=check_draft(draft),
        compared_with=live.version if live else None,
        changes=_changes(session, draft, live),
    )


@dataclass(frozen=True)
class VersionsDiff:
    before: str
    after: str
    changes: list[Change]


def versions_diff(
    session: Session, user: User, before: str | None = None, after: str | None = None
) -> VersionsDiff:
    """What changed from `before` to `after`: by default from the version published before
    the live one to the live one."""
    rows = service.playbook_versions(session, user.org_id)
    live = live_version(session, user.org_id)
    new = version(session, user, after) if after else live
    if new is None:
        raise StepRefused("to", "nothing is published yet")
    if before:
        old = version(session, user, before)
    else:
        earlier = [r for r in rows if (r.published_at, r.id) < (new.published_at, new.id)]
        if not earlier:
            raise StepRefused("from", f"no version was published before {new.version}")
        old = earlier[0]
    return VersionsDiff(
        old.version,
        new.version,
        diff_playbooks(
            service.parsed_playbook(session, old),
            service.parsed_playbook(session, new),
        ),
    )


# --- Writing -------------------------------------------------------------------------------


def _check_files(files: Mapping[str, str]) -> dict[str, str]:
    if len(files) > MAX_FILES:
        raise BadFiles("*", f"at most {MAX_FILES} files")
    clean: dict[str, str] = {}
    for path, text in files.items():
        parts = path.split("/")
        if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise BadFiles(path, "must be a relative path inside the playbook's folder")
        if path == PLAYBOOK_FILE:
            raise BadFiles(path, "is the draft's content, not one of its other files")
        if len(text) > MAX_FILE_CHARS:
            raise BadFiles(path, f"must be at most {MAX_FILE_CHARS} characters")
        clean[path] = text
    return clean


def _audit(
    session: Session, user: User, action: str, draft: PlaybookDraft, now: datetime, **detail: object
) -> None:
    audit(
        session,
        org_id=user.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type="playbook_draft",
        object_id=draft.id,
        playbook_version=draft.published_version or draft.base_version,
        detail={"title": draft.title, **detail},
    )


def new_draft(
    session: Session,
    user: User,
    now: datetime,
    *,
    title: str | None = None,
    content: str | None = None,
    files: Mapping[str, str] | None = None,
) -> PlaybookDraft:
    """A draft: of `content` if given, else a copy of the live version to edit; the live
    version's other files (test cases, traceability table, articles) come with it unless
    `files` are given."""
    _require_author(user, "write playbook drafts")
    live = live_version(session, user.org_id)
    if content is None and live is None:
        raise StepRefused("content", "nothing is published yet: give the draft's content")
    text = content if content is not None else live.content if live else ""
    draft = PlaybookDraft(
        org_id=user.org_id,
        title=(title or (f"Edit of {live.version}" if live else "New playbook")).strip()[:200],
        status=DraftStatus.DRAFT.value,
        content=text,
        files=_check_files(files if files is not None else (live.files if live else {})),
        base_version=live.version if live else None,
        author_id=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    _audit(session, user, "playbook_draft.created", draft, now)
    return draft


def draft_from_upload(
    session: Session,
    user: User,
    data: bytes,
    filename: str,
    content_type: str | None,
    now: datetime,
) -> tuple[PlaybookDraft, DocumentDraft]:
    """A draft from an SOP document (text, Markdown, HTML, .docx, PDF), with the live
    version's test cases and tables beside it for the author to bring up to date; and the
    import's account of itself (what was not placed, with the document's text)."""
    _require_author(user, "import SOP documents")
    imported = draft_from_document(data, filename, content_type)
    draft = new_draft(
        session, user, now, title=f"Imported from {filename}"[:200], content=imported.playbook_yaml
    )
    return draft, imported


def _keep_newlines(new: str, old: str) -> str:
    """Browsers send a text box's lines ending in CRLF: a text kept with LF stays LF, so a
    save in the desk is not a whole-file change in the team's git."""
    return new if "\r\n" in old else new.replace("\r\n", "\n")


def _require_own(draft: PlaybookDraft, user: User) -> None:
    if draft.author_id != user.id:
        raise NotTheAuthor()


def save_draft(
    session: Session,
    user: User,
    draft_id: int,
    content: str,
    now: datetime,
    *,
    files: Mapping[str, str] | None = None,
    title: str | None = None,
) -> PlaybookDraft:
    """Save the draft's text (and files, title); only while it is a draft, not in review."""
    _require_author(user, "edit playbook drafts")
    draft = get_draft(session, user, draft_id)
    _require_own(draft, user)
    if draft.status != DraftStatus.DRAFT:
        raise StepRefused(
            "status", f"the draft is {draft.status.replace('_', ' ')}: it cannot change now"
        )
    draft.content = _keep_newlines(content, draft.content)
    if files is not None:
        draft.files = _check_files(files)
    if title is not None and title.strip():
        draft.title = title.strip()[:200]
    draft.updated_at = now
    session.flush()
    _audit(session, user, "playbook_draft.saved", draft, now)
    return draft


def save_draft_file(
    session: Session, user: User, draft_id: int, path: str, text: str | None, now: datetime
) -> PlaybookDraft:
    """Write one of the draft's other files (a test case file, the traceability table, an
    article), or delete it (`text` None); only while it is a draft."""
    _require_author(user, "edit playbook drafts")
    draft = get_draft(session, user, draft_id)
    _require_own(draft, user)
    _in_status(draft, DraftStatus.DRAFT, "change its files")
    files = dict(draft.files)
    if text is None:
        if path not in files:
            raise LibraryNotFound("file", path)
        del files[path]
    else:
        files.update(_check_files({path: _keep_newlines(text, files.get(path, ""))}))
    draft.files = _check_files(files)  # a new dict: the JSON column sees the change
    draft.updated_at = now
    session.flush()
    action = "playbook_draft.file_deleted" if text is None else "playbook_draft.file_saved"
    _audit(session, user, action, draft, now, path=path)
    return draft


def _require_clean(draft: PlaybookDraft, step: str) -> DraftCheck:
    return _refuse_unless_clean(check_draft(draft), step)


def _refuse_unless_clean(check: DraftCheck, step: str) -> DraftCheck:
    if check.clean:
        return check
    problems = [FieldProblem(f"content:{f.line}", f.message) for f in check.findings]
    problems += [FieldProblem(c.name, f"{c.name}: {'; '.join(c.failures)}") for c in check.failing]
    if check.playbook is None and not problems:
        problems = [FieldProblem("content", "does not load as a playbook")]
    counts = f"{len(check.findings)} lint findings, {len(check.failing)} failing test cases"
    message = f"cannot {step}: {counts}"
    raise StepRefused("content", message, problems)


def _in_status(draft: PlaybookDraft, status: DraftStatus, step: str) -> None:
    if draft.status != status:
        now_is = draft.status.replace("_", " ")
        raise StepRefused(
            "status", f"cannot {step}: the draft is {now_is}, not {status.replace('_', ' ')}"
        )


def submit(session: Session, user: User, draft_id: int, now: datetime) -> PlaybookDraft:
    """Ask for review: the text freezes until it is approved or sent back."""
    _require_author(user, "submit playbook drafts")
    draft = get_draft(session, user, draft_id)
    _in_status(draft, DraftStatus.DRAFT, "submit")
    _require_clean(draft, "submit")
    # What the review's diff is against: publishing later checks it is still what is live.
    live = live_version(session, draft.org_id)
    draft.base_version = live.version if live else None
    draft.status, draft.submitted_at, draft.review_note = DraftStatus.IN_REVIEW.value, now, None
    draft.updated_at = now
    session.flush()
    _audit(session, user, "playbook_draft.submitted", draft, now)
    return draft


def approve(session: Session, user: User, draft_id: int, now: datetime) -> PlaybookDraft:
    """Approve a submitted draft: someone other than its author."""
    _require_author(user, "approve playbooks")
    draft = get_draft(session, user, draft_id)
    _in_status(draft, DraftStatus.IN_REVIEW, "approve")
    if draft.author_id == user.id:
        raise StepRefused(
            "reviewer",
            "the author cannot approve their own draft: another supervisor or admin must",
        )
    _require_clean(draft, "approve")
    draft.status, draft.reviewer_id, draft.reviewed_at = DraftStatus.APPROVED.value, user.id, now
    draft.updated_at = now
    session.flush()
    _audit(session, user, "playbook_draft.approved", draft, now)
    return draft


def send_back(
    session: Session, user: User, draft_id: int, note: str, now: datetime
) -> PlaybookDraft:
    """Return a submitted (or approved, not yet published) draft to its author with a note."""
    _require_author(user, "review playbooks")
    draft = get_draft(session, user, draft_id)
    if draft.status not in (DraftStatus.IN_REVIEW, DraftStatus.APPROVED):
        raise StepRefused(
            "status", f"cannot send back: the draft is {draft.status.replace('_', ' ')}"
        )
    if not note.strip():
        raise StepRefused("note", "say what the author should change")
    draft.status, draft.reviewer_id, draft.reviewed_at = DraftStatus.DRAFT.value, user.id, now
    draft.review_note, draft.updated_at = note.strip()[:5000], now
    session.flush()
    _audit(session, user, "playbook_draft.sent_back", draft, now, note=draft.review_note)
    return draft


def publish(session: Session, user: User, draft_id: int, now: datetime) -> PublishedPlaybook:
    """Publish an approved draft as a new version: new calls get it, calls in progress keep
    theirs."""
    _require_author(user, "publish playbooks")
    draft = get_draft(session, user, draft_id)
    _in_status(draft, DraftStatus.APPROVED, "publish")
    live = live_version(session, draft.org_id)
    if (live.version if live else None) != draft.base_version:
        raise StepRefused(
            "base_version",
            f"version {live.version if live else 'none'} went live after this draft was "
            f"reviewed against {draft.base_version or 'nothing'}: send it back and submit it "
            "again, so that its changes against the live version are reviewed",
        )
    check = _require_clean(draft, "publish")
    assert check.playbook is not None  # _require_clean: it loads
    taken = service.published_version(session, user.org_id, check.playbook.version)
    if taken is not None:
        raise StepRefused(
            "version",
            f"version {check.playbook.version} is already published: give the draft a new version",
        )
    row = service.publish_playbook(session, draft.content, now, by=user.email, files=draft.files)
    draft.status, draft.published_version, draft.published_at = (
        DraftStatus.PUBLISHED.value,
        row.version,
        now,
    )
    draft.updated_at = now
    session.flush()
    _audit_version(session, user, "playbook.published", row, now, draft=draft.id)
    return row


def publish_text(
    session: Session, user: User, content: str, files: Mapping[str, str], now: datetime
) -> tuple[PublishedPlaybook, bool]:
    """Publish a playbook straight from its text and files, reviewed elsewhere (a pull request
    in the team's git): the same check as a draft's, audited the same. The same version with
    the same text and files again is no change (False), so that CI may publish on every run
    without undoing a rollback made in the desk."""
    _require_author(user, "publish playbooks")
    clean_files = _check_files(files)
    check = _refuse_unless_clean(check_text(content, clean_files, user.org_id), "publish")
    assert check.playbook is not None  # clean: it loads
    existing = service.published_version(session, user.org_id, check.playbook.version)
    if existing is not None:
        if existing.content == content and existing.files == clean_files:
            return existing, False
        raise StepRefused(
            "version",
            f"version {existing.version} is already published with other text or files: "
            "give it a new version",
        )
    row = service.publish_playbook(session, content, now, by=user.email, files=clean_files)
    _audit_version(session, user, "playbook.published", row, now, files=len(clean_files))
    return row, True


def discard(session: Session, user: User, draft_id: int, now: datetime) -> PlaybookDraft:
    _require_author(user, "discard playbook drafts")
    draft = get_draft(session, user, draft_id)
    if draft.status == DraftStatus.PUBLISHED:
        raise StepRefused("status", "a published draft is the history of its version: it stays")
    draft.status, draft.updated_at = DraftStatus.DISCARDED.value, now
    session.flush()
    _audit(session, user, "playbook_draft.discarded", draft, now)
    return draft


def rollback(session: Session, user: User, number: str, now: datetime) -> PublishedPlaybook:
    """Make an earlier (or later) published version the one new calls get, in one step."""
    _require_author(user, "roll playbooks back")
    before = live_version(session, user.org_id)
    row = version(session, user, number)
    service.set_live_playbook(session, row)
    _audit_version(
        session, user, "playbook.rolled_back", row, now, **{"from": before and before.version}
    )
    return row


def _audit_version(
    session: Session,
    user: User,
    action: str,
    row: PublishedPlaybook,
    now: datetime,
    **detail: object,
) -> None:
    audit(
        session,
        org_id=user.org_id,
        at=now,
        actor=user.email,
        action=action,
        object_type="playbook_version",
        object_id=row.version,
        playbook_version=row.version,
        detail={"to": row.version, **detail},
    )
