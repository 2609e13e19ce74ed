"""The SOP importer: a prose SOP document in, a DRAFT playbook out, plus what it could not place.

`import_sop` is pure (text in, result out); `import_document` is the same for a document's
bytes in any format `formats` reads (text, Markdown, HTML, .docx, PDF); `run_import` is the CLI
edge that reads the file, writes the draft and prints a summary. The importer reads structure
(headings, "Key: value" entries, lists, quotes, numbers, durations), never the wording of
any particular document. Must not import the engine, the linter or anything with I/O beyond
`run_import`.

Must not import: sopdesk.playbooks.engine, sopdesk.playbooks.lint, sopdesk.playbooks.cases.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import yaml

from sopdesk.playbooks.importer.build import build_draft
from sopdesk.playbooks.importer.dump import comment_lines, playbook_yaml
from sopdesk.playbooks.importer.formats import (
    DocumentError,
    DocumentFormat,
    DocumentText,
    document_text,
)
from sopdesk.playbooks.importer.reader import Item
from sopdesk.playbooks.language.schema import Playbook

__all__ = [
    "DocumentError",
    "DocumentFormat",
    "DocumentImport",
    "DocumentText",
    "ImportResult",
    "Unplaced",
    "import_document",
    "import_sop",
    "nothing_recognised",
    "run_import",
]

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2
_MAX_SHOWN = 200  # characters of an unplaced line repeated in the draft's header
_BINARY_SHARE = 0.1


@dataclass(frozen=True)
class Unplaced:
    """A source line the importer could not turn into any playbook element."""

    line: int
    text: str

    def __str__(self) -> str:
        return f"L{self.line}: {self.text}"


@dataclass(frozen=True)
class ImportResult:
    playbook_yaml: str
    playbook: Playbook
    unplaced: list[Unplaced]
    assumptions: list[str] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        """Whether the draft holds anything of an SOP: a line, scenario, policy, team, form or
        schedule. An empty file, a password file or a binary yields only the org's defaults."""
        pb = self.playbook
        parts = (pb.lines, pb.scenarios, pb.policies, pb.teams, pb.ticket_categories, pb.schedules)
        return any(parts)


def import_sop(text: str, source_name: str) -> ImportResult:
    """Draft a playbook from an SOP document's text; `source_name` is its file name."""
    unreadable = _looks_binary(text)
    draft = build_draft("" if unreadable else text, source_name)
    if unreadable:
        unplaced = [Unplaced(1, f"not readable text ({len(text)} characters); nothing imported")]
    else:
        unplaced = [
            Unplaced(item.line, item.raw)
            for item in _first_per_line(draft.items)
            if item.line not in draft.used
        ]
    header = _header(source_name, draft.assumptions, unplaced)
    text_out = playbook_yaml(draft.playbook, header)
    # Parse what was written, so the result is exactly what a reader of the file gets.
    playbook = Playbook.model_validate(yaml.safe_load(text_out))
    return ImportResult(text_out, playbook, unplaced, draft.assumptions)


@dataclass(frozen=True)
class DocumentImport:
    """A document's import: the text the structure reader was given, and the draft from it."""

    document: DocumentText
    result: ImportResult


def import_document(data: bytes, filename: str, content_type: str | None = None) -> DocumentImport:
    """Draft a playbook from a document's bytes, whatever its format (told by its content).

    Raises `DocumentError`, saying why, when the file cannot be read."""
    document = document_text(data, filename, content_type)
    return DocumentImport(document, import_sop(document.text, filename))


def nothing_recognised(text: str, result: ImportResult) -> str:
    """Why a document gave nothing to draft, in the words of the CLI's and the API's refusal."""
    return _nothing_recognised(text, result)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    odd = sum(1 for ch in text if ch == "\ufffd" or (not ch.isprintable() and ch not in "\n\r\t"))
    return odd / len(text) > _BINARY_SHARE


def _first_per_line(items: list[Item]) -> list[Item]:
    """One item per source line: inline parts share their line's number and raw text."""
    return list({item.line: item for item in reversed(items)}.values())[::-1]


def _header(source: str, assumptions: list[str], unplaced: list[Unplaced]) -> list[str]:
    lines = [
        f"DRAFT playbook imported by `sopdesk import-sop` from {source}.",
        "Review every element against the source before publishing; ids are the importer's.",
    ]
    if assumptions:
        lines.append("Assumptions the importer made (not in the source):")
        for assumption in assumptions:
            lines.extend(comment_lines(f"- {assumption}", "  "))
    lines.append(f"Unplaced: {len(unplaced)} source line(s) the importer could not place.")
    for item in unplaced:
        shown = item.text if len(item.text) <= _MAX_SHOWN else f"{item.text[:_MAX_SHOWN]}..."
        lines.extend(comment_lines(str(Unplaced(item.line, shown)), "  "))
    return lines


def run_import(file: Path, out: Path | None, err: TextIO | None = None) -> int:
    """CLI edge: read `file`, write the draft to `out` (stdout if None), summarise on stderr.

    Exit 0 with a draft; 1, writing nothing, when the document holds nothing the importer
    recognises; 2 when the file cannot be read (missing, corrupt, password-protected, a PDF
    without text, a zip that is not a .docx) or the draft cannot be written.
    """
    err = err or sys.stderr
    if not file.is_file():
        problem = "is a directory, not a document" if file.is_dir() else "no such file"
        print(f"error: {file}: {problem}", file=err)
        return EXIT_USAGE
    try:
        data = file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {file}: {exc.strerror}", file=err)
        return EXIT_USAGE
    try:
        imported = import_document(data, file.name)
    except DocumentError as exc:
        print(f"error: {file}: {exc.message}; no draft written", file=err)
        return EXIT_USAGE
    text, result = imported.document.text, imported.result
    if not result.recognised:
        print(f"error: {file}: {_nothing_recognised(text, result)}; no draft written", file=err)
        return EXIT_NOTHING
    if out is None:
        sys.stdout.write(result.playbook_yaml)
    else:
        try:
            out.write_text(result.playbook_yaml, encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {out}: {exc.strerror}", file=err)
            return EXIT_USAGE
    if imported.document.note:
        print(f"note: {file} is {imported.document.note}", file=err)
    print(_summary(file, out, result, imported.document), file=err)
    return EXIT_OK


def _nothing_recognised(text: str, result: ImportResult) -> str:
    """Why a document gave nothing to draft, in the words of the summary line."""
    if not text.strip():
        return "the file holds no text: nothing recognised"
    if _looks_binary(text):
        return "not readable text (a binary file?): nothing recognised"
    return (
        "nothing recognised as an SOP: no call lines, steps or scenarios found "
        f"({len(result.unplaced)} source line(s), none placed)"
    )


def _summary(file: Path, out: Path | None, result: ImportResult, document: DocumentText) -> str:
    pb = result.playbook
    counts = (
        f"{len(pb.lines)} lines, {len(pb.scenarios)} scenarios, {len(pb.policies)} policies, "
        f"{len(pb.ticket_categories)} ticket categories, {len(pb.schedules)} schedules"
    )
    where = f"written to {out}" if out else "written to stdout"
    unplaced = "\n".join(f"  {u}" for u in result.unplaced)
    return (
        f"imported {file} (read as {document.format.value}): {counts}; draft {where}\n"
        f"{len(result.assumptions)} assumptions and {len(result.unplaced)} unplaced source "
        f"lines (listed at the top of the draft)" + (f":\n{unplaced}" if unplaced else "")
    )
