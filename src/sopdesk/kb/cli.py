"""`sopdesk kb ...`: import article folders and search them, on the configured database.

Exit codes as for every sopdesk command: 0 success, 2 bad input (with every problem named).
Imports of the model and the database happen inside the commands, so `sopdesk --help` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sopdesk.kb.search import SearchResult

kb_app = typer.Typer(
    help="The knowledge base: import article folders, search them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_SKIPPED_SHOWN = 5  # skipped folders named on the summary line; the rest are counted
OrgOpt = Annotated[str, typer.Option("--org", help="org id or name, e.g. myoperator")]


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(2)


def _resolve_org(session: Session, org: str, publish_from: Path | None) -> str:
    """The org's id; when it is not in the database yet, publish its playbook from the folder."""
    from sqlalchemy import func, or_, select

    from sopdesk.orgs.models import Org

    wanted = org.strip().lower()
    found = session.scalar(
        select(Org.id).where(or_(Org.id == wanted, func.lower(Org.name) == wanted))
    )
    if found is not None:
        return found
    if publish_from is None:
        raise _fail(f"no org '{org}' in the database: import its articles first")
    from sopdesk.orgs.service import OrgError, publish_playbook
    from sopdesk.playbooks.language.loader import PlaybookError, discover, load_file

    for path in discover([publish_from]):
        try:
            playbook = load_file(path).playbook
        except PlaybookError:
            continue
        if wanted in (playbook.org.id, playbook.org.name.lower()):
            try:
                publish_playbook(session, path.read_text(encoding="utf-8"), datetime.now(UTC))
            except OrgError as exc:
                raise _fail(f"{path}: {exc}") from None
            return playbook.org.id
    raise _fail(f"no org '{org}' in the database nor a playbook for it in {publish_from}")


@kb_app.command("import")
def import_articles(
    directory: Annotated[Path, typer.Argument(help="folder of Markdown articles (*.md)")],
    org: OrgOpt,
    by: Annotated[str | None, typer.Option(help="who publishes, kept in the history")] = None,
) -> None:
    """Load a folder of articles into the org (new versions for changed ones)."""
    from sopdesk.db import make_engine, make_sessionmaker, migrate, transaction
    from sopdesk.kb.embed import Embedder
    from sopdesk.kb.service import ArticlesRefused, import_folder
    from sopdesk.settings import get_settings

    if not directory.is_dir():
        raise _fail(f"not a folder: {directory}")
    settings = get_settings()
    migrate(settings.database_url)  # creates a new database; upgrades an old one
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            org_id = _resolve_org(session, org, settings.playbooks)
            embedder = Embedder(threads=os.cpu_count() or 1, bulk=True)
            report = import_folder(session, org_id, directory, datetime.now(UTC), by, embedder)
    except ArticlesRefused as exc:
        raise _fail(f"nothing imported, {len(exc.errors)} problem(s):\n{exc}") from None
    finally:
        engine.dispose()
    print(
        f"{org_id}: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
    )
    if report.skipped:
        print(_skipped_line(report.skipped))


def _skipped_line(skipped: list[str]) -> str:
    """How many folders were not read, naming the first few."""
    shown = ", ".join(skipped[:_SKIPPED_SHOWN])
    if len(skipped) > _SKIPPED_SHOWN:
        shown += f" and {len(skipped) - _SKIPPED_SHOWN} more"
    return (
        f"skipped {len(skipped)} folder(s) that hold no articles (hidden, virtual environments, "
        f"node_modules, __pycache__): {shown}"
    )


def _print_result(result: SearchResult) -> None:
    print(f"? {result.query}")
    if result.no_good_match:
        print("  no good match")
    for n, hit in enumerate(result.hits, 1):
        summary = " (summary only)" if hit.summary_only else ""
        print(f"{n}. {hit.title} [{hit.slug}] score {hit.score:.3f}{summary}")
        if hit.quick_answer:
            print("   Quick answer: " + hit.quick_answer.replace("\n", "\n   "))
        if hit.related:
            print("   Related: " + "; ".join(f"{r.title} [{r.slug}]" for r in hit.related))


def _brief(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "no_good_match": result.no_good_match,
        "results": [
            {"id": h.article_id, "slug": h.slug, "score": round(h.score, 4)} for h in result.hits
        ],
    }


def _utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = f"byte {exc.start + 1} is {raw[exc.start]:#04x}"
        raise _fail(f"{where}: not UTF-8 text ({byte})") from None


def _query_lines(query: str | None, queries: Path | None) -> list[str]:
    """The queries to run, as text: bytes that are not UTF-8 (in the argument, where Python keeps
    them as lone surrogates, in the file or on stdin) are refused with exit 2, not a traceback."""
    if queries is None:
        text = query or ""
        try:
            text.encode("utf-8")  # only a check: a lone surrogate has no UTF-8 form
        except UnicodeEncodeError:
            raise _fail("QUERY: not UTF-8 text") from None
        return [text]
    if str(queries) == "-":
        return _utf8(sys.stdin.buffer.read(), "--queries (stdin)").splitlines()
    if queries.exists() and not queries.is_dir():
        return _utf8(queries.read_bytes(), f"--queries {queries}").splitlines()
    raise _fail(f"--queries: no file {queries}")


@kb_app.command("search")
def search_articles(
    org: OrgOpt,
    query: Annotated[str | None, typer.Argument(help="what the caller asks")] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", help="file of queries, one a line ('-': stdin)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="at most this many")] = 5,
    mode: Annotated[str, typer.Option(help="combined, semantic or keyword")] = "combined",
    as_json: Annotated[bool, typer.Option("--json", help="JSON: one line per query")] = False,
) -> None:
    """Search the org's articles; with --queries, every line of FILE in one process."""
    from sqlalchemy import inspect

    from sopdesk.db import make_engine, make_sessionmaker
    from sopdesk.kb.search import Mode, search
    from sopdesk.settings import get_settings

    if (query is None) == (queries is None):
        raise _fail("give a QUERY or --queries FILE (not both)")
    try:
        chosen = Mode(mode)
    except ValueError:
        raise _fail(f"--mode: expected one of {', '.join(m.value for m in Mode)}") from None
    lines = _query_lines(query, queries)
    engine = make_engine(get_settings().database_url)
    try:
        if not inspect(engine).has_table("kb_article"):
            raise _fail("no knowledge base in this database: run `sopdesk kb import` first")
        with make_sessionmaker(engine)() as session:
            org_id = _resolve_org(session, org, None)
            for line in lines:
                result = search(session, org_id, line, mode=chosen, limit=limit)
                if not as_json:
                    _print_result(result)
                elif queries is None:
                    full = {**_brief(result), "mode": result.mode.value}
                    full["results"] = [h.as_json() for h in result.hits]
                    print(json.dumps(full))
                else:
                    print(json.dumps(_brief(result)))
    finally:
        engine.dispose()
