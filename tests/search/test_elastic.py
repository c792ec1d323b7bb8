"""The Elasticsearch backend at the dict level: index settings, analysers,
mappings and every request body against the JSON we expect, and responses
parsed from canned JSON. No cluster, no network."""

import numpy as np
import pytest

from hack.core.elastic import (
    CircuitBreaker,
    add_recovery_listener,
    is_outage,
    japanese_analysers,
)
from hack.search import elastic
from hack.search.analysis import analyse_query
from hack.search.elastic import (
    build_search_body,
    build_suggest_body,
    entry_action,
    entry_document,
    parse_search_response,
    parse_suggest_response,
    safe_snippet,
    search_index_body,
    suggest_inputs,
)
from hack.search.elastic_reindex import alias_actions, new_index_name
from hack.search.models import SearchEntry
from hack.search.query import FacetCount, SearchQuery

FACET_NAMES = [
    "kind",
    "field",
    "stage",
    "open_call",
    "specificity",
    "maturity",
    "org_type",
    "match_type",
]
STORED = [n for n in FACET_NAMES if n != "open_call"]

KUROMOJI_ANALYSIS = {
    "analyzer": {
        "ja_text": {
            "type": "custom",
            "tokenizer": "ja_kuromoji",
            "filter": [
                "kuromoji_baseform",
                "kuromoji_part_of_speech",
                "cjk_width",
                "ja_stop",
                "kuromoji_stemmer",
                "lowercase",
                "ja_english_stop",
                "ja_english_stem",
            ],
        },
        "ja_grams": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
        "ja_suggest": {
            "type": "custom",
            "tokenizer": "keyword",
            "filter": ["cjk_width", "lowercase"],
        },
    },
    "tokenizer": {
        "ja_kuromoji": {
            "type": "kuromoji_tokenizer",
            "mode": "search",
            "discard_compound_token": True,
        }
    },
    "filter": {
        "ja_english_stop": {"type": "stop", "stopwords": "_english_"},
        "ja_english_stem": {"type": "stemmer", "language": "english"},
    },
}

FALLBACK_ANALYSIS = {
    "analyzer": {
        "ja_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "cjk_width",
                "lowercase",
                "cjk_bigram",
                "ja_english_stop",
                "ja_english_stem",
            ],
        },
        "ja_grams": KUROMOJI_ANALYSIS["analyzer"]["ja_grams"],
        "ja_suggest": KUROMOJI_ANALYSIS["analyzer"]["ja_suggest"],
    },
    "filter": KUROMOJI_ANALYSIS["filter"],
}

OFFSETS = "with_positions_offsets"


def expected_properties(dims):
    text = {
        "type": "text",
        "analyzer": "ja_text",
        "term_vector": OFFSETS,
        "fields": {
            "grams": {"type": "text", "analyzer": "ja_grams", "term_vector": OFFSETS}
        },
    }
    title = {**text, "fields": {**text["fields"]}}
    title["fields"]["keyword"] = {"type": "keyword", "ignore_above": 256}
    return {
        "page_id": {"type": "long"},
        "kind": {"type": "keyword"},
        "lang": {"type": "keyword"},
        "title": title,
        "body": text,
        "url": {"type": "keyword", "index": False, "doc_values": False},
        "date": {"type": "date"},
        **{name: {"type": "keyword"} for name in STORED if name != "kind"},
        "suggest": {"type": "completion", "analyzer": "ja_suggest"},
        "vector": {
            "type": "dense_vector",
            "dims": dims,
            "index": True,
            "similarity": "cosine",
        },
    }


def no_filter_aggs():
    aggs = {}
    for name in FACET_NAMES:
        values = (
            {"filters": {"filters": {"open": {"terms": {"page_id": []}}}}}
            if name == "open_call"
            else {"terms": {"field": name, "size": 100}}
        )
        aggs[f"facet_{name}"] = {
            "filter": {"match_all": {}},
            "aggs": {"values": values},
        }
    return aggs


HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",
    "fields": {
        "body": {
            "type": "fvh",
            "matched_fields": ["body", "body.grams"],
            "fragment_size": 100,
            "number_of_fragments": 2,
        }
    },
}
NEWEST = {"date": {"order": "desc", "missing": "_last"}}
TIE = {"page_id": {"order": "asc"}}
SOURCE = {"excludes": ["body", "vector", "suggest"]}


def body_for(text="", *, vector=None, live=None, **query):
    filters = {k: frozenset(v) for k, v in query.pop("filters", {}).items()}
    return build_search_body(
        SearchQuery(text=text, filters=filters, **query),
        analysed=analyse_query(text),
        vector=vector,
        live=live or {},
    )


# -- index settings and mappings -------------------------------------------


def test_kuromoji_index_settings():
    body = search_index_body(dims=384, kuromoji=True)
    assert body["settings"] == {
        "number_of_shards": 1,
        "auto_expand_replicas": "0-1",
        "analysis": KUROMOJI_ANALYSIS,
    }


def test_fallback_index_settings_use_cjk_bigrams_and_english_stemming():
    body = search_index_body(dims=384, kuromoji=False)
    assert body["settings"]["analysis"] == FALLBACK_ANALYSIS
    assert "tokenizer" not in body["settings"]["analysis"]


@pytest.mark.parametrize("kuromoji", [True, False])
def test_mapping(kuromoji):
    meta = {"hack_reindex": {"state": "building"}}
    body = search_index_body(dims=384, kuromoji=kuromoji, meta=meta)
    assert body["mappings"] == {
        "dynamic": False,
        "_meta": meta,
        "properties": expected_properties(384),
    }


def test_mapping_takes_the_encoder_dimensions():
    body = search_index_body(dims=8, kuromoji=False)
    assert body["mappings"]["properties"]["vector"]["dims"] == 8
    assert "_meta" not in body["mappings"]


def test_analysers_name_their_variant():
    assert japanese_analysers(kuromoji=True).variant == "kuromoji"
    assert japanese_analysers(kuromoji=False).variant == "fallback"


# -- search bodies -----------------------------------------------------------


def test_text_query():
    assert body_for("高齢者の見守り") == {
        "query": {
            "bool": {
                "should": [
                    {
                        "multi_match": {
                            "query": "高齢者の見守り",
                            "type": "most_fields",
                            "fields": ["title^2", "body"],
                        }
                    },
                    {
                        "multi_match": {
                            "query": "高齢者の見守り",
                            "type": "most_fields",
                            "fields": ["title.grams^2", "body.grams"],
                            "minimum_should_match": "75%",
                        }
                    },
                    {
                        # The words SudachiPy normalised (見守り → 見守る).
                        "multi_match": {
                            "query": "高齢者 見守る",
                            "type": "most_fields",
                            "fields": ["title^2", "body"],
                            "boost": 0.5,
                        }
                    },
                ],
                "minimum_should_match": 1,
                "boost": 1.0,
            }
        },
        "aggs": no_filter_aggs(),
        "highlight": HIGHLIGHT,
        "sort": ["_score", NEWEST, TIE],
        "from": 0,
        "size": 20,
        "track_total_hits": True,
        "_source": SOURCE,
    }


def test_text_already_normalised_is_sent_once():
    should = body_for("センサー")["query"]["bool"]["should"]
    assert [c["multi_match"]["query"] for c in should] == ["センサー", "センサー"]


def test_query_text_is_normalised_and_cut():
    body = body_for("ＩｏＴ" + "あ" * 300)
    query = body["query"]["bool"]["should"][0]["multi_match"]["query"]
    assert query.startswith("iot") and len(query) == 200


def test_empty_query_lists_everything_newest_first():
    assert body_for("", sort="relevance") == {
        "query": {"match_all": {}},
        "aggs": no_filter_aggs(),
        "sort": [NEWEST, "_score", TIE],
        "from": 0,
        "size": 20,
        "track_total_hits": True,
        "_source": SOURCE,
    }


def test_text_without_a_searchable_word_matches_nothing():
    body = body_for("の", vector=np.ones(4))
    assert body["query"] == {"match_none": {}}
    assert "knn" not in body and "highlight" not in body


def test_sort_newest_with_text():
    assert body_for("見守り", sort="newest")["sort"] == [NEWEST, "_score", TIE]


def test_pagination():
    body = body_for("見守り", page=3, per_page=10)
    assert (body["from"], body["size"]) == (20, 10)


def test_filters_are_a_post_filter_and_each_facet_counts_under_the_others():
    live = {"open_call": {"open": {7, 3}}}
    body = body_for(
        "",
        filters={
            "field": ["welfare", "childcare"],
            "kind": ["need"],
            "open_call": ["open"],
        },
        live=live,
    )
    kind = {"terms": {"kind": ["need"]}}
    field = {"terms": {"field": ["childcare", "welfare"]}}
    open_call = {"terms": {"page_id": [3, 7]}}
    # Facet order, values sorted: the same filters always make the same body.
    assert body["post_filter"] == {"bool": {"filter": [kind, field, open_call]}}
    aggs = body["aggs"]
    assert aggs["facet_kind"] == {
        "filter": {"bool": {"filter": [field, open_call]}},
        "aggs": {"values": {"terms": {"field": "kind", "size": 100}}},
    }
    assert aggs["facet_field"]["filter"] == {"bool": {"filter": [kind, open_call]}}
    assert aggs["facet_open_call"] == {
        "filter": {"bool": {"filter": [kind, field]}},
        "aggs": {"values": {"filters": {"filters": {"open": open_call}}}},
    }
    for name in ("stage", "specificity", "maturity", "org_type", "match_type"):
        assert aggs[f"facet_{name}"]["filter"] == {
            "bool": {"filter": [kind, field, open_call]}
        }
    assert body["query"] == {"match_all": {}}


def test_live_facet_without_pages_matches_nothing():
    body = body_for(
        "", filters={"open_call": ["open"]}, live={"open_call": {"open": set()}}
    )
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"page_id": []}}]}}


def test_knn_joins_bm25_with_the_same_filters():
    vector = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    body = body_for("見守り", vector=vector, filters={"maturity": ["validated"]})
    assert body["knn"] == {
        "field": "vector",
        "query_vector": [0.5, 0.5, 0.5, 0.5],
        "k": 10,
        "num_candidates": 100,
        "boost": 5.0,
        "similarity": 0.8,
        "filter": {"bool": {"filter": [{"terms": {"maturity": ["validated"]}}]}},
    }
    assert body["query"]["bool"]["boost"] == 1.0
    assert body["post_filter"] == {
        "bool": {"filter": [{"terms": {"maturity": ["validated"]}}]}
    }


def test_knn_without_filters_has_none():
    body = body_for("見守り", vector=np.ones(2, dtype=np.float32))
    assert "filter" not in body["knn"]
    assert "post_filter" not in body


def test_no_knn_without_a_vector():
    assert "knn" not in body_for("見守り")


# -- suggestions ---------------------------------------------------------------

COMPLETION = {"field": "suggest", "size": 5, "skip_duplicates": True}


def test_suggest_body():
    assert build_suggest_body("高齢", limit=5) == {
        "size": 0,
        "_source": ["page_id", "title", "url", "kind", "date"],
        "suggest": {"title": {"prefix": "高齢", "completion": COMPLETION}},
    }


def test_suggest_body_for_katakana_also_asks_the_hiragana_reading():
    body = build_suggest_body("ﾐﾏﾓ", limit=5)
    assert body["suggest"] == {
        "title": {"prefix": "ミマモ", "completion": COMPLETION},
        "reading": {"prefix": "みまも", "completion": COMPLETION},
    }


def test_suggest_body_for_nothing():
    assert build_suggest_body("  ", limit=5) is None


def test_suggest_inputs():
    surfaces = {"高齢者": ["高齢者"], "見守る": ["見守り"], "サービス": ["サービス"]}
    assert suggest_inputs(
        "高齢者見守りサービス", "こうれいしゃみまもりさーびす", surfaces
    ) == [
        "高齢者見守りサービス",
        "こうれいしゃみまもりさーびす",
        "見守りサービス",
        "サービス",
    ]


# -- documents and actions -------------------------------------------------------


def entry(**fields):
    defaults = {
        "page_id": 5,
        "kind": "seed",
        "lang": "ja",
        "title": "高齢者見守りサービス",
        "url": "/seeds/5/",
        "body": "センサーで見守ります。",
        "facets": {"maturity": "validated", "match_type": "3", "field": ""},
        "title_reading": "こうれいしゃみまもりさーびす",
        "surfaces": {"見守る": ["見守り"]},
        "model_name": "m",
        "vector": np.array([0.6, 0.8], dtype=np.float32).tobytes(),
    }
    defaults.update(fields)
    return SearchEntry(**defaults)


def test_entry_document():
    assert entry_document(entry(), model_name="m", dims=2) == {
        "page_id": 5,
        "kind": "seed",
        "lang": "ja",
        "title": "高齢者見守りサービス",
        "body": "センサーで見守ります。",
        "url": "/seeds/5/",
        "date": None,
        "suggest": {
            "input": [
                "高齢者見守りサービス",
                "こうれいしゃみまもりさーびす",
                "見守りサービス",
            ]
        },
        "maturity": "validated",
        "match_type": "3",
        "vector": [pytest.approx(0.6), pytest.approx(0.8)],
    }


@pytest.mark.parametrize(("model_name", "dims"), [("other", 2), ("m", 384)])
def test_a_vector_of_another_model_or_size_stays_out(model_name, dims):
    assert "vector" not in entry_document(entry(), model_name=model_name, dims=dims)


def test_actions():
    assert entry_action(entry(is_live=False), index="a", model_name="m", dims=2) == {
        "_op_type": "delete",
        "_index": "a",
        "_id": "5",
    }
    action = entry_action(entry(), index="a", model_name="m", dims=2)
    assert (action["_op_type"], action["_index"], action["_id"]) == ("index", "a", "5")


# -- responses ---------------------------------------------------------------------

CANNED = {
    "took": 3,
    "hits": {
        "total": {"value": 42, "relation": "eq"},
        "hits": [
            {
                "_id": "5",
                "_score": 7.5,
                "_source": {
                    "page_id": 5,
                    "kind": "seed",
                    "title": "高齢者見守りサービス",
                    "url": "/seeds/5/",
                    "date": "2026-01-03T00:00:00+00:00",
                    "maturity": "validated",
                    "match_type": "3",
                },
                "highlight": {
                    "body": [
                        "独居の<mark>高齢者</mark>を&lt;script&gt;",
                        "<b>x</b> <mark>見守り</mark>",
                    ]
                },
            },
            {
                "_id": "9",
                "_score": None,
                "_source": {
                    "page_id": 9,
                    "kind": "need",
                    "title": "窓口",
                    "url": "/needs/9/",
                    "date": None,
                },
            },
        ],
    },
    "aggregations": {
        "facet_kind": {
            "doc_count": 42,
            "values": {
                "buckets": [
                    {"key": "seed", "doc_count": 30},
                    {"key": "need", "doc_count": 12},
                ]
            },
        },
        "facet_field": {"doc_count": 12, "values": {"buckets": []}},
        "facet_open_call": {
            "doc_count": 42,
            "values": {"buckets": {"open": {"doc_count": 2}}},
        },
        "facet_match_type": {
            "doc_count": 42,
            "values": {
                "buckets": [
                    {"key": "3", "doc_count": 20},
                    {"key": "1", "doc_count": 2},
                    {"key": "9", "doc_count": 1},
                ]
            },
        },
    },
}


def test_parse_search_response():
    results = parse_search_response(CANNED)
    assert results.backend == "elasticsearch"
    assert results.total == 42
    first, second = results.hits
    assert (first.page_id, first.kind, first.title, first.url) == (
        5,
        "seed",
        "高齢者見守りサービス",
        "/seeds/5/",
    )
    assert first.date.isoformat() == "2026-01-03T00:00:00+00:00"
    assert first.score == 7.5
    assert first.facets == {"maturity": "validated", "match_type": "3"}
    assert first.snippet == (
        "独居の<mark>高齢者</mark>を&lt;script&gt;"
        " … &lt;b&gt;x&lt;/b&gt; <mark>見守り</mark>"
    )
    assert (second.score, second.date, second.snippet) == (0.0, None, "")
    assert results.facets["kind"] == [FacetCount("need", 12), FacetCount("seed", 30)]
    assert results.facets["open_call"] == [FacetCount("open", 2)]
    # Display order; an unknown value after; no zero counts.
    assert results.facets["match_type"] == [
        FacetCount("1", 2),
        FacetCount("3", 20),
        FacetCount("9", 1),
    ]
    assert results.facets["field"] == []
    assert set(results.facets) == set(FACET_NAMES)
    assert not results.fell_back


@pytest.mark.parametrize(
    ("fragment", "safe"),
    [
        ("a <mark>b</mark> c", "a <mark>b</mark> c"),
        ("<mark>unclosed", "<mark>unclosed</mark>"),
        ("</mark>stray <mark><mark>x</mark>", "stray <mark>x</mark>"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("&amp;lt;", "&amp;lt;"),
        ("Tom &amp; Jerry", "Tom &amp; Jerry"),
    ],
)
def test_safe_snippet(fragment, safe):
    assert safe_snippet(fragment) == safe


def test_parse_suggest_response_drops_repeated_titles():
    def option(page_id, title):
        return {
            "text": title,
            "_id": str(page_id),
            "_source": {
                "page_id": page_id,
                "title": title,
                "url": f"/p/{page_id}/",
                "kind": "need",
            },
        }

    body = {
        "suggest": {
            "title": [
                {"text": "み", "options": [option(1, "見守り"), option(2, "見守り")]}
            ],
            "reading": [
                {"text": "み", "options": [option(1, "見守り"), option(3, "水")]}
            ],
        }
    }
    suggestions = parse_suggest_response(body, limit=5)
    assert [(s.title, s.url, s.kind) for s in suggestions] == [
        ("見守り", "/p/1/", "need"),
        ("水", "/p/3/", "need"),
    ]
    assert len(parse_suggest_response(body, limit=1)) == 1


# -- reindex plumbing ----------------------------------------------------------------


def test_alias_moves_in_one_call(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "hack"
    assert alias_actions(
        alias="hack-search",
        new_index="hack-search-2",
        current=["hack-search-1"],
        alias_is_index=False,
    ) == [
        {"remove": {"index": "hack-search-1", "alias": "hack-search"}},
        {"add": {"index": "hack-search-2", "alias": "hack-search"}},
    ]


def test_an_index_squatting_the_alias_name_is_removed_in_the_same_call():
    assert alias_actions(
        alias="hack-search", new_index="hack-search-2", current=[], alias_is_index=True
    ) == [
        {"remove_index": {"index": "hack-search"}},
        {"add": {"index": "hack-search-2", "alias": "hack-search"}},
    ]


def test_names(settings):
    from datetime import UTC, datetime

    settings.ELASTICSEARCH_INDEX_PREFIX = "yh"
    assert elastic.alias_name() == "yh-search"
    assert (
        new_index_name(datetime(2026, 4, 1, 9, 30, 5, tzinfo=UTC))
        == "yh-search-20260401093005"
    )


# -- the circuit breaker ---------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_breaker_opens_on_failure_and_lets_one_trial_through_after_the_cool_down():
    clock = Clock()
    breaker = CircuitBreaker(cool_down=30, clock=clock)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.is_open and not breaker.allow()
    clock.now += 29
    assert not breaker.allow()
    clock.now += 2
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # only one
    breaker.record_failure()
    assert not breaker.allow()
    clock.now += 31
    assert breaker.allow()
    assert breaker.record_success() is True
    assert not breaker.is_open and breaker.allow() and breaker.allow()
    assert breaker.record_success() is False


def test_a_trial_that_never_reports_expires():
    clock = Clock()
    breaker = CircuitBreaker(cool_down=30, clock=clock)
    breaker.record_failure()
    clock.now += 30
    assert breaker.allow()
    clock.now += 10
    assert not breaker.allow()
    clock.now += 25
    assert breaker.allow()


def test_recovery_runs_the_listeners(monkeypatch):
    from hack.core import elastic as core

    monkeypatch.setattr(core, "_recovery_listeners", [])
    calls = []
    add_recovery_listener(lambda: calls.append("sync"))
    add_recovery_listener(lambda: 1 / 0)  # a broken listener is only logged
    breaker = CircuitBreaker()
    breaker.record_success()
    assert calls == []
    breaker.record_failure()
    breaker.record_success()
    assert calls == ["sync"]


def test_what_counts_as_an_outage():
    from elastic_transport import (
        ApiResponseMeta,
        ConnectionError,
        ConnectionTimeout,
        HttpHeaders,
    )
    from elasticsearch import ApiError, BadRequestError, NotFoundError

    def meta(status):
        return ApiResponseMeta(
            status=status,
            http_version="1.1",
            headers=HttpHeaders(),
            duration=0,
            node=None,
        )

    assert is_outage(ConnectionError("refused"))
    assert is_outage(ConnectionTimeout("slow"))
    assert is_outage(ApiError("unavailable", meta(503), {}))
    assert is_outage(ApiError("busy", meta(429), {}))
    assert not is_outage(BadRequestError("bad", meta(400), {}))
    assert not is_outage(NotFoundError("missing", meta(404), {}))
    assert not is_outage(ValueError())
