"""The matching vector index on Elasticsearch at the dict level."""

import numpy as np
import pytest

from hack.matching.elastic import (
    build_hybrid_body,
    build_knn_body,
    matching_index_body,
    matching_index_name,
    parse_hits,
)
from tests.search.test_elastic import FALLBACK_ANALYSIS, KUROMOJI_ANALYSIS

TOKENS_ANALYSER = {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}


def analysis_with_tokens(analysis):
    analysers = {
        name: definition
        for name, definition in analysis["analyzer"].items()
        if name != "ja_suggest"
    }
    return {**analysis, "analyzer": {**analysers, "ja_tokens": TOKENS_ANALYSER}}


@pytest.mark.parametrize(
    ("kuromoji", "analysis"),
    [(True, KUROMOJI_ANALYSIS), (False, FALLBACK_ANALYSIS)],
)
def test_index_body(kuromoji, analysis):
    assert matching_index_body(dims=384, kuromoji=kuromoji, model_name="e5") == {
        "settings": {
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            "analysis": analysis_with_tokens(analysis),
        },
        "mappings": {
            "dynamic": False,
            "_meta": {"model": "e5", "dims": 384},
            "properties": {
                "key": {"type": "keyword"},
                "lang": {"type": "keyword"},
                "text": {
                    "type": "text",
                    "analyzer": "ja_text",
                    "fields": {"grams": {"type": "text", "analyzer": "ja_grams"}},
                },
                "tokens": {"type": "text", "analyzer": "ja_tokens"},
                "vector": {
                    "type": "dense_vector",
                    "dims": 384,
                    "index": True,
                    "similarity": "cosine",
                },
            },
        },
    }


def test_index_name(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "hack"
    assert matching_index_name("seed") == "hack-matching-seed"


def test_knn_body():
    assert build_knn_body(np.array([0.6, 0.8]), 5) == {
        "knn": {
            "field": "vector",
            "query_vector": [pytest.approx(0.6), pytest.approx(0.8)],
            "k": 5,
            "num_candidates": 100,
        },
        "size": 5,
        "_source": False,
    }


def test_knn_body_among_allowed_keys():
    body = build_knn_body(np.ones(2), 200, allowed=[12, 3, 3])
    assert body["knn"]["filter"] == {"terms": {"key": ["12", "3"]}}
    assert body["knn"]["num_candidates"] == 2000


def test_hybrid_body():
    assert build_hybrid_body(
        text="高齢者の見守り",
        tokens=["高齢者", "見守る"],
        vector=np.array([1.0, 0.0]),
        k=20,
        allowed=[1, 2],
        exclude=[2],
    ) == {
        "query": {
            "bool": {
                "should": [
                    {"match": {"text": {"query": "高齢者の見守り"}}},
                    {
                        "match": {
                            "text.grams": {
                                "query": "高齢者の見守り",
                                "minimum_should_match": "60%",
                            }
                        }
                    },
                    {"match": {"tokens": {"query": "高齢者 見守る"}}},
                ],
                "minimum_should_match": 1,
                "filter": [
                    {
                        "bool": {
                            "filter": [
                                {"terms": {"key": ["1", "2"]}},
                                {"bool": {"must_not": [{"terms": {"key": ["2"]}}]}},
                            ]
                        }
                    }
                ],
                "boost": 1.0,
            }
        },
        "knn": {
            "field": "vector",
            "query_vector": [1.0, 0.0],
            "k": 20,
            "num_candidates": 200,
            "boost": 10.0,
            "filter": {
                "bool": {
                    "filter": [
                        {"terms": {"key": ["1", "2"]}},
                        {"bool": {"must_not": [{"terms": {"key": ["2"]}}]}},
                    ]
                }
            },
        },
        "size": 20,
        "_source": False,
    }


def test_hybrid_body_without_tokens_or_filters():
    body = build_hybrid_body(text="窓口", tokens=[], vector=np.ones(2), k=3)
    assert len(body["query"]["bool"]["should"]) == 2
    assert "filter" not in body["query"]["bool"] and "filter" not in body["knn"]


def test_parse_hits():
    body = {
        "hits": {"hits": [{"_id": "7", "_score": 0.95}, {"_id": "3", "_score": 0.5}]}
    }
    assert parse_hits(body, cosine=True) == [
        (7, pytest.approx(0.9)),
        (3, pytest.approx(0.0)),
    ]
    assert parse_hits(body, key_type=str, cosine=False) == [("7", 0.95), ("3", 0.5)]
