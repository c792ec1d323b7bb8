"""Search latency on the embedded backend at 10k and 100k items, and indexing
throughput (issue 6, "Measurements").

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--queries 200]

Corpus: the demo's needs and seeds (cms/demo_data/demo.json) cut into
sentences; each synthetic item takes a demo title and 3–6 random sentences.
Every distinct sentence is analysed (Sudachi) and embedded (the bundled
encoder) once, and an item's terms and vector are the sum of its sentences'
(normalised), so 100,000 items build in minutes rather than hours. The items are
written as SearchEntry rows to a throw-away database (SQLite file unless
DATABASE_URL says otherwise), and a process index is loaded from it exactly as
a web process does (hack.search.engine).

Per size it times, over a query mix of keywords (見守り, AI, 子育て …), keyword
pairs, need titles (long natural sentences) and facet filters, with sort and
page drawn at random:

  search      InMemorySearchIndex.search: BM25 + similarity + facets + page
  run_search  engine.run_search: the above plus the query's embedding (cached
              per text, so the mix is run once cold then measured), the live
              facet query, and the snippets of the page's 20 hits from the DB
  suggest     engine.suggest of a 2–3 character prefix
  cold_query  run_search with a query text never seen (encoder included)

and reports load time and memory of the index. Indexing throughput is the real
pipeline (hack.search.indexing.store_pages: Sudachi + the encoder + the row) on
published demo pages, and the in-memory apply rate. Figures only: nothing here
asserts a time. The last line printed is one JSON object.
"""

import argparse
import gc
import json
import os
import random
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hack.settings.test")

import django  # noqa: E402

django.setup()

from hack.matching.encoders import get_encoder  # noqa: E402
from hack.search import engine  # noqa: E402
from hack.search.analysis import analyse_document, to_hiragana  # noqa: E402
from hack.search.memory import InMemorySearchIndex, row_from_entry  # noqa: E402
from hack.search.models import SearchEntry  # noqa: E402
from hack.search.query import SearchQuery  # noqa: E402

DEMO = ROOT / "cms" / "demo_data" / "demo.json"
KEYWORDS = [
    "見守り",
    "みまもり",
    "子育て",
    "AI",
    "窓口",
    "防災",
    "ごみ",
    "観光",
    "高齢者",
    "センサー",
    "予約",
    "オンライン",
    "チャットボット",
    "避難",
    "学校",
    "独居高齢者",
    "ドローン",
    "キャッシュレス",
    "monitoring",
    "sensor",
    "交通量",
    "RPA",
    "相談",
]
FACETS = {
    "kind": ["need", "seed"],
    "field": ["welfare", "childcare", "disaster", "counter"],
    "maturity": ["validated", "prototype"],
    "match_type": ["1", "2", "3"],
}
_SENTENCE = re.compile(r"(?<=[。！？!?])")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def summary(samples) -> dict:
    ms = np.asarray(samples) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Pool:
    """Demo sentences, analysed and embedded once."""

    def __init__(self):
        data = json.loads(DEMO.read_text(encoding="utf-8"))
        items = data["needs"] + data["seeds"]
        self.titles = [i["title"] for i in items]
        self.need_titles = [n["title"] for n in data["needs"]]
        sentences = sorted(
            {s.strip() for i in items for s in _SENTENCE.split(i["text"]) if s.strip()}
        )
        self.sentences = sentences
        started = time.perf_counter()
        encoder = get_encoder()
        self.vectors = np.vstack(
            [
                encoder.encode(sentences[i : i + 64], "passage")
                for i in range(0, len(sentences), 64)
            ]
        )
        self.analysed = [analyse_document("", s) for s in sentences]
        self.title_analysed = [analyse_document(t, "") for t in self.titles]
        self.seconds = time.perf_counter() - started
        log(
            f"pool: {len(sentences)} sentences, {len(self.titles)} titles "
            f"in {self.seconds:.0f} s"
        )


def synthetic_entries(pool: Pool, size: int, rng: random.Random):
    """SearchEntry objects (unsaved) built from the pool."""
    kinds = ["need", "seed", "seed", "seed", "case", "column"]
    start = datetime(2022, 4, 1, tzinfo=UTC)
    for number in range(size):
        title_at = rng.randrange(len(pool.titles))
        chosen = rng.sample(range(len(pool.sentences)), rng.randint(3, 6))
        counts: Counter = Counter()
        parts = [pool.title_analysed[title_at], *(pool.analysed[i] for i in chosen)]
        lengths = Counter()
        for part in parts:
            counts.update(
                dict(zip(part.hashes.tolist(), part.counts.tolist(), strict=True))
            )
            lengths.update(part.lengths)
        vector = pool.vectors[chosen].sum(axis=0)
        vector /= np.linalg.norm(vector)
        kind = kinds[number % len(kinds)]
        facets = {"match_type": rng.choice(FACETS["match_type"])}
        if kind in ("need", "case"):
            facets["field"] = rng.choice(FACETS["field"] + ["other", "tourism"])
        if kind == "need":
            facets["stage"] = rng.choice(["published", "open_for_ideas"])
        if kind == "seed":
            facets["maturity"] = rng.choice(FACETS["maturity"] + ["research"])
            facets["org_type"] = rng.choice(["company", "startup", "npo"])
        title = f"{pool.titles[title_at]} {number}"
        yield SearchEntry(
            page_id=number + 1,
            kind=kind,
            title=title[:255],
            url=f"/bench/{number + 1}/",
            body="".join(pool.sentences[i] for i in chosen),
            date=start + timedelta(minutes=17 * number),
            facets=facets,
            term_hashes=np.fromiter(counts.keys(), np.int64).tobytes(),
            term_counts=np.fromiter(
                (min(c, 65535) for c in counts.values()), np.uint16
            ).tobytes(),
            lengths=dict(lengths),
            surfaces={},
            title_reading=to_hiragana(pool.titles[title_at]),
            model_name=get_encoder().name,
            vector=vector.astype(np.float32).tobytes(),
            text_hash=f"bench-{number}",
            es_pending=False,
        )


def query_mix(pool: Pool, rng: random.Random, count: int) -> list[SearchQuery]:
    queries = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            text = rng.choice(KEYWORDS)
        elif roll < 0.65:
            text = " ".join(rng.sample(KEYWORDS, 2))
        elif roll < 0.85:
            text = rng.choice(pool.need_titles)
        else:
            text = ""
        filters = {}
        if rng.random() < 0.4:
            name = rng.choice(list(FACETS))
            filters[name] = frozenset(rng.sample(FACETS[name], 1))
        queries.append(
            SearchQuery(
                text=text,
                filters=filters,
                sort="newest" if rng.random() < 0.2 else "relevance",
                page=1 if rng.random() < 0.8 else rng.randint(2, 5),
            )
        )
    return queries


def timed(function, items) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter()
        function(item)
        samples.append(time.perf_counter() - started)
    return samples


def write_entries(pool, size, rng) -> float:
    SearchEntry.objects.all().delete()
    started = time.perf_counter()
    batch = []
    for entry in synthetic_entries(pool, size, rng):
        batch.append(entry)
        if len(batch) == 2000:
            SearchEntry.objects.bulk_create(batch)
            batch = []
    if batch:
        SearchEntry.objects.bulk_create(batch)
    return time.perf_counter() - started


def measure_size(pool: Pool, size: int, args, rng) -> dict:
    log(f"== {size} items: writing rows …")
    write_seconds = write_entries(pool, size, rng)
    engine.reset()
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    index = engine.get_embedded_index()
    load_seconds = time.perf_counter() - started
    gc.collect()
    index_bytes = rss_bytes() - before
    log(f"   loaded in {load_seconds:.1f} s, {index_bytes / 1e6:.0f} MB")
    queries = query_mix(pool, rng, args.queries)
    encoder = get_encoder()
    from hack.search.analysis import analyse_query

    prepared = []
    for query in queries:
        analysed = analyse_query(query.text)
        vector = None if analysed.is_empty else engine.query_vector(analysed.text)
        prepared.append((query, analysed, vector))
    live = {"open_call": {"open": set(range(1, size, 97))}}
    for query, analysed, vector in prepared[:10]:  # warm up
        index.search(query, analysed=analysed, vector=vector, live=live)
    search = timed(
        lambda p: index.search(p[0], analysed=p[1], vector=p[2], live=live), prepared
    )
    # Query vectors are cached per text (as in a web process), so these are warm.
    run_search = timed(engine.run_search, queries)
    prefixes = [
        rng.choice(pool.titles)[: rng.randint(2, 3)] for _ in range(args.queries)
    ]
    suggest = timed(lambda text: engine.suggest(text), prefixes)
    cold_texts = [f"{rng.choice(KEYWORDS)} {n}件" for n in range(min(50, args.queries))]
    cold = timed(lambda text: engine.run_search(SearchQuery(text=text)), cold_texts)
    encode = timed(lambda text: encoder.encode([text], "query"), cold_texts)
    totals = [engine.run_search(q).total for q in queries[:50]]
    return {
        "items": size,
        "write_rows_seconds": round(write_seconds, 1),
        "load_index_seconds": round(load_seconds, 2),
        "index_rss_mb": round(index_bytes / 1e6, 1),
        # Side by side: the index against its raw vectors, p95 against the target.
        "rss_vs_raw_vectors": round(index_bytes / (size * encoder.dim * 4), 2),
        "run_search_p95_vs_target_100ms": round(
            float(np.percentile(run_search, 95)) * 1000 / 100, 2
        ),
        "segments": len(index._segments),
        "postings": int(sum(len(s) for s in index._segments)),
        "search": summary(search),
        "run_search": summary(run_search),
        "suggest": summary(suggest),
        "cold_query": summary(cold),
        "encode_query": summary(encode),
        "results_per_query_median": int(np.median(totals)),
    }


def indexing_throughput(args) -> dict:
    """The real pipeline on demo pages: Sudachi + encoder + row."""
    from django.test.utils import override_settings

    from cms.demo import load_demo
    from hack.search.indexing import published_pages, store_pages

    log("indexing throughput: loading the demo pages …")
    with override_settings(
        MATCHING_EMBED_ON_PUBLISH="off", SEARCH_INDEX_ON_PUBLISH="off"
    ):
        load_demo(password=secrets.token_urlsafe())  # a throw-away database
    pages = published_pages()
    SearchEntry.objects.all().delete()
    started = time.perf_counter()
    for start in range(0, len(pages), 32):
        store_pages(pages[start : start + 32])
    seconds = time.perf_counter() - started
    entries = list(SearchEntry.objects.filter(is_live=True))
    rows = [row_from_entry(e) for e in entries] * max(1, 5000 // max(len(entries), 1))
    rows = [r.__class__(**{**r.__dict__, "page_id": n}) for n, r in enumerate(rows)]
    index = InMemorySearchIndex(dim=get_encoder().dim)
    apply_started = time.perf_counter()
    index.apply(rows)
    apply_seconds = time.perf_counter() - apply_started
    # One publish at a time, as the worker does it, into a big index.
    singles = timed(lambda r: index.apply([r]), rows[:200])
    return {
        "pages": len(pages),
        "store_pages_per_second": round(len(pages) / seconds, 1),
        "apply_bulk_rows_per_second": round(len(rows) / apply_seconds),
        "apply_one_row": summary(singles),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    from django.db import connection

    tmp = None
    if connection.vendor == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="bench-search-")
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    log("creating the throw-away database (migrations) …")
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from cms.services import set_up_site

    set_up_site(hostname="testserver")
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible corpus
    pool = Pool()
    report = {
        "benchmark": "search",
        "database": connection.vendor,
        "encoder": get_encoder().name,
        "cpus": os.cpu_count(),
        "sizes": [],
    }
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            figures = measure_size(pool, size, args, rng)
            report["sizes"].append(figures)
            print(
                f"{size:>7} items  search p50 {figures['search']['p50_ms']} ms "
                f"p95 {figures['search']['p95_ms']} ms | run_search p50 "
                f"{figures['run_search']['p50_ms']} ms p95 "
                f"{figures['run_search']['p95_ms']} ms | suggest p95 "
                f"{figures['suggest']['p95_ms']} ms | load "
                f"{figures['load_index_seconds']} s, {figures['index_rss_mb']} MB"
            )
        if not args.skip_throughput:
            report["indexing"] = indexing_throughput(args)
            print(f"indexing: {report['indexing']}")
    finally:
        engine.reset()
        connection.creation.destroy_test_db(
            connection.settings_dict["NAME"], verbosity=0
        )
        if tmp:
            tmp.cleanup()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
