"""The playbook library in the desk: the org's versions rendered for people with the SOP
sentence behind each element, drafts edited with the linter and the test cases live, reviewed
against the live version, published and rolled back.

Everyone signed in reads the versions (agents run them); supervisors and admins write. Every
step goes through `sopdesk.authoring.library`, like the API and the CLI. A refused step (a
draft not clean, its own author approving) shows the draft again with the reason, its text
kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from sopdesk.authoring import library
from sopdesk.authoring.folder import folder_zip
from sopdesk.authoring.library import StepRefused
from sopdesk.authoring.models import DraftStatus
from sopdesk.orgs import service
from sopdesk.orgs.models import User
from sopdesk.playbooks.engine import json_schema
from sopdesk.reports.traceability import Traceability, parse_traceability
from sopdesk.web.deps import CurrentSupervisor, CurrentUser, Now, SessionDep
from sopdesk.web.ids import IdPath
from sopdesk.web.report_params import org_traceability
from sopdesk.web.templating import render

router = APIRouter()

VersionPath = Annotated[str, Path(max_length=64)]
TRACE_FILE = "TRACEABILITY.md"
# What the page says after each step (fixed texts: nothing from the address is echoed).
DONE = {
    "saved": "Saved.",
    "submitted": "Submitted for review.",
    "approved": "Approved: it can be published.",
    "discarded": "Discarded.",
    "sent-back": "Sent back to its author.",
    "published": "Published: new calls get it now.",
    "rolled-back": "Rolled back: new calls get the version marked live.",
    "file-saved": "File saved.",
    "file-deleted": "File deleted.",
}
Done = Annotated[str | None, Query(max_length=20, pattern="^[a-z-]+$")]
STEPS = {
    "submit": library.submit,
    "approve": library.approve,
    "publish": library.publish,
    "discard": library.discard,
}


def _trace(request: Request, files: dict[str, str], org_id: str) -> Traceability:
    """The version's own traceability table; the org's folder's for one published without."""
    if TRACE_FILE in files:
        return parse_traceability(files[TRACE_FILE])
    return org_traceability(request, org_id)


@router.get("/playbooks")
def library_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    done: Done = None,
) -> HTMLResponse:
    """The org's playbook: the live version, every version, drafts in progress (authors)."""
    context = {
        "active": "playbooks",
        "shelf": library.library(session, user),
        "author": library.is_author(user),
        "notice": DONE.get(done or ""),
    }
    return render(request, "playbooks/library.html", context)


@router.get("/playbooks/schema.json")
def playbook_schema(user: CurrentUser) -> JSONResponse:
    """The playbook format's JSON Schema: the editor's completion and hover help."""
    return JSONResponse(json_schema("playbook"))


@router.get("/playbooks/versions/{version}")
def version_page(
    request: Request, version: VersionPath, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """A version as people read it: lines, steps, scenarios, rules, policies, with the SOP
    sentence each comes from."""
    row = library.version(session, user, version)
    live = library.live_version(session, user.org_id)
    context = {
        "active": "playbooks",
        "row": row,
        "live": live is not None and live.id == row.id,
        "book": service.parsed_playbook(session, row),
        "trace": _trace(request, row.files, user.org_id),
        "author": library.is_author(user),
    }
    return render(request, "playbooks/version.html", context)


@router.get("/playbooks/versions/{version}/download", response_model=None)
def download_version(version: VersionPath, session: SessionDep, user: CurrentUser) -> Response:
    """The version's folder as a .zip: playbook.yaml and every file published with it."""
    row = library.version(session, user, version)
    name = f"{row.org_id}-{row.version}"
    return Response(
        folder_zip(row.org_id, row.content, row.files),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )


@router.get("/playbooks/diff")
def diff_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    before: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    after: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> HTMLResponse:
    """What changed between two versions, element by element."""
    diff = library.versions_diff(session, user, before, after)
    context = {"active": "playbooks", "diff": diff, "changes": diff.changes}
    return render(request, "playbooks/diff.html", context)


@router.post("/playbooks/versions/{version}/rollback", response_model=None)
def rollback(
    version: VersionPath, session: SessionDep, user: CurrentSupervisor, now: Now
) -> Response:
    """Make this version the one new calls get."""
    library.rollback(session, user, version, now)
    return RedirectResponse("/playbooks?done=rolled-back", status_code=303)


@router.post("/playbooks/drafts", response_model=None)
def new_draft(session: SessionDep, user: CurrentSupervisor, now: Now) -> Response:
    """A draft: a copy of the live version and its files, to edit."""
    draft = library.new_draft(session, user, now)
    return RedirectResponse(f"/playbooks/drafts/{draft.id}", status_code=303)


@router.post("/playbooks/imports")
def import_document(
    request: Request,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
    file: Annotated[UploadFile, File(description="the SOP document: txt, md, html, docx, pdf")],
) -> HTMLResponse:
    """A draft from an SOP document: what the importer made of it, and what it could not
    place, each line with the document's text; then on to the draft."""
    data = file.file.read()
    draft, imported = library.draft_from_upload(
        session, user, data, file.filename or "document", file.content_type, now
    )
    context = {
        "active": "playbooks",
        "draft": draft,
        "imported": imported,
        "check": library.check_draft(draft),
        "document_lines": imported.document_text.splitlines(),
    }
    return render(request, "playbooks/imported.html", context)


def _draft_page(
    request: Request,
    session: Session,
    user: User,
    draft_id: int,
    *,
    refused: StepRefused | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = library.view_draft(session, user, draft_id)
    context: dict[str, Any] = {
        "active": "playbooks",
        "view": view,
        "draft": view.draft,
        "check": view.check,
        "own": view.draft.author_id == user.id,
        # Only its author changes a draft (library.NotTheAuthor): others read and review.
        "editable": view.draft.status == DraftStatus.DRAFT and view.draft.author_id == user.id,
        "refused": refused,
        "notice": notice,
        "files": sorted(view.draft.files),
    }
    return render(request, "playbooks/draft.html", context, status_code=status)


@router.get("/playbooks/drafts/{draft_id}")
def draft_page(
    request: Request,
    draft_id: IdPath,
    session: SessionDep,
    user: CurrentSupervisor,
    done: Done = None,
) -> HTMLResponse:
    """The draft: its text in the editor, the linter's findings, the test cases, the changes
    against the live version, and the next step of its review."""
    return _draft_page(request, session, user, draft_id, notice=DONE.get(done or ""))


@router.post("/playbooks/drafts/{draft_id}", response_model=None)
def save_draft(
    draft_id: IdPath,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
    content: Annotated[str, Form(max_length=library.MAX_FILE_CHARS)],
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Save the text (a draft in review cannot change: send it back first)."""
    library.save_draft(session, user, draft_id, content, now, title=title or None)
    return RedirectResponse(f"/playbooks/drafts/{draft_id}?done=saved", status_code=303)


@router.post("/playbooks/drafts/{draft_id}/check")
def check_fragment(
    request: Request,
    draft_id: IdPath,
    session: SessionDep,
    user: CurrentSupervisor,
    content: Annotated[str, Form(max_length=library.MAX_FILE_CHARS)] = "",
) -> HTMLResponse:
    """The check of the text being typed, nothing saved: findings, test cases, outline."""
    check = library.check_edit(session, user, draft_id, content)
    return render(request, "playbooks/check.html", {"check": check})


FilePath = Annotated[str, Query(max_length=300, description="e.g. tests/main.yaml")]


@router.get("/playbooks/drafts/{draft_id}/file", response_model=None)
def file_page(
    request: Request,
    draft_id: IdPath,
    session: SessionDep,
    user: CurrentSupervisor,
    path: FilePath = "",
) -> Response:
    """One of the draft's other files to edit (a new one when the path is not there yet)."""
    draft = library.get_draft(session, user, draft_id)
    if not path.strip():  # no file named: the draft's list of files
        return RedirectResponse(f"/playbooks/drafts/{draft_id}#draft-files", status_code=303)
    context = {
        "active": "playbooks",
        "draft": draft,
        "path": path,
        "text": draft.files.get(path, ""),
        "exists": path in draft.files,
        "editable": draft.status == DraftStatus.DRAFT and draft.author_id == user.id,
    }
    return render(request, "playbooks/file.html", context)


@router.post("/playbooks/drafts/{draft_id}/file", response_model=None)
def save_file(
    draft_id: IdPath,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
    path: Annotated[str, Form(min_length=1, max_length=300)],
    text: Annotated[str, Form(max_length=library.MAX_FILE_CHARS)] = "",
    delete: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save the file (or delete it), then back to the draft and its check."""
    library.save_draft_file(session, user, draft_id, path, None if delete else text, now)
    done = "file-deleted" if delete else "file-saved"
    return RedirectResponse(f"/playbooks/drafts/{draft_id}?done={done}", status_code=303)


@router.post("/playbooks/drafts/{draft_id}/send-back", response_model=None)
def send_back(
    request: Request,
    draft_id: IdPath,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Return the draft to its author with what to change."""
    try:
        library.send_back(session, user, draft_id, note, now)
    except StepRefused as refused:
        return _draft_page(request, session, user, draft_id, refused=refused, status=409)
    return RedirectResponse(f"/playbooks/drafts/{draft_id}?done=sent-back", status_code=303)


@router.post("/playbooks/drafts/{draft_id}/{step}", response_model=None)
def draft_step(
    request: Request,
    draft_id: IdPath,
    step: Annotated[str, Path(pattern="^(submit|approve|publish|discard)$")],
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
) -> Response:
    """Submit, approve, publish or discard; a refusal shows the draft with the reason."""
    try:
        STEPS[step](session, user, draft_id, now)
    except StepRefused as refused:
        return _draft_page(request, session, user, draft_id, refused=refused, status=409)
    if step == "publish":
        return RedirectResponse("/playbooks?done=published", status_code=303)
    done = {"submit": "submitted", "approve": "approved", "discard": "discarded"}[step]
    return RedirectResponse(f"/playbooks/drafts/{draft_id}?done={done}", status_code=303)
