"""Against a real cluster: run with ELASTICSEARCH_URL set (docs/elasticsearch.md).

Every index these tests make carries a unique prefix and is deleted at the end.
Without ELASTICSEARCH_URL they are reported as skipped.
"""

import os
import uuid

import numpy as np
import pytest

from hack.core import elastic as core
from hack.matching.encoders import get_encoder
from hack.search.analysis import analyse_query
from hack.search.elastic import ElasticsearchBackend, alias_name, sync_pending
from hack.search.elastic_reindex import reindex
from hack.search.models import SearchEntry
from hack.search.query import SearchQuery
from tests.search.conftest_elastic import make_entry

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("ELASTICSEARCH_URL"),
        reason="set ELASTICSEARCH_URL to run against a real Elasticsearch",
    ),
    pytest.mark.django_db,
]

DOCUMENTS = [
    (
        1,
        "高齢者見守りサービス",
        "独居の高齢者の安否をセンサーで見守ります。",
        "seed",
        {"maturity": "validated"},
    ),
    (
        2,
        "窓口の待ち時間を減らしたい",
        "区役所の窓口がいつも混んでいます。",
        "need",
        {"field": "counter"},
    ),
    (
        3,
        "子育て相談をオンラインで",
        "子育ての悩みを気軽に相談したい。",
        "need",
        {"field": "childcare"},
    ),
    (
        4,
        "消防団の訓練管理",
        "消防団員の出動連絡と訓練記録をクラウドで。",
        "seed",
        {"maturity": "prototype"},
    ),
]


@pytest.fixture
def cluster(settings):
    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.ELASTICSEARCH_TIMEOUT = float(os.environ.get("ELASTICSEARCH_TIMEOUT", 5))
    settings.ELASTICSEARCH_INDEX_PREFIX = f"hacktest-{uuid.uuid4().hex[:8]}"
    core.reset()
    client = core.get_client()
    yield client
    client.options(ignore_status=404).indices.delete(
        index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*"
    )
    core.reset()


@pytest.fixture
def entries(cluster):
    encoder = get_encoder()
    vectors = encoder.encode([f"{t}\n{b}" for _, t, b, _, _ in DOCUMENTS], "passage")
    made = [
        make_entry(
            page_id,
            title,
            body,
            kind=kind,
            day=page_id,
            facets=facets,
            vector=vector,
            model_name=encoder.name,
        )
        for (page_id, title, body, kind, facets), vector in zip(
            DOCUMENTS, vectors, strict=True
        )
    ]
    reindex(batch_size=2)
    cluster.indices.refresh(index=alias_name())
    return made


def run(text="", vector=None, **query):
    filters = {k: frozenset(v) for k, v in query.pop("filters", {}).items()}
    return ElasticsearchBackend().search(
        SearchQuery(text=text, filters=filters, **query),
        analysed=analyse_query(text),
        vector=vector,
        live={"open_call": {"open": {2}}},
    )


def test_japanese_search_with_highlighting(entries):
    results = run("見守り")
    assert results.hits[0].page_id == 1
    assert "<mark>" in results.hits[0].snippet
    # Kana finds the kanji through the words SudachiPy normalised.
    assert 1 in [h.page_id for h in run("みまもり").hits]


def test_empty_query_lists_everything_newest_first(entries):
    results = run("")
    assert [h.page_id for h in results.hits] == [4, 3, 2, 1]
    assert results.total == 4


def test_facets_count_under_the_other_filters(entries):
    results = run("", filters={"kind": ["need"], "open_call": ["open"]})
    assert [h.page_id for h in results.hits] == [2]
    kinds = {c.value: c.count for c in results.facets["kind"]}
    assert kinds == {"need": 1}  # the open call's page is a need
    assert {c.value: c.count for c in results.facets["open_call"]} == {"open": 1}
    fields = {c.value: c.count for c in results.facets["field"]}
    assert fields == {"counter": 1}


def test_knn_adds_entries_close_in_meaning(entries):
    text = "お年寄りの安否確認"
    vector = get_encoder().encode([text], "query")[0]
    with_vector = [h.page_id for h in run(text, vector=vector).hits]
    assert 1 in with_vector


def test_suggestions(entries):
    backend = ElasticsearchBackend()
    assert [s.title for s in backend.suggest("高齢", limit=5)] == [
        "高齢者見守りサービス"
    ]
    assert [s.title for s in backend.suggest("こうれい", limit=5)] == [
        "高齢者見守りサービス"
    ]
    assert "高齢者見守りサービス" in [
        s.title for s in backend.suggest("見守り", limit=5)
    ]


def test_reindex_moves_the_alias_and_sync_sends_changes(cluster, entries):
    first = set(cluster.indices.get_alias(name=alias_name()).body)
    report = reindex()
    second = set(cluster.indices.get_alias(name=alias_name()).body)
    assert second == {report.index} and first != second
    assert not cluster.indices.exists(index=",".join(first))
    entry = SearchEntry.objects.get(page_id=3)
    entry.is_live = False
    entry.es_pending = True
    entry.save()
    assert sync_pending() == 1
    cluster.indices.refresh(index=alias_name())
    assert 3 not in [h.page_id for h in run("").hits]


def test_matching_vector_index(cluster):
    from hack.matching.elastic import ElasticsearchVectorIndex

    index = ElasticsearchVectorIndex("seed", dim=3, model_name="test")
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0]], dtype=np.float32)
    index.add([1, 2, 3], vectors, texts=["見守りセンサー", "窓口予約", "見守りカメラ"])
    index.refresh()
    found = index.search(np.array([1.0, 0.0, 0.0]), 2)
    assert [key for key, _ in found] == [1, 3]
    assert found[0][1] == pytest.approx(1.0, abs=1e-3)
    assert [k for k, _ in index.search(np.array([1.0, 0, 0]), 2, allowed=[2, 3])] == [
        3,
        2,
    ]
    hybrid = index.hybrid_search(text="窓口", vector=np.array([1.0, 0, 0]), k=3)
    assert {key for key, _ in hybrid} == {1, 2, 3}
