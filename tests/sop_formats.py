"""The same SOP text saved as .txt, .md, .html, .docx and .pdf, made at run time from the text.

Each line of the source becomes the block an author would have made of it in that format: a
line the reader takes for a heading becomes a real heading (Markdown `##`, `<h2>`, Word's
Heading 2, a larger bold font in the PDF), `- ` items a bulleted list (Word's List Bullet, a
`•` in the PDF), `1.` items a numbered list (Word's List Number, which numbers itself), other
lines paragraphs (wrapped by the PDF's layout, as a word processor would). A numbered item that
does not continue a list from 1 keeps its typed number as text, as the seed's author typed it.
Nothing binary is committed: tests and bench/bench_importer.py call `render`.

Run `python tests/sop_formats.py DIR` to write every seed in every format to DIR for a look.
"""

from __future__ import annotations

import html
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sopdesk.playbooks.importer.reader import read_items

FORMATS = ("txt", "md", "html", "docx", "pdf")
ROOT = Path(__file__).resolve().parent.parent
SEEDS = {
    "rondesse": ROOT / "playbooks" / "rondesse" / "sources" / "004_bd3fd1b67684f510.txt",
    "myoperator": ROOT / "playbooks" / "myoperator" / "sources" / "000_ca12d654b0457964.txt",
}
_BULLET = re.compile(r"^[-*\u2022]\s+")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+")


@dataclass(frozen=True)
class Block:
    kind: str  # "title", "heading", "bullet", "numbered", "paragraph"
    text: str
    number: int = 0  # of a numbered item; 0 when its list does not count from 1 up to it
    typed: int = 0  # the number as the source typed it


def blocks(text: str) -> list[Block]:
    """The source's lines as the blocks an author would have made of them."""
    found: list[Block] = []
    expected = 1
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if numbered:
            n = int(numbered.group(1))
            in_list = n == expected and (n == 1 or found[-1].kind == "numbered")
            found.append(Block("numbered", line[numbered.end() :], n if in_list else 0, n))
            expected = n + 1 if in_list else 1
            continue
        expected = 1
        if bullet:
            found.append(Block("bullet", line[bullet.end() :]))
        elif (items := read_items(line)) and items[0].heading and not items[0].listed:
            found.append(Block("heading" if found else "title", line))
        else:
            found.append(Block("paragraph", line))
    return found


def render(text: str, fmt: str) -> bytes:
    """The SOP `text` as a document in format `fmt` (one of FORMATS)."""
    if fmt == "txt":
        return text.encode("utf-8")
    return {"md": _markdown, "html": _html, "docx": _docx, "pdf": _pdf}[fmt](blocks(text))


def _typed(block: Block) -> str:
    return f"{block.typed}. {block.text}" if block.kind == "numbered" else block.text


def _markdown(found: list[Block]) -> bytes:
    out: list[str] = []
    for block in found:
        if block.kind in ("title", "heading"):
            out.append(f"\n{'#' if block.kind == 'title' else '##'} {block.text}\n")
        elif block.kind == "bullet":
            out.append(f"- {block.text}")
        elif block.kind == "numbered":
            out.append(_typed(block))
        else:
            out.append(f"\n{block.text}\n")
    return "\n".join(out).strip().encode("utf-8") + b"\n"


def _html(found: list[Block]) -> bytes:
    title = html.escape(found[0].text if found else "SOP")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>',
        "<style>body{font-family:sans-serif}</style><script>window.kb={}</script></head>",
        '<body><nav class="breadcrumbs"><a href="/kb">Knowledge base</a> &rsaquo; SOPs</nav>',
        '<article class="kb-article">',
    ]
    open_list = ""
    for block in found:
        kind = "ul" if block.kind == "bullet" else "ol" if block.number else ""
        if open_list and (kind != open_list or (kind == "ol" and block.number == 1)):
            out.append(f"</{open_list}>")
            open_list = ""
        text = html.escape(block.text if kind else _typed(block), quote=False)
        if kind and not open_list:
            out.append("<ul>" if kind == "ul" else f'<ol start="{block.number}">')
            open_list = kind
        if kind:
            out.append(f"<li>{text}</li>")
        elif block.kind == "title":
            out.append(f"<h1>{text}</h1>")
        elif block.kind == "heading":
            out.append(f"<h2><strong>{text}</strong></h2>")
        else:
            out.append(f"<p>{text}</p>")
    if open_list:
        out.append(f"</{open_list}>")
    out.append("</article><footer>Last updated by the knowledge-base team</footer></body></html>")
    return "\n".join(out).encode("utf-8")


def _docx(found: list[Block]) -> bytes:
    import docx

    document = docx.Document()
    for block in found:
        if block.kind in ("title", "heading"):
            document.add_heading(block.text, 1 if block.kind == "title" else 2)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "numbered" and block.number:
            document.add_paragraph(block.text, style="List Number")
        else:
            document.add_paragraph(_typed(block))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(found: list[Block]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    # Bitstream Vera ships inside reportlab, so the PDF is the same on every machine.
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("VeraBd", "VeraBd.ttf"))
    body = ParagraphStyle("body", fontName="Vera", fontSize=10, leading=12, spaceAfter=6)
    item = ParagraphStyle("item", parent=body, leftIndent=18, bulletIndent=6, bulletFontName="Vera")
    heading = ParagraphStyle("h2", parent=body, fontName="VeraBd", fontSize=13, leading=16)
    title = ParagraphStyle("h1", parent=heading, fontSize=16, leading=20)
    story = []
    for block in found:
        text = html.escape(block.text, quote=False)
        if block.kind in ("title", "heading"):
            story.append(Paragraph(text, title if block.kind == "title" else heading))
        elif block.kind == "bullet":
            story.append(Paragraph(text, item, bulletText="\u2022"))
        elif block.kind == "numbered" and block.number:
            story.append(Paragraph(text, item, bulletText=f"{block.number}."))
        else:
            story.append(Paragraph(html.escape(_typed(block), quote=False), body))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, invariant=True, title="SOP").build(story)
    return out.getvalue()


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("sop_formats")
    target.mkdir(parents=True, exist_ok=True)
    for org, seed in SEEDS.items():
        text = seed.read_text(encoding="utf-8")
        for fmt in FORMATS:
            (target / f"{org}.{fmt}").write_bytes(render(text, fmt))
    print(f"wrote {len(SEEDS) * len(FORMATS)} files to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
