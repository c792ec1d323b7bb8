"""The Elasticsearch backend against a local stub: a closed port, a server
that hangs, one that answers 503, canned JSON, and a tiny fake cluster for
bulk writes, es_pending and the zero-downtime reindex.

Timing bounds are generous on purpose (a failure must come back within a few
timeouts, never hang); nothing here measures speed.
"""

import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from hack.core import elastic as core
from hack.search import elastic_reindex
from hack.search.analysis import analyse_query
from hack.search.backends import BackendUnavailable
from hack.search.elastic import (
    ElasticsearchBackend,
    alias_name,
    mark_sent,
    sync_pending,
)
from hack.search.elastic_reindex import NothingToResume, builds_in_progress, reindex
from hack.search.models import SearchEntry
from hack.search.query import SearchQuery
from tests.search.conftest_elastic import es_reset, es_stub, make_entry  # noqa: F401
from tests.search.es_stub import StubServer, refused_url
from tests.search.test_elastic import CANNED

TIMEOUT = 0.5


def search(backend, text="見守り"):
    return backend.search(
        SearchQuery(text=text),
        analysed=analyse_query(text),
        vector=None,
        live={"open_call": {"open": set()}},
    )


@pytest.fixture
def fast_timeout(settings, es_reset):  # noqa: F811
    settings.ELASTICSEARCH_TIMEOUT = TIMEOUT
    settings.ELASTICSEARCH_INDEX_PREFIX = "test"


@pytest.fixture
def hanging(settings, fast_timeout):
    with StubServer("hang", hang_seconds=TIMEOUT * 20) as server:
        settings.ELASTICSEARCH_URL = server.url
        yield server


@pytest.fixture
def unavailable(settings, fast_timeout):
    with StubServer("503") as server:
        settings.ELASTICSEARCH_URL = server.url
        yield server


@pytest.fixture
def canned(settings, fast_timeout):
    with StubServer("json", canned=CANNED) as server:
        settings.ELASTICSEARCH_URL = server.url
        yield server


def assert_unavailable_quickly(call):
    started = time.monotonic()
    with pytest.raises(BackendUnavailable):
        call()
    assert time.monotonic() - started < TIMEOUT * 3


# -- failure modes -------------------------------------------------------------


def test_refused_connection_falls_back_quickly_then_the_circuit_is_open(
    settings, fast_timeout
):
    settings.ELASTICSEARCH_URL = refused_url()
    backend = ElasticsearchBackend()
    assert_unavailable_quickly(lambda: search(backend))
    assert core.get_breaker().is_open
    with pytest.raises(BackendUnavailable, match="not trying again"):
        search(backend)


def test_a_server_slower_than_the_timeout_falls_back_within_it(hanging):
    backend = ElasticsearchBackend()
    assert_unavailable_quickly(lambda: search(backend))
    assert len(hanging.requests) == 1
    # The circuit is open: refused without a network call, for every caller.
    assert_unavailable_quickly(lambda: search(ElasticsearchBackend()))
    assert_unavailable_quickly(lambda: ElasticsearchBackend().suggest("見", limit=5))
    assert len(hanging.requests) == 1


def test_503_falls_back(unavailable):
    backend = ElasticsearchBackend()
    assert_unavailable_quickly(lambda: search(backend))
    assert core.get_breaker().is_open
    assert_unavailable_quickly(lambda: search(backend))
    assert len(unavailable.requests) == 1


def test_after_the_cool_down_one_trial_finds_the_cluster_back(unavailable):
    backend = ElasticsearchBackend()
    with pytest.raises(BackendUnavailable):
        search(backend)
    breaker = core.get_breaker()
    breaker.cool_down = 0
    unavailable.mode = "json"
    unavailable.canned = CANNED
    assert search(backend).total == 42
    assert not breaker.is_open


def test_canned_answer_is_parsed(canned):
    results = search(ElasticsearchBackend())
    assert results.backend == "elasticsearch"
    assert [h.page_id for h in results.hits] == [5, 9]
    assert "<mark>高齢者</mark>" in results.hits[0].snippet


def test_a_refused_request_falls_back_without_opening_the_circuit(es_stub):  # noqa: F811
    # No alias yet: 404 from a live cluster.
    with pytest.raises(BackendUnavailable):
        search(ElasticsearchBackend())
    assert not core.get_breaker().is_open


def test_unset_url(settings, es_reset):  # noqa: F811
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(BackendUnavailable):
        search(ElasticsearchBackend())
    assert sync_pending() == 0


def test_search_and_suggest_go_to_the_alias(es_stub):  # noqa: F811
    es_stub.cluster.indices["test-search-1"] = {
        "settings": {},
        "mappings": {},
        "docs": {},
    }
    es_stub.cluster.aliases["test-search"] = {"test-search-1"}
    es_stub.cluster.search_response = {
        "suggest": {
            "title": [
                {
                    "options": [
                        {"_source": {"title": "見守り", "url": "/p/1/", "kind": "need"}}
                    ]
                }
            ]
        }
    }
    suggestions = ElasticsearchBackend().suggest("見", limit=3)
    assert [s.title for s in suggestions] == ["見守り"]
    assert ("POST", "/test-search/_search") in es_stub.requests


# -- writes and es_pending ----------------------------------------------------------


def with_alias(stub, index="test-search-1"):
    stub.cluster.indices[index] = {"settings": {}, "mappings": {}, "docs": {}}
    stub.cluster.aliases["test-search"] = {index}
    return stub.cluster.indices[index]["docs"]


@pytest.mark.django_db
def test_index_entries_leaves_rows_pending_while_the_cluster_is_away(
    settings, fast_timeout
):
    settings.ELASTICSEARCH_URL = refused_url()
    entry = make_entry(1, "高齢者見守り")
    assert_unavailable_quickly(lambda: ElasticsearchBackend().index_entries([entry]))
    entry.refresh_from_db()
    assert entry.es_pending
    # Circuit open: sync_pending does nothing, raises nothing.
    assert sync_pending() == 0


@pytest.mark.django_db
def test_index_entries_without_the_alias_never_creates_an_index(es_stub):  # noqa: F811
    entry = make_entry(1, "高齢者見守り")
    with pytest.raises(BackendUnavailable):
        ElasticsearchBackend().index_entries([entry])
    assert es_stub.cluster.indices == {}
    entry.refresh_from_db()
    assert entry.es_pending


@pytest.mark.django_db
def test_index_entries_clears_pending_for_what_the_cluster_took(es_stub):  # noqa: F811
    docs = with_alias(es_stub)
    live = make_entry(1, "高齢者見守り", "センサー", facets={"field": "welfare"})
    gone = make_entry(2, "窓口", live=False)
    ElasticsearchBackend().index_entries([live, gone])
    assert docs["1"]["title"] == "高齢者見守り"
    assert docs["1"]["field"] == "welfare"
    assert "2" not in docs
    assert not SearchEntry.objects.filter(es_pending=True).exists()


@pytest.mark.django_db
def test_a_refused_entry_stays_pending_and_the_caller_hears_of_it(es_stub):  # noqa: F811
    docs = with_alias(es_stub)
    es_stub.cluster.refuse_ids = {"2"}
    entries = [make_entry(1, "一"), make_entry(2, "二")]
    with pytest.raises(BackendUnavailable):
        ElasticsearchBackend().index_entries(entries)
    assert set(docs) == {"1"}
    assert list(
        SearchEntry.objects.filter(es_pending=True).values_list("page_id", flat=True)
    ) == [2]


@pytest.mark.django_db
def test_sync_pending_sends_what_was_missed_once_the_cluster_is_back(
    settings,
    es_stub,  # noqa: F811
):
    docs = with_alias(es_stub)
    docs["3"] = {"title": "old"}
    make_entry(1, "一")
    make_entry(2, "二", es_pending=False)
    make_entry(3, "三", live=False)
    make_entry(4, "四")
    url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = refused_url()
    assert sync_pending() == 0
    assert SearchEntry.objects.filter(es_pending=True).count() == 3
    settings.ELASTICSEARCH_URL = url
    assert sync_pending(batch_size=2) == 3
    assert set(docs) == {"1", "4"}
    assert not SearchEntry.objects.filter(es_pending=True).exists()


@pytest.mark.django_db
def test_a_row_changed_after_it_was_read_stays_pending():
    entry = make_entry(1, "一")
    stale = SearchEntry.objects.get(pk=entry.pk)
    time.sleep(0.01)
    entry.title = "一の二"
    entry.save()
    assert mark_sent([stale], {1}) == 0
    assert SearchEntry.objects.get(pk=entry.pk).es_pending


@pytest.mark.django_db
def test_remove(es_stub):  # noqa: F811
    docs = with_alias(es_stub)
    docs.update({"1": {}, "2": {}})
    ElasticsearchBackend().remove([1, 5])
    assert set(docs) == {"2"}


# -- the zero-downtime reindex ---------------------------------------------


class Interrupted(Exception):
    pass


@pytest.mark.django_db
def test_reindex_builds_a_new_index_and_moves_the_alias(es_stub):  # noqa: F811
    cluster = es_stub.cluster
    old = with_alias(es_stub, "test-search-20000101000000")
    old["99"] = {"title": "stale"}
    for page_id in (3, 1, 2):
        make_entry(page_id, f"ページ{page_id}")
    make_entry(4, "非公開", live=False)
    steps = []
    report = reindex(batch_size=2, progress=lambda *step: steps.append(step))
    index = report.index
    assert cluster.aliases["test-search"] == {index}
    assert list(cluster.indices) == [index]
    assert report.deleted == ["test-search-20000101000000"]
    assert set(cluster.indices[index]["docs"]) == {"1", "2", "3"}
    assert (report.loaded, report.failed, report.resumed) == (3, 0, False)
    assert steps[0] == ("elasticsearch", 0, 3) and steps[-1] == ("elasticsearch", 3, 3)
    mappings = cluster.indices[index]["mappings"]
    assert mappings["_meta"]["hack_reindex"]["state"] == "complete"
    assert mappings["_meta"]["hack_reindex"]["analyser"] == "kuromoji"
    assert cluster.indices[index]["settings"]["analysis"]["tokenizer"]
    assert not SearchEntry.objects.filter(es_pending=True).exists()


@pytest.mark.django_db
def test_reindex_without_kuromoji_uses_the_fallback(es_stub):  # noqa: F811
    es_stub.cluster.plugins = []
    make_entry(1, "一")
    report = reindex()
    created = es_stub.cluster.indices[report.index]
    assert "tokenizer" not in created["settings"]["analysis"]
    assert created["mappings"]["_meta"]["hack_reindex"]["analyser"] == "fallback"


@pytest.mark.django_db
def test_an_interrupted_reindex_resumes_where_it_stopped(es_stub):  # noqa: F811
    cluster = es_stub.cluster
    with_alias(es_stub, "test-search-20000101000000")
    for page_id in range(1, 6):
        make_entry(page_id, f"ページ{page_id}")

    def stop_after_first_batch(stage, done, total):
        if done == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        reindex(batch_size=2, progress=stop_after_first_batch)
    # The alias still points at the old index; the new one knows how far it got.
    assert cluster.aliases["test-search"] == {"test-search-20000101000000"}
    (build,) = builds_in_progress(core.get_client())
    assert (build.last_page_id, build.loaded) == (2, 2)
    assert set(cluster.indices[build.index]["docs"]) == {"1", "2"}

    requests_before = len(es_stub.requests)
    report = reindex(resume=True, batch_size=2)
    assert report.resumed and report.index == build.index
    assert report.loaded == 5
    assert set(cluster.indices[build.index]["docs"]) == {"1", "2", "3", "4", "5"}
    assert cluster.aliases["test-search"] == {build.index}
    bulk_requests = [r for r in es_stub.requests[requests_before:] if r[1] == "/_bulk"]
    # Pages 3–4, then 5, then the (empty) catch-ups send nothing.
    assert len(bulk_requests) == 2
    with pytest.raises(NothingToResume):
        reindex(resume=True)


@pytest.mark.django_db
def test_rows_changed_during_the_build_reach_the_new_index(es_stub, monkeypatch):  # noqa: F811
    cluster = es_stub.cluster
    with_alias(es_stub, "test-search-20000101000000")
    make_entry(1, "一")
    make_entry(2, "二")
    load = elastic_reindex.load

    def load_then_change(client, build, **kwargs):
        load(client, build, **kwargs)
        # Published and retired while the build ran (sent to the old index).
        make_entry(3, "三")
        SearchEntry.objects.filter(page_id=1).update(is_live=False)
        entry = SearchEntry.objects.get(page_id=1)
        entry.save()

    monkeypatch.setattr(elastic_reindex, "load", load_then_change)
    report = reindex()
    assert set(cluster.indices[report.index]["docs"]) == {"2", "3"}


@pytest.mark.django_db
def test_an_index_created_by_early_writes_is_replaced_by_the_alias(es_stub):  # noqa: F811
    cluster = es_stub.cluster
    cluster.indices["test-search"] = {"settings": {}, "mappings": {}, "docs": {}}
    make_entry(1, "一")
    report = reindex()
    assert "test-search" not in cluster.indices
    assert cluster.aliases["test-search"] == {report.index}


@pytest.mark.django_db
def test_a_refused_entry_is_left_pending_after_the_reindex(es_stub):  # noqa: F811
    es_stub.cluster.refuse_ids = {"2"}
    make_entry(1, "一")
    make_entry(2, "二")
    report = reindex()
    assert report.failed == 1
    pending = SearchEntry.objects.filter(es_pending=True)
    assert list(pending.values_list("page_id", flat=True)) == [2]


# -- the command -----------------------------------------------------------


@pytest.mark.django_db
def test_command(es_stub, capsys):  # noqa: F811
    make_entry(1, "一")
    call_command("reindex_elasticsearch", "--batch-size", "10")
    out = capsys.readouterr().out
    assert "1 entries loaded" in out and "The alias now points at test-search-" in out
    call_command("reindex_elasticsearch", "--resume")
    assert "No interrupted build to resume." in capsys.readouterr().out
    assert alias_name() in es_stub.cluster.aliases


def test_command_without_a_url(settings):
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL is not set"):
        call_command("reindex_elasticsearch")


@pytest.mark.django_db
def test_command_with_the_cluster_away(settings, fast_timeout):
    settings.ELASTICSEARCH_URL = refused_url()
    make_entry(1, "一")
    with pytest.raises(CommandError, match="unavailable.*--resume"):
        call_command("reindex_elasticsearch")


# -- the matching vector index ---------------------------------------------


def test_matching_vector_index_on_the_stub(es_stub):  # noqa: F811
    from hack.matching.elastic import ElasticsearchVectorIndex

    index = ElasticsearchVectorIndex("seed", dim=2, model_name="m")
    index.add(
        [7, 8],
        np.array([[1, 0], [0, 1]]),
        texts=["見守り", "窓口"],
        tokens=[["見守る"], ["窓口"]],
    )
    created = es_stub.cluster.indices["test-matching-seed"]
    assert created["mappings"]["_meta"] == {"model": "m", "dims": 2}
    assert created["docs"]["7"] == {
        "key": "7",
        "vector": [1.0, 0.0],
        "text": "見守り",
        "tokens": "見守る",
    }
    # A vector alone changes: the text stays.
    index.add([7], np.array([[0.6, 0.8]]))
    assert created["docs"]["7"]["text"] == "見守り"
    index.remove([8])
    assert set(created["docs"]) == {"7"}
    es_stub.cluster.search_response = {
        "hits": {"hits": [{"_id": "7", "_score": 0.9}, {"_id": "8", "_score": 0.5}]}
    }
    assert index.search(np.array([1.0, 0.0]), 2) == [
        (7, pytest.approx(0.8)),
        (8, pytest.approx(0.0)),
    ]
    assert index.search(np.array([1.0, 0.0]), 2, allowed=[]) == []
    hybrid = index.hybrid_search(text="見守り", vector=np.array([1.0, 0.0]), k=2)
    assert hybrid == [(7, 0.9), (8, 0.5)]


def test_matching_index_of_another_model_is_recreated(es_stub):  # noqa: F811
    from hack.matching.elastic import ElasticsearchVectorIndex

    ElasticsearchVectorIndex("need", dim=2, model_name="old").add([1], np.ones((1, 2)))
    index = ElasticsearchVectorIndex("need", dim=3, model_name="new")
    assert index.ensure_index() is True
    meta = es_stub.cluster.indices["test-matching-need"]["mappings"]["_meta"]
    assert meta == {"model": "new", "dims": 3}
    assert es_stub.cluster.indices["test-matching-need"]["docs"] == {}


def test_matching_index_away(settings, fast_timeout):
    from hack.core.elastic import ElasticsearchUnavailable
    from hack.matching.elastic import ElasticsearchVectorIndex

    settings.ELASTICSEARCH_URL = refused_url()
    index = ElasticsearchVectorIndex("seed", dim=2)
    with pytest.raises(ElasticsearchUnavailable):
        index.search(np.array([1.0, 0.0]), 3)


# -- the engine falls back -------------------------------------------------------


@pytest.mark.django_db
def test_the_engine_answers_from_the_embedded_index_while_the_cluster_fails(
    unavailable, fresh_index
):
    from hack.search import engine

    make_entry(1, "高齢者見守りサービス", "センサーで見守ります。")
    results = engine.run_search(SearchQuery(text="見守り"))
    assert results.backend == "embedded" and results.fell_back
    assert [h.page_id for h in results.hits] == [1]
    assert [s.title for s in engine.suggest("高齢")] == ["高齢者見守りサービス"]


@pytest.mark.django_db
def test_sync_pending_gives_up_within_the_timeout_on_a_hanging_cluster(hanging):
    make_entry(1, "一")
    started = time.monotonic()
    assert sync_pending() == 0
    assert time.monotonic() - started < TIMEOUT * 3
    assert SearchEntry.objects.get(page_id=1).es_pending
