"""The knowledge base at 100,000 articles: index build, query latency, throughput, cold start.

Synthetic articles are spans of real text (StackFAQ questions and answers), so word frequencies
and posting-list lengths are those of real prose. Embedding 100,000 articles takes about an hour
on 2 cores, so by default the real model embeds a sample (for throughput and an extrapolated
build time) and the others get random unit vectors: brute-force search costs the same whatever
the vectors hold. `--embed-all` embeds every article with the real model.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from bench_kb import NOW, Faq, load_stackfaq
from sopdesk.db import make_engine, make_sessionmaker, migrate, transaction
from sopdesk.kb.article import ArticleDoc
from sopdesk.kb.embed import DIM, MODEL_ID, Embedder, Vectors, normalize
from sopdesk.kb.search import Mode, search
from sopdesk.kb.service import Draft, save_drafts
from sopdesk.orgs.models import Org

ORG = "bigco"
BATCH = 5_000
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sopdesk_kb_bench"


class RandomEmbedder:
    """Random unit vectors under the real model's id: the index and search cannot tell."""

    model_id = MODEL_ID

    def __init__(self) -> None:
        self._rng = np.random.default_rng(7)

    def articles(self, docs: Sequence[ArticleDoc]) -> Vectors:
        return normalize(self._rng.standard_normal((len(docs), DIM)).astype(np.float32))


def synthetic(n: int, faqs: list[Faq]) -> list[Draft]:
    words = re.findall(
        r"[A-Za-z][A-Za-z']+", " ".join(f.question + " " + " ".join(f.answers) for f in faqs)
    )
    rng = random.Random(11)

    def span(lo: int, hi: int) -> str:
        start = rng.randrange(len(words) - hi)
        return " ".join(words[start : start + rng.randint(lo, hi)])

    drafts = []
    for i in range(n):
        doc = ArticleDoc(
            slug=f"a{i:06d}",
            title=span(6, 14).capitalize() + "?",
            quick_answer=span(20, 40),
            steps=[span(8, 16) for _ in range(3)],
            tags=[span(1, 2).lower() for _ in range(3)],
            body=span(60, 120),
        )
        drafts.append(Draft(doc, "", "bench:synthetic"))
    return drafts


def build(factory: sessionmaker[Session], drafts: list[Draft], embed_all: bool) -> float:
    embedder = Embedder(os.cpu_count() or 1, bulk=True) if embed_all else RandomEmbedder()
    started = time.perf_counter()
    with transaction(factory) as s:
        s.add(Org(id=ORG, name="BigCo", created_at=NOW))
    for start in range(0, len(drafts), BATCH):
        with transaction(factory) as s:
            save_drafts(s, ORG, drafts[start : start + BATCH], NOW, embedder=embedder)
    if factory.kw["bind"].dialect.name == "postgresql":
        with transaction(factory) as s:
            s.connection().exec_driver_sql("ANALYZE")  # as autovacuum would after a bulk load
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> str:
    ms = sorted(x * 1000 for x in samples)
    return f"p50 {statistics.median(ms):6.1f} ms  p99 {ms[int(len(ms) * 0.99) - 1]:6.1f} ms"


def latency(factory: sessionmaker[Session], queries: list[str]) -> None:
    """Wall-clock and CPU time (this process, all threads) per query. On a shared machine the
    wall clock includes waiting for the cores; the CPU time is what a query costs."""
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with factory() as s:
        for q in queries[:20]:  # loads the vectors and warms the caches
            search(s, ORG, q)
        for mode in Mode:
            wall, cpu = [], []
            for q in queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                search(s, ORG, q, mode=mode, limit=5)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            print(
                f"  {mode.value:<9} wall {percentiles(wall)}   cpu {percentiles(cpu)}"
                f"  ({len(queries)} queries)"
            )


COLD = """
import resource, sys, time
started = time.perf_counter()
from sopdesk.db import make_engine, make_sessionmaker
from sopdesk.kb.embed import get_embedder
from sopdesk.kb.search import search
from sopdesk.settings import Settings
try:
    from sopdesk.web.app import create_app
    create_app(Settings(database_url=sys.argv[1]))
except Exception as exc:  # the web shell may want its vendored front-end files
    print("web app not created:", exc.__class__.__name__, file=sys.stderr)
get_embedder()
model = time.perf_counter() - started
with make_sessionmaker(make_engine(sys.argv[1]))() as s:
    search(s, sys.argv[2], "how do I delete my account")
rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
print(f"{model:.2f} {time.perf_counter() - started:.2f} {rss}")
"""


def cold_start(url: str) -> None:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", COLD, url, ORG], capture_output=True, text=True, check=True
    ).stdout.split()
    total = time.perf_counter() - started
    print(
        f"  cold start: model loaded {out[0]} s, first answer over {ORG} {out[1]} s in-process, "
        f"{total:.2f} s from exec; server RSS then {out[2]} MB"
    )


def throughput(drafts: list[Draft]) -> float:
    embedder = Embedder(threads=os.cpu_count() or 1, bulk=True)  # as `sopdesk kb import` does
    embedder.articles([d.doc for d in drafts[:32]])
    sample = [d.doc for d in drafts[:1000]]
    started = time.perf_counter()
    embedder.articles(sample)
    return len(sample) / (time.perf_counter() - started)


def run(tmp: str, n: int, embed_all: bool) -> None:
    faqs = load_stackfaq()
    queries = [q for f in faqs for q in f.paraphrases][:: max(1, 1249 // 300)][:300]
    drafts = synthetic(n, faqs)
    rate = throughput(drafts)
    print(f"Scale: {n:,} synthetic articles, {os.cpu_count()} cores")
    print(f"  embedding throughput: {rate:.0f} articles/s (real model, 1,000 articles)")
    targets = [("SQLite", f"sqlite:///{tmp}/kb-scale.db")]
    if _postgres_answers():
        targets.append(("PostgreSQL", PG_URL))
    for name, url in targets:
        migrate(url)
        factory = make_sessionmaker(make_engine(url))
        took = build(factory, drafts, embed_all)
        what = "with embeddings" if embed_all else "rows + full-text index, random vectors"
        print(f"  {name}: index build {took:.1f} s ({what})")
        if not embed_all:
            print(f"    + embedding at {rate:.0f}/s: {n / rate / 60:.1f} min for {n:,} articles")
        latency(factory, queries)
        cold_start(url)


def _postgres_answers() -> bool:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS sopdesk_kb_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE sopdesk_kb_bench"))
        return True
    except Exception:  # no server: the PostgreSQL figures are skipped
        print("  (PostgreSQL not answering: its figures are skipped)")
        return False
    finally:
        admin.dispose()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        run(tmp, int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, "--embed-all" in sys.argv)
