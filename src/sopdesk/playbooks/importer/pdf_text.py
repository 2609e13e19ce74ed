"""A PDF's text layer as the importer's plain text: one line per paragraph, item or heading.

A PDF has no paragraphs, only lines placed on a page, and the structure reader is line-based,
so lines that a paragraph wrapped onto are joined back. A line starts a new block when it
begins with a list marker, changes font size, sits further below the previous line than its
leading, or follows a line that ended short of the right edge (by more than a long word).
Bullet glyphs (including Word's Symbol-font U+F0B7) become `- `; lines larger than the body
text become `## ` headings; bare page numbers are dropped. pdfminer.six does the parsing;
this module only reads its layout.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTPage, LTTextContainer, LTTextLine

_BULLETS = "\u2022\u25cf\u25aa\u25e6\u2023\u00b7\uf0b7\uf0a7\u25a0\u2013-"
# A glyph with no Unicode mapping opening a line, "(cid:127)", is a bullet in practice.
_BULLET = re.compile(rf"^(?:[{re.escape(_BULLETS)}]|\(cid:\d+\))\s*")
_NUMBERED = re.compile(r"^\(?\d{1,3}[.)]\s")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+(?:of|/)\s+\d{1,4})?$", re.IGNORECASE)
_SAME_ROW = 2.0  # points: pieces of one printed line whose baselines differ less than this
# A line ending further than this many font sizes from the right edge ends its paragraph: more
# than the longest word that could have been wrapped onto the next line.
_SHORT_EMS = 8
_GAP = 0.4  # a gap above a line of more than this many font sizes starts a paragraph


@dataclass
class _Row:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


@dataclass(frozen=True)
class PdfText:
    lines: list[str]
    pages: int


def pdf_lines(data: bytes) -> PdfText:
    """The text of a PDF as structured lines; raises pdfminer's errors on a bad file."""
    rows: list[_Row] = []
    pages = 0
    params = LAParams(line_margin=0.3)
    for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=params)):
        pages += 1
        rows.extend(_merge_rows(list(_rows_of(page, number))))
    return PdfText(_paragraphs(rows), pages)


def _rows_of(page: LTPage, number: int) -> list[_Row]:
    found: list[_Row] = []
    for element in page:
        if not isinstance(element, LTTextContainer):
            continue
        for line in element:
            if not isinstance(line, LTTextLine):
                continue
            # A glyph the font cannot name comes out as U+0000: it carried no text.
            text = " ".join(line.get_text().replace("\x00", "").split())
            sizes = [ch.size for ch in line if isinstance(ch, LTChar)]
            if text and sizes:
                size = Counter(round(s, 1) for s in sizes).most_common(1)[0][0]
                found.append(_Row(number, line.x0, line.x1, line.y1, line.y0, size, text))
    return found


def _merge_rows(rows: list[_Row]) -> list[_Row]:
    """Pieces printed on one line (a bullet and its text, tab stops) joined, top to bottom."""
    rows.sort(key=lambda r: (-round(r.bottom / _SAME_ROW), r.x0))
    merged: list[_Row] = []
    for row in rows:
        last = merged[-1] if merged else None
        if last is not None and abs(last.bottom - row.bottom) < _SAME_ROW:
            last.text = f"{last.text} {row.text}"
            last.x1 = max(last.x1, row.x1)
            last.size = max(last.size, row.size)
        else:
            merged.append(row)
    return [row for row in merged if not _PAGE_NUMBER.match(row.text)]


def _paragraphs(rows: list[_Row]) -> list[str]:
    if not rows:
        return []
    body = Counter(row.size for row in rows).most_common(1)[0][0]
    right = max(row.x1 for row in rows)
    lines: list[str] = []
    previous: _Row | None = None
    for row in rows:
        text = _BULLET.sub("- ", row.text, count=1) if _starts_bullet(row.text) else row.text
        if previous is not None and _continues(previous, row, text, right):
            lines[-1] = f"{lines[-1]} {text}"
        else:
            heading = row.size > body + 1.0
            lines.append(f"## {text}" if heading else text)
        previous = row
    return lines


def _starts_bullet(text: str) -> bool:
    # A dash opens an item only when followed by a space; other glyphs always do.
    return bool(_BULLET.match(text)) and (text[0] not in "-\u2013" or text[1:2] == " ")


def _continues(previous: _Row, row: _Row, text: str, right: float) -> bool:
    """Whether `row` is a wrapped continuation of the paragraph `previous` belongs to."""
    if _starts_bullet(row.text) or _NUMBERED.match(text):
        return False
    if abs(previous.size - row.size) > 0.5:
        return False
    if right - previous.x1 > _SHORT_EMS * previous.size:
        return False
    spaced = previous.page == row.page and previous.bottom - row.top > _GAP * row.size
    return not spaced
