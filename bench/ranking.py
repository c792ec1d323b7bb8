"""Ranking a stored need against N published seeds (issue 3, "Benchmarks").

    .venv/bin/python bench/ranking.py [--sizes 10000,100000] [--queries 100]

Synthetic seeds: random unit vectors (dim 384) in a `ranking.Corpus`, a random
language (ja 85 % / en 15 %), a random match type and token lists drawn from a
Zipf vocabulary, so BM25 has long posting lists to add up. Per query it times

  scan         InMemoryVectorIndex.scores: the exact matrix-vector scan
  rank         Corpus.rank: semantic + BM25 + type fit, standardised, top 10
  rank_and_db  rank, then SeedPage.objects.in_bulk() of 10 seed pages, as
               hack/matching/suggestions.py does, from a throw-away test
               database (SQLite file unless DATABASE_URL says otherwise)

and, to show what dominates `rank`, each of its steps on its own. In the same
run it measures memory bandwidth (best of several passes over a 1 GiB float32
array) and reports the bound = bytes scanned per query / bandwidth, and index
memory against the raw vectors. Figures only: nothing here asserts a time.
The last line printed is one JSON object.
"""

import argparse
import contextlib
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hack.settings.test")

import django  # noqa: E402

django.setup()

from hack.matching.ranking import (  # noqa: E402
    MIN_GROUP_SIZE,
    PRODUCTION,
    Corpus,
    Item,
    standardise_coded,
    type_fit_row,
)

DIM = 384
TOP_K = 10
MB = 1e6


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def summary(samples_s) -> dict:
    ms = np.asarray(samples_s) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def blas_threads(threads: int):
    """Limit BLAS threads (threadpoolctl, if installed) for the `with` block."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


# Memory bandwidth -------------------------------------------------------------


def best_of(repeats, function) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def measure_bandwidth(gib: float, repeats: int) -> dict:
    """Read bandwidth three ways over an array far larger than any cache."""
    rows = int(gib * 2**30) // (DIM * 4)
    data = np.ones((rows, DIM), dtype=np.float32)  # written once: pages are real
    vector = np.ones(DIM, dtype=np.float32)
    out = np.empty_like(data)
    nbytes = data.nbytes
    read_sum = best_of(repeats, lambda: data.sum(dtype=np.float32))
    read_gemv = best_of(repeats, lambda: data @ vector)
    copy = best_of(max(repeats // 2, 2), lambda: np.copyto(out, data))
    return {
        "array_bytes": nbytes,
        "read_gbps_sum": round(nbytes / read_sum / 1e9, 2),
        "read_gbps_gemv": round(nbytes / read_gemv / 1e9, 2),
        # A copy reads and writes every byte.
        "copy_gbps": round(2 * nbytes / copy / 1e9, 2),
    }


# Synthetic corpus -------------------------------------------------------------


def zipf_tokens(rng, vocabulary, rows, length, exponent):
    ranks = np.arange(1, len(vocabulary) + 1, dtype=np.float64)
    weights = ranks**-exponent
    weights /= weights.sum()
    ids = rng.choice(len(vocabulary), size=(rows, length), p=weights)
    return [[vocabulary[i] for i in row] for row in ids]


def unit_vectors(rng, rows):
    vectors = rng.standard_normal((rows, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def build_corpus(rng, size, args, vocabulary):
    vectors = unit_vectors(rng, size)
    langs = rng.choice(["ja", "en"], size=size, p=[0.85, 0.15])
    types = rng.integers(1, 4, size=size)
    tokens = zipf_tokens(rng, vocabulary, size, args.doc_tokens, args.zipf)
    # One array per item, as engine.item_from() builds them from the database.
    items = [
        Item(
            key=i,
            lang=str(langs[i]),
            match_type=int(types[i]),
            tokens=tokens[i],
            vector=vectors[i].copy(),
        )
        for i in range(size)
    ]
    del vectors, tokens
    gc.collect()
    rss_before = rss_bytes()
    corpus = Corpus(dim=DIM)
    corpus.add(items)
    started = time.perf_counter()
    corpus._arrays()  # the row metadata and BM25 index, built on first rank
    first_build = time.perf_counter() - started
    rss_after = rss_bytes()
    # Vectors the Corpus keeps besides its index matrix (none since it stores
    # each vector once; counted so a regression shows).
    item_vector_bytes = sum(
        item.vector.nbytes for item in corpus._items.values() if item.vector is not None
    )
    del items
    return corpus, {
        "lexical_build_s": round(first_build, 2),
        "rss_growth_bytes": rss_after - rss_before,
        "item_vector_bytes": item_vector_bytes,
    }


def make_queries(rng, count, args, vocabulary):
    vectors = unit_vectors(rng, count)
    tokens = zipf_tokens(rng, vocabulary, count, args.query_tokens, args.zipf)
    types = rng.integers(1, 4, size=count)
    return [
        Item(f"need{i}", "ja", int(types[i]), tokens[i], vectors[i])
        for i in range(count)
    ]


# The steps of Corpus.rank, one by one -----------------------------------------


def rank_steps(corpus: Corpus, query: Item) -> dict:
    """The same work as Corpus.rank, timed step by step (private attributes are
    read on purpose: this is a profile of that method)."""
    times = {}
    clock = time.perf_counter
    keys, codes, types, _ = corpus._arrays()
    t0 = clock()
    semantic = corpus.index.scores(query.vector)
    t1 = clock()
    lexical = corpus._lexical.scores(query.tokens)
    t2 = clock()
    z_semantic = standardise_coded(semantic, codes)
    t3 = clock()
    z_lexical = standardise_coded(lexical, codes)
    t4 = clock()
    fit = type_fit_row(query.match_type, types)
    combined = (
        PRODUCTION.semantic * z_semantic
        + PRODUCTION.lexical * z_lexical
        + PRODUCTION.type_fit * fit
    )
    t5 = clock()
    candidates = np.flatnonzero(np.ones(len(keys), dtype=bool))
    top = candidates[np.argpartition(-combined[candidates], TOP_K - 1)[:TOP_K]]
    top = top[np.argsort(-combined[top], kind="stable")]
    t6 = clock()
    times["scan"] = t1 - t0
    times["bm25"] = t2 - t1
    times["standardise_semantic"] = t3 - t2
    times["standardise_lexical"] = t4 - t3
    times["type_fit_and_sum"] = t5 - t4
    times["top_k"] = t6 - t5
    return times


# The database -----------------------------------------------------------------


class SeedTable:
    """Ten published seed pages in a throw-away test database."""

    def __init__(self, count: int = TOP_K):
        from django.db import connection
        from django.test.utils import override_settings

        self.connection = connection
        self.vendor = connection.vendor
        self.tmp = None
        if self.vendor == "sqlite":
            # A file, as in production, rather than Django's in-memory test db.
            self.tmp = tempfile.TemporaryDirectory(prefix="bench-ranking-")
            connection.settings_dict["TEST"]["NAME"] = str(
                Path(self.tmp.name) / "bench.sqlite3"
            )
        self.old_name = connection.settings_dict["NAME"]
        log("creating the test database (migrations) …")
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        with override_settings(MATCHING_EMBED_ON_PUBLISH="off"):
            from cms.services import set_up_site
            from tests import factories

            set_up_site(hostname="testserver")
            coordinator = factories.make_coordinator()
            owner = factories.make_user()
            organization = factories.make_organization(owner)
            self.pks = [
                factories.make_seed(organization, owner, publish_by=coordinator).pk
                for _ in range(count)
            ]

    def fetch(self, pks=None):
        from hack.seeds.models import SeedPage

        return SeedPage.objects.in_bulk(pks or self.pks)

    def close(self):
        self.connection.creation.destroy_test_db(self.old_name, verbosity=0)
        if self.tmp is not None:
            self.tmp.cleanup()


# The run ----------------------------------------------------------------------


def bench_size(size, args, rng, vocabulary, table) -> dict:
    log(f"N={size}: building the corpus …")
    started = time.perf_counter()
    corpus, build = build_corpus(rng, size, args, vocabulary)
    build["total_build_s"] = round(time.perf_counter() - started, 2)
    queries = make_queries(rng, args.queries + args.warmup, args, vocabulary)
    for query in queries[: args.warmup]:
        corpus.rank(query, k=TOP_K)
        corpus.index.scores(query.vector)
    queries = queries[args.warmup :]

    log(f"N={size}: timing {len(queries)} queries …")
    scan, scan_one_thread, rank, rank_cpu, rank_and_db, db = [], [], [], [], [], []
    steps = {}
    clock = time.perf_counter
    cpu = time.process_time
    for query in queries:
        t0 = clock()
        corpus.index.scores(query.vector)
        t1 = clock()
        scan.append(t1 - t0)

        with blas_threads(1):
            t0 = clock()
            corpus.index.scores(query.vector)
            t1 = clock()
        scan_one_thread.append(t1 - t0)

        t0, c0 = clock(), cpu()
        corpus.rank(query, k=TOP_K)
        t1, c1 = clock(), cpu()
        rank.append(t1 - t0)
        # CPU time of all threads of the process: with one BLAS thread, close
        # to what an idle machine would take; with more, spinning counts too.
        rank_cpu.append(c1 - c0)

        if table is not None:
            t0 = clock()
            scored = corpus.rank(query, k=TOP_K)
            # The ten real seed rows stand in for the ten synthetic keys ranked.
            rows = table.fetch([table.pks[i] for i, _ in enumerate(scored)])
            t1 = clock()
            if len(rows) != len(table.pks):
                raise RuntimeError(f"fetched {len(rows)} seed rows, not 10")
            rank_and_db.append(t1 - t0)
            t0 = clock()
            table.fetch()
            db.append(clock() - t0)

        for name, seconds in rank_steps(corpus, query).items():
            steps.setdefault(name, []).append(seconds)

    raw_bytes = size * DIM * 4
    index_bytes = corpus.index.nbytes
    # The next publish after a bulk load grows the matrix by an eighth.
    corpus.add([Item(size, "ja", 2, ["w1"], unit_vectors(rng, 1)[0])])
    index_bytes_after_growth = corpus.index.nbytes
    groups = {
        lang: int(n)
        for lang, n in zip(
            *np.unique(
                [item.lang for item in corpus._items.values()], return_counts=True
            ),
            strict=True,
        )
    }
    result = {
        "n": size,
        "queries": len(queries),
        "build": build,
        "languages": groups,
        "scan": summary(scan),
        "scan_1_blas_thread": summary(scan_one_thread),
        "rank": summary(rank),
        "rank_cpu": summary(rank_cpu),
        "rank_steps_p50_ms": {
            name: summary(values)["p50_ms"] for name, values in steps.items()
        },
        "bytes_scanned_per_query": raw_bytes,
        "index_bytes": index_bytes,
        "raw_vector_bytes": raw_bytes,
        "index_over_raw": round(index_bytes / raw_bytes, 3),
        "index_over_raw_after_one_more_add": round(
            index_bytes_after_growth / (raw_bytes + DIM * 4), 3
        ),
        # Corpus keeps each Item (and its own vector) besides the index matrix.
        "corpus_item_vectors_over_raw": round(
            build["item_vector_bytes"] / raw_bytes, 3
        ),
        "corpus_rss_growth_over_raw": round(build["rss_growth_bytes"] / raw_bytes, 2),
    }
    if table is not None:
        result["db_fetch_10"] = summary(db)
        result["rank_and_db"] = summary(rank_and_db)
        result["rank_p95_plus_db_p95_ms"] = round(
            result["rank"]["p95_ms"] + result["db_fetch_10"]["p95_ms"], 3
        )
    del corpus
    gc.collect()
    return result


def add_bound_and_targets(result, best_gbps, *, with_db) -> None:
    bound_ms = result["bytes_scanned_per_query"] / (best_gbps * 1e9) * 1000
    result["bound_gbps"] = best_gbps
    result["bound_ms"] = round(bound_ms, 3)
    result["scan_p50_over_bound"] = round(result["scan"]["p50_ms"] / bound_ms, 2)
    result["scan_1_thread_p50_over_bound"] = round(
        result["scan_1_blas_thread"]["p50_ms"] / bound_ms, 2
    )
    result["targets"] = {
        "p95_under_30ms_incl_db": (
            result["rank_and_db"]["p95_ms"] < 30 if with_db else None
        ),
        "scan_within_1.5x_bound": result["scan_p50_over_bound"] <= 1.5,
        "index_within_1.2x_raw": result["index_over_raw"] <= 1.2
        and result["index_over_raw_after_one_more_add"] <= 1.2,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--vocabulary", type=int, default=20_000)
    parser.add_argument("--doc-tokens", type=int, default=60)
    parser.add_argument("--query-tokens", type=int, default=30)
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent")
    parser.add_argument("--bandwidth-gib", type=float, default=1.0)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="limit BLAS threads for the whole run (0: library default)",
    )
    parser.add_argument("--no-db", action="store_true", help="skip the DB fetch")
    parser.add_argument("--seed", type=int, default=20240)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rng = np.random.default_rng(args.seed)
    if args.blas_threads:
        blas_threads(args.blas_threads)  # kept for the whole run
    vocabulary = [f"w{i}" for i in range(args.vocabulary)]

    log(f"memory bandwidth over {args.bandwidth_gib} GiB …")
    bandwidth = measure_bandwidth(args.bandwidth_gib, repeats=5)
    table = None if args.no_db else SeedTable()
    try:
        results = [bench_size(size, args, rng, vocabulary, table) for size in sizes]
        # Measured again at the end: the machine is shared, so say how it moved.
        bandwidth_after = measure_bandwidth(args.bandwidth_gib, repeats=3)
    finally:
        if table is not None:
            table.close()

    # The best read bandwidth measured, at the start or the end, whichever way:
    # the tightest bound (the machine is shared, so the figures move).
    best_gbps = max(
        b[key]
        for b in (bandwidth, bandwidth_after)
        for key in ("read_gbps_sum", "read_gbps_gemv")
    )
    for result in results:
        add_bound_and_targets(result, best_gbps, with_db=table is not None)

    try:
        from threadpoolctl import threadpool_info

        blas = [
            {k: i.get(k) for k in ("internal_api", "num_threads")}
            for i in threadpool_info()
        ]
    except ImportError:
        blas = None
    print(
        json.dumps(
            {
                "benchmark": "ranking",
                "machine": {
                    "cpus": os.cpu_count(),
                    "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(),
                    "numpy": np.__version__,
                    "blas": blas,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                "database": None if table is None else table.vendor,
                "settings": {
                    "dim": DIM,
                    "k": TOP_K,
                    "min_group_size": MIN_GROUP_SIZE,
                    "doc_tokens": args.doc_tokens,
                    "query_tokens": args.query_tokens,
                    "vocabulary": args.vocabulary,
                    "zipf": args.zipf,
                },
                "bandwidth": bandwidth,
                "bandwidth_at_end": bandwidth_after,
                "sizes": results,
            }
        )
    )


if __name__ == "__main__":
    main()
