"""POST /api/v1/playbooks/imports: an SOP document uploaded (text, Markdown, HTML, .docx, PDF),
its draft playbook, lint findings and unplaced text returned. Supervisors and admins only;
nothing is stored unless `keep` asks for a library draft (`sopdesk.authoring.drafts` reads the
document, `sopdesk.authoring.library` keeps the draft)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field

from sopdesk.authoring import library
from sopdesk.authoring.drafts import draft_from_document
from sopdesk.web.deps import CurrentSupervisor, Now, SessionDep
from sopdesk.web.errors import ErrorResponse

router = APIRouter(prefix="/playbooks", tags=["playbooks"])

REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorResponse, "description": "Only supervisors and admins import SOPs"},
    413: {"model": ErrorResponse, "description": "The document is over 10 MiB"},
    422: {
        "model": ErrorResponse,
        "description": "`file` is missing, cannot be read (corrupt, password-protected, a PDF "
        "with no text layer, a zip that is not a .docx; code `unreadable_document`) or holds "
        "nothing recognised as an SOP (code `nothing_recognised`)",
    },
}


class DraftFindingPublic(BaseModel):
    line: int = Field(description="line of the draft's YAML (0: the draft as a whole)")
    message: str
    draft_text: str = Field(description="the draft's YAML at that line")


class UnplacedPublic(BaseModel):
    line: int = Field(description="line of `document_text`")
    text: str = Field(description="the document's text at that line")


class PlaybookImportPublic(BaseModel):
    filename: str
    format: str = Field(description="what the content was read as: text, html, docx or pdf")
    note: str | None = Field(description="something about the reading, e.g. its encoding")
    playbook_yaml: str = Field(description="the DRAFT playbook (review before publishing)")
    findings: list[DraftFindingPublic] = Field(description="the linter's findings on the draft")
    unplaced: list[UnplacedPublic] = Field(description="document lines no element came from")
    assumptions: list[str] = Field(description="what the importer assumed, not in the source")
    document_text: str = Field(description="the document as the importer read it, one block a line")
    draft_id: int | None = Field(
        description="the library draft kept with `keep=true` (/playbooks/{org}/drafts/{id})"
    )


@router.post("/imports", response_model=PlaybookImportPublic, responses=REFUSED)
def import_playbook(
    user: CurrentSupervisor,
    session: SessionDep,
    now: Now,
    file: Annotated[UploadFile, File(description="the SOP document: txt, md, html, docx, pdf")],
    keep: Annotated[
        bool, Form(description="also keep the draft in the library, to edit and review")
    ] = False,
) -> PlaybookImportPublic:
    """Draft a playbook from an SOP document; the format is told by the file's content.
    Nothing is stored unless `keep` is true."""
    data, name = file.file.read(), file.filename or "document"
    kept = None
    if keep:
        kept, draft = library.draft_from_upload(session, user, data, name, file.content_type, now)
    else:
        draft = draft_from_document(data, name, file.content_type)
    return PlaybookImportPublic(
        filename=draft.filename,
        format=draft.format.value,
        note=draft.note,
        playbook_yaml=draft.playbook_yaml,
        findings=[DraftFindingPublic(**vars(f)) for f in draft.findings],
        unplaced=[UnplacedPublic(**vars(u)) for u in draft.unplaced],
        assumptions=draft.assumptions,
        document_text=draft.document_text,
        draft_id=kept.id if kept else None,
    )
