"""Relevance adds the matching encoder's similarity to the words (issue 6's
example: 独居高齢者 also finds a seed that only says 一人暮らしのシニア)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hack.matching.encoders import get_encoder
from hack.matching.text import prepare_text
from hack.search.analysis import analyse_document, analyse_query
from hack.search.indexing import VECTOR_TEXT_CHARS
from hack.search.memory import InMemorySearchIndex, Row
from hack.search.query import SearchQuery

DEMO = Path(__file__).resolve().parents[2] / "cms" / "demo_data" / "demo.json"
SENIOR = (
    "一人暮らしのシニアに毎朝の声かけ",
    "一人暮らしのシニアのお宅に毎朝電話をかけ、元気かどうかを確かめます。"
    "応答がなければご家族に知らせます。",
)


@pytest.fixture(scope="module")
def index():
    seeds = json.loads(DEMO.read_text(encoding="utf-8"))["seeds"][:40]
    documents = [(s["title"], s["text"]) for s in seeds] + [SENIOR]
    encoder = get_encoder()
    vectors = encoder.encode(
        [prepare_text(t, b).text[:VECTOR_TEXT_CHARS] for t, b in documents], "passage"
    )
    rows = []
    for number, ((title, body), vector) in enumerate(
        zip(documents, vectors, strict=True)
    ):
        analysed = analyse_document(title, body)
        rows.append(
            Row(
                number,
                "seed",
                title,
                f"/s/{number}/",
                datetime(2026, 1, 1, tzinfo=UTC),
                {},
                analysed.lengths,
                analysed.title_reading,
                analysed.hashes,
                analysed.counts,
                vector,
            )
        )
    index = InMemorySearchIndex(dim=encoder.dim)
    index.apply(rows)
    return index


def _search(index, text):
    analysed = analyse_query(text)
    vector = get_encoder().encode([analysed.text], "query")[0]
    return index.search(
        SearchQuery(text=text, per_page=50), analysed=analysed, vector=vector, live={}
    )


def test_a_seed_with_no_shared_word_is_found_by_meaning(index):
    analysed = analyse_query("独居高齢者")
    senior = index._row_of[40]
    assert index.lexical_scores(analysed)[senior] == 0  # no word in common
    titles = [hit.title for hit in _search(index, "独居高齢者").hits]
    assert SENIOR[0] in titles


def test_meaning_does_not_flood_the_results(index):
    results = _search(index, "独居高齢者")
    lexical = index.lexical_scores(analyse_query("独居高齢者"))
    by_words = int((lexical > 0).sum())
    assert results.total <= by_words + 10
