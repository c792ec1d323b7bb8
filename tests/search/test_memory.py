"""The embedded index: BM25 + meaning, facets, order, pages, suggestions."""

import random
from datetime import UTC, datetime

import numpy as np
import pytest

from hack.search import memory
from hack.search.analysis import analyse_document, analyse_query
from hack.search.memory import InMemorySearchIndex, Row
from hack.search.query import SearchQuery

DIM = 8


def row(page_id, title, body="", *, kind="need", day=1, facets=None, vector=None):
    analysed = analyse_document(title, body)
    return Row(
        page_id=page_id,
        kind=kind,
        title=title,
        url=f"/p/{page_id}/",
        date=datetime(2026, 1, day, tzinfo=UTC),
        facets=facets or {},
        lengths=analysed.lengths,
        title_reading=analysed.title_reading,
        hashes=analysed.hashes,
        counts=analysed.counts,
        vector=vector,
    )


def unit(*values):
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def search(index, text="", vector=None, live=None, **query):
    return index.search(
        SearchQuery(text=text, **query),
        analysed=analyse_query(text),
        vector=vector,
        live=live or {},
    )


def titles(results):
    return [hit.title for hit in results.hits]


@pytest.fixture
def index():
    index = InMemorySearchIndex(dim=DIM)
    index.apply(
        [
            row(
                1,
                "高齢者見守りサービス",
                "センサーで独居の高齢者を見守ります。",
                kind="seed",
                day=3,
                facets={"maturity": "validated", "match_type": "3"},
            ),
            row(
                2,
                "窓口の待ち時間を減らしたい",
                "区役所の窓口が混んでいます。",
                day=5,
                facets={"field": "counter", "stage": "published"},
            ),
            row(
                3,
                "子育て相談をオンラインで",
                "子育ての悩みを相談したい。",
                day=2,
                facets={"field": "childcare", "stage": "open_for_ideas"},
            ),
            row(
                4,
                "見守り活動の記録を楽にしたい",
                "民生委員の見守り訪問の記録。",
                day=4,
                facets={"field": "welfare", "stage": "published"},
            ),
        ]
    )
    return index


def test_finds_every_spelling_and_ranks_the_title_match_first(index):
    for text in ("見守り", "みまもり", "見守る"):
        assert set(titles(search(index, text))) == {
            "高齢者見守りサービス",
            "見守り活動の記録を楽にしたい",
        }


def test_an_entry_with_every_word_ranks_above_one_with_some(index):
    results = search(index, "見守り 記録")
    assert titles(results)[0] == "見守り活動の記録を楽にしたい"
    assert results.hits[0].score > results.hits[1].score


def test_facet_counts_apply_every_other_facets_filter(index):
    results = search(index, filters={"field": frozenset({"welfare"})})
    assert titles(results) == ["見守り活動の記録を楽にしたい"]
    counts = {k: {c.value: c.count for c in v} for k, v in results.facets.items()}
    # The field facet itself is counted without its own filter: its other
    # values stay visible to choose instead.
    assert counts["field"] == {"counter": 1, "childcare": 1, "welfare": 1}
    assert counts["kind"] == {"need": 1}
    assert counts["stage"] == {"published": 1}


def test_values_of_one_facet_widen_and_facets_narrow(index):
    either = search(index, filters={"field": frozenset({"welfare", "counter"})})
    assert either.total == 2
    both = search(
        index,
        filters={
            "field": frozenset({"welfare", "counter"}),
            "stage": frozenset({"open_for_ideas"}),
        },
    )
    assert both.total == 0


def test_live_facets_come_from_the_pages_given_at_search_time(index):
    live = {"open_call": {"open": {3, 99}}}
    results = search(index, live=live, filters={"open_call": frozenset({"open"})})
    assert titles(results) == ["子育て相談をオンラインで"]
    assert [
        (c.value, c.count) for c in search(index, live=live).facets["open_call"]
    ] == [("open", 1)]


def test_unknown_filter_values_match_nothing(index):
    assert search(index, filters={"field": frozenset({"nope"})}).total == 0


def test_empty_query_lists_everything_newest_first(index):
    assert [h.page_id for h in search(index).hits] == [2, 4, 1, 3]


def test_sort_newest_orders_matches_by_date(index):
    results = search(index, "見守り", sort="newest")
    assert [h.page_id for h in results.hits] == [4, 1]


def test_pages_do_not_overlap_and_a_page_past_the_end_is_empty(index):
    first = search(index, per_page=3)
    second = search(index, per_page=3, page=2)
    assert [h.page_id for h in first.hits] + [h.page_id for h in second.hits] == [
        2,
        4,
        1,
        3,
    ]
    past = search(index, per_page=3, page=50)
    assert past.hits == []
    assert past.total == 4


def test_words_with_nothing_to_search_match_nothing(index):
    assert search(index, "のをに").total == 0


def test_replacing_and_removing_entries(index):
    index.apply([row(2, "窓口のデジタル化", "オンライン申請")])
    assert search(index, "待ち時間").total == 0
    assert titles(search(index, "デジタル")) == ["窓口のデジタル化"]
    index.remove([2])
    assert search(index, "窓口").total == 0
    assert len(index) == 3
    assert 2 not in index


def test_meaning_finds_an_entry_without_a_shared_word():
    index = InMemorySearchIndex(dim=DIM)
    index.apply(
        [row(1, "独居高齢者の安否確認", vector=unit(1, 0.1))]
        + [row(2, "一人暮らしのシニアに毎朝の声かけ", vector=unit(1, 0.15))]
        + [row(10 + i, f"道路工事 {i}", vector=unit(0.2, 1, i / 10)) for i in range(20)]
    )
    results = search(index, "独居高齢者", vector=unit(1, 0.12))
    assert titles(results) == [
        "独居高齢者の安否確認",
        "一人暮らしのシニアに毎朝の声かけ",
    ]
    # A query close to nothing admits nothing by meaning.
    assert search(index, "独居高齢者", vector=unit(0, 0, 0, 1)).total == 1


def test_semantic_only_matches_are_capped(monkeypatch):
    monkeypatch.setattr(memory, "SEMANTIC_ONLY", 3)
    index = InMemorySearchIndex(dim=DIM)
    index.apply([row(i, f"項目 {i}", vector=unit(1, 0.001 * i)) for i in range(1, 11)])
    index.apply([row(99 + i, "遠い", vector=unit(0, 1)) for i in range(11)])
    assert search(index, "独居高齢者", vector=unit(1, 0)).total == 3


def test_merging_segments_and_compaction_keep_the_same_answers():
    rng = random.Random(7)  # noqa: S311 - a reproducible sequence
    words = ["見守り", "窓口", "子育て", "防災", "ごみ", "交通", "観光", "健康"]
    index = InMemorySearchIndex(dim=DIM)
    expected = {}
    for _ in range(60):
        page_id = rng.randrange(40)
        if rng.random() < 0.25:
            index.remove([page_id])
            expected.pop(page_id, None)
        else:
            title = " ".join(rng.sample(words, 2))
            index.apply([row(page_id, title, day=1 + page_id % 28)])
            expected[page_id] = title
    assert len(index._segments) <= memory.MAX_SEGMENTS + 1
    fresh = InMemorySearchIndex(dim=DIM)
    fresh.apply([row(p, t, day=1 + p % 28) for p, t in expected.items()])
    for word in words:
        got = search(index, word, per_page=100)
        want = search(fresh, word, per_page=100)
        assert {h.page_id for h in got.hits} == {h.page_id for h in want.hits}
        assert got.total == want.total
    assert len(index) == len(expected)


def test_suggestions_match_titles_and_their_reading_prefix_first(index):
    assert [s.title for s in index.suggest("見守り", limit=5)] == [
        "見守り活動の記録を楽にしたい",
        "高齢者見守りサービス",
    ]
    # Typed in kana before the conversion to kanji.
    assert [s.title for s in index.suggest("みまもり", limit=5)][0].startswith("見守り")
    assert [s.title for s in index.suggest("こそだて", limit=5)] == [
        "子育て相談をオンラインで"
    ]
    assert index.suggest("見守り", limit=1)[0].url == "/p/4/"
    assert index.suggest("", limit=5) == []
    assert index.suggest("存在しない", limit=5) == []


def test_suggestions_forget_removed_titles(index):
    index.remove([4])
    assert [s.title for s in index.suggest("見守り", limit=5)] == [
        "高齢者見守りサービス"
    ]
