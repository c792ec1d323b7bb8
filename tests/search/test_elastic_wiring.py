"""Publishing and matching with ELASTICSEARCH_URL set: nothing waits on a
cluster that is away, and matching takes its candidates when it can."""

import numpy as np
import pytest

from hack.core import elastic as core_elastic
from hack.matching import elastic as matching_elastic
from hack.matching.models import Embedding, Match
from hack.matching.suggestions import refresh_suggestions_for_need
from hack.search import engine
from hack.search.models import SearchEntry
from hack.search.query import SearchQuery
from tests import factories
from tests.matching.factories import CARE_NEED, CARE_SEED, TOURISM_SEED, embed
from tests.search.es_stub import StubServer, refused_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mode", ["refuse", "503", "hang"])
def test_publishing_never_fails_or_waits_long_when_the_cluster_is_away(
    people,
    indexing,
    settings,
    es_reset,
    monkeypatch,
    mode,
):
    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    settings.ELASTICSEARCH_INDEX_PREFIX = "test"
    server = None
    if mode == "refuse":
        settings.ELASTICSEARCH_URL = refused_url()
    else:
        server = StubServer(mode, hang_seconds=10).__enter__()
        settings.ELASTICSEARCH_URL = server.url
    try:
        need = indexing(
            factories.make_need,
            people["department"],
            people["staff"],
            publish_by=people["coordinator"],
            title="高齢者の見守りを広げたい",
        )
        entry = SearchEntry.objects.get(page_id=need.pk)
        assert entry.is_live and entry.es_pending  # sent again when it is back
        results = engine.run_search(SearchQuery(text="見守り"))
        assert results.fell_back
        assert [h.page_id for h in results.hits] == [need.pk]
    finally:
        if server is not None:
            server.__exit__(None, None, None)


def test_no_candidates_without_a_cluster_or_for_a_small_corpus(settings, es_reset):
    item = type("Item", (), {"tokens": ["見守る"], "vector": np.ones(2)})()
    settings.ELASTICSEARCH_URL = ""
    assert (
        matching_elastic.candidate_seeds(
            item, corpus_size=10_000, dim=2, model_name="m"
        )
        is None
    )
    # A small corpus is ranked whole without asking the cluster at all.
    settings.ELASTICSEARCH_URL = refused_url()
    assert (
        matching_elastic.candidate_seeds(item, corpus_size=10, dim=2, model_name="m")
        is None
    )
    assert not core_elastic.get_breaker().is_open


def test_embeddings_reach_the_cluster_and_candidates_come_back(
    people,
    es_stub,
    monkeypatch,
):
    seeds = [
        factories.make_seed(
            people["organization"],
            people["member"],
            publish_by=people["coordinator"],
            **data,
        )
        for data in (CARE_SEED, TOURISM_SEED)
    ]
    embeddings = embed(*seeds)
    assert matching_elastic.push_embeddings(embeddings) == 2
    docs = es_stub.cluster.indices["test-matching-seed"]["docs"]
    assert set(docs) == {str(s.pk) for s in seeds}
    assert len(docs[str(seeds[0].pk)]["vector"]) == embeddings[0].dim
    monkeypatch.setattr(matching_elastic, "CANDIDATES", 1)
    es_stub.cluster.search_response = {
        "hits": {"hits": [{"_id": str(seeds[0].pk), "_score": 3.0}]}
    }
    item = type(
        "Item", (), {"tokens": ["見守る"], "vector": embeddings[0].get_vector()}
    )()
    assert matching_elastic.candidate_seeds(
        item, corpus_size=2, dim=embeddings[0].dim, model_name=embeddings[0].model_name
    ) == [seeds[0].pk]


def test_suggestions_rank_only_the_candidates_the_cluster_proposed(people, monkeypatch):
    need = factories.make_need(
        people["department"],
        people["staff"],
        publish_by=people["coordinator"],
        **CARE_NEED,
    )
    seeds = [
        factories.make_seed(
            people["organization"],
            people["member"],
            publish_by=people["coordinator"],
            **data,
        )
        for data in (CARE_SEED, TOURISM_SEED)
    ]
    embed(need, *seeds)
    asked = {}

    def propose(item, **kwargs):
        asked.update(kwargs)
        return [seeds[1].pk]

    monkeypatch.setattr(matching_elastic, "candidate_seeds", propose)
    refresh_suggestions_for_need(need_id=need.pk)
    assert asked["corpus_size"] == 2
    assert list(Match.objects.filter(need=need).values_list("seed_id", flat=True)) == [
        seeds[1].pk
    ]
    assert Embedding.objects.filter(is_current=True).count() == 3
