"""Article text (the knowledge base's Markdown) as safe HTML for the pages.

markdown-it-py (CommonMark, already installed with rich) parses it with raw HTML off: any `<`
an author types is escaped, never passed through, and link targets such as `javascript:` are
refused by the parser's own link check. Images are off (an article must not load remote files
past the page's CSP, nor show a broken one). Headings keep their order under the page's own:
a body's `#` becomes an `<h2>` beneath the article's `<h1>` (and its `##` an `<h3>`).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

# Short fields (a quick answer, "when to use", a step): paragraphs, lists, emphasis, code,
# links; no headings, which would break the page's outline inside a search result.
_SHORT = MarkdownIt("commonmark", {"html": False}).disable(["image", "heading", "lheading"])
_BODY = MarkdownIt("commonmark", {"html": False}).disable(["image"])


def _headings_below_title(state: StateCore) -> None:
    """A body's headings start at h2 (the page's h1 is the article's title): a body that uses
    `#` has every heading moved one level down, so its own order is kept."""
    headings = [t for t in state.tokens if t.type in ("heading_open", "heading_close")]
    if not any(t.tag == "h1" for t in headings):
        return
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


_BODY.core.ruler.push("headings_below_title", _headings_below_title)


def short_markup(text: str | None) -> Markup:
    """A short field rendered: "- a\\n- b" is a real list, a blank line a new paragraph."""
    return Markup(_SHORT.render(text or ""))  # safe: markdown-it escapes, html is off


def inline_markup(text: str | None) -> Markup:
    """One line (a step, "when to use"): emphasis, code and links, no block around it."""
    return Markup(_SHORT.renderInline(text or ""))  # safe: markdown-it escapes, html is off


def body_markup(text: str | None) -> Markup:
    """An article's body rendered, headings from h2 down."""
    return Markup(_BODY.render(text or ""))  # safe: markdown-it escapes, html is off
