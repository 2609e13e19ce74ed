"""A draft playbook from an uploaded SOP document, with its lint findings: what every front
(the API, later the desk's editor) shows an author after an import.

Owns `draft_from_document`, the one service behind `POST /api/v1/playbooks/imports`: the
importer reads the document, the linter checks the draft. Pure (bytes in, a draft out); it
stores nothing, so no org's data is read or written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sopdesk.errors import FieldProblem, Refusal
from sopdesk.playbooks.importer import (
    DocumentError,
    DocumentFormat,
    import_document,
    nothing_recognised,
)
from sopdesk.playbooks.language.loader import Finding, PlaybookError, load_text
from sopdesk.playbooks.lint import lint_playbook


class UnreadableDocument(Refusal):
    """The uploaded file cannot be read as a document (corrupt, password-protected, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(422, "unreadable_document", message, [FieldProblem("file", message)])


class NothingRecognised(Refusal):
    """The document was read but holds nothing of an SOP: no draft is given."""

    def __init__(self, message: str) -> None:
        super().__init__(422, "nothing_recognised", message, [FieldProblem("file", message)])


@dataclass(frozen=True)
class DraftFinding:
    """A lint finding at a line of the draft's YAML, with that line's text."""

    line: int
    message: str
    draft_text: str


@dataclass(frozen=True)
class UnplacedText:
    """A line of the document (as read) that no playbook element was made from."""

    line: int
    text: str


@dataclass(frozen=True)
class DocumentDraft:
    filename: str
    format: DocumentFormat
    note: str | None
    playbook_yaml: str
    findings: list[DraftFinding]
    unplaced: list[UnplacedText]
    assumptions: list[str]
    document_text: str


def draft_from_document(
    data: bytes, filename: str, content_type: str | None = None
) -> DocumentDraft:
    """The draft of a document in any supported format, linted.

    Refuses (422, field `file`) a file that cannot be read (`UnreadableDocument`) or that holds
    nothing the importer recognises (`NothingRecognised`)."""
    try:
        imported = import_document(data, filename, content_type)
    except DocumentError as exc:
        raise UnreadableDocument(f"{filename}: {exc.message}") from exc
    text, result = imported.document.text, imported.result
    if not result.recognised:
        raise NothingRecognised(f"{filename}: {nothing_recognised(text, result)}")
    return DocumentDraft(
        filename=filename,
        format=imported.document.format,
        note=imported.document.note,
        playbook_yaml=result.playbook_yaml,
        findings=lint_text(result.playbook_yaml, f"{filename}.yaml"),
        unplaced=[UnplacedText(u.line, u.text) for u in result.unplaced],
        assumptions=list(result.assumptions),
        document_text=text,
    )


def lint_text(playbook_yaml: str, filename: str) -> list[DraftFinding]:
    """The linter's findings on playbook text, each with its line's text (none: it is clean)."""
    try:
        found: list[Finding] = lint_playbook(load_text(playbook_yaml, filename))
    except PlaybookError as exc:
        # The importer validates its draft, so this is a schema finding it missed: say it.
        found = exc.findings
    return at_lines(found, playbook_yaml)


def at_lines(found: Sequence[Finding], playbook_yaml: str) -> list[DraftFinding]:
    """Findings on playbook text, each with the text of its line."""
    lines = playbook_yaml.splitlines()
    return [
        DraftFinding(f.line, f.message, lines[f.line - 1] if 0 < f.line <= len(lines) else "")
        for f in found
    ]
