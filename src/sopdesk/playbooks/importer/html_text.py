"""HTML (a knowledge-base export, or what mammoth makes of a .docx) as the importer's plain text.

One line per block: headings as `## text`, list items as `- text` or `N. text` (an `<ol>`'s
`start` honoured), paragraphs as they are, each table row as its cells joined by ` | `. Inline
markup (bold, links, spans) is dropped; scripts, styles and the `<head>` are skipped. Pure: a
string or bytes in, lines out.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

# Not the article: the page's head, code, and a knowledge base's navigation (breadcrumbs, menus).
_SKIP = frozenset(
    {"head", "script", "style", "noscript", "template", "svg", "iframe", "object", "nav"}
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset(
    {
        *("p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote"),
        *("dl", "dt", "dd", "figure", "figcaption", "address", "form", "fieldset", "legend"),
        *("details", "summary", "center", "body", "html", "caption"),
    }
)


class _Lines:
    """Collects inline text into the current block and emits it as one line per block."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []
        self._prefix = ""

    def text(self, value: str) -> None:
        self._buffer.append(value)

    def start(self, prefix: str = "") -> None:
        """End the current block and begin another, whose first line gets `prefix`."""
        self.end()
        self._prefix = prefix

    def end(self) -> None:
        line = " ".join("".join(self._buffer).split())
        self._buffer = []
        if line:
            self.lines.append(f"{self._prefix}{line}")
            self._prefix = ""

    def raw_line(self, line: str) -> None:
        self.end()
        if line.strip():
            self.lines.append(line.rstrip())


def html_lines(markup: str | bytes) -> list[str]:
    """The structured text of an HTML document, one line per heading, item, paragraph or row."""
    soup = BeautifulSoup(markup, "html.parser")
    out = _Lines()
    _walk(soup, out)
    out.end()
    return out.lines


def _walk(node: Tag, out: _Lines) -> None:
    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, the doctype, <?xml ...?>
            continue
        if isinstance(child, NavigableString):
            out.text(str(child))
        elif isinstance(child, Tag):
            _element(child, out)


def _element(tag: Tag, out: _Lines) -> None:
    name = tag.name.lower()
    if name in _SKIP:
        return
    if name == "br":
        out.start()
    elif name in _HEADINGS:
        out.start("#" * _HEADINGS[name] + " ")
        _walk(tag, out)
        out.end()
    elif name in ("ul", "ol", "menu"):
        _list(tag, out, ordered=name == "ol")
    elif name == "table":
        _table(tag, out)
    elif name == "pre":
        for line in tag.get_text().splitlines():
            out.raw_line(line)
    elif name == "hr":
        out.end()
    elif name in _BLOCKS or name == "li":
        out.start()
        _walk(tag, out)
        out.end()
    else:
        _walk(tag, out)


def _list(tag: Tag, out: _Lines, ordered: bool) -> None:
    start = tag.get("start")
    number = int(start) if isinstance(start, str) and start.strip().isdigit() else 1
    out.end()
    for child in tag.children:
        if isinstance(child, Tag) and child.name == "li":
            out.start(f"{number}. " if ordered else "- ")
            number += 1
            _walk(child, out)
            out.end()
        elif isinstance(child, Tag):
            _element(child, out)
    out.end()


def _table(tag: Tag, out: _Lines) -> None:
    out.end()
    for row in tag.find_all("tr"):
        cells = [" ".join(cell.get_text(" ").split()) for cell in row.find_all(("td", "th"))]
        out.raw_line(" | ".join(cell for cell in cells if cell))
