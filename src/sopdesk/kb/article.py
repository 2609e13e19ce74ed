"""An article as written: Markdown with a YAML front matter. Pure: text in, `ArticleDoc` out.

Only `title` is required; everything else has a default, so a file holding just a title and a
body is an article. Errors name the file and the field.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sopdesk.errors import FieldProblem, Refusal

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*$\r?\n?", re.S | re.M)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ArticleError(Refusal, ValueError):
    """An article the kb refuses (422); names the file and the field, and says what was
    expected: `fields` holds that field with the bare message."""

    def __init__(self, file: str, field: str, message: str) -> None:
        problem = FieldProblem(field, message)
        super().__init__(422, "invalid", f"{file}: {field}: {message}", [problem])
        self.file = file
        self.field = field


class ArticleDoc(BaseModel):
    """One version of an article's content, as its author wrote it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    slug: str = Field(description="stable id within the org; the file name when not given")
    title: str = Field(min_length=1, max_length=300, description="the question it answers")
    quick_answer: str | None = Field(default=None, description="what the agent says first")
    when_to_use: str | None = None
    steps: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list, description="slugs of related articles")
    tags: list[str] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list, description="playbook line ids it applies to")
    scenarios: list[str] = Field(default_factory=list, description="playbook scenario ids")
    summary_only: bool = Field(
        default=False, description="the source gives only a summary of this article"
    )
    source: str | None = Field(default=None, description="the document it was written from")
    body: str = ""

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("expected lowercase letters, digits and dashes, e.g. 'irs-call'")
        return value

    @field_validator("related")
    @classmethod
    def _related(cls, value: list[str]) -> list[str]:
        for slug in value:
            if not SLUG.match(slug):
                raise ValueError(f"'{slug}' is not an article slug (lowercase-with-dashes)")
        return value

    @field_validator("steps", "tags", "lines", "scenarios")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not item for item in value):
            raise ValueError("expected non-empty strings")
        return value

    def checksum(self) -> str:
        """Same content, same checksum: re-importing an unchanged file makes no new version."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def title_text(self) -> str:
        return self.title

    def content_text(self) -> str:
        """What the article says, most telling first (embedding models read only the start)."""
        parts = [self.title, self.quick_answer or "", self.when_to_use or "", *self.steps]
        parts.append(plain(self.body))
        return "\n".join(p for p in parts if p)

    def keyword_text(self) -> str:
        """Everything but the title, which the keyword index weighs on its own."""
        parts = [self.quick_answer or "", self.when_to_use or "", *self.steps, " ".join(self.tags)]
        parts.append(plain(self.body))
        return "\n".join(p for p in parts if p)

    def applies_to(self) -> str:
        """' line:psos scenario:irs ': spaced so that LIKE '% line:psos %' matches exactly."""
        items = [f"line:{x}" for x in self.lines] + [f"scenario:{x}" for x in self.scenarios]
        return f" {' '.join(items)} " if items else " "


def slug_from_filename(name: str) -> str:
    stem = Path(name).stem.lower()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", stem)).strip("-")


def plain(markdown: str) -> str:
    """Markdown reduced to its words: headings, emphasis, code fences and link targets go."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s{0,3}(#{1,6}|[-*+]|\d+[.)]|>)\s+", "", text, flags=re.M)
    text = re.sub(r"[*_`~]+", "", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "front matter"


def parse_article(text: str, file: str, slug: str | None = None) -> ArticleDoc:
    """Parse an article file's text; `slug` (or the file name) gives the slug when it has none."""
    text = text.lstrip("\ufeff")
    match = _FRONT.match(text)
    if match is None:
        raise ArticleError(file, "title", "expected a front matter ('---' lines) with a title")
    try:
        meta: Any = yaml.load(match.group(1), Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ArticleError(file, "front matter", f"not valid YAML{where}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ArticleError(file, "front matter", "expected 'key: value' pairs")
    if "body" in meta:
        raise ArticleError(file, "body", "the body is the Markdown after the front matter")
    meta = {str(k): v for k, v in meta.items()}
    meta.setdefault("slug", slug or slug_from_filename(file))
    meta["body"] = text[match.end() :].strip()
    try:
        return ArticleDoc.model_validate(meta)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field(error["loc"])
        if error["type"] == "missing":
            raise ArticleError(file, field, "required") from None
        if error["type"] == "extra_forbidden":
            known = ", ".join(n for n in ArticleDoc.model_fields if n != "body")
            raise ArticleError(file, field, f"unknown field; expected one of: {known}") from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ArticleError(file, field, message) from None
