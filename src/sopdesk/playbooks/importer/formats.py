"""An SOP document's bytes, in any format SOPs are kept in, as the plain structured text the
importer reads: headings, numbered and bulleted items, paragraphs, table rows, one a line.

The format is told by content, not by name: `%PDF` is a PDF, a zip holding
`word/document.xml` is a Word .docx, markup opening with `<!doctype html`, `<html` (or a
`.html` name with markup) is HTML; anything else is text (plain or Markdown, which the reader
takes as it is). Each parser only turns its format into lines, so the structure reading stays
format-independent. A file that cannot be read (corrupt, password-protected, a PDF with no text
layer, a zip that is not a .docx, a legacy .doc) raises `DocumentError`, naming the problem.
Pure: bytes in, text out.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: legacy .doc, or an encrypted .docx
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAG = re.compile(rb"<(?:body|p|div|h[1-6]|ul|ol|table|article)\b", re.IGNORECASE)
_HTML_NAMES = (".html", ".htm", ".xhtml")
_SNIFF = 4096


class DocumentFormat(StrEnum):
    TEXT = "text"
    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"


class DocumentError(Exception):
    """The file is not a document the importer can read; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DocumentText:
    """A document's text for the structure reader, the format it was read as, and a note for
    the author when something about the reading is worth saying (the text's encoding)."""

    text: str
    format: DocumentFormat
    note: str | None = None


def detect(data: bytes, filename: str = "", content_type: str | None = None) -> DocumentFormat:
    """The document's format, by its first bytes; the name and type only break a tie."""
    head = data[:_SNIFF]
    if b"%PDF-" in head[:1024]:
        return DocumentFormat.PDF
    if head.startswith(b"PK\x03\x04") or head.startswith(_OLE):
        return DocumentFormat.DOCX
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return DocumentFormat.HTML
    hinted = filename.lower().endswith(_HTML_NAMES) or "html" in (content_type or "").lower()
    if hinted and _HTML_TAG.search(head):
        return DocumentFormat.HTML
    return DocumentFormat.TEXT


def document_text(data: bytes, filename: str = "", content_type: str | None = None) -> DocumentText:
    """The structured text of a document in any supported format; `DocumentError` if unreadable."""
    kind = detect(data, filename, content_type)
    if kind is DocumentFormat.PDF:
        return DocumentText(_pdf_text(data), kind)
    if kind is DocumentFormat.DOCX:
        return DocumentText(_docx_text(data), kind)
    if kind is DocumentFormat.HTML:
        from sopdesk.playbooks.importer.html_text import html_lines

        return DocumentText("\n".join(html_lines(data)), kind)
    text, encoding = decode(data)
    note = None if encoding == "utf-8" else f"not UTF-8; read as {encoding}"
    return DocumentText(text, kind, note)


def decode(data: bytes) -> tuple[str, str]:
    """Text of a document and the encoding it was read with: UTF-8, else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Latin-1 maps every byte; binary junk then shows as unprintable and is refused.
        return data.decode("latin-1"), "latin-1"


def _docx_text(data: bytes) -> str:
    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise DocumentError(
                "the Word document is password-protected: save it without a password and retry"
            )
        raise DocumentError(
            "a legacy Word .doc (or another Office binary file), not .docx: save it as .docx"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise DocumentError(f"a corrupt zip archive, not a readable .docx ({exc})") from exc
    if "word/document.xml" not in names:
        raise DocumentError(
            "a zip archive that is not a Word .docx (it holds no word/document.xml)"
        )
    import mammoth  # type: ignore[import-untyped]  # ships no type hints

    from sopdesk.playbooks.importer.html_text import html_lines

    try:
        html = mammoth.convert_to_html(io.BytesIO(data)).value
    # mammoth raises whatever its zip and XML readers raise on a damaged part.
    except Exception as exc:
        raise DocumentError(
            f"a damaged Word .docx that cannot be read ({type(exc).__name__})"
        ) from exc
    return "\n".join(html_lines(html))


def _pdf_text(data: bytes) -> str:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    from sopdesk.playbooks.importer.pdf_text import pdf_lines

    try:
        found = pdf_lines(data)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise DocumentError(
            "the PDF is password-protected: save it without a password and retry"
        ) from exc
    # pdfminer raises a family of parser errors (and plain ones) on a truncated or damaged file.
    except Exception as exc:
        raise DocumentError(f"a damaged PDF that cannot be read ({type(exc).__name__})") from exc
    if not found.lines:
        raise DocumentError(
            f"the PDF has no text layer ({found.pages} page(s) of images, e.g. a scan): "
            "run text recognition (OCR) on it, or upload the document it was made from"
        )
    return "\n".join(found.lines)
