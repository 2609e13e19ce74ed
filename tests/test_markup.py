"""Article Markdown on the pages: real lists and paragraphs, and nothing an author types can
run or load in the desk (raw HTML escaped, `javascript:` links refused, images off)."""

from __future__ import annotations

from sopdesk.web.markup import body_markup, inline_markup, short_markup


def test_a_quick_answers_dashes_become_a_list_and_blank_lines_paragraphs() -> None:
    html = short_markup("Two things:\n\n- ask first\n- then email")
    assert html == "<p>Two things:</p>\n<ul>\n<li>ask first</li>\n<li>then email</li>\n</ul>\n"


def test_html_an_author_types_is_escaped_not_run() -> None:
    typed = '- <script>alert(1)</script>\n- <img src=x onerror="alert(2)">'
    for html in (short_markup(typed), body_markup(typed), inline_markup(typed)):
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;" in html


def test_links_keep_their_text_but_a_javascript_target_is_no_link() -> None:
    html = short_markup("[help](https://example.com) or [run](javascript:alert(1))")
    assert '<a href="https://example.com">help</a>' in html
    assert 'href="javascript' not in html and "[run](javascript:alert(1))" in html


def test_images_are_not_loaded() -> None:
    assert "<img" not in body_markup("![logo](https://example.com/logo.png)")


def test_a_short_field_has_no_headings_and_a_body_starts_at_h2() -> None:
    assert "<h1>" not in short_markup("# Title") and "<h" not in short_markup("# Title")
    body = body_markup("# Overview\n\n## Detail\n\ntext")
    assert "<h1>" not in body and "<h2>Overview</h2>" in body and "<h3>Detail</h3>" in body
    assert "<h2>Overview</h2>" in body_markup("## Overview")  # already below the title


def test_nothing_renders_as_nothing() -> None:
    assert short_markup(None) == "" and body_markup("") == "" and inline_markup(None) == ""
