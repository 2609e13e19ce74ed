"""Benchmark the knowledge base: retrieval quality, "no good match", and speed at 100,000 articles.

Quality (StackFAQ, ../shared/data/stackfaq: 125 FAQ threads, 1,249 paraphrased questions):
every FAQ becomes an article (title: the question; body: the answers), every paraphrase is
searched through `kb.search.search`, and P@1, MAP and NDCG@10 are reported for keyword, semantic
and combined search (full rankings, threshold off).

"No good match" (threshold on, as the product runs): how often an answerable question is
wrongly refused, and how often questions no article answers are refused: the paraphrases of
FAQs held out of the index (5 folds), unrelated questions (bench/data/kb_unrelated.txt) and
questions about other web apps (bench/data/kb_nearmiss.txt). The same on the seed articles of
MyOperator and Rondesse with questions written for them (bench/data/kb_seed_queries.tsv): a
domain the thresholds were not chosen on.

Speed: see kb_scale.py (100,000 synthetic articles).

Run: `make bench` or `.venv/bin/python bench/bench_kb.py [--quick] [--embed-all]`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from sopdesk.db import make_engine, make_sessionmaker, migrate, transaction
from sopdesk.kb.article import ArticleDoc
from sopdesk.kb.search import MIN_SCORE, Mode, search
from sopdesk.kb.service import Draft, import_folder, save_drafts
from sopdesk.orgs.models import Org
from sopdesk.orgs.service import publish_playbook

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
STACKFAQ = ROOT.parent / "shared" / "data" / "stackfaq" / "stackExchange-FAQ.json"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
FOLDS = 5


@dataclass(frozen=True)
class Faq:
    question: str
    answers: list[str]
    paraphrases: list[str]


def load_stackfaq(path: Path = STACKFAQ) -> list[Faq]:
    """The 125 threads; '*' and empty paraphrases are not questions and are dropped."""
    faqs = []
    for pair in json.loads(path.read_text())["root"]["qapair"]:
        answers = pair["answer"] if isinstance(pair["answer"], list) else [pair["answer"]]
        rephr = pair["rephr"] if isinstance(pair["rephr"], list) else [pair["rephr"]]
        kept = [r.strip() for r in rephr if isinstance(r, str) and r.strip() not in ("", "*")]
        faqs.append(Faq(pair["question"].strip(), [str(a) for a in answers], kept))
    return faqs


def faq_draft(n: int, faq: Faq) -> Draft:
    doc = ArticleDoc(slug=f"faq-{n:03d}", title=faq.question, body="\n\n".join(faq.answers))
    return Draft(doc, "", "bench:stackfaq")


def add_org(factory: sessionmaker[Session], org_id: str, drafts: list[Draft]) -> None:
    with transaction(factory) as s:
        s.add(Org(id=org_id, name=org_id, created_at=NOW))
        s.flush()
        save_drafts(s, org_id, drafts, NOW)


def metrics(ranks: list[int | None]) -> str:
    """P@1, MAP (one relevant article: mean reciprocal rank) and NDCG@10 from 0-based ranks."""
    n = len(ranks)
    p1 = sum(r == 0 for r in ranks) / n
    mrr = sum(1 / (r + 1) for r in ranks if r is not None) / n
    ndcg = sum(1 / math.log2(r + 2) for r in ranks if r is not None and r < 10) / n
    return f"P@1 {p1:.3f}  MAP {mrr:.3f}  NDCG@10 {ndcg:.3f}"


def refused(factory: sessionmaker[Session], org: str, queries: list[str], mode: Mode) -> float:
    with factory() as s:
        return sum(search(s, org, q, mode=mode).no_good_match for q in queries) / len(queries)


def quality(factory: sessionmaker[Session], faqs: list[Faq]) -> None:
    add_org(factory, "stackfaq", [faq_draft(n, f) for n, f in enumerate(faqs)])
    questions = [(q, f"faq-{n:03d}") for n, f in enumerate(faqs) for q in f.paraphrases]
    print(f"StackFAQ: {len(faqs)} articles, {len(questions)} paraphrased questions")
    best: dict[str, float | None] = {}
    with factory() as s:
        for mode in Mode:
            started, ranks = time.perf_counter(), []
            for query, gold in questions:
                result = search(s, "stackfaq", query, mode=mode, limit=len(faqs), min_score=None)
                slugs = [h.slug for h in result.hits]
                ranks.append(slugs.index(gold) if gold in slugs else None)
                if mode is Mode.SEMANTIC:
                    best[query] = result.best_semantic
            took = (time.perf_counter() - started) / len(questions) * 1000
            print(f"  {mode.value:<9} {metrics(ranks)}   ({took:.1f} ms a query)")
    no_good_match(factory, faqs, questions, best)


def no_good_match(
    factory: sessionmaker[Session],
    faqs: list[Faq],
    questions: list[tuple[str, str]],
    best: dict[str, float | None],
) -> None:
    unrelated = (DATA / "kb_unrelated.txt").read_text().splitlines()
    nearmiss = (DATA / "kb_nearmiss.txt").read_text().splitlines()
    held: list[str] = []
    for fold in range(FOLDS):
        kept = [faq_draft(n, f) for n, f in enumerate(faqs) if n % FOLDS != fold]
        add_org(factory, f"fold{fold}", kept)
    print(f'"No good match" (MIN_SCORE {MIN_SCORE}); share refused:')
    print("  mode      answerable(wrong)  held-out FAQ  unrelated  other web apps")
    for mode in (Mode.COMBINED, Mode.SEMANTIC):
        with factory() as s:
            wrong = sum(search(s, "stackfaq", q, mode=mode).no_good_match for q, _ in questions)
            held_refused = 0
            for fold in range(FOLDS):
                for n, faq in enumerate(faqs):
                    if n % FOLDS == fold:
                        for q in faq.paraphrases:
                            held_refused += search(s, f"fold{fold}", q, mode=mode).no_good_match
                            held.append(q)
        n_held = sum(len(f.paraphrases) for f in faqs)
        print(
            f"  {mode.value:<9} {wrong / len(questions):>17.3f}  {held_refused / n_held:>12.3f}"
            f"  {refused(factory, 'stackfaq', unrelated, mode):>9.3f}"
            f"  {refused(factory, 'stackfaq', nearmiss, mode):>14.3f}"
        )
    print("  semantic threshold sweep (answerable refused / unrelated refused):")
    with factory() as s:
        unrel_best = [search(s, "stackfaq", q, mode=Mode.SEMANTIC).best_semantic for q in unrelated]
    sweep = []
    for t in (0.30, 0.35, 0.40, 0.45, 0.50):
        a = sum((best[q] or 0) < t for q, _ in questions) / len(questions)
        u = sum((b or 0) < t for b in unrel_best) / len(unrel_best)
        sweep.append(f"{t:.2f}: {a:.3f}/{u:.3f}")
    print("    " + "   ".join(sweep))


def seeds(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        for org in ("myoperator", "rondesse"):
            publish_playbook(s, (ROOT / "playbooks" / org / "playbook.yaml").read_text(), NOW)
            import_folder(s, org, ROOT / "playbooks" / org / "articles", NOW)
    rows = [
        line.split("\t")
        for line in (DATA / "kb_seed_queries.tsv").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    others = (DATA / "kb_unrelated.txt").read_text().splitlines()
    others += (DATA / "kb_nearmiss.txt").read_text().splitlines()
    print(f"Seed articles (MyOperator 6, Rondesse 9), {len(rows)} agent questions:")
    for mode in Mode:
        with factory() as s:
            results = [(search(s, org, q, mode=mode), slug) for org, slug, q in rows]
        top1 = sum(bool(r.hits) and r.hits[0].slug == slug for r, slug in results) / len(rows)
        wrong = sum(r.no_good_match for r, _ in results) / len(rows)
        outside = (
            refused(factory, "myoperator", others, mode)
            + refused(factory, "rondesse", others, mode)
        ) / 2
        print(
            f"  {mode.value:<9} P@1 {top1:.3f}  answerable refused {wrong:.3f}"
            f"  off-topic refused {outside:.3f} ({len(others)} questions x 2 orgs)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 articles, not 100,000")
    parser.add_argument("--embed-all", action="store_true", help="embed every synthetic article")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    # StackFAQ is not in the repository (it is large): without ../shared only the seeds run.
    corpus = STACKFAQ.is_file()
    if not corpus:
        print(f"skipped: StackFAQ quality and scale, the corpus is not at {STACKFAQ}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/kb-bench.db"
        migrate(url)
        factory = make_sessionmaker(make_engine(url))
        if not args.skip_quality:
            if corpus:
                quality(factory, load_stackfaq())
            seeds(factory)
        if not args.skip_scale and corpus:
            import kb_scale

            kb_scale.run(tmp, 10_000 if args.quick else 100_000, args.embed_all)
    return 0


if __name__ == "__main__":
    sys.exit(main())
