"""Offline evaluation of the ranker on a judged dataset (matching-dev.json schema).

Everything happens in memory: the dataset's needs and seeds never touch the
database, and the production, lexical-only and semantic-only rankers are scored
on the same vectors in one run so their figures can be compared side by side.
"""

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import match_types
from .encoders import Encoder
from .lexical import tokenize
from .ranking import (
    LEXICAL_ONLY,
    SEMANTIC_ONLY,
    Corpus,
    Item,
    Weights,
    production_weights,
)
from .text import detect_language, prepare_text


def rankers() -> dict[str, Weights]:
    return {
        "production": production_weights(),
        "lexical_only": LEXICAL_ONLY,
        "semantic_only": SEMANTIC_ONLY,
    }


DEPTH = 50
ENCODE_BATCH = 32


class DatasetError(ValueError):
    """The file does not follow the schema; the message names the field."""


@dataclass
class Dataset:
    needs: list[dict]
    seeds: list[dict]
    grades: dict[tuple[str, str], int]
    hard_negatives: list[tuple[str, str]]


def _require(record: dict, field: str, where: str, kind=str):
    if field not in record:
        raise DatasetError(f"{where}: missing field '{field}'")
    value = record[field]
    if kind is str and (not isinstance(value, str) or not value.strip()):
        raise DatasetError(f"{where}: field '{field}' must be a non-empty string")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise DatasetError(f"{where}: field '{field}' must be an integer")
    return value


def _optional_choice(record, field, choices, where):
    value = record.get(field)
    if value is not None and value not in choices:
        raise DatasetError(
            f"{where}: field '{field}' is {value!r}; expected one of "
            + ", ".join(map(str, choices))
        )


def load_dataset(path: str | Path) -> Dataset:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DatasetError(f"{path}: no such file") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetError(f"{path}: not a UTF-8 JSON file ({error})") from error
    if not isinstance(raw, dict):
        raise DatasetError(
            "top level: expected an object with 'needs', 'seeds', 'qrels'"
        )
    for part in ("needs", "seeds", "qrels"):
        if not isinstance(raw.get(part), list):
            raise DatasetError(f"top level: field '{part}' must be a list")
    needs, seeds = raw["needs"], raw["seeds"]
    for n, need in enumerate(needs):
        where = f"needs[{n}]"
        if not isinstance(need, dict):
            raise DatasetError(f"{where}: expected an object")
        for field in ("id", "title", "text"):
            _require(need, field, where)
        _optional_choice(need, "specificity", ("low", "medium", "high"), where)
        _optional_choice(need, "expected_type", (1, 2, 3), where)
    for n, seed in enumerate(seeds):
        where = f"seeds[{n}]"
        if not isinstance(seed, dict):
            raise DatasetError(f"{where}: expected an object")
        for field in ("id", "title", "text"):
            _require(seed, field, where)
        _optional_choice(
            seed, "maturity", tuple(match_types.SEED_TYPE_BY_MATURITY), where
        )
        if "deployments" in seed:
            _require(seed, "deployments", where, int)
        if "tags" in seed and not isinstance(seed["tags"], list):
            raise DatasetError(f"{where}: field 'tags' must be a list of strings")
    need_ids = {n["id"] for n in needs}
    seed_ids = {s["id"] for s in seeds}
    if len(need_ids) != len(needs) or len(seed_ids) != len(seeds):
        raise DatasetError("needs/seeds: field 'id' must be unique")
    grades = {}
    for n, qrel in enumerate(raw["qrels"]):
        where = f"qrels[{n}]"
        if not isinstance(qrel, dict):
            raise DatasetError(f"{where}: expected an object")
        need_id = _require(qrel, "need", where)
        seed_id = _require(qrel, "seed", where)
        grade = _require(qrel, "grade", where, int)
        if need_id not in need_ids:
            raise DatasetError(f"{where}: field 'need' names unknown need {need_id!r}")
        if seed_id not in seed_ids:
            raise DatasetError(f"{where}: field 'seed' names unknown seed {seed_id!r}")
        if not 0 <= grade <= 3:
            raise DatasetError(f"{where}: field 'grade' must be 0–3")
        grades[(need_id, seed_id)] = grade
    hard = [
        (h["need"], h["seed"])
        for h in raw.get("hard_negatives") or []
        if isinstance(h, dict) and "need" in h and "seed" in h
    ]
    return Dataset(needs=needs, seeds=seeds, grades=grades, hard_negatives=hard)


def need_text(need: dict) -> str:
    return prepare_text(need["title"], need["text"]).text


def seed_text(seed: dict) -> str:
    return prepare_text(
        seed["title"], seed["text"], " ".join(seed.get("tags") or [])
    ).text


def _encode(encoder, texts, kind, progress, stage):
    vectors = []
    for start in range(0, len(texts), ENCODE_BATCH):
        vectors.append(encoder.encode(texts[start : start + ENCODE_BATCH], kind))
        progress(stage, min(start + ENCODE_BATCH, len(texts)), len(texts))
    if not vectors:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.vstack(vectors)


def build_items(dataset: Dataset, encoder: Encoder, progress: Callable = print):
    need_texts = [need_text(n) for n in dataset.needs]
    seed_texts = [seed_text(s) for s in dataset.seeds]
    need_vectors = _encode(encoder, need_texts, "query", progress, "embed needs")
    seed_vectors = _encode(encoder, seed_texts, "passage", progress, "embed seeds")
    needs = [
        Item(
            key=n["id"],
            lang=n.get("lang") or detect_language(text),
            match_type=match_types.need_type(n.get("specificity", "medium")),
            tokens=tokenize(text),
            vector=vector,
        )
        for n, text, vector in zip(dataset.needs, need_texts, need_vectors, strict=True)
    ]
    seeds = [
        Item(
            key=s["id"],
            lang=s.get("lang") or detect_language(text),
            match_type=match_types.seed_type(
                s.get("maturity", "validated"), s.get("deployments", 0)
            ),
            tokens=tokenize(text),
            vector=vector,
        )
        for s, text, vector in zip(dataset.seeds, seed_texts, seed_vectors, strict=True)
    ]
    return needs, seeds


def _dcg(gains):
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def score_rankings(dataset: Dataset, rankings: dict[str, list[str]]) -> dict:
    """Metrics for one ranker; `rankings` maps need id → seed ids, best first."""
    per_need = {}
    hard_above = hard_total = 0
    cross_found = cross_total = 0
    seed_lang = {s["id"]: s.get("lang") for s in dataset.seeds}
    judged = defaultdict(dict)
    for (need_id, seed_id), grade in dataset.grades.items():
        judged[need_id][seed_id] = grade
    for need in dataset.needs:
        need_id = need["id"]
        grades = judged.get(need_id, {})
        if not any(grades.values()):
            continue
        ranked = rankings[need_id]
        gains = [grades.get(s, 0) for s in ranked]
        ideal = _dcg(sorted(grades.values(), reverse=True)[:10])
        best = [s for s, g in grades.items() if g == 3]
        good = [s for s, g in grades.items() if g >= 2]
        first = next((r for r, s in enumerate(ranked[:10]) if grades.get(s) == 3), None)
        per_need[need_id] = {
            "ndcg@10": _dcg(gains[:10]) / ideal,
            "mrr@10": 0.0 if first is None else 1 / (first + 1),
            "recall@10": (
                len(set(ranked[:10]) & set(best)) / len(best) if best else None
            ),
            "recall@50": (
                len(set(ranked[:50]) & set(good)) / len(good) if good else None
            ),
        }
        if best:
            best_rank = min(
                (ranked.index(s) for s in best if s in ranked), default=len(ranked)
            )
            for h_need, h_seed in dataset.hard_negatives:
                if h_need == need_id:
                    hard_total += 1
                    if h_seed in ranked[:best_rank]:
                        hard_above += 1
        for seed_id in good:
            if need.get("lang") and seed_lang.get(seed_id) not in (None, need["lang"]):
                cross_total += 1
                cross_found += seed_id in ranked[:10]
    summary = {
        metric: _mean(v[metric] for v in per_need.values())
        for metric in ("ndcg@10", "mrr@10", "recall@10", "recall@50")
    }
    summary["needs"] = len(per_need)
    summary["hard_negatives_above_best"] = (
        f"{hard_above}/{hard_total}" if hard_total else None
    )
    summary["cross_lingual_good_in_top10"] = (
        f"{cross_found}/{cross_total}" if cross_total else None
    )
    by_field = defaultdict(list)
    for need in dataset.needs:
        if need["id"] in per_need:
            by_field[need.get("field", "-")].append(per_need[need["id"]]["ndcg@10"])
    summary["ndcg@10_by_field"] = {
        field: round(float(np.mean(values)), 4) for field, values in by_field.items()
    }
    return summary


def _mean(values):
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None


def type_accuracy(dataset: Dataset) -> dict:
    """Label accuracy against `expected_type`, for needs and for grade-3 pairs."""
    needs = {n["id"]: n for n in dataset.needs}
    seeds = {s["id"]: s for s in dataset.seeds}
    need_hits = [
        match_types.need_type(n.get("specificity", "")) == n["expected_type"]
        for n in dataset.needs
        if "expected_type" in n and "specificity" in n
    ]
    pair_hits = []
    for (need_id, seed_id), grade in dataset.grades.items():
        need, seed = needs[need_id], seeds[seed_id]
        if grade != 3 or "expected_type" not in need:
            continue
        label = match_types.label_pair(
            specificity=need.get("specificity", ""),
            maturity=seed.get("maturity", ""),
            deployments=seed.get("deployments", 0),
        )
        pair_hits.append(label.match_type == need["expected_type"])
    return {
        "pairs": _rate(pair_hits),
        "pairs_judged": len(pair_hits),
        "needs": _rate(need_hits),
        "needs_judged": len(need_hits),
    }


def _rate(hits):
    return round(sum(hits) / len(hits), 4) if hits else None


def evaluate(dataset: Dataset, encoder: Encoder, progress: Callable) -> dict:
    needs, seeds = build_items(dataset, encoder, progress)
    corpus = Corpus(dim=encoder.dim)
    corpus.add(seeds)
    results = {}
    for name, weights in rankers().items():
        rankings = {}
        for done, need in enumerate(needs, start=1):
            scored = corpus.rank(need, weights=weights, k=DEPTH)
            rankings[need.key] = [s.key for s in scored]
            progress(f"rank {name}", done, len(needs))
        results[name] = score_rankings(dataset, rankings)
    production = rankers()["production"]
    return {
        "weights": {"lexical": production.lexical, "type_fit": production.type_fit},
        "dataset": {
            "needs": len(needs),
            "seeds": len(seeds),
            "qrels": len(dataset.grades),
        },
        "encoder": encoder.name,
        "rankers": results,
        "type_accuracy": type_accuracy(dataset),
    }
