"""An article in the desk: read it, see its history, and (supervisors, admins) edit it.

An edit is the article's Markdown with its front matter, saved as a new version through
`kb.service.edit_article` (which refuses anyone `kb.service.can_edit` says no to); a refused
edit keeps the text and names each field at fault.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sopdesk.kb.article import ArticleError
from sopdesk.kb.service import (
    ArticlesRefused,
    article_history,
    can_edit,
    edit_article,
    get_article_doc,
    get_article_source,
)
from sopdesk.web.deps import CurrentSupervisor, CurrentUser, Now, SessionDep
from sopdesk.web.errors import NotFound
from sopdesk.web.templating import render

router = APIRouter()

Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]


def _source(session: SessionDep, org_id: str, slug: str) -> str:
    source = get_article_source(session, org_id, slug)
    if source is None:
        raise NotFound("article")
    return source


@router.get("/kb/articles/{slug}")
def article_page(
    request: Request, slug: Slug, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """The article as agents read it, with every saved version."""
    doc = get_article_doc(session, user.org_id, slug)
    if doc is None:
        raise NotFound("article")
    context = {
        "active": "kb",
        "doc": doc,
        "history": list(reversed(article_history(session, user.org_id, slug))),
        "can_edit": can_edit(user),
    }
    return render(request, "kb/article.html", context)


@router.get("/kb/articles/{slug}/edit")
def edit_page(
    request: Request, slug: Slug, session: SessionDep, user: CurrentSupervisor
) -> HTMLResponse:
    text = _source(session, user.org_id, slug)
    return render(
        request, "kb/edit.html", {"active": "kb", "slug": slug, "text": text, "errors": []}
    )


@router.post("/kb/articles/{slug}/edit", response_model=None)
def save_edit(
    request: Request,
    slug: Slug,
    session: SessionDep,
    user: CurrentSupervisor,
    now: Now,
    text: Annotated[str, Form(max_length=100_000)],
) -> Response:
    """Save a new version; a refusal shows the text again with each problem."""
    _source(session, user.org_id, slug)  # 404 for another org's or a missing article
    try:
        edit_article(session, user, slug, text, now)
    except (ArticlesRefused, ArticleError) as refused:
        # Not the error page: the editor again, with the text as typed and each problem.
        context = {"active": "kb", "slug": slug, "text": text, "errors": refused.fields}
        return render(request, "kb/edit.html", context, status_code=422)
    return RedirectResponse(f"/kb/articles/{slug}", status_code=303)
