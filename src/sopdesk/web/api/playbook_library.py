"""The playbook library over the API: versions, drafts, review, publish and rollback.

`GET /api/v1/playbooks` and the versions are for everyone signed in (agents run them); drafts,
the check, publishing and rollback are for authors (supervisors and admins). A path naming
another org answers 404, as if it did not exist. `sopdesk.authoring.library` holds the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from sopdesk.authoring import library
from sopdesk.authoring.library import DraftCheck, DraftView, VersionSummary
from sopdesk.authoring.models import PlaybookDraft
from sopdesk.orgs.models import PublishedPlaybook, User
from sopdesk.playbooks.diff import Change
from sopdesk.web.api.playbook_imports import DraftFindingPublic
from sopdesk.web.deps import CurrentSupervisor, CurrentUser, Now, SessionDep
from sopdesk.web.errors import ErrorResponse
from sopdesk.web.ids import IdPath

router = APIRouter(prefix="/playbooks", tags=["playbooks"])

OrgPath = Annotated[str, Path(max_length=64, description="the org's id (yours)")]
VersionPath = Annotated[str, Path(max_length=64, description="a published version")]
Content = Annotated[str, Field(max_length=library.MAX_FILE_CHARS, description="playbook YAML")]
Files = Annotated[
    dict[str, Annotated[str, Field(max_length=library.MAX_FILE_CHARS)]],
    Field(
        max_length=library.MAX_FILES,
        description="the folder's other files by relative path: tests/*.yaml (the test cases "
        "the check runs), TRACEABILITY.md, articles/*.md",
    ),
]

REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorResponse, "description": "Only supervisors and admins write playbooks"},
    404: {"model": ErrorResponse, "description": "No such org, version or draft in your org"},
    409: {
        "model": ErrorResponse,
        "description": "The step does not apply now: the draft is in another status, has lint "
        "findings or failing test cases (each named in `fields`), the approver is its author, "
        "or its version number is already published",
    },
}


class VersionPublic(BaseModel):
    version: str
    published_at: datetime
    published_by: str | None
    live: bool = Field(description="the version new calls get")

    @classmethod
    def of(cls, v: VersionSummary) -> VersionPublic:
        return cls(**vars(v))


class VersionDetail(VersionPublic):
    content: str = Field(description="the playbook's YAML as published")
    checksum: str
    files: dict[str, str] = Field(description="the folder's other files as published")


class DraftSummary(BaseModel):
    id: int
    title: str
    status: str = Field(description="draft, in_review, approved, published or discarded")
    base_version: str | None = Field(description="the version that was live when it was made")
    updated_at: datetime
    review_note: str | None = Field(description="why a reviewer sent it back")
    published_version: str | None

    @classmethod
    def of(cls, d: PlaybookDraft) -> DraftSummary:
        return cls(
            id=d.id,
            title=d.title,
            status=d.status,
            base_version=d.base_version,
            updated_at=d.updated_at,
            review_note=d.review_note,
            published_version=d.published_version,
        )


class LibraryPublic(BaseModel):
    org: str
    live: VersionPublic | None
    versions: list[VersionPublic] = Field(description="newest first")
    drafts: list[DraftSummary] = Field(description="in progress (authors only)")


class CasePublic(BaseModel):
    name: str = Field(description="the case file and the case's name")
    passed: bool
    failures: list[str]


class CheckPublic(BaseModel):
    clean: bool = Field(description="loads, no lint finding, every test case passes")
    loads: bool
    findings: list[DraftFindingPublic]
    cases: list[CasePublic]

    @classmethod
    def of(cls, check: DraftCheck) -> CheckPublic:
        return cls(
            clean=check.clean,
            loads=check.playbook is not None,
            findings=[DraftFindingPublic(**vars(f)) for f in check.findings],
            cases=[
                CasePublic(name=c.name, passed=not c.failures, failures=list(c.failures))
                for c in check.cases
            ],
        )


class ChangePublic(BaseModel):
    kind: str = Field(description="added, removed, changed or reordered")
    path: str = Field(description="the element, e.g. lines[id=usos].steps[id=intake].text")
    label: str
    before: str | None
    after: str | None
    wording_only: bool = Field(description="a source, note or description: not behaviour")

    @classmethod
    def of(cls, c: Change) -> ChangePublic:
        return cls(**vars(c))


class DraftDetail(DraftSummary):
    author: str
    reviewer: str | None
    created_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    published_at: datetime | None
    content: str
    files: dict[str, str]
    check: CheckPublic
    compared_with: str | None = Field(description="the live version `changes` are against")
    changes: list[ChangePublic] | None = Field(
        description="the semantic diff against the live version (null: the draft does not "
        "load, or nothing is live)"
    )

    @classmethod
    def of_view(cls, view: DraftView) -> DraftDetail:
        d = view.draft
        return cls(
            **DraftSummary.of(d).model_dump(),
            author=view.author,
            reviewer=view.reviewer,
            created_at=d.created_at,
            submitted_at=d.submitted_at,
            reviewed_at=d.reviewed_at,
            published_at=d.published_at,
            content=d.content,
            files=d.files,
            check=CheckPublic.of(view.check),
            compared_with=view.compared_with,
            changes=None if view.changes is None else [ChangePublic.of(c) for c in view.changes],
        )


class DraftIn(BaseModel):
    title: str | None = Field(None, max_length=200)
    content: Content | None = Field(None, description="omitted: a copy of the live version")
    files: Files | None = Field(None, description="omitted: the live version's files")


class DraftUpdate(BaseModel):
    content: Content
    title: str | None = Field(None, max_length=200)
    files: Files | None = Field(None, description="omitted: the files stay as they are")


class CheckIn(BaseModel):
    content: Content
    files: Files = Field(default_factory=dict)


class SendBack(BaseModel):
    note: str = Field(min_length=1, max_length=5000, description="what the author should change")


def _detail(session: SessionDep, user: User, draft_id: int) -> DraftDetail:
    return DraftDetail.of_view(library.view_draft(session, user, draft_id))


def _version_detail(row: PublishedPlaybook, live: bool) -> VersionDetail:
    return VersionDetail(
        version=row.version,
        published_at=row.published_at,
        published_by=row.published_by,
        live=live,
        content=row.content,
        checksum=row.checksum,
        files=row.files,
    )


@router.get("", response_model=list[LibraryPublic])
def list_playbooks(session: SessionDep, user: CurrentUser) -> list[LibraryPublic]:
    """Your org's playbook: its live version, its versions and (authors) its drafts."""
    lib = library.library(session, user)
    return [
        LibraryPublic(
            org=lib.org_id,
            live=VersionPublic.of(lib.live) if lib.live else None,
            versions=[VersionPublic.of(v) for v in lib.versions],
            drafts=[DraftSummary.of(d) for d in lib.drafts],
        )
    ]


@router.get("/{org}/versions", response_model=list[VersionPublic], responses=REFUSED)
def list_versions(org: OrgPath, session: SessionDep, user: CurrentUser) -> list[VersionPublic]:
    """Every published version, newest first, the live one marked."""
    library.require_org(user, org)
    return [VersionPublic.of(v) for v in library.library(session, user).versions]


@router.get("/{org}/versions/{version}", response_model=VersionDetail, responses=REFUSED)
def get_version(
    org: OrgPath, version: VersionPath, session: SessionDep, user: CurrentUser
) -> VersionDetail:
    """A version's text and files exactly as published."""
    library.require_org(user, org)
    row = library.version(session, user, version)
    live = library.live_version(session, user.org_id)
    return _version_detail(row, live is not None and live.id == row.id)


class DiffPublic(BaseModel):
    before: str = Field(alias="from", description="the older version")
    after: str = Field(alias="to", description="the newer version")
    changes: list[ChangePublic]


@router.get(
    "/{org}/diff", response_model=DiffPublic, response_model_by_alias=True, responses=REFUSED
)
def diff_versions(
    org: OrgPath,
    session: SessionDep,
    user: CurrentUser,
    before: str | None = Query(
        None, alias="from", max_length=64, description="default: the one published before `to`"
    ),
    after: str | None = Query(
        None, alias="to", max_length=64, description="default: the live version"
    ),
) -> DiffPublic:
    """What changed from one version to another, element by element."""
    library.require_org(user, org)
    diff = library.versions_diff(session, user, before, after)
    changes = [ChangePublic.of(c) for c in diff.changes]
    return DiffPublic.model_validate({"from": diff.before, "to": diff.after, "changes": changes})


@router.post("/{org}/versions/{version}/rollback", response_model=VersionPublic, responses=REFUSED)
def rollback(
    org: OrgPath, version: VersionPath, session: SessionDep, user: CurrentSupervisor, now: Now
) -> VersionPublic:
    """Make this version the one new calls get (calls in progress keep theirs)."""
    library.require_org(user, org)
    row = library.rollback(session, user, version, now)
    return VersionPublic(
        version=row.version, published_at=row.published_at, published_by=row.published_by, live=True
    )


@router.post("/{org}/check", response_model=CheckPublic, responses=REFUSED)
def check(org: OrgPath, body: CheckIn, user: CurrentSupervisor) -> CheckPublic:
    """Lint a text and run the test cases against it, storing nothing (the editor's live check)."""
    library.require_org(user, org)
    return CheckPublic.of(library.check_text(body.content, body.files, user.org_id))


@router.get("/{org}/drafts", response_model=list[DraftSummary], responses=REFUSED)
def list_drafts(org: OrgPath, session: SessionDep, user: CurrentSupervisor) -> list[DraftSummary]:
    """Drafts in progress (not published or discarded), last changed first."""
    library.require_org(user, org)
    return [DraftSummary.of(d) for d in library.library(session, user).drafts]


@router.post(
    "/{org}/drafts",
    response_model=DraftDetail,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
def create_draft(
    org: OrgPath, body: DraftIn, session: SessionDep, user: CurrentSupervisor, now: Now
) -> DraftDetail:
    """A new draft: of the content given, or a copy of the live version to edit."""
    library.require_org(user, org)
    draft = library.new_draft(
        session, user, now, title=body.title, content=body.content, files=body.files
    )
    return DraftDetail.of_view(library.describe_draft(session, draft))


@router.get("/{org}/drafts/{draft_id}", response_model=DraftDetail, responses=REFUSED)
def get_draft(
    org: OrgPath, draft_id: IdPath, session: SessionDep, user: CurrentSupervisor
) -> DraftDetail:
    """The draft with its check (lint, test cases) and its changes against the live version."""
    library.require_org(user, org)
    return _detail(session, user, draft_id)


@router.put("/{org}/drafts/{draft_id}", response_model=DraftDetail, responses=REFUSED)
def save_draft(
    org: OrgPath,
    draft_id: IdPath,
    body: DraftUpdate,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
) -> DraftDetail:
    """Save the draft's text (and title, files) while it is a draft."""
    library.require_org(user, org)
    library.save_draft(
        session, user, draft_id, body.content, now, files=body.files, title=body.title
    )
    return _detail(session, user, draft_id)


Route = TypeVar("Route", bound=Callable[..., DraftDetail])


def _step(path: str, summary: str) -> Callable[[Route], Route]:
    return router.post(
        f"/{{org}}/drafts/{{draft_id}}/{path}",
        response_model=DraftDetail,
        responses=REFUSED,
        summary=summary,
    )


@_step("submit", "Submit a clean draft for review")
def submit(
    org: OrgPath, draft_id: IdPath, session: SessionDep, user: CurrentSupervisor, now: Now
) -> DraftDetail:
    """Ask for review; refused while the check finds anything. The text freezes."""
    library.require_org(user, org)
    library.submit(session, user, draft_id, now)
    return _detail(session, user, draft_id)


@_step("approve", "Approve a submitted draft (not its author)")
def approve(
    org: OrgPath, draft_id: IdPath, session: SessionDep, user: CurrentSupervisor, now: Now
) -> DraftDetail:
    """Approve the exact text submitted; the approver must not be the draft's author."""
    library.require_org(user, org)
    library.approve(session, user, draft_id, now)
    return _detail(session, user, draft_id)


@_step("send-back", "Send a draft back to its author with a note")
def send_back(
    org: OrgPath,
    draft_id: IdPath,
    body: SendBack,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
) -> DraftDetail:
    """Return a submitted or approved draft to its author, saying what to change."""
    library.require_org(user, org)
    library.send_back(session, user, draft_id, body.note, now)
    return _detail(session, user, draft_id)


@_step("publish", "Publish an approved draft as a new version")
def publish(
    org: OrgPath, draft_id: IdPath, session: SessionDep, user: CurrentSupervisor, now: Now
) -> DraftDetail:
    """A new immutable version, live for new calls at once; calls in progress keep theirs."""
    library.require_org(user, org)
    library.publish(session, user, draft_id, now)
    return _detail(session, user, draft_id)


@_step("discard", "Discard a draft")
def discard(
    org: OrgPath, draft_id: IdPath, session: SessionDep, user: CurrentSupervisor, now: Now
) -> DraftDetail:
    """Set a draft aside (a published one stays: it is its version's history)."""
    library.require_org(user, org)
    library.discard(session, user, draft_id, now)
    return _detail(session, user, draft_id)
