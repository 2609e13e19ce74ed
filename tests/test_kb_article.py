"""Article files: the front matter, what it may hold, and errors that name the file and field."""

from __future__ import annotations

import pytest

from sopdesk.kb.article import ArticleError, parse_article, plain, slug_from_filename


def test_a_title_and_a_body_are_enough() -> None:
    doc = parse_article("---\ntitle: Refunds\n---\nWe refund within 14 days.\n", "Refund_Policy.md")
    assert doc.slug == "refund-policy"
    assert doc.title == "Refunds"
    assert doc.body == "We refund within 14 days."
    assert doc.quick_answer is None and doc.steps == [] and not doc.summary_only


def test_every_field() -> None:
    text = """---
slug: irs-call
title: What do I do when the IRS is involved?
quick_answer: Ask the concern, note everything, a CPA follows up.
when_to_use: The call involves the IRS.
steps: [Ask what the concern is about., Note all pertinent information.]
related: [client-safety-first]
tags: [irs, cpa]
lines: [usos]
scenarios: [irs]
summary_only: true
source: seeds/004.txt
---
# Heading

Some **bold** text and a [link](http://example.invalid).
"""
    doc = parse_article(text, "whatever.md")
    assert doc.slug == "irs-call" and doc.scenarios == ["irs"] and doc.summary_only
    assert "Ask the concern" in doc.content_text()
    assert doc.applies_to() == " line:usos scenario:irs "
    assert "bold text and a link" in doc.keyword_text()
    assert doc.checksum() == parse_article(text, "other-name.md").checksum()


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("no front matter at all", "title", "front matter"),
        ("---\nquick_answer: x\n---\nbody", "title", "required"),
        ("---\ntitle: T\nquick-answer: x\n---\n", "quick-answer", "unknown field"),
        ("---\ntitle: T\nsteps: just one string\n---\n", "steps", "valid list"),
        ("---\ntitle: T\nsteps: [ok, '']\n---\n", "steps", "non-empty"),
        ("---\ntitle: T\nrelated: [Not A Slug]\n---\n", "related", "not an article slug"),
        ("---\ntitle: T\nslug: Bad Slug\n---\n", "slug", "lowercase"),
        ("---\ntitle: T\nsummary_only: maybe\n---\n", "summary_only", "boolean"),
        ("---\ntitle: [unclosed\n---\n", "front matter", "not valid YAML"),
        ("---\n- a list\n---\n", "front matter", "key: value"),
        ("---\ntitle: T\nbody: x\n---\n", "body", "after the front matter"),
        ("---\ntitle: ''\n---\n", "title", "at least 1 character"),
    ],
)
def test_errors_name_the_file_and_the_field(text: str, field: str, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        parse_article(text, "kb/bad.md")
    assert caught.value.field == field
    assert message in caught.value.message
    assert str(caught.value).startswith(f"kb/bad.md: {field}: ")


def test_slugs_and_plain_text() -> None:
    assert slug_from_filename("dir/Law Enforcement__Call.md") == "law-enforcement-call"
    assert plain("## Title\n- item `code`\n```\nfenced\n```\n") == "Title\nitem code"
