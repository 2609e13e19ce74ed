"""POST /api/v1/playbooks/imports: an SOP document uploaded (text, Markdown, HTML, .docx, PDF),
its draft playbook, lint findings and unplaced text returned. Supervisors and admins only;
nothing is stored (`sopdesk.authoring.drafts` is the service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel, Field

from sopdesk.authoring.drafts import draft_from_document
from sopdesk.web.deps import CurrentSupervisor
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


@router.post("/imports", response_model=PlaybookImportPublic, responses=REFUSED)
def import_playbook(
    user: CurrentSupervisor,
    file: Annotated[UploadFile, File(description="the SOP document: txt, md, html, docx, pdf")],
) -> PlaybookImportPublic:
    """Draft a playbook from an SOP document; the format is told by the file's content."""
    draft = draft_from_document(file.file.read(), file.filename or "document", file.content_type)
    return PlaybookImportPublic(
        filename=draft.filename,
        format=draft.format.value,
        note=draft.note,
        playbook_yaml=draft.playbook_yaml,
        findings=[DraftFindingPublic(**vars(f)) for f in draft.findings],
        unplaced=[UnplacedPublic(**vars(u)) for u in draft.unplaced],
        assumptions=draft.assumptions,
        document_text=draft.document_text,
    )
