"""Search quality on matching-dev.json: needs' titles as queries over seeds.

    .venv/bin/python bench/search_quality.py [--dataset PATH]

Each seed becomes a search document the way hack/search/sources.py builds one
(title; text, tags and organisation as the body) in the embedded index
(hack/search/memory.py). Each need's title is a query, ranked three ways:

  lexical   BM25 over Sudachi words, title words and kanji/katakana bigrams
  semantic  the matching encoder's cosine similarity (query vs passage)
  combined  what /search/ ranks by (memory.InMemorySearchIndex.relevance)

and scored with the matching evaluation's nDCG@10, MRR@10 and recall@10
against the graded judgments. `matched` is how many seeds the combined search
returns per query on average (its result count), and `semantic_only_precision`
the share of seeds admitted without a shared word that are judged relevant.
The last line printed is one JSON object.
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hack.settings.test")

import django  # noqa: E402

django.setup()

from hack.matching.encoders import get_encoder  # noqa: E402
from hack.matching.evaluation import load_dataset, score_rankings  # noqa: E402
from hack.matching.text import prepare_text  # noqa: E402
from hack.search.analysis import analyse_document, analyse_query  # noqa: E402
from hack.search.indexing import VECTOR_TEXT_CHARS  # noqa: E402
from hack.search.memory import InMemorySearchIndex, Row  # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "data" / "matching-dev.json"


def build_index(seeds, encoder) -> InMemorySearchIndex:
    bodies = [
        "\n".join([s["text"], " ".join(s.get("tags") or []), s.get("organization", "")])
        for s in seeds
    ]
    texts = [
        prepare_text(s["title"], b).text[:VECTOR_TEXT_CHARS]
        for s, b in zip(seeds, bodies, strict=True)
    ]
    vectors = np.vstack(
        [encoder.encode(texts[i : i + 32], "passage") for i in range(0, len(texts), 32)]
    )
    rows = []
    for number, (seed, body, vector) in enumerate(
        zip(seeds, bodies, vectors, strict=True)
    ):
        analysed = analyse_document(seed["title"], body)
        rows.append(
            Row(
                page_id=number,
                kind="seed",
                title=seed["title"],
                url="",
                date=datetime(2026, 1, 1, tzinfo=UTC),
                facets={},
                lengths=analysed.lengths,
                title_reading=analysed.title_reading,
                hashes=analysed.hashes,
                counts=analysed.counts,
                vector=vector,
            )
        )
    index = InMemorySearchIndex(dim=encoder.dim)
    index.apply(rows)
    return index


def ranked(scores: np.ndarray, matched: np.ndarray, ids: list[str]) -> list[str]:
    rows = np.flatnonzero(matched)
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return [ids[r] for r in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default=str(DEFAULT_DATASET))
    args = parser.parse_args()
    dataset = load_dataset(args.dataset)
    encoder = get_encoder()
    started = time.perf_counter()
    index = build_index(dataset.seeds, encoder)
    build_seconds = time.perf_counter() - started
    ids = [s["id"] for s in dataset.seeds]
    grades = dataset.grades
    rankings = {"lexical": {}, "semantic": {}, "combined": {}}
    matched_counts, semantic_only, semantic_only_relevant = [], 0, 0
    everything = np.ones(len(ids), dtype=bool)
    for need in dataset.needs:
        analysed = analyse_query(need["title"])
        vector = encoder.encode([analysed.text], "query")[0]
        lexical = index.lexical_scores(analysed)
        semantic = index.semantic_scores(vector)
        combined, matched = index.relevance(analysed, vector)
        rankings["lexical"][need["id"]] = ranked(lexical, lexical > 0, ids)
        rankings["semantic"][need["id"]] = ranked(semantic, everything, ids)
        rankings["combined"][need["id"]] = ranked(combined, matched, ids)
        matched_counts.append(int(matched.sum()))
        for row in np.flatnonzero(matched & (lexical == 0)):
            semantic_only += 1
            semantic_only_relevant += grades.get((need["id"], ids[row]), 0) > 0
    report = {
        "benchmark": "search_quality",
        "queries": len(dataset.needs),
        "seeds": len(ids),
        "encoder": encoder.name,
        "index_build_seconds": round(build_seconds, 1),
    }
    for name, by_need in rankings.items():
        scores = score_rankings(dataset, by_need)
        report[name] = {k: scores[k] for k in ("ndcg@10", "mrr@10", "recall@10")}
        print(
            f"{name:<9} nDCG@10 {scores['ndcg@10']:.4f}  MRR@10 {scores['mrr@10']:.4f}"
            f"  recall@10 {scores['recall@10']:.4f}"
        )
    report["matched_per_query_mean"] = round(float(np.mean(matched_counts)), 1)
    report["semantic_only_admitted"] = semantic_only
    report["semantic_only_precision"] = (
        round(semantic_only_relevant / semantic_only, 3) if semantic_only else None
    )
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
